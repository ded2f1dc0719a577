"""/api/v1: masters of a track — create (one per destination), list, read, delete, download."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from maxbooster import routes
from maxbooster.api.deps import CallerActor, DbSession
from maxbooster.models.library import Track
from maxbooster.services.mastering import masters, views

router = APIRouter(tags=["mastering"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in"}, 404: {"description": "No such track or master of yours"},
    402: {"description": "Over the plan (masters per month, storage, or a download format)"},
    422: {"description": "Invalid input (the message says what to fix)"},
}


class MasterRequest(BaseModel):
    presets: list[str] = Field(min_length=1, max_length=masters.MAX_DESTINATIONS,
                               description="Destination keys, e.g. spotify, apple_music, club, or custom")
    strength_pct: int = Field(default=100, ge=0, le=100)
    genre: str = Field(default="", max_length=40)
    reference_track_id: uuid.UUID | None = None
    target_lufs: float | None = Field(default=None, description="For the custom destination")
    ceiling_dbtp: float | None = Field(default=None, description="For the custom destination")


class CompareOut(BaseModel):
    label: str
    before: str
    after: str


class MasterOut(BaseModel):
    id: uuid.UUID
    track_id: uuid.UUID
    version: int
    preset: str
    target_lufs: float
    ceiling_dbtp: float
    strength_pct: int
    genre: str
    status: str
    status_message: str
    job_id: uuid.UUID | None
    created_at: datetime
    compare: list[CompareOut]
    reasons: list[str]
    audio_url: str
    gain_db_original: float
    gain_db_master: float
    downloads: dict[str, str]
    locked_formats: list[str]


def _out(db: DbSession, actor: CallerActor, master: Any) -> MasterOut:
    track = db.get(Track, master.track_id)
    allowed = masters.allowed_formats(session=db, actor=actor)
    v = views.view(session=db, master=master, track=track, allowed=allowed)  # type: ignore[arg-type]
    return MasterOut(**{**vars(v), "compare": [CompareOut(**vars(c)) for c in v.compare]})


@router.post(routes.V1_TRACK_MASTERS, response_model=list[MasterOut], status_code=201, responses=ERRORS)
def create_masters(track_id: uuid.UUID, body: MasterRequest, actor: CallerActor, db: DbSession) -> list[MasterOut]:
    """Master the track for one or more destinations; each becomes a new version with its own job."""
    made = masters.create_masters(session=db, actor=actor, track_id=track_id, presets=body.presets,
                                  strength_pct=body.strength_pct, genre=body.genre,
                                  reference_track_id=body.reference_track_id, target_lufs=body.target_lufs,
                                  ceiling_dbtp=body.ceiling_dbtp)
    return [_out(db, actor, m) for m in made]


@router.get(routes.V1_TRACK_MASTERS, response_model=list[MasterOut], responses=ERRORS)
def list_masters(track_id: uuid.UUID, actor: CallerActor, db: DbSession) -> list[MasterOut]:
    """Every master version of a track, newest first."""
    return [_out(db, actor, m) for m in masters.list_masters(session=db, actor=actor, track_id=track_id)]


@router.get(routes.V1_MASTER, response_model=MasterOut, responses=ERRORS)
def get_master(master_id: uuid.UUID, actor: CallerActor, db: DbSession) -> MasterOut:
    """One master: status, before/after figures, the engine's reasons, download links."""
    return _out(db, actor, masters.get_master(session=db, actor=actor, master_id=master_id))


@router.delete(routes.V1_MASTER, status_code=204, responses=ERRORS)
def delete_master(master_id: uuid.UUID, actor: CallerActor, db: DbSession) -> Response:
    """Delete one master version and its files."""
    masters.delete_master(session=db, actor=actor, master_id=master_id)
    return Response(status_code=204)


@router.get(routes.V1_MASTER_DOWNLOAD, status_code=307, responses={**ERRORS, 307: {"description": "To the file"}})
def download_master(master_id: uuid.UUID, file_format: str, actor: CallerActor, db: DbSession) -> Response:
    """Redirect to a short-lived download link of one format (wav24, wav16, flac, mp3)."""
    master, _ = masters.download_key(session=db, actor=actor, master_id=master_id, file_format=file_format)
    track = db.get(Track, master.track_id)
    url = views.view(session=db, master=master, track=track,  # type: ignore[arg-type]
                     allowed=masters.allowed_formats(session=db, actor=actor)).downloads.get(
        file_format, "")
    return RedirectResponse(url, status_code=307)
