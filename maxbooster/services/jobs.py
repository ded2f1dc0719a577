"""Background jobs. The `jobs` row is the source of truth; the broker only carries ids.

Lifecycle: pending → running → succeeded | failed | cancelled. A worker claims a job with an
atomic conditional UPDATE (so a duplicate message is a no-op), extends its lease while it
works, and finishes only if it still holds the lease for its attempt number. A reaper
re-queues jobs whose lease expired (worker killed) and fails them for good after
`max_attempts` claims.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, update
from sqlmodel import Session, col, select

from maxbooster.models.base import utcnow
from maxbooster.models.jobs import Job, JobAttempt, WorkerHeartbeat
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.settings import get_settings

TERMINAL = ("succeeded", "failed", "cancelled")


class JobLost(Exception):
    """This attempt no longer holds the job (lease expired and reassigned, or cancelled)."""


@dataclass
class JobContext:
    """What a handler sees: its params and a way to report progress (which renews the lease)."""

    job_id: uuid.UUID
    attempt: int
    params: dict[str, Any]
    report: Callable[[int, str], bool] = field(repr=False)

    def progress(self, percent: int, message: str = "") -> None:
        if not self.report(max(0, min(100, int(percent))), message[:500]):
            raise JobLost(f"job {self.job_id} attempt {self.attempt} lost its lease")


Handler = Callable[[JobContext], str | None]
HANDLERS: dict[str, Handler] = {}


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that performs jobs of `kind` (returns a result reference)."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


def _dispatch(job_id: uuid.UUID, countdown_s: float = 0) -> None:
    from maxbooster.tasks.celery_app import send_job

    send_job(job_id, countdown_s=countdown_s)


def enqueue(*, session: Session, kind: str, owner_id: uuid.UUID | None,
            params: dict[str, Any] | None = None, max_attempts: int | None = None) -> Job:
    """Commit a pending job row, then hand its id to the broker."""
    _load_handlers()
    if kind not in HANDLERS:
        raise InvalidInput(f"unknown job kind {kind!r}")
    job = Job(kind=kind, owner_id=owner_id, params=params or {}, enqueued_at=utcnow(),
              max_attempts=max_attempts or get_settings().job_max_attempts)
    session.add(job)
    session.commit()
    session.refresh(job)
    _dispatch(job.id)
    return job


def claim(*, session: Session, job_id: uuid.UUID, worker_id: str) -> int | None:
    """Atomically take a pending job; returns the attempt number, or None if not ours to run."""
    now = utcnow()
    lease = now + timedelta(seconds=get_settings().job_lease_seconds)
    result = session.execute(
        update(Job)
        .where(col(Job.id) == job_id, col(Job.status) == "pending",
               col(Job.attempts) < col(Job.max_attempts))
        .values(status="running", attempts=col(Job.attempts) + 1, worker_id=worker_id,
                lease_expires_at=lease, started_at=func.coalesce(col(Job.started_at), now))
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        return None
    attempt = session.exec(select(Job.attempts).where(col(Job.id) == job_id)).one()
    session.add(JobAttempt(job_id=job_id, attempt=attempt, worker_id=worker_id))
    session.commit()
    return attempt


def _holds(job_id: uuid.UUID, attempt: int) -> tuple[ColumnElement[bool], ...]:
    return (col(Job.id) == job_id, col(Job.status) == "running", col(Job.attempts) == attempt)


def renew(*, session: Session, job_id: uuid.UUID, attempt: int,
          progress: int | None = None, message: str | None = None) -> bool:
    """Extend the lease (and record progress); False when this attempt lost the job."""
    values: dict[str, Any] = {
        "lease_expires_at": utcnow() + timedelta(seconds=get_settings().job_lease_seconds)
    }
    if progress is not None:
        values["progress"] = progress
    if message is not None:
        values["message"] = message
    result = session.execute(update(Job).where(*_holds(job_id, attempt)).values(**values))
    session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


def _close_attempt(session: Session, job_id: uuid.UUID, attempt: int, outcome: str,
                   error: str | None = None) -> None:
    session.execute(
        update(JobAttempt)
        .where(col(JobAttempt.job_id) == job_id, col(JobAttempt.attempt) == attempt)
        .values(outcome=outcome, error=error, finished_at=utcnow())
    )


def finish(*, session: Session, job_id: uuid.UUID, attempt: int, result_ref: str | None) -> bool:
    """Mark succeeded if this attempt still holds the job (a zombie cannot finish twice)."""
    now = utcnow()
    result = session.execute(
        update(Job).where(*_holds(job_id, attempt)).values(
            status="succeeded", progress=100, result_ref=result_ref, finished_at=now,
            lease_expires_at=None, error=None)
    )
    won = result.rowcount == 1  # type: ignore[attr-defined]
    _close_attempt(session, job_id, attempt, "succeeded" if won else "lost")
    session.commit()
    return won


def fail_attempt(*, session: Session, job_id: uuid.UUID, attempt: int, error: str) -> str | None:
    """Record a failed attempt: back to pending while attempts remain, else failed for good."""
    job = session.get(Job, job_id)
    if job is None or job.status != "running" or job.attempts != attempt:
        session.rollback()
        return None
    final = job.attempts >= job.max_attempts
    job.status = "failed" if final else "pending"
    job.error = (f"failed after {job.attempts} attempts: {error}" if final else error)[:2000]
    job.lease_expires_at = None
    job.enqueued_at = utcnow()
    job.finished_at = utcnow() if final else None
    _close_attempt(session, job_id, attempt, "failed", error[:2000])
    session.commit()
    return job.status


def reap(*, session: Session, now: datetime | None = None) -> list[uuid.UUID]:
    """Re-queue expired leases (worker died) and lost pending messages; returns ids to dispatch."""
    now = now or utcnow()
    lease_s = get_settings().job_lease_seconds
    requeue: list[uuid.UUID] = []
    expired = session.exec(select(Job).where(
        col(Job.status) == "running", col(Job.lease_expires_at) < now)).all()
    for job in expired:
        final = job.attempts >= job.max_attempts
        result = session.execute(
            update(Job).where(*_holds(job.id, job.attempts), col(Job.lease_expires_at) < now).values(
                status="failed" if final else "pending", lease_expires_at=None, enqueued_at=now,
                finished_at=now if final else None,
                error=(f"gave up after {job.attempts} attempts: the worker stopped responding"
                       if final else "the worker stopped responding; retrying")))
        if result.rowcount == 1:  # type: ignore[attr-defined]
            _close_attempt(session, job.id, job.attempts, "lost", "lease expired")
            if not final:
                requeue.append(job.id)
    stale = now - timedelta(seconds=lease_s * 4)
    lost = session.exec(select(Job.id).where(
        col(Job.status) == "pending", col(Job.enqueued_at) < stale)).all()
    for job_id in lost:
        session.execute(update(Job).where(col(Job.id) == job_id).values(enqueued_at=now))
        requeue.append(job_id)
    session.commit()
    return requeue


def cancel(*, session: Session, job_id: uuid.UUID, owner_id: uuid.UUID) -> Job:
    """Cancel a job that is not finished yet; a running handler stops at its next progress call."""
    job = get_job(session=session, job_id=job_id, owner_id=owner_id)
    if job.status in TERMINAL:
        raise InvalidInput(f"job is already {job.status}")
    job.status, job.finished_at, job.lease_expires_at = "cancelled", utcnow(), None
    session.add(job)
    session.commit()
    return job


def get_job(*, session: Session, job_id: uuid.UUID, owner_id: uuid.UUID) -> Job:
    job = session.get(Job, job_id)
    if job is None or job.owner_id != owner_id:
        raise NotFound("job not found")
    return job


def list_jobs(*, session: Session, owner_id: uuid.UUID, limit: int = 50) -> list[Job]:
    rows = session.exec(select(Job).where(col(Job.owner_id) == owner_id)
                        .order_by(col(Job.created_at).desc()).limit(limit))
    return list(rows.all())


def beat(*, session: Session, worker_id: str, hostname: str, pid: int) -> None:
    """Record that a worker is alive (upsert)."""
    row = session.get(WorkerHeartbeat, worker_id)
    if row is None:
        row = WorkerHeartbeat(worker_id=worker_id, hostname=hostname, pid=pid, last_seen=utcnow())
    row.last_seen = utcnow()
    session.add(row)
    session.commit()


def latest_heartbeat(*, session: Session) -> datetime | None:
    rows = select(WorkerHeartbeat.last_seen).order_by(col(WorkerHeartbeat.last_seen).desc())
    return session.exec(rows.limit(1)).first()


def _load_handlers() -> None:
    import maxbooster.tasks.handlers  # noqa: F401  (registers built-in job kinds)
