"""Applying provider objects to our mirror, so the stored state converges whatever the order.

Each row keeps the version it was last written from. A subscription takes the snapshot with the
highest (canceled?, event created, status rank, event id): newer wins, a canceled subscription never
comes back, and ties are broken the same way every time. An invoice only moves forward (draft → open →
paid | void | uncollectible); its first failed payment is the earliest one seen. The user's plan is then
derived from all of their stored subscriptions and invoices, never from one event: the same set of
events gives the same plan in any order. Dunning: a renewal whose payment failed keeps the plan for
BILLING_GRACE_DAYS from the first failure; after that the plan column drops to Free (data kept).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from maxbooster.models.accounts import PlanKey, User
from maxbooster.models.base import utcnow
from maxbooster.models.billing import (
    BillingComp,
    BillingInterval,
    Invoice,
    InvoiceStatus,
    Subscription,
    SubscriptionStatus,
)
from maxbooster.services import audit
from maxbooster.services.actor import Actor
from maxbooster.services.billing.catalog import plan_of_price
from maxbooster.settings import get_settings

SUB_RANK = {SubscriptionStatus.INCOMPLETE: 0, SubscriptionStatus.TRIALING: 1, SubscriptionStatus.ACTIVE: 2,
            SubscriptionStatus.PAST_DUE: 3, SubscriptionStatus.PAUSED: 4, SubscriptionStatus.UNPAID: 5,
            SubscriptionStatus.INCOMPLETE_EXPIRED: 6, SubscriptionStatus.CANCELED: 7}
INVOICE_RANK = {InvoiceStatus.DRAFT: 0, InvoiceStatus.OPEN: 1, InvoiceStatus.UNCOLLECTIBLE: 2,
                InvoiceStatus.VOID: 3, InvoiceStatus.PAID: 3}
ENTITLED = {SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING, SubscriptionStatus.PAST_DUE}
PLAN_RANK = {PlanKey.FREE: 0, PlanKey.PRO: 1, PlanKey.LABEL: 2}
BILLING = Actor.system("billing")


def ts(value: Any) -> datetime | None:
    """A Stripe unix timestamp as an aware UTC datetime (None when absent)."""
    return datetime.fromtimestamp(int(value), UTC) if isinstance(value, int | float) and value > 0 else None


def stripe_id(value: Any) -> str:
    """An id field that may be expanded into its object."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def _sub_key(status: str, created: datetime, event_id: str) -> tuple[bool, datetime, int, str]:
    return (status == SubscriptionStatus.CANCELED, created, SUB_RANK[SubscriptionStatus(status)], event_id)


def subscription_plan(obj: dict[str, Any]) -> tuple[str, str] | None:
    """(plan, interval) of a Stripe-shaped subscription: its price id, else the metadata we set at checkout."""
    items = ((obj.get("items") or {}).get("data") or [{}])[0]
    price = items.get("price") or items.get("plan") or {}
    found = plan_of_price(stripe_id(price), get_settings().stripe_prices)
    if found:
        return found
    meta = obj.get("metadata") or {}
    plan, interval = meta.get("plan"), meta.get("interval") or (price.get("recurring") or {}).get("interval")
    if plan in (PlanKey.PRO, PlanKey.LABEL) and interval in {i.value for i in BillingInterval}:
        return str(plan), str(interval)
    return None


def apply_subscription(*, session: Session, owner_id: uuid.UUID, provider: str, obj: dict[str, Any],
                       event_id: str, created: datetime,
                       refetch: Callable[[str], dict[str, Any]] | None = None) -> str:
    """Store the subscription snapshot if it is newer than what we have; returns what happened. Two
    events of the same second cannot be ordered by their time: then, when `refetch` is given, the
    provider's current subscription decides (the SDK's subscriptions retrieve)."""
    status, sub_id = obj.get("status"), stripe_id(obj)
    if status not in {s.value for s in SubscriptionStatus} or not sub_id:
        return f"ignored: subscription without a known status ({status!r})"
    row = session.execute(select(Subscription).where(col(Subscription.provider) == provider,
                                                     col(Subscription.provider_subscription_id) == sub_id)
                          ).scalar_one_or_none()
    version = _sub_key(status, created, event_id)
    if row is not None:
        stored = _sub_key(row.status, row.last_event_created, row.last_event_id)
        if refetch is not None and created == row.last_event_created and event_id != row.last_event_id:
            obj, version = refetch(sub_id), max(version, stored)
            status = obj.get("status")
            if status not in {s.value for s in SubscriptionStatus}:
                return f"ignored: the provider's subscription {sub_id} has no known status ({status!r})"
        elif version <= stored:
            return f"kept: subscription {sub_id} already has a newer state ({row.status})"
    plan = subscription_plan(obj)
    if plan is None:
        return f"ignored: subscription {sub_id} is for a price that is not one of our plans"
    items = ((obj.get("items") or {}).get("data") or [{}])[0]
    if row is None:
        row = Subscription(owner_id=owner_id, provider=provider, provider_subscription_id=sub_id, plan=plan[0],
                           interval=plan[1], status=status, last_event_created=created, last_event_id=event_id,
                           provider_customer_id=stripe_id(obj.get("customer")))
    row.plan, row.interval, row.status = plan[0], plan[1], status
    row.current_period_end = ts(items.get("current_period_end")) or ts(obj.get("current_period_end"))
    row.cancel_at_period_end = bool(obj.get("cancel_at_period_end"))
    row.canceled_at = ts(obj.get("canceled_at")) or ts(obj.get("ended_at"))
    row.last_event_created, row.last_event_id, row.updated_at = version[1], version[3], utcnow()
    session.add(row)
    return f"subscription {sub_id}: {status}"


def invoice_subscription_id(obj: dict[str, Any]) -> str:
    """The subscription of an invoice (`subscription`, or `parent.subscription_details.subscription` in
    newer API versions)."""
    details = ((obj.get("parent") or {}).get("subscription_details") or {})
    return stripe_id(obj.get("subscription")) or stripe_id(details.get("subscription"))


def apply_invoice(*, session: Session, owner_id: uuid.UUID, provider: str, obj: dict[str, Any], event_type: str,
                  event_id: str, created: datetime) -> str:
    """Store the invoice's furthest status; a payment failure records its time (the earliest one wins)."""
    status, inv_id = obj.get("status"), stripe_id(obj)
    currency = str(obj.get("currency") or "").upper()
    if status not in {s.value for s in InvoiceStatus} or not inv_id or len(currency) != 3:
        return f"ignored: invoice without a known status or currency ({status!r})"
    row = session.execute(select(Invoice).where(col(Invoice.provider) == provider,
                                                col(Invoice.provider_invoice_id) == inv_id)).scalar_one_or_none()
    if row is None:
        row = Invoice(owner_id=owner_id, provider=provider, provider_invoice_id=inv_id, currency=currency,
                      status=status, amount_due_minor=0, last_event_created=created, last_event_id=event_id)
        newer = True
    else:
        newer = ((INVOICE_RANK[InvoiceStatus(status)], created, event_id)
                 > (INVOICE_RANK[InvoiceStatus(row.status)], row.last_event_created, row.last_event_id))
    if event_type == "invoice.payment_failed" and (row.first_failed_at is None or created < row.first_failed_at):
        row.first_failed_at = created
    if newer:
        line = ((obj.get("lines") or {}).get("data") or [{}])[0].get("period") or {}
        row.status, row.currency = status, currency
        row.provider_subscription_id = invoice_subscription_id(obj)
        row.amount_due_minor = max(0, int(obj.get("amount_due") or 0))
        row.amount_paid_minor = max(0, int(obj.get("amount_paid") or 0))
        row.hosted_url = str(obj.get("hosted_invoice_url") or "")[:2000]
        row.period_start = ts(line.get("start")) or ts(obj.get("period_start"))
        row.period_end = ts(line.get("end")) or ts(obj.get("period_end"))
        row.billing_reason = str(obj.get("billing_reason") or "")[:40]
        row.paid_at = ts((obj.get("status_transitions") or {}).get("paid_at"))
        row.last_event_created, row.last_event_id = created, event_id
    session.add(row)
    return f"invoice {inv_id}: {row.status}"


def _grace_until(sub: Subscription, invoices: list[Invoice]) -> datetime | None:
    """End of the grace period of a subscription whose latest invoice failed and is still unpaid."""
    days = timedelta(days=get_settings().billing_grace_days)
    mine = [i for i in invoices
            if i.provider == sub.provider and i.provider_subscription_id == sub.provider_subscription_id]
    if mine:
        latest = max(mine, key=lambda i: (i.period_end or i.last_event_created, i.provider_invoice_id))
        if latest.status not in (InvoiceStatus.PAID, InvoiceStatus.VOID) and latest.first_failed_at is not None:
            return latest.first_failed_at + days
        if latest.status == InvoiceStatus.PAID:
            return None
    if sub.status == SubscriptionStatus.PAST_DUE:
        return sub.last_event_created + days
    return None


def effective_plan(sub: Subscription, now: datetime) -> str:
    """The plan a subscription gives right now: its plan while active (or in grace), else Free."""
    if sub.status not in ENTITLED:
        return PlanKey.FREE
    if sub.grace_until is not None and sub.grace_until <= now:
        return PlanKey.FREE
    return sub.plan


def comp_plan(comp: BillingComp | None, now: datetime) -> str:
    """The plan an admin's comp gives right now (Free once its end date has passed)."""
    if comp is None or (comp.until is not None and comp.until <= now):
        return PlanKey.FREE
    return comp.plan


def refresh_owner(*, session: Session, owner_id: uuid.UUID, now: datetime | None = None,
                  managed: bool = False) -> str:
    """Recompute grace periods and the user's plan from everything stored for them (inside the caller's
    transaction): the better of their subscriptions and an admin's comp, so a webhook never wipes a comp.
    Users with neither keep their plan (set before billing existed, e.g. by the CLI) unless `managed`
    (a comp was just taken back: then what they pay for decides)."""
    now = now or utcnow()
    subs = list(session.execute(select(Subscription).where(col(Subscription.owner_id) == owner_id)).scalars())
    user = session.get(User, owner_id)
    comp = session.get(BillingComp, owner_id)
    if user is None or (not subs and comp is None and not managed):
        return user.plan if user else PlanKey.FREE
    invoices = list(session.execute(select(Invoice).where(col(Invoice.owner_id) == owner_id)).scalars())
    best = PlanKey.FREE
    for sub in subs:
        grace = _grace_until(sub, invoices)
        if grace != sub.grace_until:
            sub.grace_until = grace
            session.add(sub)
        plan = effective_plan(sub, now)
        best = max(best, PlanKey(plan), key=lambda p: PLAN_RANK[PlanKey(p)])
    best = max(best, PlanKey(comp_plan(comp, now)), key=lambda p: PLAN_RANK[PlanKey(p)])
    if user.plan != best:
        audit.record(session, BILLING, "billing.plan_changed", target=f"users:{user.id}",
                     details={"from": user.plan, "to": str(best)})
        user.plan = best
        session.add(user)
    return str(best)


def expire_grace(*, session: Session, now: datetime | None = None) -> list[uuid.UUID]:
    """Drop to Free (or to what they still pay for) every user whose grace period or comp is over (the
    worker's periodic sweep); returns them."""
    now = now or utcnow()
    owners = set(session.execute(
        select(col(Subscription.owner_id)).join(User, col(User.id) == col(Subscription.owner_id))
        .where(col(Subscription.grace_until) <= now, col(User.plan) != PlanKey.FREE).distinct()).scalars().all())
    owners |= set(session.execute(  # comps whose end date has passed
        select(col(BillingComp.user_id)).join(User, col(User.id) == col(BillingComp.user_id))
        .where(col(BillingComp.until) <= now, col(User.plan) != PlanKey.FREE)).scalars().all())
    changed = []
    for owner_id in sorted(owners):
        before = session.get(User, owner_id)
        old = before.plan if before else ""
        if refresh_owner(session=session, owner_id=owner_id, now=now) != old:
            changed.append(owner_id)
    session.commit()
    return changed
