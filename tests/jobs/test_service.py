"""The jobs table rules: atomic claims, lease renewal, reaping, retries, ownership."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from maxbooster.models import Job, JobAttempt, User
from maxbooster.models.base import utcnow
from maxbooster.services import broker as broker_service
from maxbooster.services import jobs
from maxbooster.services.actor import Actor
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.settings import get_settings


@pytest.fixture
def no_dispatch(app_env: Path) -> Iterator[list[uuid.UUID]]:
    """A real in-process broker that is not started: it records what was sent, and these tests
    drive the worker side (claim, renew, finish, reap) by hand."""
    idle = InProcessBroker()
    broker_service.use_broker(idle)
    yield idle.sent
    broker_service.use_broker(None)


@pytest.fixture
def running_broker(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InProcessBroker]:
    """A started in-process broker: jobs run through `jobs.execute` as a worker would run them."""
    monkeypatch.setenv("JOB_LEASE_SECONDS", "3")
    get_settings.cache_clear()
    broker = InProcessBroker().start()
    broker_service.use_broker(broker)
    yield broker
    broker_service.use_broker(None)
    broker.stop()


def _as(user: User) -> Actor:
    return Actor.anonymous().as_user(user.id)


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
    with pytest.raises(InvalidInput, match="unknown job kind 'nope'") as err:
        jobs.enqueue(session=session, kind="nope", owner_id=None)
    assert err.value.code == "unknown_job_kind"
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
    # Pretend the lease is nearly over: renewing must push it a whole lease into the future.
    soon = utcnow() + timedelta(seconds=1)
    session.execute(update(Job).where(col(Job.id) == job.id).values(lease_expires_at=soon))
    session.commit()
    assert jobs.renew(session=session, job_id=job.id, attempt=1, progress=40, message="halfway")
    session.expire_all()
    stored = session.get(Job, job.id)
    assert stored is not None and stored.progress == 40 and stored.message == "halfway"
    lease_s = get_settings().job_lease_seconds
    assert stored.lease_expires_at is not None and stored.lease_expires_at > soon + timedelta(seconds=lease_s / 2)


def test_other_users_job_is_not_found(session: Session, no_dispatch: list[uuid.UUID]) -> None:
    alice, bob = _user(session, "alice@example.com"), _user(session, "bob@example.com")
    job = jobs.enqueue(session=session, kind="system.selftest", owner_id=alice.id)
    with pytest.raises(NotFound):
        jobs.get_job(session=session, actor=_as(bob), job_id=job.id)
    with pytest.raises(NotFound):
        jobs.cancel(session=session, actor=_as(bob), job_id=job.id)
    assert session.get(Job, job.id).status == "pending"  # type: ignore[union-attr]
    assert [j.id for j in jobs.list_jobs(session=session, actor=_as(bob))] == []
    assert [j.id for j in jobs.list_jobs(session=session, actor=_as(alice))] == [job.id]


def test_cancel_stops_a_running_attempt(session: Session, no_dispatch: list[uuid.UUID], app_env: Path) -> None:
    alice = _user(session, "alice@example.com")
    job = jobs.enqueue(session=session, kind="system.selftest", owner_id=alice.id)
    jobs.claim(session=session, job_id=job.id, worker_id="w1")
    jobs.cancel(session=session, actor=_as(alice), job_id=job.id)
    assert not jobs.renew(session=session, job_id=job.id, attempt=1, progress=50)
    with pytest.raises(InvalidInput, match="already cancelled"):
        jobs.cancel(session=session, actor=_as(alice), job_id=job.id)


def test_in_process_broker_runs_a_job_to_completion(session: Session, running_broker: InProcessBroker) -> None:
    job = jobs.enqueue(session=session, kind="system.selftest", owner_id=None, params={"seconds": 0.2, "steps": 4})
    assert running_broker.wait_idle(30)
    session.expire_all()
    done = session.get(Job, job.id)
    assert done is not None and (done.status, done.progress, done.attempts) == ("succeeded", 100, 1)
    assert done.result_ref == f"selftest:{job.id}:ok" and done.message == "step 4 of 4"
    assert running_broker.sent == [job.id]


def test_failing_attempt_is_resent_and_then_succeeds(session: Session, running_broker: InProcessBroker) -> None:
    job = jobs.enqueue(session=session, kind="system.selftest", owner_id=None,
                       params={"seconds": 0.1, "steps": 2, "fail_attempts": 1})
    assert running_broker.wait_idle(30)
    session.expire_all()
    done = session.get(Job, job.id)
    assert done is not None and (done.status, done.attempts) == ("succeeded", 2)
    outcomes = session.exec(select(JobAttempt.outcome).where(JobAttempt.job_id == job.id)
                            .order_by(col(JobAttempt.attempt))).all()
    assert outcomes == ["failed", "succeeded"] and running_broker.sent == [job.id, job.id]


def test_duplicate_message_runs_the_job_once(session: Session, running_broker: InProcessBroker) -> None:
    job = jobs.enqueue(session=session, kind="system.selftest", owner_id=None, params={"seconds": 0.1, "steps": 1})
    running_broker.send(job.id)  # the broker delivered the same id twice
    assert running_broker.wait_idle(30)
    attempts = session.exec(select(JobAttempt).where(JobAttempt.job_id == job.id)).all()
    assert len(attempts) == 1 and attempts[0].outcome == "succeeded"


def test_kind_names_are_feature_dot_verb() -> None:
    with pytest.raises(ValueError, match="feature.verb"):
        jobs.job_handler("NoDot")
    with pytest.raises(ValueError, match="registered twice"):
        jobs.job_handler("system.selftest")(lambda ctx: None)


def test_page_rows_are_read_every_time_and_converted_only_when_changed(
        session: Session, no_dispatch: list[uuid.UUID]) -> None:
    """The Jobs page's load reads the rows from the database on every event (no cache that could
    show a stale list): an unchanged list comes back as "same as shown", any change as new rows."""
    from maxbooster.state.jobs import job_rows

    alice, bob = _user(session, "alice@example.com"), _user(session, "bob@example.com")
    job = jobs.enqueue(session=session, kind="system.selftest", owner_id=alice.id)
    first = job_rows(session=session, actor=_as(alice))
    assert first.rows is not None and [r.id for r in first.rows] == [str(job.id)] and first.rows[0].progress == 0
    assert job_rows(session=session, actor=_as(alice), shown=first.key).rows is None  # nothing changed

    jobs.claim(session=session, job_id=job.id, worker_id="w1")  # a worker elsewhere moves the job on
    assert jobs.renew(session=session, job_id=job.id, attempt=1, progress=40, message="halfway")
    moved = job_rows(session=session, actor=_as(alice), shown=first.key)
    assert moved.rows is not None and moved.key != first.key
    assert (moved.rows[0].status, moved.rows[0].progress, moved.rows[0].message) == ("running", 40, "halfway")
    assert job_rows(session=session, actor=_as(alice), shown=moved.key).rows is None

    second = jobs.enqueue(session=session, kind="system.selftest", owner_id=alice.id)
    jobs.enqueue(session=session, kind="system.selftest", owner_id=bob.id)  # not alice's: not on her page
    grown = job_rows(session=session, actor=_as(alice), shown=moved.key)
    assert grown.rows is not None and {r.id for r in grown.rows} == {str(job.id), str(second.id)}
    jobs.cancel(session=session, actor=_as(alice), job_id=second.id)
    cancelled = job_rows(session=session, actor=_as(alice), shown=grown.key)
    assert cancelled.rows is not None and {r.status for r in cancelled.rows} == {"running", "cancelled"}
    assert job_rows(session=session, actor=_as(bob), shown=cancelled.key).rows is not None  # another user's list
