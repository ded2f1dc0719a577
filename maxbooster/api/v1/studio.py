"""/api/v1: studio projects — create, list, read, rename, duplicate, delete — and their edits
(one committed gesture = one edit: a list of ops on the arrangement with the base version);
bounces (a format, optional stems) with their progress and download links; DAWproject import and export."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, Field, StrictBool
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from maxbooster import routes
from maxbooster.api.deps import CallerActor, DbSession
from maxbooster.api.streams import blocking
from maxbooster.api.uploads import read_file_part
from maxbooster.db import session_scope
from maxbooster.models.studio import Project
from maxbooster.services.studio import bounce, dawproject, downloads, projects

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


class BounceIn(BaseModel):
    format: str = Field(default="wav24", max_length=40,
                        description="wav24 (24-bit WAV), wav16 (16-bit WAV), flac (24-bit FLAC) or mp3 (320 kbps)")
    stems: StrictBool = Field(default=False, description="Also one pre-master 24-bit WAV per audible track, zipped")


class BounceOut(BaseModel):
    job_id: uuid.UUID
    project_id: uuid.UUID | None
    status: str
    progress: int
    message: str
    error: str
    format: str
    stems: bool
    version: int | None = Field(description="The project version the bounce renders")
    doc_hash: str = Field(description="sha256 of that version's document as canonical JSON")
    track_id: uuid.UUID | None = Field(description="The mix in your library (lossless), once finished")
    downloads: dict[str, str] = Field(description='"mix" (in the chosen format) and "stems" (zip) → short-lived URL')


def _bounce(db: Session, actor: CallerActor, job_id: uuid.UUID) -> BounceOut:
    return BounceOut(**vars(downloads.bounce_view(session=db, actor=actor, job_id=job_id)))


@router.post(routes.V1_PROJECT_BOUNCE, response_model=BounceOut, status_code=202, responses=ERRORS)
def bounce_project(project_id: uuid.UUID, actor: CallerActor, db: DbSession, body: BounceIn | None = None) -> BounceOut:
    """Render the arrangement on the server (a job): the mix goes to your library; an MP3 bounce and
    stems are downloads (see the bounce's `downloads` once it finished)."""
    body = body or BounceIn()
    job = bounce.start_bounce(session=db, actor=actor, project_id=project_id, file_format=body.format,
                              stems=body.stems)
    return _bounce(db, actor, job.id)


@router.get(routes.V1_BOUNCE, response_model=BounceOut, responses=ERRORS)
def get_bounce(job_id: uuid.UUID, actor: CallerActor, db: DbSession) -> BounceOut:
    """One bounce: progress, the version it renders, its library track and download links."""
    return _bounce(db, actor, job_id)


@router.get(routes.V1_BOUNCE_DOWNLOAD, status_code=307, responses={**ERRORS, 307: {"description": "To the file"}})
def download_bounce(job_id: uuid.UUID, file: str, actor: CallerActor, db: DbSession) -> Response:
    """Redirect to a short-lived download link of the bounce's `mix` or `stems` (zip)."""
    return RedirectResponse(downloads.download_url(session=db, actor=actor, job_id=job_id, file=file),
                            status_code=307)


class ImportOut(ProjectDetailOut):
    notes: list[str] = Field(default_factory=list,
                             description="What a studio project cannot hold and was left out (MIDI tracks, plug-ins …)")


@router.post(routes.V1_PROJECTS_IMPORT, response_model=ImportOut, status_code=201,
             responses={**ERRORS, 400: {"description": "Not a multipart upload with a `file` field"},
                        413: {"description": "Too large"}})
async def import_project(request: Request, actor: CallerActor,
                         name: str | None = Query(None, max_length=400, description="Default: the file's title")
                         ) -> Response:
    """Import a DAWproject file (.dawproject from Bitwig, Studio One, Cubase …) sent as multipart/form-data
    (field `file`) as a new project; its audio files become library tracks (processed like uploads)."""
    filename, chunks = await read_file_part(request)

    def run() -> ImportOut:
        with session_scope() as db:
            result = dawproject.import_dawproject(session=db, actor=actor, data=blocking(chunks), name=name,
                                                  filename=filename)
            return ImportOut(**_detail(result.project, db).model_dump(), notes=list(result.notes))

    body = await run_in_threadpool(run)
    return JSONResponse(body.model_dump(mode="json"), status_code=201)


class ExportOut(BaseModel):
    job_id: uuid.UUID
    project_id: uuid.UUID
    status: str
    progress: int
    message: str = Field(description="Progress, then the inserts DAWproject cannot hold (not exported)")
    error: str
    download_url: str = Field(description="Short-lived link to the .dawproject once the export finished")


def _export(db: Session, actor: CallerActor, project_id: uuid.UUID, job_id: uuid.UUID) -> ExportOut:
    s = dawproject.export_status(session=db, actor=actor, project_id=project_id, job_id=job_id)
    return ExportOut(job_id=s.job.id, project_id=project_id, status=s.job.status, progress=s.job.progress,
                     message=s.message, error=s.job.error or "", download_url=s.download_url)


@router.post(routes.V1_PROJECT_EXPORT, response_model=ExportOut, status_code=202, responses=ERRORS)
def export_project(project_id: uuid.UUID, actor: CallerActor, db: DbSession) -> ExportOut:
    """Export the project as a DAWproject file for desktop DAWs (a job; poll it for the download link)."""
    job = dawproject.start_export(session=db, actor=actor, project_id=project_id)
    return _export(db, actor, project_id, job.id)


@router.get(routes.V1_PROJECT_EXPORT_JOB, response_model=ExportOut, responses=ERRORS)
def get_export(project_id: uuid.UUID, job_id: uuid.UUID, actor: CallerActor, db: DbSession) -> ExportOut:
    """One export of the project: progress, then its download link."""
    return _export(db, actor, project_id, job_id)


@router.get(routes.V1_PROJECT_EXPORT_DOWNLOAD, status_code=307,
            responses={**ERRORS, 307: {"description": "To the file"}})
def download_export(project_id: uuid.UUID, job_id: uuid.UUID, actor: CallerActor, db: DbSession) -> Response:
    """Redirect to a short-lived download link of the finished .dawproject."""
    return RedirectResponse(dawproject.export_download_url(session=db, actor=actor, project_id=project_id,
                                                           job_id=job_id), status_code=307)
