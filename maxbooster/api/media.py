"""`GET|HEAD /api/media/{token}`: a stored file for its owner, by signed URL (services/media.py).

Local storage streams the bytes with HTTP Range support (audio seeking); S3 answers with a 307
to a presigned URL of the bucket. Any token problem or a requester other than the owner is a 404
with the common error body. The requester is the session cookie's user (audio elements send it
on same-origin requests) or the user of an `Authorization: Bearer` token.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from maxbooster import routes
from maxbooster.api.deps import DbSession, ViewerActor
from maxbooster.api.errors import error_body
from maxbooster.services import media
from maxbooster.services.errors import MESSAGES, ErrorCode
from maxbooster.services.storage import content_disposition, get_storage

router = APIRouter(tags=["media"])

_ERROR = {"application/json": {"example": {"error": {"code": "not_found", "message": MESSAGES[ErrorCode.NOT_FOUND]}}}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The whole file (local storage).", "content": {"audio/*": {}, "application/octet-stream": {}}},
    206: {"description": "The requested byte range (`Range: bytes=a-b`, `a-` or `-n`), with `Content-Range`."},
    307: {"description": "S3 storage: a redirect to a presigned URL of the bucket, valid no longer than the token."},
    404: {"description": "Unknown, tampered or expired token, or the requester is not the file's owner.",
          "content": _ERROR},
    416: {"description": "The range starts past the end of the file; `Content-Range: bytes */<size>`.",
          "content": _ERROR},
}
DESCRIPTION = ("Serves one stored file to its owner. The URL comes from the app (it is signed and expires); "
               "the requester must be the owner, signed in by session cookie or `Authorization: Bearer`.")


def _serve(request: Request, token: str, db: DbSession, actor: ViewerActor, *, head: bool) -> Response:
    grant = media.authorize(session=db, actor=actor, token=token)
    store = get_storage()
    url = store.presigned_get(grant.key, filename=grant.filename, content_type=grant.content_type,
                              disposition=grant.disposition, expires_s=int(grant.seconds_left()))
    if url is not None:
        return RedirectResponse(url, status_code=307, headers={"Cache-Control": "no-store"})
    size = store.size(grant.key)
    try:
        part = media.byte_range(request.headers.get("range"), size)
    except media.RangeNotSatisfiable:
        return error_body(ErrorCode.RANGE_NOT_SATISFIABLE, MESSAGES[ErrorCode.RANGE_NOT_SATISFIABLE], 416,
                          {"Content-Range": f"bytes */{size}"})
    start, length = (part.start, part.length) if part else (0, size)
    headers = {
        "Accept-Ranges": "bytes", "Content-Type": grant.content_type, "Content-Length": str(length),
        "Content-Disposition": content_disposition(grant.disposition, grant.filename),
        "Cache-Control": grant.cache, "Vary": "Cookie, Authorization",
    }
    if part:
        headers["Content-Range"] = f"bytes {part.start}-{part.end}/{size}"
    status = 206 if part else 200
    if head:
        return Response(status_code=status, headers=headers)
    return StreamingResponse(media.iter_bytes(key=grant.key, start=start, length=length, storage=store),
                             status_code=status, headers=headers)


@router.get(routes.MEDIA_TOKEN, summary="Get a stored file by signed URL", description=DESCRIPTION,
            responses=RESPONSES, response_class=Response)
def get_media(request: Request, token: str, db: DbSession, actor: ViewerActor) -> Response:
    return _serve(request, token, db, actor, head=False)


@router.head(routes.MEDIA_TOKEN, summary="Headers of a stored file by signed URL", description=DESCRIPTION,
             responses=RESPONSES, response_class=Response)
def head_media(request: Request, token: str, db: DbSession, actor: ViewerActor) -> Response:
    return _serve(request, token, db, actor, head=True)
