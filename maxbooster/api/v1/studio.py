"""/api/v1: studio projects — create, list, read, rename, duplicate, delete — and their edits
(one committed gesture = one edit: a list of ops on the arrangement with the base version)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from maxbooster import routes
from maxbooster.api.deps import CallerActor, DbSession
from maxbooster.models.studio import Project
from maxbooster.services.studio import bounce, projects

router = APIRouter(tags=["studio"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in"}, 404: {"description": "No such project of yours"},
    402: {"description": "Over the plan (projects, or tracks in a project)"},
    409: {"description": "The project changed meanwhile in the same place: reload and edit again"},
    422: {"description": "Invalid input (the message names the field to fix)"},
}


class ProjectIn(BaseModel):
    name: str = Field(max_length=400)
    sample_rate: int = Field(default=48000, description="44100 or 48000")
    tempo_bpm: float = 120.0
    beats_per_bar: int = 4
    beat_unit: int = 4


class ProjectPatch(BaseModel):
    name: str | None = Field(default=None, max_length=400)
    beats_per_bar: int | None = None
    beat_unit: int | None = None


class ProjectOut(BaseModel):
    id: uuid.UUID
    name: str
    sample_rate: int
    tempo_bpm: float
    beats_per_bar: int
    beat_unit: int
    tracks: int
    version: int
    created_at: datetime
    updated_at: datetime


class ProjectDetailOut(ProjectOut):
    document: dict[str, Any]
    unplayable_clips: dict[str, str] = Field(
        default_factory=dict, description='clip id → "missing" (its library track is gone) or "processing"')


class ProjectPageOut(BaseModel):
    items: list[ProjectOut]


class EditIn(BaseModel):
    base_version: int = Field(ge=0, description="The version the edit was made on")
    ops: list[dict[str, Any]] = Field(min_length=1, max_length=500)
    txn_id: str = Field(min_length=8, max_length=64, description="Chosen by the client; a resent edit is applied once")


class EditOut(BaseModel):
    version: int
    inverse: list[dict[str, Any]]
    rebased: bool
    repeated: bool
    document: dict[str, Any]


class HistoryItemOut(BaseModel):
    version: int
    txn_id: str
    ops: list[dict[str, Any]]
    inverse: list[dict[str, Any]]
    created_at: datetime


def _out(p: Project) -> ProjectOut:
    return ProjectOut(id=p.id, name=p.name, sample_rate=p.sample_rate,
                      tempo_bpm=float(p.document.get("tempo_bpm", 120)),
                      beats_per_bar=p.beats_per_bar, beat_unit=p.beat_unit, tracks=len(p.document.get("tracks", [])),
                      version=p.version, created_at=p.created_at, updated_at=p.updated_at)


def _detail(p: Project, db: Session) -> ProjectDetailOut:
    return ProjectDetailOut(**_out(p).model_dump(), document=p.document,
                            unplayable_clips=bounce.clip_media(session=db, project=p))


@router.get(routes.V1_PROJECTS, response_model=ProjectPageOut, responses=ERRORS)
def list_projects(actor: CallerActor, db: DbSession) -> ProjectPageOut:
    """The caller's projects, last edited first."""
    return ProjectPageOut(items=[_out(p) for p in projects.list_projects(session=db, actor=actor)])


@router.post(routes.V1_PROJECTS, response_model=ProjectDetailOut, status_code=201, responses=ERRORS)
def create_project(body: ProjectIn, actor: CallerActor, db: DbSession) -> ProjectDetailOut:
    """A new empty project (counts against the plan's projects)."""
    return _detail(projects.create_project(session=db, actor=actor, **body.model_dump()), db)


@router.get(routes.V1_PROJECT, response_model=ProjectDetailOut, responses=ERRORS)
def get_project(project_id: uuid.UUID, actor: CallerActor, db: DbSession) -> ProjectDetailOut:
    """One project with its current arrangement document."""
    return _detail(projects.get_project(session=db, actor=actor, project_id=project_id), db)


@router.patch(routes.V1_PROJECT, response_model=ProjectDetailOut, responses=ERRORS)
def update_project(project_id: uuid.UUID, body: ProjectPatch, actor: CallerActor, db: DbSession) -> ProjectDetailOut:
    """Rename, or change the time signature (tempo and everything else are edits)."""
    return _detail(projects.update_project(session=db, actor=actor, project_id=project_id, **body.model_dump()), db)


@router.post(routes.V1_PROJECT_DUPLICATE, response_model=ProjectDetailOut, status_code=201, responses=ERRORS)
def duplicate_project(project_id: uuid.UUID, actor: CallerActor, db: DbSession) -> ProjectDetailOut:
    """A copy with the same arrangement and settings."""
    return _detail(projects.duplicate_project(session=db, actor=actor, project_id=project_id), db)


@router.delete(routes.V1_PROJECT, status_code=204, responses=ERRORS)
def delete_project(project_id: uuid.UUID, actor: CallerActor, db: DbSession) -> Response:
    """Delete the project and its history."""
    projects.delete_project(session=db, actor=actor, project_id=project_id)
    return Response(status_code=204)


@router.post(routes.V1_PROJECT_EDITS, response_model=EditOut, responses=ERRORS)
def commit_edit(project_id: uuid.UUID, body: EditIn, actor: CallerActor, db: DbSession) -> EditOut:
    """Apply one edit made on `base_version`: the new version, the ops that undo it and the document."""
    result = projects.commit_edit(session=db, actor=actor, project_id=project_id, base_version=body.base_version,
                                  edit=body.ops, txn_id=body.txn_id)
    return EditOut(version=result.version, inverse=result.inverse, rebased=result.rebased, repeated=result.repeated,
                   document=result.document)


@router.get(routes.V1_PROJECT_EDITS, response_model=list[HistoryItemOut], responses=ERRORS)
def list_edits(project_id: uuid.UUID, actor: CallerActor, db: DbSession, after: int = 0) -> list[HistoryItemOut]:
    """The accepted edits after version `after`, oldest first."""
    return [HistoryItemOut(version=e.version, txn_id=e.txn_id, ops=e.ops, inverse=e.inverse, created_at=e.created_at)
            for e in projects.history(session=db, actor=actor, project_id=project_id, after_version=after)]


class BounceOut(BaseModel):
    job_id: uuid.UUID


@router.post(routes.V1_PROJECT_BOUNCE, response_model=BounceOut, status_code=202, responses=ERRORS)
def bounce_project(project_id: uuid.UUID, actor: CallerActor, db: DbSession) -> BounceOut:
    """Render the arrangement on the server into a new library track (a job; its result is `track:<id>`)."""
    return BounceOut(job_id=bounce.start_bounce(session=db, actor=actor, project_id=project_id).id)
