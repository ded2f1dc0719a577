"""The artist's tracks: list (search, filter, sort, pages), read, edit title/artist, delete, retry.

A track's status is read together with its job: a job that failed for good (or was reaped after
its worker died) shows its track as failed with the job's reason, so nothing stays "processing"
forever.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from maxbooster.models.jobs import Job, JobStatus
from maxbooster.models.library import Track, TrackStatus
from maxbooster.models.mastering import Master
from maxbooster.services import audit, jobs
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.errors import ErrorCode, InvalidInput
from maxbooster.services.library.quota import release_bytes
from maxbooster.services.library.uploads import start_processing, track_prefix
from maxbooster.services.storage import StorageBackend, get_storage

MAX_PAGE = 200


class TrackSort(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"
    TITLE = "title"
    LOUDEST = "loudest"
    LONGEST = "longest"


_ORDER = {
    TrackSort.NEWEST: col(Track.created_at).desc(),
    TrackSort.OLDEST: col(Track.created_at).asc(),
    TrackSort.TITLE: func.lower(col(Track.title)).asc(),
    TrackSort.LOUDEST: col(Track.integrated_lufs).desc(),
    TrackSort.LONGEST: col(Track.duration_s).desc(),
}


@dataclass(frozen=True)
class TrackPage:
    tracks: list[Track]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _effective(session: Session, tracks: list[Track]) -> list[Track]:
    """Fill in failed status for tracks whose processing job gave up (not written back)."""
    waiting = {t.job_id: t for t in tracks if t.status == TrackStatus.PROCESSING and t.job_id}
    if waiting:
        rows = session.exec(select(Job.id, Job.status, Job.error).where(col(Job.id).in_(list(waiting)))).all()
        for job_id, status, error in rows:
            if status in (JobStatus.FAILED, JobStatus.CANCELLED):
                track = waiting[job_id]
                session.expunge(track)
                track.status = TrackStatus.FAILED
                track.status_message = (error or "Processing stopped.")[:500]
    return tracks


def list_tracks(*, session: Session, actor: Actor, query: str = "", status: str = "", sort: str = "newest",
                page: int = 1, per_page: int = 50) -> TrackPage:
    """One page of the acting artist's tracks, searched by title/artist/file name."""
    owner = actor.require_user()
    try:
        order = _ORDER[TrackSort(sort or "newest")]
    except ValueError as exc:
        raise InvalidInput(f"Sort by one of: {', '.join(TrackSort)}.") from exc
    if status and status not in set(TrackStatus):
        raise InvalidInput(f"Filter by one of: {', '.join(TrackStatus)}.")
    per_page = max(1, min(int(per_page), MAX_PAGE))
    page = max(1, int(page))
    where = [col(Track.owner_id) == owner]
    needle = query.strip().lower()[:100]
    if needle:
        pattern = f"%{needle.replace('%', '').replace('_', '')}%"
        where.append(or_(func.lower(col(Track.title)).like(pattern), func.lower(col(Track.artist)).like(pattern),
                         func.lower(col(Track.original_name)).like(pattern)))
    if status:
        where.append(col(Track.status) == status)
    total = int(session.exec(select(func.count()).select_from(Track).where(*where)).one())
    rows = session.exec(select(Track).where(*where).order_by(order, col(Track.id))
                        .offset((page - 1) * per_page).limit(per_page)).all()
    return TrackPage(_effective(session, list(rows)), total, page, per_page)


def get_track(*, session: Session, actor: Actor, track_id: uuid.UUID) -> Track:
    track = get_owned(session=session, model=Track, obj_id=track_id, actor=actor)
    return _effective(session, [track])[0]


def _clean_text(value: str, field: str, *, required: bool) -> str:
    text = " ".join((value or "").split())
    if not text.isprintable():
        raise InvalidInput(f"The {field} contains characters that cannot be shown.")
    if required and not text:
        raise InvalidInput(f"The {field} cannot be empty.")
    if len(text) > 200:
        raise InvalidInput(f"Keep the {field} under 200 characters.")
    return text


def update_track(*, session: Session, actor: Actor, track_id: uuid.UUID, title: str | None = None,
                 artist: str | None = None) -> Track:
    """Rename a track or set its artist (plain text, 1–200 characters)."""
    track = get_owned(session=session, model=Track, obj_id=track_id, actor=actor)
    if title is not None:
        track.title = _clean_text(title, "title", required=True)
    if artist is not None:
        track.artist = _clean_text(artist, "artist", required=False)
    session.add(track)
    session.commit()
    return track


def retry_processing(*, session: Session, actor: Actor, track_id: uuid.UUID) -> Track:
    """Run processing again for a track whose processing failed."""
    track = get_track(session=session, actor=actor, track_id=track_id)
    if track.status != TrackStatus.FAILED:
        raise InvalidInput("Only a track whose processing failed can be processed again.",
                           code=ErrorCode.INVALID_INPUT)
    track = session.get(Track, track_id, populate_existing=True) or track
    return start_processing(session=session, track=track)


def delete_track(*, session: Session, actor: Actor, track_id: uuid.UUID,
                 storage: StorageBackend | None = None) -> None:
    """Delete a track, its masters and every file of both; frees their quota. A processing job
    still running for it is cancelled (it stops at its next progress report)."""
    track = get_owned(session=session, model=Track, obj_id=track_id, actor=actor)
    masters = session.exec(select(Master).where(col(Master.track_id) == track.id)).all()
    freed = track.size_bytes + sum(m.size_bytes for m in masters)
    running = [track.job_id, *(m.job_id for m in masters)]
    for job_id in filter(None, running):
        job = session.get(Job, job_id)
        if job is not None and JobStatus(job.status).is_active:
            jobs.cancel(session=session, actor=actor, job_id=job_id)
    session.delete(track)
    release_bytes(session=session, owner_id=track.owner_id, amount=freed)
    audit.record(session, actor, "track.delete", target=f"track:{track.id}", details={"bytes": freed})
    session.commit()
    (storage or get_storage()).delete_prefix(track_prefix(track.owner_id, track.id))
