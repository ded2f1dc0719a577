"""The MP3 every beat tier delivers, made from the beat's audio as the `marketplace.encode_mp3` job.

The main audio is a library track (a WAV working copy). When it is attached (or at publish, for a
listing attached before MP3s were made) a job encodes a 320 kbps CBR MP3 and stores it beside the
WAV; its key is kept on the main file's row (`ListingFile.storage_key`, unused for library files),
so replacing or deleting the audio deletes the MP3 too. The job's id follows from the file row's id:
one job per attached audio, and its state is the MP3's state (pending, running, failed).
"""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session, col

from audio.errors import AudioError
from audio.transcode import transcode_mp3
from maxbooster.db import session_scope
from maxbooster.models.jobs import Job, JobStatus
from maxbooster.models.library import Track
from maxbooster.models.marketplace import FileRole, ListingFile
from maxbooster.services import jobs
from maxbooster.services.jobs import JobContext, job_handler
from maxbooster.services.storage import get_storage

MP3_KIND = "marketplace.encode_mp3"
BITRATE_KBPS = 320
_JOB_IDS = uuid.UUID("6d1b0a52-3f0c-4f7e-9a55-1c2b3d4e5f60")  # namespace of the per-file job ids


class Mp3Failed(Exception):
    """The MP3 cannot be made; the message is shown to the seller."""


def job_id_for(file_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(_JOB_IDS, f"mp3:{file_id}")


@dataclass(frozen=True)
class Mp3State:
    status: str  # "ready" | "pending" | "failed" | "none" (no main audio, or no job yet)
    error: str = ""


def _main(session: Session, listing_id: uuid.UUID) -> ListingFile | None:
    return session.execute(select(ListingFile).where(col(ListingFile.listing_id) == listing_id,
                                                     col(ListingFile.role) == FileRole.MAIN)).scalar_one_or_none()


def state(*, session: Session, listing_id: uuid.UUID) -> Mp3State:
    """Where the listing's MP3 stands."""
    main = _main(session, listing_id)
    if main is None or main.track_id is None:
        return Mp3State("ready" if main is not None and main.storage_key else "none")
    if main.storage_key:
        return Mp3State("ready")
    job = session.get(Job, job_id_for(main.id))
    if job is None:
        return Mp3State("none")
    if job.status in (JobStatus.FAILED, JobStatus.CANCELLED):
        return Mp3State("failed", (job.error or "the job was stopped").rpartition(f"{Mp3Failed.__name__}: ")[2])
    return Mp3State("pending")


def ensure(*, session: Session, listing_id: uuid.UUID) -> Job | None:
    """Start making the listing's MP3 unless it is made or being made (commits the session)."""
    main = _main(session, listing_id)
    if main is None or main.track_id is None or main.storage_key:
        return None
    existing = session.get(Job, job_id_for(main.id))
    if existing is not None:
        return existing
    track = session.get(Track, main.track_id)
    return jobs.enqueue(session=session, kind=MP3_KIND, owner_id=track.owner_id if track else None,
                        job_id=job_id_for(main.id), params={"listing_file_id": str(main.id)}, max_attempts=2)


@job_handler(MP3_KIND)
def encode_mp3_job(ctx: JobContext) -> str | None:
    file_id = uuid.UUID(str(ctx.params["listing_file_id"]))
    with session_scope() as session:
        row = session.get(ListingFile, file_id)
        if row is None:
            return "the audio was replaced"
        if row.storage_key:
            return "already made"
        track = session.get(Track, row.track_id) if row.track_id else None
        if track is None or not track.working_key:
            raise Mp3Failed("its library track was deleted")
        source_key, owner_id, listing_id = track.working_key, track.owner_id, row.listing_id
    store = get_storage()
    key = f"{owner_id}/marketplace/{listing_id}/main-{file_id.hex[:12]}.{BITRATE_KBPS}k.mp3"
    ctx.progress(5, "Making the MP3")
    shown = [5]

    def step(done: float) -> None:  # a progress write per 5 %, not per block
        percent = 5 + int(85 * done)
        if percent - shown[0] >= 5:
            shown[0] = percent
            ctx.progress(percent, "Making the MP3")

    with tempfile.TemporaryDirectory(prefix="mb-mp3-") as tmp:
        out = Path(tmp) / "beat.mp3"
        try:
            with store.local_path(source_key) as src:
                transcode_mp3(src, out, bitrate_kbps=BITRATE_KBPS,
                              progress=step)
        except AudioError as exc:
            raise Mp3Failed(f"the audio could not be read ({exc})") from exc
        ctx.progress(95, "Storing the MP3")
        store.put_file(key, out)
    with session_scope() as session:
        row = session.get(ListingFile, file_id, with_for_update=True)
        if row is None or row.storage_key:  # replaced meanwhile, or a second run got there first
            session.rollback()
            if row is None or row.storage_key != key:
                store.delete(key)
            return "the audio was replaced" if row is None else "already made"
        row.storage_key = key
        session.add(row)
        session.commit()
    return "ready"
