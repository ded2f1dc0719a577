"""Provider events: received fast, applied exactly once by the `billing.apply_events` drain job (`drain`).

Receiving stores the event (unique per provider + event id: a duplicate delivery stores nothing new)
and makes sure a drain job will run after it (one statement on PostgreSQL). `apply_row` is what one
event does; it runs in the same transaction that marks the event applied, here for a single event
(`apply_stored_event`) and in `drain` for batches. Receipts are written to the outbox in that
transaction (with SMTP they wait for the commit) and transfers to sellers wait for it (`after_commit`).
Unknown event types are acknowledged and recorded as ignored.
"""

from __future__ import annotations

import functools
import logging
import uuid
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from maxbooster.models.accounts import User
from maxbooster.models.base import utcnow
from maxbooster.models.billing import BillingCustomer, CheckoutSession, CheckoutStatus, WebhookEvent
from maxbooster.models.jobs import Job, JobStatus
from maxbooster.services import audit, email, jobs
from maxbooster.services.billing import state
from maxbooster.services.billing.provider import get_provider
from maxbooster.services.billing.stripe_provider import verify_webhook
from maxbooster.settings import get_settings

DRAIN_KIND = "billing.apply_events"  # every unapplied event, in batches (`drain`)
APPLY_ATTEMPTS = 6  # two events of one customer applied at once may collide once; the retry applies it
log = logging.getLogger("maxbooster.billing")


def receive_stripe(*, session: Session, payload: bytes, signature_header: str | None) -> tuple[WebhookEvent, bool]:
    """A Stripe webhook request: verified (WebhookRefused otherwise, nothing stored), then received."""
    event = verify_webhook(payload=payload, signature_header=signature_header,
                           secret=get_settings().stripe_webhook_secret)
    return receive_event(session=session, provider="stripe", event=event)


def receive_event(*, session: Session, provider: str, event: dict[str, Any]) -> tuple[WebhookEvent, bool]:
    """Store a verified event and see that a drain job will apply it; (row, False) when it was already received.

    One INSERT … ON CONFLICT DO NOTHING stores it (a duplicate, even one delivered twice at once, inserts
    nothing) while a pending `billing.apply_events` drain job is share-locked until the commit, so the
    worker's claim of that job waits for this event and its drain sees it; a new drain job is enqueued only
    when none is pending. On PostgreSQL with a fresh session both are one statement in autocommit: one
    round trip per webhook."""
    row = WebhookEvent(provider=provider, event_id=str(event["id"]), type=str(event["type"])[:100],
                       event_created=state.ts(event["created"]) or utcnow(), payload=event)
    values = {"id": row.id, "provider": row.provider, "event_id": row.event_id, "type": row.type,
              "event_created": row.event_created, "payload": row.payload, "received_at": row.received_at,
              "outcome": "", "attempts": 0, "error": ""}
    if session.get_bind().dialect.name == "postgresql":
        if not session.in_transaction():  # nothing of the caller's to commit with it: no BEGIN, no COMMIT
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        stored, drain = session.execute(_receive_pg(), values).one()
    else:  # SQLite: one writer at a time, so the drain cannot be claimed between the check and the commit
        stored = session.execute(sqlite_insert(WebhookEvent).values(**values).on_conflict_do_nothing(
            index_elements=["provider", "event_id"]).returning(col(WebhookEvent.id))).scalar()
        drain = session.execute(_pending_drain()).scalar() if stored is not None else True
    if stored is None:  # already received (perhaps by another request this very moment)
        session.rollback()
        found = _find(session, provider, row.event_id)
        assert found is not None
        return found, False
    if drain is not None:
        session.commit()
    else:
        jobs.enqueue(session=session, kind=DRAIN_KIND, owner_id=None, max_attempts=APPLY_ATTEMPTS)  # commits
    return row, True


@functools.cache
def _receive_pg() -> Any:
    """The INSERT (a CTE) and the drain's share lock in one SELECT, built once (its values are bound)."""
    names = ("id", "provider", "event_id", "type", "event_created", "payload", "received_at", "outcome", "attempts",
             "error")
    ins = pg_insert(WebhookEvent).values({name: bindparam(name) for name in names}).on_conflict_do_nothing(
        index_elements=["provider", "event_id"]).returning(col(WebhookEvent.id)).cte("stored")
    return select(select(ins.c.id).scalar_subquery(), _pending_drain().scalar_subquery())


def _pending_drain() -> Any:
    return (select(col(Job.id)).where(col(Job.kind) == DRAIN_KIND, col(Job.status) == JobStatus.PENDING)
            .limit(1).with_for_update(read=True))


def ensure_drain(*, session: Session) -> None:
    """Commit the caller's transaction with a drain job that will run after it: a pending one (share-locked
    until the commit, so it is claimed after) or a new one."""
    if session.execute(_pending_drain()).first() is not None:
        session.commit()
    else:
        jobs.enqueue(session=session, kind=DRAIN_KIND, owner_id=None, max_attempts=APPLY_ATTEMPTS)


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
        audit.lock_chain(session=session)  # the same lock order as the drain's batches
        row = session.get(WebhookEvent, webhook_event_id, populate_existing=True)
        assert row is not None
        row.outcome, row.retry_at, row.failed_at, row.error = apply_row(session=session, row=row)[:300], None, None, ""
        session.add(row)
        email.store_queued(session=session)  # a receipt as an outbox row of this transaction
        session.commit()
    except Exception:
        session.rollback()
        drop_after_commit(session=session)
        raise
    after_commit(session=session)
    return row.outcome


def after_commit(*, session: Session) -> None:
    """What waits for the commit of applied events: receipts not stored with it (SMTP), then the transfers
    to send."""
    from maxbooster.services.marketplace import payouts

    email.send_queued(session=session)
    payouts.send_queued(session=session)


def drop_after_commit(*, session: Session, keep: tuple[int, int] = (0, 0)) -> None:
    """Forget what was queued for after the commit beyond `keep` (from `queued_after_commit`)."""
    from maxbooster.services.marketplace import payouts

    email.drop_queued(session=session, keep=keep[0])
    payouts.drop_queued(session=session, keep=keep[1])


def queued_after_commit(*, session: Session) -> tuple[int, int]:
    """How many receipts and transfers wait for the commit (to roll back to with `drop_after_commit`)."""
    from maxbooster.services.marketplace import payouts

    return email.queued(session=session), payouts.queued(session=session)


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


def apply_row(*, session: Session, row: WebhookEvent) -> str:
    """Apply one stored event's effect (the caller marks it applied and commits); its outcome in words."""
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
