"""Accept one uploaded file: stream it to storage within the plan's quota, check it by content,
offer an identical earlier upload instead of a copy, then start its processing job.

Nothing is kept when any step fails: the blob is deleted, the reserved quota given back and no
row written. The file's type comes from its bytes (the audio engine's header checks and a
sandboxed decode), never from its name or the browser's MIME type.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from maxbooster.models.library import Track, TrackStatus
from maxbooster.services import audit, jobs
from maxbooster.services.actor import Actor
from maxbooster.services.errors import DomainError, InvalidInput
from maxbooster.services.library import engine
from maxbooster.services.library.quota import StorageReservation
from maxbooster.services.storage import StorageBackend, clean_filename, get_storage
from maxbooster.settings import get_settings

log = logging.getLogger(__name__)
PROCESS_KIND = "library.process"


@dataclass(frozen=True)
class UploadResult:
    track: Track
    duplicate: bool  # the same bytes were already in this artist's library


def track_prefix(owner_id: uuid.UUID, track_id: uuid.UUID) -> str:
    """Every blob of a track lives under this key prefix (deleting a track deletes the prefix)."""
    return f"{owner_id}/{track_id}/"


def display_name(filename: str) -> tuple[str, str]:
    """(original name for display, initial title): never a path, control characters or empty."""
    try:
        name = clean_filename(filename or "")
    except InvalidInput:
        name = "upload"
    stem = PurePosixPath(name).stem.strip() or name
    return name, stem[:200]


def accept_upload(*, session: Session, actor: Actor, filename: str, chunks: Iterable[bytes],
                  expected_bytes: int | None = None, storage: StorageBackend | None = None) -> UploadResult:
    """Store, check and register one upload; see the module docstring for the guarantees.

    `expected_bytes` (e.g. the request's Content-Length) reserves the quota up front."""
    owner_id = actor.require_user()
    store = storage or get_storage()
    name, title = display_name(filename)
    track_id = uuid.uuid4()
    key = track_prefix(owner_id, track_id) + "original"
    quota = StorageReservation(session=session, owner_id=owner_id, expected_bytes=expected_bytes)
    stored = False
    try:
        size, sha256 = store.write(key, quota.counted(chunks), max_bytes=get_settings().upload_max_bytes)
        stored = True
        if size == 0:
            raise InvalidInput("The file is empty. Choose an audio file and try again.")
        existing = _same_content(session, owner_id, sha256)
        if existing is not None:
            _discard(store, key, quota)
            return UploadResult(existing, duplicate=True)
        with store.local_path(key) as path:
            info = engine.inspect_upload(path, name)
        quota.settle(size)
        track = Track(id=track_id, owner_id=owner_id, title=title, original_name=name, sha256=sha256,
                      size_bytes=size, format=info.format, subtype=info.subtype, sample_rate=info.sample_rate,
                      channels=info.channels, duration_s=info.duration_s, original_key=key)
        session.add(track)
        audit.record(session, actor, "track.upload", target=f"track:{track_id}", details={"bytes": size})
        session.commit()
    except IntegrityError:  # the same bytes finished uploading in parallel a moment earlier
        session.rollback()
        _discard(store, key, quota)
        duplicate = _same_content(session, owner_id, sha256)
        if duplicate is None:
            raise
        return UploadResult(duplicate, duplicate=True)
    except BaseException:
        if stored:
            store.delete(key)
        quota.cancel()
        raise
    start_processing(session=session, track=track)
    return UploadResult(track, duplicate=False)


def start_processing(*, session: Session, track: Track) -> Track:
    """Queue the track's processing job (the row is committed first); a broker failure marks
    the track failed with a plain reason instead of leaving it 'processing' forever."""
    try:
        job = jobs.enqueue(session=session, kind=PROCESS_KIND, owner_id=track.owner_id,
                           params={"track_id": str(track.id)})
    except DomainError:
        raise
    except Exception:  # noqa: BLE001  (broker down: tell the user, keep the upload)
        log.exception("could not queue processing of track %s", track.id)
        track.status, track.status_message = TrackStatus.FAILED, "Processing could not start. Try again."
        session.add(track)
        session.commit()
        return track
    track.job_id, track.status, track.status_message = job.id, TrackStatus.PROCESSING, ""
    session.add(track)
    session.commit()
    return track


def _same_content(session: Session, owner_id: uuid.UUID, sha256: str) -> Track | None:
    stmt = select(Track).where(col(Track.owner_id) == owner_id, col(Track.sha256) == sha256)
    return session.exec(stmt).first()


def _discard(store: StorageBackend, key: str, quota: StorageReservation) -> None:
    store.delete(key)
    quota.cancel()
