"""Real worker processes: jobs complete on every broker, and survive a SIGKILLed worker."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from sqlmodel import col, select

from maxbooster.db import session_scope
from maxbooster.models.jobs import JobAttempt, JobStatus
from maxbooster.services import jobs
from maxbooster.settings import get_settings
from tests.conftest import service_url
from tests.jobs.worker_support import kill_worker, start_worker, stop_worker, wait_for

TERMINAL = [s.value for s in JobStatus if s.is_terminal]

BROKERS = ["embedded", "redis", "rabbitmq"]
# Real Celery worker processes: in the full run, not in the fast lane (`./mb test --fast`).
pytestmark = [pytest.mark.services, pytest.mark.serial]


@pytest.fixture(params=BROKERS)
def broker_env(request: pytest.FixtureRequest, app_env: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Configure the broker for both this process (sender) and the worker it starts."""
    if request.param == "redis":
        monkeypatch.setenv("CELERY_BROKER_URL", service_url("MAXBOOSTER_TEST_REDIS_URL"))
    elif request.param == "rabbitmq":
        monkeypatch.setenv("CELERY_BROKER_URL", service_url("MAXBOOSTER_TEST_RABBITMQ_URL"))
    monkeypatch.setenv("JOB_LEASE_SECONDS", "3")
    monkeypatch.setenv("WORKER_HEARTBEAT_SECONDS", "1")
    get_settings.cache_clear()
    return request.param


def test_worker_runs_job_to_completion(broker_env: str, app_env: Path) -> None:
    log = app_env.parent / "worker.log"
    worker = start_worker(log)
    try:
        with session_scope() as session:
            job = jobs.enqueue(session=session, kind="system.selftest", owner_id=None,
                               params={"seconds": 1, "steps": 4})
        done = wait_for(job.id, lambda j: j.status in TERMINAL, 60, log)
        assert done.status == "succeeded", done.error
        assert done.progress == 100
        assert done.result_ref == f"selftest:{job.id}:ok"
        assert done.attempts == 1
        with session_scope() as session:
            assert jobs.latest_heartbeat(session=session) is not None  # the worker reported in
    finally:
        stop_worker(worker)


def test_sigkilled_worker_job_completes_exactly_once(broker_env: str, app_env: Path) -> None:
    log = app_env.parent / "worker.log"
    first = start_worker(log)
    second = None
    try:
        with session_scope() as session:
            job = jobs.enqueue(session=session, kind="system.selftest", owner_id=None,
                               params={"seconds": 6, "steps": 12})
        wait_for(job.id, lambda j: j.status == "running" and j.progress >= 20, 60, log)
        kill_worker(first, signal.SIGKILL)  # the whole process group: no chance to clean up
        second = start_worker(log)
        done = wait_for(job.id, lambda j: j.status in TERMINAL, 90, log)
        assert done.status == "succeeded", done.error
        assert done.attempts == 2
        with session_scope() as session:
            outcomes = session.exec(select(JobAttempt.outcome).where(JobAttempt.job_id == job.id)
                                    .order_by(col(JobAttempt.attempt))).all()
        assert outcomes == ["lost", "succeeded"]  # exactly one successful completion
    finally:
        kill_worker(first)
        if second is not None:
            stop_worker(second)


def test_failing_job_is_retried_then_failed_for_good(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKER_HEARTBEAT_SECONDS", "1")
    get_settings.cache_clear()
    log = app_env.parent / "worker.log"
    worker = start_worker(log)
    try:
        with session_scope() as session:
            job = jobs.enqueue(session=session, kind="system.selftest", owner_id=None,
                               params={"seconds": 0.2, "steps": 2, "fail_attempts": 9})
        done = wait_for(job.id, lambda j: j.status in TERMINAL, 60, log)
        assert done.status == "failed"
        assert done.attempts == 3
        assert done.error.startswith("failed after 3 attempts: RuntimeError: selftest told to fail")
    finally:
        stop_worker(worker)
