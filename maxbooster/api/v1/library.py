"""/api/v1/tracks: list, upload (streamed multipart), read, edit, delete, retry processing."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from maxbooster import routes
from maxbooster.api.deps import CallerActor, DbSession
from maxbooster.api.streams import blocking
from maxbooster.api.uploads import read_file_part
from maxbooster.db import session_scope
from maxbooster.services.library import tracks, uploads, views

router = APIRouter(tags=["library"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in"}, 404: {"description": "No such track of yours"},
    422: {"description": "Invalid input (the message says what to fix)"},
}


class TrackOut(BaseModel):
    id: uuid.UUID
    title: str
    artist: str
    original_name: str
    status: str
    status_message: str
    job_id: uuid.UUID | None
    format: str
    sample_rate: int | None
    channels: int | None
    duration_s: float | None
    integrated_lufs: float | None
    true_peak_dbtp: float | None
    loudness_range_lu: float | None
    size_bytes: int
    created_at: datetime
    audio_url: str
    original_url: str
    peaks_urls: dict[str, str]


class TrackDetailOut(TrackOut):
    analysis: dict[str, Any]
    readiness: dict[str, Any]
    loudness_series: list[float | None]


class TrackPageOut(BaseModel):
    items: list[TrackOut]
    total: int
    page: int
    pages: int


class UploadOut(BaseModel):
    track: TrackOut
    duplicate: bool


class TrackEdit(BaseModel):
    title: str | None = Field(default=None, max_length=400)
    artist: str | None = Field(default=None, max_length=400)


def _out(view: views.TrackView) -> TrackOut:
    return TrackOut(**vars(view))


@router.get(routes.V1_TRACKS, response_model=TrackPageOut, responses=ERRORS)
def list_tracks(actor: CallerActor, db: DbSession, q: str = Query("", max_length=100), status: str = "",
                sort: str = "newest", page: int = Query(1, ge=1), per_page: int = Query(50, ge=1, le=200)
                ) -> TrackPageOut:
    """The caller's tracks, newest first; search by title, artist or file name."""
    found = tracks.list_tracks(session=db, actor=actor, query=q, status=status, sort=sort, page=page,
                               per_page=per_page)
    return TrackPageOut(items=[_out(views.view(t)) for t in found.tracks], total=found.total, page=found.page,
                        pages=found.pages)


@router.post(routes.V1_TRACKS, response_model=UploadOut, status_code=201,
             responses={**ERRORS, 200: {"description": "The same file is already in the library"},
                        400: {"description": "Not a multipart upload with a `file` field"},
                        402: {"description": "Over the plan's storage"}, 413: {"description": "Too large"}})
async def upload_track(request: Request, actor: CallerActor) -> Response:
    """Upload one audio file as multipart/form-data (field `file`); streamed to storage.

    201 with the new track (processing starts at once), or 200 with the existing track when the
    same bytes are already in the caller's library.
    """
    filename, chunks = await read_file_part(request)
    length = request.headers.get("content-length", "")
    expected = int(length) if length.isdigit() else None  # the form's few header bytes are given back after

    def accept() -> UploadOut:
        with session_scope() as db:
            result = uploads.accept_upload(session=db, actor=actor, filename=filename,
                                           chunks=blocking(chunks), expected_bytes=expected)
            db.refresh(result.track)
            return UploadOut(track=_out(views.view(result.track)), duplicate=result.duplicate)

    body = await run_in_threadpool(accept)
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if body.duplicate else 201)


@router.get(routes.V1_TRACK, response_model=TrackDetailOut, responses=ERRORS)
def get_track(track_id: uuid.UUID, actor: CallerActor, db: DbSession) -> TrackDetailOut:
    """One track with its analysis, readiness report and loudness over time."""
    track = tracks.get_track(session=db, actor=actor, track_id=track_id)
    return TrackDetailOut(**vars(views.view(track)), **views.details(track))


@router.patch(routes.V1_TRACK, response_model=TrackOut, responses=ERRORS)
def edit_track(track_id: uuid.UUID, body: TrackEdit, actor: CallerActor, db: DbSession) -> TrackOut:
    """Change the title and/or artist."""
    track = tracks.update_track(session=db, actor=actor, track_id=track_id, title=body.title, artist=body.artist)
    return _out(views.view(track))


@router.delete(routes.V1_TRACK, status_code=204, responses=ERRORS)
def delete_track(track_id: uuid.UUID, actor: CallerActor, db: DbSession) -> Response:
    """Delete the track, its masters and their files (frees storage)."""
    tracks.delete_track(session=db, actor=actor, track_id=track_id)
    return Response(status_code=204)


@router.post(routes.V1_TRACK_RETRY, response_model=TrackOut, responses=ERRORS)
def retry_track(track_id: uuid.UUID, actor: CallerActor, db: DbSession) -> TrackOut:
    """Process a track again after its processing failed."""
    return _out(views.view(tracks.retry_processing(session=db, actor=actor, track_id=track_id)))
