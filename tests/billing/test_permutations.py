"""200 random orders, with random duplicate deliveries, of a realistic subscription's events end in the
same stored state as the events in their true order (issue 12: out-of-order safe, exactly once)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import delete, update
from sqlmodel import Session

from maxbooster.models.accounts import User
from maxbooster.models.billing import CheckoutSession, Invoice, Subscription, WebhookEvent
from maxbooster.models.jobs import Job
from maxbooster.services.billing import webhooks
from maxbooster.services.broker import InProcessBroker
from tests.billing import events as ev
from tests.billing.stripe_server import LocalStripe
from tests.billing.support import stored_state
from tests.support.accounts import make_user

PERMUTATIONS = 200
pytestmark = pytest.mark.slow  # ~1 min per database and scenario on 2 cores: in ./mb test, not in --fast


def _reset(session: Session, user: User) -> None:
    for model in (WebhookEvent, Subscription, Invoice, Job):
        session.execute(delete(model))
    session.execute(update(CheckoutSession).values(status="open", provider_subscription_id="", completed_at=None))
    session.execute(update(User).where(User.id == user.id).values(plan="free"))  # type: ignore[arg-type]
    session.commit()


def _deliver(session: Session, deliveries: list[dict[str, Any]]) -> None:
    """Each delivery is received (a duplicate is not stored again) and its job run (a no-op once applied)."""
    for event in deliveries:
        row, _ = webhooks.receive_event(session=session, provider="stripe", event=event)
        webhooks.apply_stored_event(session=session, webhook_event_id=row.id)


@pytest.mark.parametrize("deleted", [False, True], ids=["ends-in-grace", "ends-cancelled"])
def test_every_order_with_duplicates_ends_in_the_same_state(session: Session, stripe_env: LocalStripe,
                                                            jobs_held: InProcessBroker, deleted: bool) -> None:
    user = make_user(session)
    ev.subscriber(session, user)
    sequence = ev.life(deleted=deleted)
    _deliver(session, sequence)
    expected = stored_state(session, user)
    # the true order's outcome, spelled out: the last renewal failed two days ago
    sub = expected["subscriptions"][0]
    assert expected["plan"] == ("free" if deleted else "pro")
    assert sub[3] == ("canceled" if deleted else "past_due") and sub[7] is not None
    assert [(i[0], i[2]) for i in expected["invoices"]] == [("in_1", "paid"), ("in_2", "paid"), ("in_3", "open")]
    assert expected["checkouts"] == [(ev.CHECKOUT, "complete", ev.SUB)]
    assert len(expected["events"]) == len(sequence) and all(applied for _, applied in expected["events"])

    rng = random.Random(20261208 + deleted)
    for n in range(PERMUTATIONS):
        order = sequence[:]
        rng.shuffle(order)
        for dup in rng.sample(sequence, rng.randint(1, len(sequence) // 2)):
            order.insert(rng.randrange(len(order) + 1), dup)
        _reset(session, user)
        _deliver(session, order)
        got = stored_state(session, user)
        assert got == expected, f"permutation {n}: {[e['id'] for e in order]}"
