"""The `studio.export_dawproject` job: a studio project as a .dawproject file.

The file embeds the working copies of the clips' library tracks (each clip's file must be a
ready track of the owner's), is stored under the owner, one per project (a new export replaces
the previous one), and is downloaded through a signed media URL. Inserts DAWproject cannot hold
are named in the job's message and in metadata.xml's comment.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from maxbooster.db import session_scope
from maxbooster.models.jobs import Job, JobStatus
from maxbooster.models.library import Track, TrackStatus
from maxbooster.models.studio import Project
from maxbooster.services import audit, jobs, media
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.services.jobs import JobContext, job_handler
from maxbooster.services.storage import get_storage
from maxbooster.services.studio import projects
from maxbooster.services.studio.dawproject.write import AudioFile, metadata_xml, project_xml

log = logging.getLogger(__name__)
EXPORT_KIND = "studio.export_dawproject"
URL_TTL_S = 900
_RESULT = "dawproject:"


@dataclass(frozen=True)
class ExportResult:
    path: Path
    notes: tuple[str, ...]  # inserts DAWproject cannot hold ("Reverb on “Vocals”")


@dataclass(frozen=True)
class ExportStatus:
    job: Job
    download_url: str  # "" until the job succeeded (or when a newer export replaced its file)
    message: str


@dataclass(frozen=True)
class _Snapshot:
    owner_id: uuid.UUID
    name: str
    document: dict[str, Any]
    beats_per_bar: int
    beat_unit: int
    sources: dict[str, Track]  # clip file → its library track (ready, the owner's)


def export_key(owner_id: uuid.UUID, project_id: uuid.UUID) -> str:
    return f"{projects.files_prefix(owner_id, project_id)}project.dawproject"


def _snapshot(session: Session, project: Project) -> _Snapshot:
    """What an export needs, checked: every clip's file is a ready track of the owner's library."""
    sources: dict[str, Track] = {}
    for name in sorted({c["file"] for t in project.document.get("tracks", []) for c in t.get("clips", [])}):
        try:
            track = session.get(Track, uuid.UUID(str(name)))
        except ValueError:
            track = None
        if track is None or track.owner_id != project.owner_id or track.status != TrackStatus.READY \
                or not track.working_key:
            raise InvalidInput(f"A clip uses a file that is missing or still processing ({str(name)[:80]}). "
                               "Remove that clip, or wait until the upload is ready, then export again.")
        sources[str(name)] = track
    return _Snapshot(project.owner_id, project.name, project.document, project.beats_per_bar, project.beat_unit,
                     sources)


def _app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("maxbooster")
    except PackageNotFoundError:
        return "dev"


def _slug(title: str) -> str:
    cleaned = "".join(ch if ch.isascii() and (ch.isalnum() or ch in " -_") else "_" for ch in title).strip()
    return "-".join(cleaned.split())[:60] or "audio"


def _build(snap: _Snapshot, dest: Path, progress: Callable[[int, str], None] | None = None) -> tuple[str, ...]:
    """Write the .dawproject of `snap` to `dest`; the inserts that could not be written."""
    import soundfile as sf

    store = get_storage()
    with contextlib.ExitStack() as stack, zipfile.ZipFile(dest, "w") as zf:
        files: dict[str, AudioFile] = {}
        for n, (name, track) in enumerate(snap.sources.items()):
            local = stack.enter_context(store.local_path(str(track.working_key)))
            info = sf.info(str(local))
            audio = AudioFile(f"audio/{_slug(track.title)}-{track.id.hex}.wav", track.title, info.channels,
                              info.samplerate, info.frames / info.samplerate)
            zf.write(local, audio.path, compress_type=zipfile.ZIP_STORED)
            files[name] = audio
            if progress:
                progress(10 + 75 * (n + 1) // len(snap.sources), f"Packing the audio of “{track.title[:60]}”")
        xml, notes = project_xml(snap.document, beats_per_bar=snap.beats_per_bar, beat_unit=snap.beat_unit,
                                 files=files, app_version=_app_version())
        comment = "Exported from Max Booster." + (f" Not exported (DAWproject has no equivalent): {', '.join(notes)}."
                                                  if notes else "")
        zf.writestr("project.xml", xml, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("metadata.xml", metadata_xml(title=snap.name, comment=comment), compress_type=zipfile.ZIP_DEFLATED)
    return tuple(notes)


def export_dawproject(*, session: Session, actor: Actor, project_id: uuid.UUID, dest: Path) -> ExportResult:
    """Write the project as a .dawproject file at `dest` (synchronously; the job is `start_export`)."""
    project = projects.get_project(session=session, actor=actor, project_id=project_id)
    return ExportResult(dest, _build(_snapshot(session, project), dest))


def start_export(*, session: Session, actor: Actor, project_id: uuid.UUID) -> Job:
    """Check the project can be exported, then queue the export job (progress on the Jobs page)."""
    project = projects.get_project(session=session, actor=actor, project_id=project_id)
    _snapshot(session, project)
    job = jobs.enqueue(session=session, kind=EXPORT_KIND, owner_id=project.owner_id,
                       params={"project_id": str(project.id), "version": project.version})
    audit.record(session, actor, "project.export", target=f"project:{project.id}", details={"job": str(job.id)})
    session.commit()
    return job


@job_handler(EXPORT_KIND)
def export_job(ctx: JobContext) -> str | None:
    """The project as it is when the job runs; result `dawproject:<storage key>`."""
    project_id = uuid.UUID(str(ctx.params["project_id"]))
    with session_scope() as session:
        project = session.get(Project, project_id)
        if project is None:
            return "deleted"
        snap = _snapshot(session, project)  # a track deleted since: the job fails with that reason
    ctx.progress(5, "Collecting the clips' audio")
    key = export_key(snap.owner_id, project_id)
    with tempfile.TemporaryDirectory(prefix="mb-dawproject-") as tmp:
        out = Path(tmp) / "project.dawproject"
        notes = _build(snap, out, ctx.progress)
        ctx.progress(90, "Saving the DAWproject file")
        get_storage().put_file(key, out)
    with session_scope() as session:
        if session.get(Project, project_id) is None:  # deleted while we worked
            get_storage().delete(key)
            return "deleted"
    ctx.progress(100, f"Not exported (DAWproject has no equivalent): {', '.join(notes)}" if notes else "")
    return _RESULT + key


def _latest_export(session: Session, project: Project) -> Job | None:
    rows = session.exec(select(Job).where(col(Job.kind) == EXPORT_KIND, col(Job.owner_id) == project.owner_id,
                                          col(Job.status) == JobStatus.SUCCEEDED)
                        .order_by(col(Job.finished_at).desc()).limit(200)).all()
    return next((j for j in rows if j.params.get("project_id") == str(project.id)), None)


def export_status(*, session: Session, actor: Actor, project_id: uuid.UUID, job_id: uuid.UUID) -> ExportStatus:
    """An export job of the project: its progress and, once done, a signed download URL."""
    project = projects.get_project(session=session, actor=actor, project_id=project_id)
    job = jobs.get_job(session=session, actor=actor, job_id=job_id)
    if job.kind != EXPORT_KIND or job.params.get("project_id") != str(project.id):
        raise NotFound()
    ref = job.result_ref or ""
    if job.status != JobStatus.SUCCEEDED or not ref.startswith(_RESULT):
        return ExportStatus(job, "", job.error or job.message)
    latest = _latest_export(session, project)
    key = ref.removeprefix(_RESULT)
    if latest is not None and latest.id != job.id or not get_storage().exists(key):
        return ExportStatus(job, "", "A newer export of this project replaced this file: download the newest "
                            "one, or export again.")
    name = project.name.replace("/", "-").replace("\\", "-")
    url = media.media_url(owner_id=project.owner_id, key=key, filename=f"{name}.dawproject",
                          content_type="application/zip", disposition="attachment", expires_s=URL_TTL_S)
    return ExportStatus(job, url, job.message)


def export_download_url(*, session: Session, actor: Actor, project_id: uuid.UUID, job_id: uuid.UUID) -> str:
    """The signed URL of a finished export, or NotFound saying why there is none (yet)."""
    status = export_status(session=session, actor=actor, project_id=project_id, job_id=job_id)
    if status.download_url:
        return status.download_url
    if JobStatus(status.job.status).is_active:
        raise NotFound("The export is not finished yet; try again in a moment.")
    if status.job.status != JobStatus.SUCCEEDED:
        raise NotFound("This export did not finish, so it has no file. Export the project again.")
    raise NotFound(status.message)
