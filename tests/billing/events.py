"""Stripe-shaped objects and events for the webhook tests: a realistic life of one Pro subscription."""

from __future__ import annotations

import time
import uuid
from typing import Any

from sqlmodel import Session

from maxbooster.models.accounts import User
from maxbooster.models.billing import BillingCustomer, CheckoutSession

DAY = 86400
CUSTOMER = "cus_test_life"
SUB = "sub_test_life"
CHECKOUT = "cs_test_life"


def subscription(status: str, start: int, end: int, *, sub_id: str = SUB, customer: str = CUSTOMER,
                 price: str = "price_pro_m", cancel_at_period_end: bool = False,
                 canceled_at: int | None = None) -> dict[str, Any]:
    return {"id": sub_id, "object": "subscription", "customer": customer, "status": status,
            "cancel_at_period_end": cancel_at_period_end, "canceled_at": canceled_at, "livemode": False,
            "metadata": {}, "items": {"object": "list", "data": [{
                "id": "si_test_life", "object": "subscription_item", "current_period_start": start,
                "current_period_end": end, "price": {"id": price, "object": "price", "currency": "usd",
                                                     "unit_amount": 1200, "recurring": {"interval": "month"}}}]}}


def invoice(inv_id: str, status: str, start: int, end: int, *, reason: str = "subscription_cycle",
            paid_at: int | None = None, attempt: int = 1, customer: str = CUSTOMER) -> dict[str, Any]:
    return {"id": inv_id, "object": "invoice", "customer": customer, "status": status, "amount_due": 1200,
            "amount_paid": 1200 if status == "paid" else 0, "currency": "usd", "billing_reason": reason,
            "attempt_count": attempt, "hosted_invoice_url": f"https://invoice.stripe.com/i/{inv_id}",
            "parent": {"type": "subscription_details", "subscription_details": {"subscription": SUB}},
            "status_transitions": {"paid_at": paid_at},
            "lines": {"object": "list", "data": [{"period": {"start": start, "end": end}}]}}


def event(event_id: str, event_type: str, obj: dict[str, Any], created: int) -> dict[str, Any]:
    return {"id": event_id, "object": "event", "api_version": "2025-10-29.clover", "created": created,
            "type": event_type, "livemode": False, "pending_webhooks": 1, "data": {"object": obj}}


def life(*, deleted: bool, now: int | None = None) -> list[dict[str, Any]]:
    """Checkout, the first invoice paid, a renewal that fails twice and is then paid, a customer update
    and a payment intent (types billing does not use), and a second renewal that fails two days ago;
    with `deleted`, the subscription is then cancelled."""
    t0 = (now or int(time.time())) - 62 * DAY
    p1, p2, p3 = (t0, t0 + 30 * DAY), (t0 + 30 * DAY, t0 + 60 * DAY), (t0 + 60 * DAY, t0 + 90 * DAY)
    checkout = {"id": CHECKOUT, "object": "checkout.session", "mode": "subscription", "status": "complete",
                "customer": CUSTOMER, "subscription": SUB, "created": t0 - 60}
    seq = [
        event("evt_01", "customer.subscription.created", subscription("incomplete", *p1), t0),
        event("evt_02", "invoice.paid", invoice("in_1", "paid", *p1, reason="subscription_create", paid_at=t0 + 1),
              t0 + 1),
        event("evt_03", "customer.subscription.updated", subscription("active", *p1), t0 + 1),
        event("evt_04", "checkout.session.completed", checkout, t0 + 2),
        event("evt_05", "customer.updated", {"id": CUSTOMER, "object": "customer", "email": "a@example.com"},
              t0 + 10 * DAY),
        event("evt_06", "invoice.payment_failed", invoice("in_2", "open", *p2), p2[0]),
        event("evt_07", "customer.subscription.updated", subscription("past_due", *p1), p2[0]),
        event("evt_08", "invoice.payment_failed", invoice("in_2", "open", *p2, attempt=2), p2[0] + 3 * DAY),
        event("evt_09", "invoice.paid", invoice("in_2", "paid", *p2, paid_at=p2[0] + 5 * DAY), p2[0] + 5 * DAY),
        event("evt_10", "customer.subscription.updated", subscription("active", *p2), p2[0] + 5 * DAY),
        event("evt_11", "payment_intent.succeeded", {"id": "pi_1", "object": "payment_intent", "amount": 1200},
              p2[0] + 5 * DAY),
        event("evt_12", "invoice.payment_failed", invoice("in_3", "open", *p3), p3[0]),
        event("evt_13", "customer.subscription.updated", subscription("past_due", *p2), p3[0]),
    ]
    if deleted:
        seq.append(event("evt_14", "customer.subscription.deleted",
                         subscription("canceled", *p2, canceled_at=p3[0] + DAY), p3[0] + DAY))
    return seq


def subscriber(session: Session, user: User, *, provider: str = "stripe") -> None:
    """The customer and the checkout session we would have stored when the user started the upgrade."""
    session.add(BillingCustomer(owner_id=user.id, provider=provider, provider_customer_id=CUSTOMER))
    session.add(CheckoutSession(id=uuid.uuid4(), owner_id=user.id, provider=provider, provider_session_id=CHECKOUT,
                                provider_customer_id=CUSTOMER, plan="pro", interval="month", amount_minor=1200,
                                currency="USD", url=f"https://checkout.stripe.com/c/pay/{CHECKOUT}"))
    session.commit()
