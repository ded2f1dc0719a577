"""Signed media URLs: `/api/media/<token>` serves one stored file to its owner, with no database row.

The token is base64url(JSON payload) + "." + base64url(HMAC-SHA256), keyed by a key derived from
SECRET_KEY. The payload names the owner, the storage key, the expiry (unix seconds) and how to
serve the bytes (file name, content type, inline/attachment, Cache-Control). A bad signature, a
malformed or expired token, and a requester who is not the owner all read as the same NotFound.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from sqlmodel import Session

from maxbooster import routes
from maxbooster.services import audit
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.services.storage import CHUNK, Disposition, StorageBackend, check_key, clean_filename, get_storage
from maxbooster.settings import get_settings

MAX_TOKEN_CHARS = 4096
SEND_CHUNK = 64 * 1024
MAX_EXPIRES_S = 7 * 24 * 3600
PAGE_TTL_S = 3600  # URLs shown on pages (the owner's session is needed as well)
PUBLIC = "*"  # in a token's owner field: served to anyone (public=True)
DEFAULT_CACHE = "private, max-age=300"
IMMUTABLE_CACHE = "private, max-age=31536000, immutable"  # for content-addressed keys
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
# Types a browser may show inline from our origin; anything else (HTML, SVG, XML, scripts …)
# is sent as a download of application/octet-stream, so no stored file can run in our origin.
_INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "text/plain",
                 "application/json", "application/octet-stream"}
_CACHE_DIRECTIVE = re.compile(r"^(private|no-store|no-cache|must-revalidate|immutable|max-age=\d{1,9})$")


@dataclass(frozen=True)
class MediaGrant:
    """What a valid token allows: serve `key` of `owner_id` this way until `expires_at`."""

    owner_id: uuid.UUID
    key: str
    expires_at: int
    filename: str
    content_type: str
    disposition: Disposition
    cache: str
    public: bool = False  # anyone may fetch it (a release's cover on its public smart link page)

    def seconds_left(self, now: float | None = None) -> float:
        return self.expires_at - (time.time() if now is None else now)


def _signing_key() -> bytes:
    return hmac.new(get_settings().secret_key.encode(), b"maxbooster/media-url/v1", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def safe_content_type(content_type: str, disposition: Disposition) -> tuple[str, Disposition]:
    """(type, disposition) to serve: audio/video/plain images as given, anything else as a download."""
    ctype = content_type.strip().lower()
    if _CONTENT_TYPE.match(ctype) and (ctype.split("/")[0] in {"audio", "video"} or ctype in _INLINE_TYPES):
        return ctype, disposition
    return "application/octet-stream", "attachment"


def check_cache(cache: str) -> str:
    """Cache-Control for media: browser-only (`private` or `no-store`), from known directives."""
    directives = [d.strip() for d in cache.lower().split(",")]
    if not all(_CACHE_DIRECTIVE.match(d) for d in directives) or not {"private", "no-store"} & set(directives):
        raise InvalidInput(f"media cache policy must be private or no-store, not {cache!r}")
    return ", ".join(directives)


def media_url(*, owner_id: uuid.UUID, key: str, filename: str, content_type: str,
              disposition: Disposition = "inline", expires_s: int = 900, cache: str = DEFAULT_CACHE,
              public: bool = False) -> str:
    """A same-origin URL (`/api/media/<token>`) that serves `key` to `owner_id` for at least `expires_s`
    seconds. The expiry is rounded up to a quarter of the lifetime, so URLs made moments apart for the
    same file are identical: a page that refreshes its data does not swap (and restart) its audio."""
    if disposition not in ("inline", "attachment"):
        raise InvalidInput("disposition must be inline or attachment")
    if not 0 < expires_s <= MAX_EXPIRES_S:
        raise InvalidInput(f"media URLs live 1 s to 7 days, not {expires_s} s")
    ctype, disposition = safe_content_type(content_type, disposition)
    payload = [1, PUBLIC if public else owner_id.hex, check_key(key), _expiry(expires_s), clean_filename(filename),
               ctype, disposition[0], check_cache(cache)]
    body = _b64(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    signature = _b64(hmac.new(_signing_key(), body.encode("ascii"), hashlib.sha256).digest())
    return f"{routes.MEDIA}/{body}.{signature}"


def _expiry(expires_s: int, now: float | None = None) -> int:
    step = expires_s // 4
    at = math.ceil((time.time() if now is None else now) + expires_s)
    return -(-at // step) * step if step > 1 else at


def read_token(token: str, *, now: float | None = None) -> MediaGrant:
    """The grant in a genuine, unexpired token; NotFound for anything else."""
    body, _, signature = token.partition(".")
    if not body or not signature or len(token) > MAX_TOKEN_CHARS:
        raise NotFound()
    expected = hmac.new(_signing_key(), body.encode("ascii", "replace"), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(_unb64(signature), expected):
            raise NotFound()
        version, owner, key, expires_at, filename, ctype, disp, cache = json.loads(_unb64(body))
        grant = MediaGrant(uuid.UUID(int=0) if owner == PUBLIC else uuid.UUID(hex=owner), key, int(expires_at),
                           filename, ctype, "attachment" if disp == "a" else "inline", cache, owner == PUBLIC)
    except (ValueError, TypeError, AttributeError, binascii.Error) as exc:  # JSON, base64, UUID, shape
        raise NotFound() from exc
    if version != 1 or grant.seconds_left(now) <= 0:
        raise NotFound()
    return grant


def authorize(*, session: Session, actor: Actor, token: str) -> MediaGrant:
    """The token's grant when the acting user owns it; NotFound otherwise (another user is audited)."""
    grant = read_token(token)
    if grant.public:
        return grant
    if actor.user_id is None:
        raise NotFound()
    if actor.user_id != grant.owner_id:
        audit.record_detached(session=session, actor=actor, action="authz.denied", target=f"media:{grant.key}")
        raise NotFound()
    return grant


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class RangeNotSatisfiable(Exception):
    """No byte of the requested range exists (HTTP 416 with `Content-Range: bytes */size`)."""


def byte_range(header: str | None, size: int) -> ByteRange | None:
    """The single range of a `Range: bytes=…` header (RFC 9110 §14), or None for the whole file.

    Headers we cannot read, other units and several ranges are answered with the whole file;
    a range that starts past the end (or `-0`) raises RangeNotSatisfiable.
    """
    if not header or not header.strip().lower().startswith("bytes="):
        return None
    spec = header.strip()[6:].strip()
    if "," in spec:
        return None
    first, dash, last = spec.partition("-")
    first, last = first.strip(), last.strip()
    if not dash or not (first.isdigit() or last.isdigit()) or (first and not first.isdigit()) \
            or (last and not last.isdigit()):
        return None
    if not first:  # suffix: the last n bytes
        n = int(last)
        if n == 0 or size == 0:
            raise RangeNotSatisfiable()
        return ByteRange(max(0, size - n), size - 1)
    start, end = int(first), int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable()
    return ByteRange(start, min(end, size - 1))


def iter_bytes(*, key: str, start: int, length: int, storage: StorageBackend | None = None) -> Iterator[bytes]:
    """`length` bytes of `key` from `start`, in 64 KiB pieces (the file is opened on first use)."""
    with (storage or get_storage()).open(key) as fh:
        if start:
            if fh.seekable():
                fh.seek(start)
            else:
                _skip(fh, start)
        left = length
        while left > 0:
            chunk = fh.read(min(SEND_CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


def _skip(fh: BinaryIO, count: int) -> None:
    while count > 0:
        chunk = fh.read(min(CHUNK, count))
        if not chunk:
            return
        count -= len(chunk)
