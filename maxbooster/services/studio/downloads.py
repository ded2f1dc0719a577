"""What a bounce job offers: its settings (format, stems, the version and `doc_hash` it renders),
the library track it made, and signed download links (services/media.py) to the mix in the chosen
format and to the stems zip."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlmodel import Session

from maxbooster.models.jobs import JobStatus
from maxbooster.models.library import Track
from maxbooster.models.storage import StoredFile
from maxbooster.services import jobs, media
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.services.library import views as track_views
from maxbooster.services.studio.bounce import BOUNCE_KIND, BounceFormat

URL_TTL_S = media.PAGE_TTL_S
FILES = ("mix", "stems")  # what a bounce can offer for download


@dataclass(frozen=True)
class BounceView:
    job_id: uuid.UUID
    project_id: uuid.UUID | None
    status: str
    progress: int
    message: str
    error: str
    format: str
    stems: bool
    version: int | None
    doc_hash: str
    track_id: uuid.UUID | None = None  # the mix in the library (lossless), once the job succeeded
    downloads: dict[str, str] = field(default_factory=dict)  # "mix" / "stems" → signed URL


def result_refs(result_ref: str | None) -> dict[str, uuid.UUID]:
    """`track:<id> mix:<id> stems:<id>` (any subset) → {"track": id, …}; unreadable parts are skipped."""
    refs: dict[str, uuid.UUID] = {}
    for part in (result_ref or "").split():
        name, _, value = part.partition(":")
        try:
            refs[name] = uuid.UUID(value)
        except ValueError:
            continue
    return refs


def _file_url(session: Session, owner_id: uuid.UUID, file_id: uuid.UUID | None) -> str:
    record = session.get(StoredFile, file_id) if file_id else None
    if record is None or record.owner_id != owner_id:
        return ""
    return media.media_url(owner_id=owner_id, key=record.key, filename=record.original_name,
                           content_type=record.content_type, disposition="attachment", expires_s=URL_TTL_S)


def bounce_view(*, session: Session, actor: Actor, job_id: uuid.UUID) -> BounceView:
    """The caller's bounce job (another user's, or a job of another kind, reads as not found)."""
    job = jobs.get_job(session=session, actor=actor, job_id=job_id)
    if job.kind != BOUNCE_KIND or job.owner_id is None:
        raise NotFound()
    params = job.params
    fmt = str(params.get("format", BounceFormat.WAV24))
    try:
        project_id: uuid.UUID | None = uuid.UUID(str(params.get("project_id")))
    except ValueError:
        project_id = None
    refs = result_refs(job.result_ref) if job.status == JobStatus.SUCCEEDED else {}
    track = session.get(Track, refs["track"]) if "track" in refs else None
    track = track if track is not None and track.owner_id == job.owner_id else None
    downloads: dict[str, str] = {}
    mix = _file_url(session, job.owner_id, refs.get("mix")) if fmt == BounceFormat.MP3 else \
        (track_views.original_url(track) if track is not None else "")
    stems = _file_url(session, job.owner_id, refs.get("stems"))
    downloads.update({k: v for k, v in (("mix", mix), ("stems", stems)) if v})
    return BounceView(job_id=job.id, project_id=project_id, status=job.status, progress=job.progress,
                      message=job.message, error=job.error or "", format=fmt, stems=bool(params.get("stems")),
                      version=params.get("version"), doc_hash=str(params.get("doc_hash", "")),
                      track_id=track.id if track is not None else None, downloads=downloads)


def download_url(*, session: Session, actor: Actor, job_id: uuid.UUID, file: str) -> str:
    """A short-lived signed URL of the bounce's `file` ("mix" or "stems"), or why there is none."""
    if file not in FILES:
        raise InvalidInput("Choose which file to download: mix or stems.")
    view = bounce_view(session=session, actor=actor, job_id=job_id)
    if file in view.downloads:
        return view.downloads[file]
    if view.status in (JobStatus.PENDING, JobStatus.RUNNING):
        raise NotFound("The bounce is not finished yet; try again in a moment.")
    if view.status != JobStatus.SUCCEEDED:
        raise NotFound("This bounce did not finish, so it has no files. Bounce the project again.")
    if file == "stems" and not view.stems:
        raise NotFound("This bounce was made without stems. Bounce again with stems to get them.")
    raise NotFound("That file is no longer available (it was deleted). Bounce the project again.")
