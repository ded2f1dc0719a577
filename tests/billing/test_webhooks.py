"""Stripe webhooks over HTTP: signed exactly as Stripe signs them; refusals (wrong signature, old
timestamp, malformed body, …) are a 400 with the reason and store nothing; each event is stored once
and applied once, in the same transaction as its effect; unknown types are acknowledged."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from maxbooster import routes
from maxbooster.models.audit import AuditLog
from maxbooster.models.billing import Invoice, Subscription, WebhookEvent
from maxbooster.models.jobs import Job
from maxbooster.services.billing import webhooks
from maxbooster.services.broker import InProcessBroker
from tests.billing import events as ev
from tests.billing.stripe_server import LocalStripe
from tests.billing.support import signature, signed
from tests.support.accounts import make_user


def _count(session: Session, model: type) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def _post(client: TestClient, body: str, headers: dict[str, str]) -> Any:
    return client.post(routes.V1_BILLING_WEBHOOK_STRIPE, content=body, headers=headers)


def test_a_signed_event_is_stored_once_and_applied_once(session: Session, stripe_env: LocalStripe,
                                                       api_client: TestClient, jobs_run: InProcessBroker) -> None:
    alice = make_user(session)
    ev.subscriber(session, alice)
    now = int(time.time())
    body, headers = signed(ev.event("evt_a", "customer.subscription.created",
                                    ev.subscription("active", now, now + 30 * ev.DAY), now))
    first = _post(api_client, body, headers)
    assert first.status_code == 200 and first.json() == {"received": True, "duplicate": False}
    again = _post(api_client, body, headers)  # Stripe redelivers
    assert again.status_code == 200 and again.json() == {"received": True, "duplicate": True}
    assert jobs_run.wait_idle(30)
    assert _count(session, WebhookEvent) == 1 and _count(session, Job) == 1
    row = session.execute(select(WebhookEvent)).scalar_one()
    assert row.applied_at is not None and row.outcome == "subscription sub_test_life: active; plan pro"
    assert session.get(type(alice), alice.id).plan == "pro"
    changes = session.execute(select(AuditLog).where(AuditLog.action == "billing.plan_changed")).scalars().all()
    assert [(c.target, c.details["from"], c.details["to"]) for c in changes] == [(f"users:{alice.id}", "free", "pro")]
    assert webhooks.apply_stored_event(session=session, webhook_event_id=row.id) == "already applied"


def _refusals(now: int) -> list[tuple[str, str, dict[str, str], str]]:
    good = json.dumps(ev.event("evt_r", "invoice.paid", ev.invoice("in_r", "paid", now, now + 1), now))
    other = "whsec_someone_else_" + "x" * 20
    sig = signature(good)
    return [
        ("wrong secret", good, {"Stripe-Signature": signature(good, secret=other)},
         "Webhook refused: the signature does not match (wrong signing secret, or the body was changed)."),
        ("body changed after signing", good.replace("1200", "1"), {"Stripe-Signature": sig},
         "Webhook refused: the signature does not match (wrong signing secret, or the body was changed)."),
        ("timestamp 301 s old", good, {"Stripe-Signature": signature(good, timestamp=now - 301)},
         "Webhook refused: its timestamp is more than 5 minutes old (a replay, or a clock far off)."),
        ("no signature", good, {}, "Webhook refused: the Stripe-Signature header is missing."),
        ("garbled header", good, {"Stripe-Signature": "v1=abc"},
         "Webhook refused: the Stripe-Signature header is not in the form t=…,v1=…."),
        ("only a v0 signature", good, {"Stripe-Signature": sig.replace("v1=", "v0=")},
         "Webhook refused: the Stripe-Signature header is not in the form t=…,v1=…."),
        ("truncated json", good[:-5], {"Stripe-Signature": signature(good[:-5])},
         "Webhook refused: the body is not JSON."),
        ("json, not an event", '{"id": "evt_x"}', {"Stripe-Signature": signature('{"id": "evt_x"}')},
         "Webhook refused: the body is not a Stripe event (id, type, created, data.object)."),
        ("event without its object", '{"id":"e","type":"t","created":1,"data":{}}',
         {"Stripe-Signature": signature('{"id":"e","type":"t","created":1,"data":{}}')},
         "Webhook refused: the body is not a Stripe event (id, type, created, data.object)."),
    ]


@pytest.mark.parametrize("case", range(9), ids=[c[0] for c in _refusals(0)])
def test_bad_webhooks_get_a_400_with_the_reason_and_nothing_is_stored(
        session: Session, stripe_env: LocalStripe, api_client: TestClient, jobs_held: InProcessBroker,
        case: int) -> None:
    name, body, headers, message = _refusals(int(time.time()))[case]
    reply = _post(api_client, body, {"Content-Type": "application/json", **headers})
    assert reply.status_code == 400, (name, reply.text)
    assert reply.json() == {"error": {"code": "webhook_refused", "message": message}}
    assert _count(session, WebhookEvent) == 0 and _count(session, Job) == 0 and jobs_held.sent == []


def test_tolerance_is_five_minutes(session: Session, stripe_env: LocalStripe, api_client: TestClient,
                                   jobs_held: InProcessBroker) -> None:
    now = int(time.time())
    body = json.dumps(ev.event("evt_t", "invoice.paid", ev.invoice("in_t", "paid", now, now + 1), now))
    assert _post(api_client, body, {"Stripe-Signature": signature(body, timestamp=now - 290)}).status_code == 200
    assert _count(session, WebhookEvent) == 1


def test_without_a_signing_secret_every_webhook_is_refused(session: Session, api_client: TestClient,
                                                           jobs_held: InProcessBroker) -> None:
    body, headers = signed(ev.event("evt_n", "invoice.paid", {"id": "in_n"}, int(time.time())))
    reply = _post(api_client, body, headers)
    assert reply.status_code == 400
    assert reply.json()["error"]["message"] == ("Webhook refused: Stripe webhooks are not configured here "
                                                "(STRIPE_WEBHOOK_SECRET is not set).")
    assert _count(session, WebhookEvent) == 0


def test_unknown_types_and_unknown_customers_are_acknowledged_and_change_nothing(
        session: Session, stripe_env: LocalStripe, api_client: TestClient, jobs_run: InProcessBroker) -> None:
    alice = make_user(session)
    ev.subscriber(session, alice)
    now = int(time.time())
    stranger = ev.subscription("active", now, now + 30 * ev.DAY, sub_id="sub_other", customer="cus_nobody")
    for event in (ev.event("evt_u1", "customer.updated", {"id": ev.CUSTOMER, "object": "customer"}, now),
                  ev.event("evt_u2", "radar.early_fraud_warning.created", {"id": "issfr_1"}, now),
                  ev.event("evt_u3", "customer.subscription.created", stranger, now)):
        body, headers = signed(event)
        assert _post(api_client, body, headers).status_code == 200
    assert jobs_run.wait_idle(30)
    outcomes = dict(session.execute(select(WebhookEvent.event_id, WebhookEvent.outcome)).all())
    assert outcomes == {"evt_u1": "ignored: customer.updated is not an event billing uses",
                        "evt_u2": "ignored: radar.early_fraud_warning.created is not an event billing uses",
                        "evt_u3": "ignored: unknown customer cus_nobody"}
    assert _count(session, Subscription) == 0 and session.get(type(alice), alice.id).plan == "free"


def test_out_of_order_updated_before_created_and_paid_before_failed(session: Session, stripe_env: LocalStripe,
                                                                    jobs_held: InProcessBroker) -> None:
    alice = make_user(session)
    ev.subscriber(session, alice)
    now = int(time.time())
    period = (now - ev.DAY, now + 29 * ev.DAY)
    later = [ev.event("evt_o2", "customer.subscription.updated", ev.subscription("active", *period), now),
             ev.event("evt_o4", "invoice.paid", ev.invoice("in_o", "paid", *period, paid_at=now), now)]
    earlier = [ev.event("evt_o1", "customer.subscription.created", ev.subscription("incomplete", *period), now - 5),
               ev.event("evt_o3", "invoice.payment_failed", ev.invoice("in_o", "open", *period), now - 5)]
    for event in later + earlier:  # the newer news first
        row, _ = webhooks.receive_event(session=session, provider="stripe", event=event)
        webhooks.apply_stored_event(session=session, webhook_event_id=row.id)
    session.expire_all()
    sub = session.execute(select(Subscription)).scalar_one()
    inv = session.execute(select(Invoice)).scalar_one()
    assert (sub.status, sub.last_event_id, sub.grace_until) == ("active", "evt_o2", None)
    assert (inv.status, inv.amount_paid_minor, inv.first_failed_at is not None) == ("paid", 1200, True)
    assert session.get(type(alice), alice.id).plan == "pro"
    outcomes = dict(session.execute(select(WebhookEvent.event_id, WebhookEvent.outcome)).all())
    assert outcomes["evt_o1"] == "kept: subscription sub_test_life already has a newer state (active); plan pro"


def test_two_workers_applying_one_event_at_once_apply_it_once(session: Session, engine: Engine,
                                                              stripe_env: LocalStripe,
                                                              jobs_held: InProcessBroker) -> None:
    alice = make_user(session)
    ev.subscriber(session, alice)
    now = int(time.time())
    row, _ = webhooks.receive_event(session=session, provider="stripe", event=ev.event(
        "evt_race", "customer.subscription.created", ev.subscription("active", now, now + 30 * ev.DAY), now))
    results: list[str] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        with Session(engine) as own:
            barrier.wait()
            try:
                results.append(webhooks.apply_stored_event(session=own, webhook_event_id=row.id))
            except Exception as exc:  # noqa: BLE001  (SQLite's lock: the job system retries it)
                results.append(f"retry: {type(exc).__name__}")

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    applied = [r for r in results if r.startswith("subscription")]
    assert len(results) == 4 and len(applied) == 1, results
    assert _count(session, Subscription) == 1
    changes = session.execute(select(func.count()).select_from(AuditLog)
                              .where(AuditLog.action == "billing.plan_changed")).scalar_one()
    assert changes == 1

