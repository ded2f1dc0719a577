"""Background jobs. The `jobs` row is the source of truth; the broker only carries ids.

Lifecycle: pending → running → succeeded | failed | cancelled. A worker claims a job with an
atomic conditional UPDATE (so a duplicate message is a no-op), extends its lease while it
works, and finishes only if it still holds the lease for its attempt number. A reaper
re-queues jobs whose lease expired (worker killed) and fails them for good after
`max_attempts` claims.
"""

from __future__ import annotations

import importlib
import logging
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, bindparam, func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from maxbooster.db import session_scope
from maxbooster.models.base import utcnow
from maxbooster.models.jobs import Job, JobAttempt, JobStatus, WorkerHeartbeat
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.broker import get_broker
from maxbooster.services.errors import ErrorCode, InvalidInput
from maxbooster.settings import get_settings

log = logging.getLogger("maxbooster.jobs")
KIND_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


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
# the lane of a kind whose jobs mostly wait on the network and the database (the broker may give
# them workers that run many at once on threads); every other kind is "default" (CPU work)
LANES: dict[str, str] = {}
DEFAULT_LANE = "default"
Periodic = Callable[[], object]
PERIODIC: dict[str, Periodic] = {}


def job_handler(kind: str, *, lane: str = DEFAULT_LANE) -> Callable[[Handler], Handler]:
    """Register the function that performs jobs of `kind` (`feature.verb`; returns a result reference).
    `lane` names the workers meant for it (see `LANES`); the broker decides what a lane maps to."""
    if not KIND_NAME.match(kind):
        raise ValueError(f"job kind {kind!r} must be named feature.verb in lower case")

    def register(fn: Handler) -> Handler:
        if HANDLERS.get(kind, fn) is not fn:
            raise ValueError(f"job kind {kind!r} is registered twice")
        HANDLERS[kind] = fn
        LANES[kind] = lane
        return fn

    return register


def periodic(name: str) -> Callable[[Periodic], Periodic]:
    """Register a function every worker's housekeeping pass runs (every WORKER_HEARTBEAT_SECONDS),
    e.g. a sweep that enqueues what has come due. Several workers run it at once: it must be safe to."""
    if not KIND_NAME.match(name):
        raise ValueError(f"periodic task {name!r} must be named feature.verb in lower case")

    def register(fn: Periodic) -> Periodic:
        if PERIODIC.get(name, fn) is not fn:
            raise ValueError(f"periodic task {name!r} is registered twice")
        PERIODIC[name] = fn
        return fn

    return register


def load_kinds() -> None:
    """Import every module listed in `job_kinds.MODULES` (each registers its kinds)."""
    from maxbooster.services.job_kinds import MODULES

    for name in MODULES:
        importlib.import_module(name)


def enqueue(*, session: Session, kind: str, owner_id: uuid.UUID | None,
            params: dict[str, Any] | None = None, max_attempts: int | None = None,
            job_id: uuid.UUID | None = None) -> Job:
    """Commit a pending job row, then hand its id to the broker. The commit includes whatever the caller
    changed in `session` first, e.g. a row claimed for this job under a `job_id` chosen in advance."""
    load_kinds()
    if kind not in HANDLERS:
        raise InvalidInput(f"unknown job kind {kind!r}", code=ErrorCode.UNKNOWN_JOB_KIND)
    job = Job(id=job_id or uuid.uuid4(), kind=kind, owner_id=owner_id, params=params or {}, enqueued_at=utcnow(),
              max_attempts=max_attempts or get_settings().job_max_attempts)
    session.add(job)
    session.commit()
    session.refresh(job)
    get_broker().send(job.id, lane=LANES.get(kind, DEFAULT_LANE))
    return job


def enqueue_batch(*, session: Session, kind: str, jobs: list[tuple[uuid.UUID, uuid.UUID | None, dict[str, Any]]],
                  max_attempts: int | None = None) -> list[uuid.UUID]:
    """`enqueue` for many jobs of one kind at once: (job id, owner id, params) each; one commit holds
    them all (with whatever the caller changed in `session`), then the broker gets every id."""
    load_kinds()
    if kind not in HANDLERS:
        raise InvalidInput(f"unknown job kind {kind!r}", code=ErrorCode.UNKNOWN_JOB_KIND)
    now, attempts = utcnow(), max_attempts or get_settings().job_max_attempts
    session.add_all([Job(id=job_id, kind=kind, owner_id=owner_id, params=params, enqueued_at=now,
                         max_attempts=attempts) for job_id, owner_id, params in jobs])
    session.commit()
    broker, lane = get_broker(), LANES.get(kind, DEFAULT_LANE)
    for job_id, _, _ in jobs:
        broker.send(job_id, lane=lane)
    return [job_id for job_id, _, _ in jobs]


def claim(*, session: Session, job_id: uuid.UUID, worker_id: str) -> int | None:
    """Atomically take a pending job; returns the attempt number, or None if not ours to run."""
    now = utcnow()
    lease = now + timedelta(seconds=get_settings().job_lease_seconds)
    result = session.execute(
        update(Job)
        .where(col(Job.id) == job_id, col(Job.status) == JobStatus.PENDING,
               col(Job.attempts) < col(Job.max_attempts))
        .values(status=JobStatus.RUNNING, attempts=col(Job.attempts) + 1, worker_id=worker_id,
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
    return (col(Job.id) == job_id, col(Job.status) == JobStatus.RUNNING, col(Job.attempts) == attempt)


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
            status=JobStatus.SUCCEEDED, progress=100, result_ref=result_ref, finished_at=now,
            lease_expires_at=None, error=None)
    )
    won = result.rowcount == 1  # type: ignore[attr-defined]
    _close_attempt(session, job_id, attempt, "succeeded" if won else "lost")
    session.commit()
    return won


def fail_attempt(*, session: Session, job_id: uuid.UUID, attempt: int, error: str) -> str | None:
    """Record a failed attempt: back to pending while attempts remain, else failed for good."""
    job = session.get(Job, job_id)
    if job is None or job.status != JobStatus.RUNNING or job.attempts != attempt:
        session.rollback()
        return None
    final = job.attempts >= job.max_attempts
    job.status = JobStatus.FAILED if final else JobStatus.PENDING
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
        col(Job.status) == JobStatus.RUNNING, col(Job.lease_expires_at) < now)).all()
    for job in expired:
        final = job.attempts >= job.max_attempts
        result = session.execute(
            update(Job).where(*_holds(job.id, job.attempts), col(Job.lease_expires_at) < now).values(
                status=JobStatus.FAILED if final else JobStatus.PENDING, lease_expires_at=None, enqueued_at=now,
                finished_at=now if final else None,
                error=(f"gave up after {job.attempts} attempts: the worker stopped responding"
                       if final else "the worker stopped responding; retrying")))
        if result.rowcount == 1:  # type: ignore[attr-defined]
            _close_attempt(session, job.id, job.attempts, "lost", "lease expired")
            if not final:
                requeue.append(job.id)
    stale = now - timedelta(seconds=lease_s * 4)
    lost = session.exec(select(Job.id).where(
        col(Job.status) == JobStatus.PENDING, col(Job.enqueued_at) < stale)).all()
    for job_id in lost:
        session.execute(update(Job).where(col(Job.id) == job_id).values(enqueued_at=now))
        requeue.append(job_id)
    session.commit()
    return requeue


def cancel(*, session: Session, actor: Actor, job_id: uuid.UUID) -> Job:
    """Cancel a job that is not finished yet; a running handler stops at its next progress call."""
    job = get_owned(session=session, model=Job, obj_id=job_id, actor=actor)
    if JobStatus(job.status).is_terminal:
        raise InvalidInput(f"That job has already {job.status}.", code=ErrorCode.JOB_FINISHED)
    job.status, job.finished_at, job.lease_expires_at = JobStatus.CANCELLED, utcnow(), None
    session.add(job)
    session.commit()
    return job


def get_job(*, session: Session, actor: Actor, job_id: uuid.UUID) -> Job:
    return get_owned(session=session, model=Job, obj_id=job_id, actor=actor)


def list_jobs(*, session: Session, actor: Actor, limit: int = 50) -> list[Job]:
    rows = session.exec(select(Job).where(col(Job.owner_id) == actor.require_user())
                        .order_by(col(Job.created_at).desc()).limit(limit))
    return list(rows.all())


_T = Job.__table__.c  # type: ignore[attr-defined]
_SUMMARIES = (sa_select(_T.id, _T.kind, _T.status, _T.progress, _T.message, _T.attempts, _T.created_at, _T.error)
              .where(_T.owner_id == bindparam("owner")).order_by(_T.created_at.desc()).limit(bindparam("limit")))


def list_job_summaries(*, session: Session, actor: Actor, limit: int = 50) -> list[Row[Any]]:
    """`list_jobs` as plain rows of what the Jobs page shows (id, kind, status, progress, message,
    attempts, created_at, error): it runs on every page event, so no ORM objects are built and
    the statement is built once."""
    return list(session.connection().execute(_SUMMARIES, {"owner": actor.require_user(), "limit": limit}))


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


def execute(job_id: uuid.UUID, *, worker_id: str) -> None:
    """Run one delivery of a job: claim it, run its handler under a renewed lease, then finish
    or record the failure (a retry is re-sent with back-off). Duplicate deliveries are no-ops."""
    load_kinds()
    with session_scope() as session:
        attempt = claim(session=session, job_id=job_id, worker_id=worker_id)
        job = session.get(Job, job_id) if attempt else None
        kind, params = (job.kind, dict(job.params)) if job else ("", {})
    if attempt is None:
        return  # duplicate delivery, finished, or cancelled: nothing to do
    stop = threading.Event()
    threading.Thread(target=_keep_lease, args=(job_id, attempt, stop), daemon=True).start()

    def report(percent: int, message: str) -> bool:
        with session_scope() as s:
            return renew(session=s, job_id=job_id, attempt=attempt, progress=percent, message=message)

    try:
        result = HANDLERS[kind](JobContext(job_id, attempt, params, report))
        with session_scope() as session:
            finish(session=session, job_id=job_id, attempt=attempt, result_ref=result)
    except JobLost:
        log.info("job %s attempt %s stopped: lease lost or cancelled", job_id, attempt)
    except Exception as exc:  # noqa: BLE001  (any handler error becomes a recorded failure)
        log.exception("job %s attempt %s failed", job_id, attempt)
        with session_scope() as session:
            status = fail_attempt(session=session, job_id=job_id, attempt=attempt,
                                  error=f"{type(exc).__name__}: {exc}")
        if status == JobStatus.PENDING:
            get_broker().send(job_id, countdown_s=min(60, 2**attempt), lane=LANES.get(kind, DEFAULT_LANE))
    finally:
        stop.set()


def _keep_lease(job_id: uuid.UUID, attempt: int, stop: threading.Event) -> None:
    interval = max(1.0, get_settings().job_lease_seconds / 3)
    while not stop.wait(interval):
        with session_scope() as session:
            if not renew(session=session, job_id=job_id, attempt=attempt):
                return


def housekeeping(*, worker_id: str, hostname: str, pid: int) -> list[uuid.UUID]:
    """One heartbeat + reaper pass of a worker, then the registered periodic tasks; re-sends what it
    re-queued and returns those ids."""
    with session_scope() as session:
        beat(session=session, worker_id=worker_id, hostname=hostname, pid=pid)
        requeued = reap(session=session)
        kinds = dict(session.exec(select(Job.id, Job.kind).where(col(Job.id).in_(requeued))).all()) if requeued else {}
    load_kinds()
    for job_id in requeued:
        log.warning("re-queued job %s (lease expired or message lost)", job_id)
        get_broker().send(job_id, lane=LANES.get(kinds.get(job_id, ""), DEFAULT_LANE))
    for name, task in list(PERIODIC.items()):
        try:
            task()
        except Exception:  # noqa: BLE001  (one failing sweep must not stop the heartbeat or the others)
            log.exception("periodic task %s failed", name)
    return requeued


def enqueue_for(*, session: Session, actor: Actor, kind: str, params: dict[str, Any] | None = None) -> Job:
    """Enqueue a job owned by the acting user (the shape UI and API callers use)."""
    return enqueue(session=session, kind=kind, owner_id=actor.require_user(), params=params)
