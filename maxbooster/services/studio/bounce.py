"""The `studio.bounce` job: render a project's arrangement on the server, in a chosen format, with
optional stems.

A clip's `file` names a track of the owner's library (its id); the bounce reads each track's
working copy and mixes with the audio engine's renderer (the specification the browser follows).
The mix always lands in the library through the same path as an upload (processed, masterable):
as a 24-bit WAV, a 16-bit WAV or a 24-bit FLAC. "Bounce to MP3" gives an MP3 320 kbps file to
download, while the library gets the lossless 24-bit WAV of the same mix (MP3 is no source for
mastering). Stems (one pre-master 24-bit WAV per audible track, zipped) are a download as well.

The job renders exactly the version the user bounced (`version` and `doc_hash`, the sha256 of the
canonical JSON, in its params): edits made meanwhile are undone with their inverse ops first.
A clip whose track is gone or not ready is refused before the job starts, with what to do.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import tempfile
import uuid
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from maxbooster.db import session_scope
from maxbooster.models.jobs import Job
from maxbooster.models.library import Track, TrackStatus
from maxbooster.models.storage import StoredFile
from maxbooster.models.studio import Project, ProjectEdit
from maxbooster.services import audit, jobs, plans
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput
from maxbooster.services.jobs import JobContext, job_handler
from maxbooster.services.library import uploads
from maxbooster.services.storage import clean_filename, get_storage
from maxbooster.services.studio import ops, projects

BOUNCE_KIND = "studio.bounce"
CHUNK = 4 * 1024 * 1024


class BounceFormat(StrEnum):
    WAV24 = "wav24"
    WAV16 = "wav16"
    FLAC = "flac"
    MP3 = "mp3"


FORMAT_LABELS = {BounceFormat.WAV24: "24-bit WAV", BounceFormat.WAV16: "16-bit WAV",
                 BounceFormat.FLAC: "24-bit FLAC", BounceFormat.MP3: "MP3 320 kbps"}
# format → (extension, subtype) of the lossless file that goes to the library
_LIBRARY_FILE = {BounceFormat.WAV24: (".wav", "PCM_24"), BounceFormat.WAV16: (".wav", "PCM_16"),
                 BounceFormat.FLAC: (".flac", "PCM_24"), BounceFormat.MP3: (".wav", "PCM_24")}


def bounce_format(value: object) -> BounceFormat:
    """The format named by `value` (case and spaces ignored), or InvalidInput listing the choices."""
    try:
        return BounceFormat(str(value).strip().lower())
    except ValueError:
        choices = ", ".join(f"{f.value} ({label})" for f, label in FORMAT_LABELS.items())
        raise InvalidInput(f"Unknown bounce format {str(value)[:20]!r}. Choose one of: {choices}.") from None


def doc_hash(document: dict[str, Any]) -> str:
    """sha256 hex of the document's canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _clips(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for t in document.get("tracks", []) for c in t.get("clips", [])]


def clip_media(*, session: Session, project: Project) -> dict[str, str]:
    """clip id → "missing" or "processing" for every clip whose library track cannot be played now
    (deleted, another user's, not a track id, or still processing); playable clips are left out.
    The project itself stays valid: the editor draws such clips as "missing file"."""
    clips = _clips(project.document)
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


def _sources(session: Session, owner_id: uuid.UUID, document: dict[str, Any]) -> dict[str, str]:
    """clip file name → storage key of that library track's working copy (all of them usable)."""
    names = sorted({c["file"] for c in _clips(document)})
    if not names:
        raise InvalidInput("There is nothing to bounce yet: add a clip to the project first.")
    keys: dict[str, str] = {}
    for name in names:
        try:
            track = session.get(Track, uuid.UUID(str(name)))
        except ValueError:
            track = None
        if track is None or track.owner_id != owner_id or track.status != TrackStatus.READY \
                or not track.working_key:
            raise InvalidInput(f"A clip uses a file that is missing or still processing ({str(name)[:80]}). "
                               "Remove that clip, or wait until the upload is ready, then bounce again.")
        keys[str(name)] = track.working_key
    return keys


def clip_sources(*, session: Session, owner_id: uuid.UUID, document: dict[str, Any]) -> dict[str, str]:
    """clip file → storage key of its library track's working copy; InvalidInput when one is missing
    or still processing (what to do is in the message)."""
    return _sources(session, owner_id, document)


def local_files(keys: dict[str, str]) -> contextlib.AbstractContextManager[dict[str, Path]]:
    """The files behind `keys` as local paths while the context is open (downloaded when stored remotely)."""
    return _local(keys)


def start_bounce(*, session: Session, actor: Actor, project_id: uuid.UUID, file_format: str = "wav24",
                 stems: bool = False) -> Job:
    """Check the format and that the project can be rendered, then queue its bounce (one job;
    progress on the Jobs page). The job's params name the version and `doc_hash` it renders."""
    fmt = bounce_format(file_format)
    project = projects.get_project(session=session, actor=actor, project_id=project_id)
    _sources(session, project.owner_id, project.document)
    params = {"project_id": str(project.id), "version": project.version, "doc_hash": doc_hash(project.document),
              "format": fmt.value, "stems": bool(stems)}
    job = jobs.enqueue(session=session, kind=BOUNCE_KIND, owner_id=project.owner_id, params=params)
    audit.record(session, actor, "project.bounce", target=f"project:{project.id}",
                 details={"job": str(job.id), "format": fmt.value, "stems": bool(stems)})
    session.commit()
    return job


def document_at(*, session: Session, project: Project, version: int, expected_hash: str | None) -> dict[str, Any]:
    """The project's document as it was at `version` (later edits undone newest first); InvalidInput
    when that cannot be rebuilt exactly (its hash differs from `expected_hash`)."""
    document = project.document
    later = session.exec(select(ProjectEdit).where(col(ProjectEdit.project_id) == project.id,
                                                   col(ProjectEdit.version) > version)
                         .order_by(col(ProjectEdit.version).desc())).all()
    for edit in later:
        if edit.inverse:
            document, _ = ops.apply(document, list(edit.inverse))
    if expected_hash and doc_hash(document) != expected_hash:
        raise InvalidInput(f"Version {version} of the project could not be rebuilt for this bounce. "
                           "Bounce the project again.")
    return document


def store_export(*, session: Session, owner_id: uuid.UUID, key: str, path: Path, filename: str,
                 content_type: str) -> StoredFile:
    """Store a file a job made for its owner (counted in their storage), replacing an earlier one
    with the same key (a retried job); nothing is kept when any step fails."""
    earlier = session.exec(select(StoredFile).where(col(StoredFile.key) == key)).first()
    if earlier is not None:
        plans.release(session=session, user_id=earlier.owner_id, resource="storage_bytes", amount=earlier.size_bytes)
        session.delete(earlier)
        session.commit()
    size = path.stat().st_size
    plans.reserve(session=session, user_id=owner_id, resource="storage_bytes", amount=size)
    session.commit()
    store = get_storage()
    try:
        _, sha256 = store.put_file(key, path)
        record = StoredFile(owner_id=owner_id, key=key, original_name=clean_filename(filename),
                            content_type=content_type, size_bytes=size, sha256=sha256)
        session.add(record)
        session.commit()
    except BaseException:
        session.rollback()
        plans.release(session=session, user_id=owner_id, resource="storage_bytes", amount=size)
        session.commit()
        store.delete(key)
        raise
    session.refresh(record)
    return record


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
    """Result: `track:<library track id>`, then `mix:<stored file id>` (MP3) and `stems:<stored file id>`."""
    from audio.arrangement import Arrangement
    from audio.io import read_audio, write_audio
    from audio.mix import render_arrangement
    from maxbooster.services.studio.stems import render_with_stems

    fmt, with_stems = BounceFormat(ctx.params.get("format", "wav24")), bool(ctx.params.get("stems"))
    with session_scope() as session:
        project = session.get(Project, uuid.UUID(str(ctx.params["project_id"])))
        if project is None:
            return "deleted"
        document = document_at(session=session, project=project, version=int(ctx.params["version"]),
                               expected_hash=ctx.params.get("doc_hash"))
        keys = _sources(session, project.owner_id, document)  # a track deleted since: fails with that reason
        name, owner = project.name, project.owner_id
        folder = f"{projects.files_prefix(project.owner_id, project.id)}bounce-{ctx.job_id}/"
    arrangement = Arrangement.from_dict(document)
    rate = arrangement.sample_rate
    ctx.progress(5, "Reading the clips' audio")
    with tempfile.TemporaryDirectory(prefix="mb-bounce-") as tmp, _local(keys) as paths:
        def load(file: str) -> tuple[Any, int]:
            return read_audio(paths[file])

        zipped = Path(tmp) / "stems.zip"
        if with_stems:
            mix = render_with_stems(arrangement, loader=load, zip_path=zipped, on_track=lambda i, count, track: (
                ctx.progress(5 + 80 * i // count, f"Stem {i + 1} of {count}: {track}"[:200])))
        else:
            mix = render_arrangement(arrangement, loader=load, owned_loads=True, progress=lambda done, what: (
                ctx.progress(5 + int(80 * done), f"Mixing: {what}")))
        ctx.progress(86, f"Writing the {FORMAT_LABELS[fmt]}")
        ext, subtype = _LIBRARY_FILE[fmt]
        lossless = write_audio(Path(tmp) / f"bounce{ext}", mix, rate, subtype=subtype)
        mp3 = write_audio(Path(tmp) / "bounce.mp3", mix, rate, mp3_bitrate_kbps=320) if fmt == BounceFormat.MP3 \
            else None
        del mix
        return _deliver(ctx, owner=owner, name=name, folder=folder, lossless=lossless, mp3=mp3,
                        zipped=zipped if with_stems else None)


def _deliver(ctx: JobContext, *, owner: uuid.UUID, name: str, folder: str, lossless: Path, mp3: Path | None,
             zipped: Path | None) -> str:
    """Add the lossless mix to the library (as an upload) and store the downloads; the job's result."""
    ctx.progress(90, "Adding the bounce to your library")
    with session_scope() as session:
        actor = Actor.system(via="job").as_user(owner)
        track = uploads.accept_upload(session=session, actor=actor, filename=f"{name} (bounce){lossless.suffix}",
                                      chunks=_chunks(lossless), expected_bytes=lossless.stat().st_size).track
        refs = [f"track:{track.id}"]
        if mp3 is not None:
            ctx.progress(95, "Storing the MP3")
            made = store_export(session=session, owner_id=owner, key=folder + "bounce.mp3", path=mp3,
                                filename=f"{name} (bounce).mp3", content_type="audio/mpeg")
            refs.append(f"mix:{made.id}")
        if zipped is not None:
            ctx.progress(97, "Storing the stems")
            made = store_export(session=session, owner_id=owner, key=folder + "stems.zip", path=zipped,
                                filename=f"{name} (stems).zip", content_type="application/zip")
            refs.append(f"stems:{made.id}")
        return " ".join(refs)
