"""The `studio.bounce` job: render a project's arrangement on the server into a new library track.

A clip's `file` names a track of the owner's library (its id); the bounce reads each track's
working copy, mixes with the audio engine's renderer (the specification the browser follows),
writes a 24-bit WAV at the project's rate and adds it to the library through the same path as an
upload, so it is processed (waveform, analysis, readiness) and can be mastered. A clip whose
track is gone or not ready is refused before the job starts, with what to do about it.
"""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from maxbooster.db import session_scope
from maxbooster.models.jobs import Job
from maxbooster.models.library import Track, TrackStatus
from maxbooster.models.studio import Project
from maxbooster.services import audit, jobs
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput
from maxbooster.services.jobs import JobContext, job_handler
from maxbooster.services.library import uploads
from maxbooster.services.storage import get_storage
from maxbooster.services.studio import projects

BOUNCE_KIND = "studio.bounce"
CHUNK = 4 * 1024 * 1024


def clip_media(*, session: Session, project: Project) -> dict[str, str]:
    """clip id → "missing" or "processing" for every clip whose library track cannot be played now
    (deleted, another user's, not a track id, or still processing); playable clips are left out.
    The project itself stays valid: the editor draws such clips as "missing file"."""
    clips = [c for t in project.document.get("tracks", []) for c in t.get("clips", [])]
    ids: dict[str, uuid.UUID | None] = {}
    for clip in clips:
        try:
            ids[clip["file"]] = uuid.UUID(str(clip["file"]))
        except ValueError:
            ids[clip["file"]] = None
    known = [i for i in ids.values() if i is not None]
    rows = session.exec(select(Track).where(col(Track.id).in_(known), col(Track.owner_id) == project.owner_id)
                        ).all() if known else []
    status = {str(t.id): t.status for t in rows}
    state: dict[str, str] = {}
    for clip in clips:
        track_id = ids[clip["file"]]
        found = status.get(str(track_id)) if track_id is not None else None
        if found is None or found == TrackStatus.FAILED:
            state[clip["id"]] = "missing"
        elif found != TrackStatus.READY:
            state[clip["id"]] = "processing"
    return state


def _sources(session: Session, project: Project) -> dict[str, str]:
    """clip file name → storage key of that library track's working copy (all of them usable)."""
    names = sorted({c["file"] for t in project.document.get("tracks", []) for c in t.get("clips", [])})
    if not names:
        raise InvalidInput("There is nothing to bounce yet: add a clip to the project first.")
    keys: dict[str, str] = {}
    for name in names:
        try:
            track = session.get(Track, uuid.UUID(str(name)))
        except ValueError:
            track = None
        if track is None or track.owner_id != project.owner_id or track.status != TrackStatus.READY \
                or not track.working_key:
            raise InvalidInput(f"A clip uses a file that is missing or still processing ({str(name)[:80]}). "
                               "Remove that clip, or wait until the upload is ready, then bounce again.")
        keys[str(name)] = track.working_key
    return keys


def start_bounce(*, session: Session, actor: Actor, project_id: uuid.UUID) -> Job:
    """Check the project can be rendered, then queue its bounce (one job; progress on the Jobs page)."""
    project = projects.get_project(session=session, actor=actor, project_id=project_id)
    _sources(session, project)
    job = jobs.enqueue(session=session, kind=BOUNCE_KIND, owner_id=project.owner_id,
                       params={"project_id": str(project.id), "version": project.version})
    audit.record(session, actor, "project.bounce", target=f"project:{project.id}", details={"job": str(job.id)})
    session.commit()
    return job


@contextlib.contextmanager
def _local(keys: dict[str, str]) -> Iterator[dict[str, Path]]:
    store = get_storage()
    with contextlib.ExitStack() as stack:
        yield {name: stack.enter_context(store.local_path(key)) for name, key in keys.items()}


def _chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            yield chunk


@job_handler(BOUNCE_KIND)
def bounce_project(ctx: JobContext) -> str | None:
    import soundfile as sf

    from audio.arrangement import Arrangement
    from audio.io import read_audio
    from audio.mix import render_arrangement

    project_id = uuid.UUID(str(ctx.params["project_id"]))
    with session_scope() as session:
        project = session.get(Project, project_id)
        if project is None:
            return "deleted"
        keys = _sources(session, project)  # a track deleted since: the job fails with that reason
        document: dict[str, Any] = project.document
        name, owner = project.name, project.owner_id
    arrangement = Arrangement.from_dict(document)
    ctx.progress(5, "Reading the clips' audio")
    with tempfile.TemporaryDirectory(prefix="mb-bounce-") as tmp, _local(keys) as paths:
        def load(file: str) -> tuple[Any, int]:
            return read_audio(paths[file])

        mix = render_arrangement(arrangement, loader=load, owned_loads=True,
                                 progress=lambda done, what: ctx.progress(5 + int(80 * done), f"Mixing: {what}"))
        out = Path(tmp) / "bounce.wav"
        sf.write(str(out), mix.T, arrangement.sample_rate, subtype="PCM_24")
        del mix
        ctx.progress(90, "Adding the bounce to your library")
        with session_scope() as session:
            actor = Actor.system(via="job").as_user(owner)
            result = uploads.accept_upload(session=session, actor=actor, filename=f"{name} (bounce).wav",
                                           chunks=_chunks(out), expected_bytes=out.stat().st_size)
            return f"track:{result.track.id}"
