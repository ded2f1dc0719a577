"""Provider events: received fast, applied exactly once by the `billing.apply_event` job.

Receiving stores the event (unique per provider + event id: a duplicate delivery stores nothing new)
and its job row in one transaction, then hands the job to the broker. Applying marks the event
applied with a conditional UPDATE (… WHERE applied_at IS NULL) in the same transaction as its effect,
so two workers racing on one event apply it once, and a failed application leaves it unapplied for
the retry. Unknown event types are acknowledged and recorded as ignored.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from maxbooster.db import session_scope
from maxbooster.models.accounts import User
from maxbooster.models.base import utcnow
from maxbooster.models.billing import BillingCustomer, CheckoutSession, CheckoutStatus, WebhookEvent
from maxbooster.services import jobs
from maxbooster.services.billing import state
from maxbooster.services.billing.provider import get_provider
from maxbooster.services.billing.stripe_provider import verify_webhook
from maxbooster.services.jobs import JobContext, job_handler
from maxbooster.settings import get_settings

APPLY_KIND = "billing.apply_event"
APPLY_ATTEMPTS = 6  # two events of one customer applied at once may collide once; the retry applies it
log = logging.getLogger("maxbooster.billing")


def receive_stripe(*, session: Session, payload: bytes, signature_header: str | None) -> tuple[WebhookEvent, bool]:
    """A Stripe webhook request: verified (WebhookRefused otherwise, nothing stored), then received."""
    event = verify_webhook(payload=payload, signature_header=signature_header,
                           secret=get_settings().stripe_webhook_secret)
    return receive_event(session=session, provider="stripe", event=event)


def receive_event(*, session: Session, provider: str, event: dict[str, Any]) -> tuple[WebhookEvent, bool]:
    """Store a verified event and enqueue its application; (row, False) when it was already received."""
    existing = _find(session, provider, event["id"])
    if existing is not None:
        return existing, False
    row = WebhookEvent(provider=provider, event_id=event["id"], type=str(event["type"])[:100],
                       event_created=state.ts(event["created"]) or utcnow(), payload=event)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:  # the same event delivered twice at once: the other request stored it
        session.rollback()
        found = _find(session, provider, event["id"])
        assert found is not None
        return found, False
    jobs.enqueue(session=session, kind=APPLY_KIND, owner_id=None, params={"webhook_event_id": str(row.id)},
                 max_attempts=APPLY_ATTEMPTS)  # commits the event and its job together, then sends the job
    return row, True


def _find(session: Session, provider: str, event_id: str) -> WebhookEvent | None:
    return session.execute(select(WebhookEvent).where(col(WebhookEvent.provider) == provider,
                                                      col(WebhookEvent.event_id) == event_id)).scalar_one_or_none()


def apply_stored_event(*, session: Session, webhook_event_id: uuid.UUID) -> str:
    """Apply one stored event and mark it applied, in one transaction; a no-op once applied."""
    now = utcnow()
    claimed = session.execute(update(WebhookEvent).where(col(WebhookEvent.id) == webhook_event_id,
                                                         col(WebhookEvent.applied_at).is_(None))
                              .values(applied_at=now))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        return "already applied"
    try:
        row = session.get(WebhookEvent, webhook_event_id, populate_existing=True)
        assert row is not None
        row.outcome = _apply(session, row)[:300]
        session.add(row)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return row.outcome


def _owner(session: Session, provider: str, obj: dict[str, Any]) -> uuid.UUID | None:
    """Whose object this is: the customer we created for them, else the owner id we put in the metadata."""
    customer = state.stripe_id(obj.get("customer"))
    if customer:
        found = session.execute(select(col(BillingCustomer.owner_id)).where(
            col(BillingCustomer.provider) == provider,
            col(BillingCustomer.provider_customer_id) == customer)).scalar_one_or_none()
        if found is not None:
            return found
    for meta in (obj.get("metadata") or {}, ((obj.get("parent") or {}).get("subscription_details") or {})
                 .get("metadata") or {}):
        try:
            owner = uuid.UUID(str(meta.get("owner_id") or obj.get("client_reference_id") or ""))
        except ValueError:
            continue
        if session.get(User, owner) is not None:
            return owner
    return None


def _apply(session: Session, row: WebhookEvent) -> str:
    event_type = row.type
    family = event_type.rsplit(".", 1)[0]
    if event_type == "account.updated":  # a marketplace seller's connected account
        from maxbooster.services.marketplace import sellers

        return sellers.apply_account(session=session, provider=row.provider, obj=row.payload["data"]["object"],
                                     created=row.event_created)
    if family in ("payment_intent", "charge", "charge.dispute"):  # marketplace sales, refunds, disputes
        from maxbooster.services.marketplace import orders

        return orders.apply_event(session=session, provider=row.provider, event_type=event_type,
                                  obj=row.payload["data"]["object"], created=row.event_created)
    if family not in ("customer.subscription", "invoice", "checkout.session"):
        return f"ignored: {event_type} is not an event billing uses"
    obj = row.payload["data"]["object"]
    owner = _owner(session, row.provider, obj)
    if owner is None:
        return f"ignored: unknown customer {state.stripe_id(obj.get('customer')) or '(none)'}"
    session.execute(select(col(User.id)).where(col(User.id) == owner).with_for_update())  # one owner at a time
    created = row.event_created
    if family == "customer.subscription":
        provider = get_provider(session=session)
        refetch = provider.retrieve_subscription if provider.key == row.provider == "stripe" else None
        outcome = state.apply_subscription(session=session, owner_id=owner, provider=row.provider, obj=obj,
                                           event_id=row.event_id, created=created, refetch=refetch)
    elif family == "invoice":
        outcome = state.apply_invoice(session=session, owner_id=owner, provider=row.provider, obj=obj,
                                      event_type=event_type, event_id=row.event_id, created=created)
    else:
        outcome = _apply_checkout(session, row.provider, obj, event_type)
    plan = state.refresh_owner(session=session, owner_id=owner)
    return f"{outcome}; plan {plan}"


def _apply_checkout(session: Session, provider: str, obj: dict[str, Any], event_type: str) -> str:
    """Mark our checkout session complete or expired (the plan itself comes from the subscription)."""
    checkout = session.execute(select(CheckoutSession).where(
        col(CheckoutSession.provider) == provider,
        col(CheckoutSession.provider_session_id) == state.stripe_id(obj))).scalar_one_or_none()
    if checkout is None:
        return f"ignored: checkout {state.stripe_id(obj)} was not started here"
    status = {"checkout.session.completed": CheckoutStatus.COMPLETE,
              "checkout.session.expired": CheckoutStatus.EXPIRED}.get(event_type)
    if status is None or checkout.status == CheckoutStatus.COMPLETE:
        return f"checkout {checkout.provider_session_id}: {checkout.status}"
    checkout.status = status
    if status == CheckoutStatus.COMPLETE:
        checkout.provider_subscription_id = state.stripe_id(obj.get("subscription"))
        checkout.completed_at = state.ts(obj.get("created")) or utcnow()
    session.add(checkout)
    return f"checkout {checkout.provider_session_id}: {status}"


@job_handler(APPLY_KIND)
def apply_event_job(ctx: JobContext) -> str | None:
    """The job: apply one received event (duplicates of the job find it applied and do nothing)."""
    with session_scope() as session:
        outcome = apply_stored_event(session=session, webhook_event_id=uuid.UUID(str(ctx.params["webhook_event_id"])))
    log.info("billing event %s: %s", ctx.params["webhook_event_id"], outcome)
    return None
