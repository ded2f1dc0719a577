"""A real Celery worker process (embedded broker) applies webhook events, and its housekeeping moves a
user whose grace period is over to Free."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from maxbooster.db import session_scope
from maxbooster.models.accounts import User
from maxbooster.models.base import utcnow
from maxbooster.models.billing import Subscription, WebhookEvent
from maxbooster.models.jobs import Job, JobStatus
from maxbooster.services.billing import webhooks
from maxbooster.settings import get_settings
from tests.billing import events as ev
from tests.billing.stripe_server import LocalStripe
from tests.jobs.worker_support import start_worker, stop_worker, wait_for
from tests.support.accounts import make_user

pytestmark = [pytest.mark.services, pytest.mark.serial]  # real worker processes: in the full run, not in the fast lane


def test_a_real_worker_applies_events_and_ends_expired_grace(session: Session, stripe_env: LocalStripe,
                                                             app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKER_HEARTBEAT_SECONDS", "1")
    get_settings.cache_clear()
    alice, bob = make_user(session), make_user(session, "bob@example.com", plan="pro")
    ev.subscriber(session, alice)
    long_ago = utcnow() - timedelta(days=40)
    session.add(Subscription(owner_id=bob.id, provider="stripe", provider_subscription_id="sub_bob",
                             provider_customer_id="cus_bob", plan="pro", interval="month", status="past_due",
                             grace_until=utcnow() - timedelta(hours=1), last_event_created=long_ago,
                             last_event_id="evt_bob"))
    session.commit()
    log = app_env.parent / "worker.log"
    worker = start_worker(log)
    try:
        now = int(time.time())
        with session_scope() as own:
            row, _ = webhooks.receive_event(session=own, provider="stripe", event=ev.event(
                "evt_w", "customer.subscription.created", ev.subscription("active", now, now + 30 * ev.DAY), now))
            job_id = _drain_job(own)
        done = wait_for(job_id, lambda j: JobStatus(j.status).is_terminal, 60, log)
        assert done.status == "succeeded", done.error
        with session_scope() as own:
            stored = own.get(WebhookEvent, row.id)
            assert stored is not None and stored.applied_at is not None and "plan pro" in stored.outcome
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _plan(bob) != "free":
            time.sleep(0.3)
        assert _plan(alice) == "pro" and _plan(bob) == "free", log.read_text(errors="replace")[-2000:]
    finally:
        stop_worker(worker)


def _plan(user: User) -> str:
    with session_scope() as own:
        fresh = own.get(User, user.id)
        assert fresh is not None
        return fresh.plan


def _drain_job(session: Session) -> uuid.UUID:
    """The `billing.apply_events` drain job that receiving the event enqueued (the only one)."""
    return session.execute(select(Job.id).where(Job.kind == webhooks.DRAIN_KIND)).scalar_one()
