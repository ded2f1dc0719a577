"""The production worker pool for social publishing: a real `maxbooster worker --social` process (Celery's
thread pool on its own queue, RabbitMQ as the broker) sweeps what is due in its housekeeping and publishes
it on its threads; publishing jobs go to that queue only while SOCIAL_PUBLISH_THREADS > 0."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from maxbooster.integrations.celery import QUEUE, SOCIAL_QUEUE, queue_for
from maxbooster.models.jobs import Job, JobAttempt, JobStatus
from maxbooster.models.social import SandboxPost, SocialPostVariant, VariantState
from maxbooster.services import jobs
from maxbooster.services.social import accounts, publishing
from maxbooster.settings import get_settings
from tests.conftest import service_url
from tests.jobs.worker_support import stop_worker
from tests.social.support import schedule, social_env
from tests.support import accounts as fx
from tests.support.accounts import actor_for, make_user

pytestmark = [pytest.mark.services, pytest.mark.serial]  # a real worker process on RabbitMQ
acct_env, social_env = fx.acct_env, social_env
ROOT = Path(__file__).resolve().parents[2]
POSTS = 24


def test_publishing_jobs_go_to_the_social_queue_only_while_it_has_threads(social_env: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    jobs.load_kinds()
    assert jobs.LANES[publishing.PUBLISH_KIND] == "social" and jobs.LANES["system.selftest"] == "default"
    assert (queue_for("social"), queue_for("default")) == (SOCIAL_QUEUE, QUEUE)
    monkeypatch.setenv("SOCIAL_PUBLISH_THREADS", "0")  # no social worker: the main worker publishes too
    get_settings.cache_clear()
    assert queue_for("social") == QUEUE


def test_a_thread_pool_worker_publishes_every_due_post_once(session: Session, social_env: Path,
                                                            monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in {"CELERY_BROKER_URL": service_url("MAXBOOSTER_TEST_RABBITMQ_URL"),
                        "SOCIAL_PUBLISH_THREADS": "4", "WORKER_HEARTBEAT_SECONDS": "1"}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    user = make_user(session)
    handles = [accounts.connect_sandbox(session=session, actor=actor_for(user), handle=f"band{i}") for i in range(3)]
    variants = [schedule(session, user, handles[k % 3], f"Post {k} from the pool") for k in range(POSTS)]

    log = tmp_path / "worker-social.log"
    with open(log, "wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "maxbooster.cli", "worker", "--social"], cwd=ROOT,
                                  env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while _published(session) < POSTS:  # the worker's own housekeeping sweeps them onto its queue
            assert time.monotonic() < deadline and worker.poll() is None, log.read_text(errors="replace")[-3000:]
            time.sleep(0.3)
    finally:
        stop_worker(worker)
    session.expire_all()
    rows = session.exec(select(SocialPostVariant).where(col(SocialPostVariant.id).in_([v.id for v in variants]))).all()
    assert all(r.state == VariantState.PUBLISHED and r.attempts == 1 for r in rows) and len(rows) == POSTS
    assert session.exec(select(func.count()).select_from(SandboxPost)).one() == POSTS  # once each
    done = session.exec(select(Job).where(col(Job.kind) == publishing.PUBLISH_KIND)).all()
    assert len(done) == POSTS and {j.status for j in done} == {JobStatus.SUCCEEDED}
    # every job ran in the worker process itself, on its threads (a prefork pool runs them in children)
    ran_in = set(session.exec(select(JobAttempt.worker_id).where(col(JobAttempt.job_id).in_([j.id for j in done]))))
    assert ran_in == {f"{socket.gethostname()}:{worker.pid}"}


def _published(session: Session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(SocialPostVariant)
                        .where(col(SocialPostVariant.state) == VariantState.PUBLISHED)).one()
