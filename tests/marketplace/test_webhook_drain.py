"""The `billing.apply_events` drain: receiving stores each event once and leaves one pending drain job per
burst; draining applies the backlog in one transaction with a SAVEPOINT per event, so an event that cannot
be applied yet stays unapplied without undoing the others, a refund received before its payment is
applied by the same drain once the payment is, and an event that keeps failing is given up after
EVENT_ATTEMPTS tries, listed for admins and tried again by one of them."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import Session, col

from maxbooster.models.accounts import User
from maxbooster.models.audit import AuditLog
from maxbooster.models.base import utcnow
from maxbooster.models.billing import WebhookEvent
from maxbooster.models.email import EmailOutbox
from maxbooster.models.jobs import Job
from maxbooster.models.marketplace import License, Order, OrderStatus, Transfer
from maxbooster.services.billing import drain, failed_events, webhooks
from maxbooster.services.errors import Conflict, NotFound, PermissionDenied
from maxbooster.services.marketplace import checkout
from tests.marketplace.commerce import buy, count, published, start
from tests.support.accounts import actor_for, make_user


def _refund_event(order: Order, event_id: str) -> dict[str, Any]:
    pi = checkout.payment_intent_object(order)
    charge = {"id": pi["latest_charge"], "object": "charge", "payment_intent": order.provider_payment_id,
              "amount": order.total_minor, "amount_refunded": order.total_minor,
              "refunds": {"data": [{"id": f"re_{event_id}", "amount": order.total_minor, "status": "succeeded",
                                    "metadata": {}}]}}
    return {"id": event_id, "object": "event", "type": "charge.refunded", "created": 1_800_000_100,
            "data": {"object": charge}}


def _status(session: Session, order: Order) -> str:
    fresh = session.get(Order, order.id, populate_existing=True)
    assert fresh is not None
    return fresh.status


def test_a_refund_received_before_its_payment_is_applied_by_the_same_drain(
        session: Session, payable_seller: User) -> None:
    beat = published(session, payable_seller)
    drain.apply_pending(session=session)  # the seller's onboarding events
    buyer = make_user(session, "buyer@example.com")
    order = start(session, buyer, (beat, "wav_lease")).order
    refund, fresh = webhooks.receive_event(session=session, provider="sandbox", event=_refund_event(order, "evt_r1"))
    assert fresh
    paid = checkout.pay_in_sandbox(session=session, actor=actor_for(buyer), order_id=order.id)
    again, fresh = webhooks.receive_event(session=session, provider="sandbox", event=paid.payload)
    assert not fresh and again.id == paid.id  # a duplicate delivery stores nothing new
    assert count(session, WebhookEvent, applied_at=None) == 2
    assert count(session, Job, kind=webhooks.DRAIN_KIND) == 1  # one drain job for the burst

    assert drain.apply_pending(session=session) == (2, [])
    session.expire_all()
    assert _status(session, order) == OrderStatus.REFUNDED
    for row_id in (refund.id, paid.id):
        stored = session.get(WebhookEvent, row_id)
        assert stored is not None and stored.applied_at is not None
    assert count(session, License) == 1 and count(session, Transfer) == 1
    assert drain.apply_pending(session=session) == (0, [])  # nothing applied twice


def test_an_event_that_cannot_be_applied_yet_leaves_the_others_applied(
        session: Session, payable_seller: User) -> None:
    beat = published(session, payable_seller, title="Two")
    drain.apply_pending(session=session)  # the seller's onboarding events
    buyer = make_user(session, "buyer@example.com")
    first = start(session, buyer, (beat, "mp3_lease")).order
    paid = checkout.pay_in_sandbox(session=session, actor=actor_for(buyer), order_id=first.id)
    second = start(session, buyer, (beat, "wav_lease")).order
    early = webhooks.receive_event(session=session, provider="sandbox", event=_refund_event(second, "evt_r2"))[0]

    applied, not_yet = drain.apply_pending(session=session)
    assert (applied, not_yet) == (1, [early.id])
    session.expire_all()
    assert _status(session, first) == OrderStatus.PAID and _status(session, second) == OrderStatus.PENDING
    assert session.get(WebhookEvent, paid.id).applied_at is not None  # type: ignore[union-attr]
    assert session.get(WebhookEvent, early.id).applied_at is None  # type: ignore[union-attr]
    assert count(session, EmailOutbox, to_addr="buyer@example.com") == 1  # the paid order's receipt only
    assert count(session, License) == 1

    checkout.pay_in_sandbox(session=session, actor=actor_for(buyer), order_id=second.id)  # the payment arrives
    assert drain.apply_pending(session=session) == (2, [])
    session.expire_all()
    assert _status(session, second) == OrderStatus.REFUNDED
    assert count(session, EmailOutbox, to_addr="buyer@example.com") == 2


def test_an_event_that_keeps_failing_is_given_up_shown_to_admins_and_tried_again(
        session: Session, payable_seller: User) -> None:
    beat = published(session, payable_seller, title="Three")
    drain.apply_pending(session=session)  # the seller's onboarding events
    buyer = make_user(session, "buyer@example.com")
    order = buy(session, buyer, (beat, "mp3_lease"))
    bad = _refund_event(order, "evt_bad")
    bad["data"]["object"]["refunds"]["data"][0]["amount"] = "ten"  # not a number: fails however often it is tried
    row, _ = webhooks.receive_event(session=session, provider="sandbox", event=bad)

    for attempt in range(1, drain.EVENT_ATTEMPTS + 1):
        assert drain.apply_pending(session=session) == (0, [row.id])
        stored = _event(session, row.id)
        assert stored.attempts == attempt and stored.error.startswith("ValueError")
        if attempt == drain.EVENT_ATTEMPTS:
            break
        assert stored.retry_at is not None and stored.failed_at is None
        assert drain.apply_pending(session=session) == (0, [])  # not before its pause is over
        assert drain.retry_due() is False
        session.execute(update(WebhookEvent).where(col(WebhookEvent.id) == row.id)
                        .values(retry_at=utcnow() - timedelta(seconds=1)))
        session.commit()
        assert drain.retry_due() is True  # the housekeeping sweep starts a drain for it
    stored = _event(session, row.id)
    assert stored.failed_at is not None and stored.retry_at is None and stored.applied_at is None
    assert drain.apply_pending(session=session) == (0, [])  # given up: no drain tries it again
    assert drain.retry_due() is False

    with pytest.raises(PermissionDenied):
        failed_events.list_failed(session=session, actor=actor_for(buyer))
    admin = actor_for(make_user(session, "admin@example.com", role="admin"))
    listed, total = failed_events.list_failed(session=session, actor=admin)
    assert total == 1 and [(e.event_id, e.attempts) for e in listed] == [("evt_bad", drain.EVENT_ATTEMPTS)]
    assert "ValueError" in listed[0].error

    with pytest.raises(PermissionDenied):  # only admins put an event back, and nothing changes
        failed_events.retry(session=session, actor=actor_for(buyer), webhook_event_id=row.id)
    with pytest.raises(NotFound, match="not stored here"):
        failed_events.retry(session=session, actor=admin, webhook_event_id=uuid.uuid4())
    assert _event(session, row.id).failed_at is not None
    assert count(session, AuditLog, action="billing.event_retried") == 0
    failed_events.retry(session=session, actor=admin, webhook_event_id=row.id)
    stored = _event(session, row.id)
    assert (stored.attempts, stored.failed_at, stored.error) == (0, None, "")
    assert failed_events.list_failed(session=session, actor=admin)[1] == 0
    assert count(session, AuditLog, action="billing.event_retried") == 1
    with pytest.raises(Conflict):  # tried again already: a second click changes nothing
        failed_events.retry(session=session, actor=admin, webhook_event_id=row.id)
    assert count(session, AuditLog, action="billing.event_retried") == 1
    assert drain.apply_pending(session=session) == (0, [row.id])  # back in the queue (and still failing)
    assert _event(session, row.id).attempts == 1


def _event(session: Session, row_id: uuid.UUID) -> WebhookEvent:
    stored = session.get(WebhookEvent, row_id, populate_existing=True)
    assert stored is not None
    return stored
