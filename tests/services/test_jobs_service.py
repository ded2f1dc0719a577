"""The jobs table rules: atomic claims, lease renewal, reaping, retries, ownership."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from maxbooster.models import Job, JobAttempt, User
from maxbooster.models.base import utcnow
from maxbooster.services import jobs
from maxbooster.services.errors import InvalidInput, NotFound


@pytest.fixture
def no_dispatch(monkeypatch: pytest.MonkeyPatch) -> list[uuid.UUID]:
    """Record dispatches instead of sending: these tests drive the worker side by hand."""
    sent: list[uuid.UUID] = []
    monkeypatch.setattr(jobs, "_dispatch", lambda job_id, countdown_s=0: sent.append(job_id))
    return sent


def _user(session: Session, email: str) -> User:
    user = User(email=email, display_name=email.split("@")[0])
    session.add(user)
    session.commit()
    return user


def test_enqueue_commits_row_before_dispatch(session: Session, no_dispatch: list[uuid.UUID]) -> None:
    job = jobs.enqueue(session=session, kind="system.selftest", owner_id=None)
    assert no_dispatch == [job.id]
    stored = session.get(Job, job.id)
    assert stored is not None and stored.status == "pending" and stored.max_attempts == 3


def test_unknown_kind_is_refused_and_nothing_stored(session: Session, no_dispatch: list[uuid.UUID]) -> None:
    with pytest.raises(InvalidInput, match="unknown job kind 'nope'"):
        jobs.enqueue(session=session, kind="nope", owner_id=None)
    assert session.exec(select(Job)).all() == [] and no_dispatch == []


def test_duplicate_delivery_claims_once(session: Session, no_dispatch: list[uuid.UUID]) -> None:
    job = jobs.enqueue(session=session, kind="system.selftest", owner_id=None)
    assert jobs.claim(session=session, job_id=job.id, worker_id="w1") == 1
    assert jobs.claim(session=session, job_id=job.id, worker_id="w2") is None


def test_zombie_attempt_cannot_finish_after_reap(session: Session, no_dispatch: list[uuid.UUID]) -> None:
    job = jobs.enqueue(session=session, kind="system.selftest", owner_id=None)
    jobs.claim(session=session, job_id=job.id, worker_id="w1")
    later = utcnow() + timedelta(seconds=120)
    assert jobs.reap(session=session, now=later) == [job.id]
    assert jobs.claim(session=session, job_id=job.id, worker_id="w2") == 2
    assert not jobs.renew(session=session, job_id=job.id, attempt=1)
    assert not jobs.finish(session=session, job_id=job.id, attempt=1, result_ref="zombie")
    assert jobs.finish(session=session, job_id=job.id, attempt=2, result_ref="real")
    session.expire_all()
    stored = session.get(Job, job.id)
    assert stored is not None and (stored.status, stored.result_ref) == ("succeeded", "real")


def test_lease_lost_three_times_fails_for_good(session: Session, no_dispatch: list[uuid.UUID]) -> None:
    job = jobs.enqueue(session=session, kind="system.selftest", owner_id=None)
    for attempt in (1, 2, 3):
        assert jobs.claim(session=session, job_id=job.id, worker_id=f"w{attempt}") == attempt
        jobs.reap(session=session, now=utcnow() + timedelta(seconds=120))
    session.expire_all()
    stored = session.get(Job, job.id)
    assert stored is not None and stored.status == "failed"
    assert stored.error == "gave up after 3 attempts: the worker stopped responding"
    outcomes = session.exec(select(JobAttempt.outcome).where(JobAttempt.job_id == job.id)).all()
    assert sorted(outcomes) == ["lost", "lost", "lost"]


def test_lost_pending_message_is_redispatched(session: Session, no_dispatch: list[uuid.UUID]) -> None:
    job = jobs.enqueue(session=session, kind="system.selftest", owner_id=None)
    assert jobs.reap(session=session, now=utcnow()) == []  # fresh: leave it to the broker
    assert jobs.reap(session=session, now=utcnow() + timedelta(minutes=10)) == [job.id]


def test_progress_renews_lease_and_is_stored(session: Session, no_dispatch: list[uuid.UUID]) -> None:
    job = jobs.enqueue(session=session, kind="system.selftest", owner_id=None)
    jobs.claim(session=session, job_id=job.id, worker_id="w1")
    before = session.get(Job, job.id).lease_expires_at  # type: ignore[union-attr]
    assert jobs.renew(session=session, job_id=job.id, attempt=1, progress=40, message="halfway")
    session.expire_all()
    stored = session.get(Job, job.id)
    assert stored is not None and stored.progress == 40 and stored.message == "halfway"
    assert stored.lease_expires_at is not None and before is not None and stored.lease_expires_at >= before


def test_other_users_job_is_not_found(session: Session, no_dispatch: list[uuid.UUID]) -> None:
    alice, bob = _user(session, "alice@example.com"), _user(session, "bob@example.com")
    job = jobs.enqueue(session=session, kind="system.selftest", owner_id=alice.id)
    with pytest.raises(NotFound):
        jobs.get_job(session=session, job_id=job.id, owner_id=bob.id)
    with pytest.raises(NotFound):
        jobs.cancel(session=session, job_id=job.id, owner_id=bob.id)
    assert session.get(Job, job.id).status == "pending"  # type: ignore[union-attr]
    assert [j.id for j in jobs.list_jobs(session=session, owner_id=bob.id)] == []


def test_cancel_stops_a_running_attempt(session: Session, no_dispatch: list[uuid.UUID], app_env: Path) -> None:
    alice = _user(session, "alice@example.com")
    job = jobs.enqueue(session=session, kind="system.selftest", owner_id=alice.id)
    jobs.claim(session=session, job_id=job.id, worker_id="w1")
    jobs.cancel(session=session, job_id=job.id, owner_id=alice.id)
    assert not jobs.renew(session=session, job_id=job.id, attempt=1, progress=50)
    with pytest.raises(InvalidInput, match="already cancelled"):
        jobs.cancel(session=session, job_id=job.id, owner_id=alice.id)
