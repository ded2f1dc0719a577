"""Provider events: received fast, applied exactly once by the `billing.apply_events` drain job.

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

from sqlalchemy import event as sa_event
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from maxbooster.db import session_scope
from maxbooster.models.accounts import User
from maxbooster.models.audit import AuditHead
from maxbooster.models.base import utcnow
from maxbooster.models.billing import BillingCustomer, CheckoutSession, CheckoutStatus, WebhookEvent
from maxbooster.models.jobs import Job, JobStatus
from maxbooster.services import email, jobs
from maxbooster.services.billing import state
from maxbooster.services.billing.provider import get_provider
from maxbooster.services.billing.stripe_provider import verify_webhook
from maxbooster.services.errors import DomainError
from maxbooster.services.jobs import JobContext, job_handler
from maxbooster.settings import get_settings

DRAIN_KIND = "billing.apply_events"  # every unapplied event, in batches
DRAIN_BATCH = 200
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
    nothing); in the same transaction a pending `billing.apply_events` drain job is share-locked, or enqueued
    when there is none, then one commit. The share lock makes the worker's claim of that job wait for this
    commit, so the drain it runs sees this event."""
    row = WebhookEvent(provider=provider, event_id=str(event["id"]), type=str(event["type"])[:100],
                       event_created=state.ts(event["created"]) or utcnow(), payload=event)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stored = session.execute(insert(WebhookEvent).values(
        id=row.id, provider=row.provider, event_id=row.event_id, type=row.type, event_created=row.event_created,
        payload=row.payload, received_at=row.received_at, outcome="",
    ).on_conflict_do_nothing(index_elements=["provider", "event_id"]).returning(col(WebhookEvent.id))).scalar()
    if stored is None:  # already received (perhaps by another request this very moment)
        session.rollback()
        found = _find(session, provider, row.event_id)
        assert found is not None
        return found, False
    ensure_drain(session=session)  # commits
    return row, True


def ensure_drain(*, session: Session) -> None:
    """Commit the caller's transaction with a drain job that will run after it: a pending one (share-locked
    until the commit, so it is claimed after) or a new one."""
    pending = session.execute(select(col(Job.id)).where(col(Job.kind) == DRAIN_KIND,
                                                        col(Job.status) == JobStatus.PENDING)
                              .limit(1).with_for_update(read=True)).first()
    if pending is not None:
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
        _lock_audit_head(session)  # the same lock order as the drain's batches
        row = session.get(WebhookEvent, webhook_event_id, populate_existing=True)
        assert row is not None
        row.outcome = _apply(session, row)[:300]
        session.add(row)
        session.commit()
    except Exception:
        session.rollback()
        email.drop_queued(session=session)
        raise
    email.send_queued(session=session)  # receipts go out once the payment is committed
    return row.outcome


def apply_pending(*, session: Session, limit: int = DRAIN_BATCH,
                  skip: set[uuid.UUID] | None = None) -> tuple[int, list[uuid.UUID]]:
    """Apply up to `limit` unapplied events, oldest first, in one transaction: each in its own SAVEPOINT, so
    one that fails is rolled back alone and left unapplied (and tried again by the next drain), while the
    others' effects and applied marks commit together. Rows are locked (FOR UPDATE SKIP LOCKED on
    PostgreSQL), so drains running at once share the backlog and a single-event job waits, then finds
    the event applied. An event that fails because an earlier one is missing (a refund before its
    payment) is tried again after the rest of the batch. Returns (how many applied, ids not applied)."""
    stmt = (select(WebhookEvent).where(col(WebhookEvent.applied_at).is_(None),
                                       col(WebhookEvent.id).not_in(skip or set()))
            .order_by(col(WebhookEvent.received_at), col(WebhookEvent.event_created)).limit(limit)
            .with_for_update(skip_locked=True))
    rows = list(session.execute(stmt).scalars())
    if not rows:
        session.rollback()
        return 0, []
    # Every applied event writes the audit chain, whose head row is one lock for everybody: take it first, so
    # two drains never hold a listing or order each and then wait for the head (a deadlock); they take turns.
    _lock_audit_head(session)
    applied, failed = 0, list[WebhookEvent]()
    loaded: list[object] = []  # what the batch loads stays in the identity map (which holds rows only weakly),

    def keep(_session: Session, obj: object) -> None:  # so the next event's buyer, seller and tier are not read again
        loaded.append(obj)

    sa_event.listen(session, "loaded_as_persistent", keep)
    try:
        applied, failed = _apply_rows(session, rows)
    finally:
        sa_event.remove(session, "loaded_as_persistent", keep)
    try:
        session.commit()
    except Exception:
        email.drop_queued(session=session)
        raise
    email.send_queued(session=session)  # receipts go out once their payments are committed
    return applied, [row.id for row in failed]


def _lock_audit_head(session: Session) -> None:
    session.execute(select(col(AuditHead.id)).where(col(AuditHead.id) == 1).with_for_update())


def _apply_rows(session: Session, rows: list[WebhookEvent]) -> tuple[int, list[WebhookEvent]]:
    applied, failed = 0, list[WebhookEvent]()
    for attempt in (1, 2):
        failed = []
        for row in rows:
            mails = email.queued(session=session)
            try:
                with session.begin_nested():
                    outcome = _apply(session, row)
                    row.applied_at, row.outcome = utcnow(), outcome[:300]
                    session.add(row)
            except Exception as exc:  # noqa: BLE001  (left unapplied; the next drain or the job's retry tries again)
                log.warning("billing event %s (%s) not applied (attempt %d): %r", row.event_id, row.type, attempt, exc,
                            exc_info=not isinstance(exc, DomainError))
                email.drop_queued(session=session, keep=mails)
                failed.append(row)
        applied += len(rows) - len(failed)
        if not failed or len(failed) == len(rows):
            break
        rows = failed  # something else applied in this batch may be what these were waiting for
    return applied, failed


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


@job_handler(DRAIN_KIND)
def apply_events_job(ctx: JobContext) -> str | None:
    """The drain: apply unapplied events batch by batch until none is left that can be applied now; fails
    (so the job is retried later) when some could not be applied yet."""
    total, failed = 0, set[uuid.UUID]()
    while True:
        with session_scope() as session:
            applied, not_yet = apply_pending(session=session, skip=failed)
        total += applied
        failed.update(not_yet)
        if applied == 0 and not not_yet:
            break
    log.info("billing events applied by drain %s: %d (%d not yet)", ctx.job_id, total, len(failed))
    if failed:
        raise RuntimeError(f"{len(failed)} payment event(s) could not be applied yet; they are tried again")
    return None
