"""The `billing.apply_events` drain: stored provider events applied exactly once, in batches.

A batch is up to DRAIN_BATCH waiting events, oldest first, locked (SKIP LOCKED) and applied in one
transaction: a run of consecutive payments together (`sales.pay_run`, one query per table for the
whole run), every other event in its own SAVEPOINT, each marked applied with its effect. An event that
fails is rolled back alone, counts an attempt and waits a growing pause (the `billing.retry_events`
sweep starts a drain when it is due); after EVENT_ATTEMPTS it is given up and listed for admins
(`failed_events`). One that waits for an earlier event (a refund before its payment) is tried again
after the rest of the batch and by every drain, and is never given up.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from sqlalchemy import event as sa_event
from sqlalchemy import or_, select
from sqlmodel import Session, col

from maxbooster.db import session_scope
from maxbooster.models.base import utcnow
from maxbooster.models.billing import WebhookEvent
from maxbooster.services import audit, email, jobs
from maxbooster.services.billing import webhooks
from maxbooster.services.errors import DomainError, WaitingForEarlierEvent
from maxbooster.services.jobs import JobContext, job_handler

DRAIN_BATCH = 200
PAYMENT = "payment_intent.succeeded"  # the common event: consecutive ones are applied together
EVENT_ATTEMPTS = 8  # failed applications of one event before it is given up and shown to admins
RETRY_FIRST_S, RETRY_MAX_S = 5, 600  # pause after a failed attempt: 5 s, doubling, at most 10 min
log = logging.getLogger("maxbooster.billing")


def apply_pending(*, session: Session, limit: int = DRAIN_BATCH,
                  skip: set[uuid.UUID] | None = None) -> tuple[int, list[uuid.UUID]]:
    """Apply up to `limit` waiting events, oldest first, in one transaction: a run of payments together
    (`sales.pay_run`), the others each in its own SAVEPOINT, so one that fails is rolled back alone and left
    unapplied (its attempt counted; tried again later, given up after EVENT_ATTEMPTS), while the others'
    effects and applied marks commit together. Rows are locked (FOR UPDATE SKIP LOCKED on PostgreSQL), so
    drains running at once share the backlog and a single-event job waits, then finds the event applied.
    An event that fails because an earlier one is missing (a refund before its payment) is tried again
    after the rest of the batch. Returns (how many applied, ids not applied)."""
    now = utcnow()
    waiting = (col(WebhookEvent.applied_at).is_(None), col(WebhookEvent.failed_at).is_(None),
               or_(col(WebhookEvent.retry_at).is_(None), col(WebhookEvent.retry_at) <= now),
               col(WebhookEvent.id).not_in(skip or set()))
    if session.execute(select(col(WebhookEvent.id)).where(*waiting).limit(1)).first() is None:
        session.rollback()  # nothing to do: no lock taken
        return 0, []
    # Every applied event writes the audit chain, whose head row is one lock for everybody: take it first, so
    # two drains never hold a listing or order each and then wait for the head (a deadlock), and a drain that
    # waits for another holds no events meanwhile: it takes the whole backlog once its turn comes.
    audit.lock_chain(session=session)
    rows = list(session.execute(select(WebhookEvent).where(*waiting).order_by(
        col(WebhookEvent.received_at), col(WebhookEvent.event_created)).limit(limit)
        .with_for_update(skip_locked=True)).scalars())
    if not rows:
        session.rollback()
        return 0, []
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
        email.store_queued(session=session)  # receipts as outbox rows of this transaction (SMTP: after the commit)
        session.commit()
    except Exception:
        webhooks.drop_after_commit(session=session)
        raise
    webhooks.after_commit(session=session)  # transfers (and SMTP receipts) once their payments are committed
    return applied, [row.id for row in failed]


def _runs(rows: list[WebhookEvent]) -> list[list[WebhookEvent]]:
    """The rows in order, consecutive payments of one provider grouped (they are independent of each other,
    so applying them together keeps the order of everything else)."""
    runs: list[list[WebhookEvent]] = []
    for row in rows:
        if row.type == PAYMENT and runs and runs[-1][0].type == PAYMENT and runs[-1][0].provider == row.provider:
            runs[-1].append(row)
        else:
            runs.append([row])
    return runs


def _apply_run(session: Session, run: list[WebhookEvent]) -> list[WebhookEvent]:
    """Apply a run of payments together in one SAVEPOINT; returns those left for one by one (all of them
    when the run fails as a whole, so the one at fault is found and rolled back alone)."""
    from maxbooster.services.marketplace import sales

    queued = webhooks.queued_after_commit(session=session)
    try:
        with session.begin_nested():
            outcomes = sales.pay_run(session=session, provider=run[0].provider,
                                     payments=[(r.payload["data"]["object"], r.event_created) for r in run])
            now = utcnow()
            for row, outcome in zip(run, outcomes, strict=True):
                if outcome is not None:
                    row.applied_at, row.outcome, row.retry_at, row.error = now, outcome[:300], None, ""
                    session.add(row)
    except Exception:  # noqa: BLE001  (each is tried alone next)
        log.warning("a run of %d payments failed together; applying them one by one", len(run), exc_info=True)
        webhooks.drop_after_commit(session=session, keep=queued)
        return run
    return [row for row, outcome in zip(run, outcomes, strict=True) if outcome is None]


def _apply_rows(session: Session, rows: list[WebhookEvent]) -> tuple[int, list[WebhookEvent]]:
    applied, failed, errors = 0, list[WebhookEvent](), dict[uuid.UUID, Exception]()
    for attempt in (1, 2):
        failed = []
        for run in _runs(rows):
            for row in _apply_run(session, run) if len(run) > 1 else run:
                queued = webhooks.queued_after_commit(session=session)
                try:
                    with session.begin_nested():
                        outcome = webhooks.apply_row(session=session, row=row)
                        row.applied_at, row.outcome, row.retry_at, row.error = utcnow(), outcome[:300], None, ""
                        session.add(row)
                except Exception as exc:  # noqa: BLE001  (left unapplied; tried again later)
                    log.warning("billing event %s (%s) not applied (pass %d): %r", row.event_id, row.type,
                                attempt, exc, exc_info=not isinstance(exc, DomainError))
                    webhooks.drop_after_commit(session=session, keep=queued)
                    failed.append(row)
                    errors[row.id] = exc
        applied += len(rows) - len(failed)
        if not failed or len(failed) == len(rows):
            break
        rows = failed  # something else applied in this batch may be what these were waiting for
    for row in failed:
        if isinstance(errors[row.id], WaitingForEarlierEvent):  # not a failure: tried again by the next drain
            row.error = str(errors[row.id])[:500]
        else:
            _count_attempt(row, errors[row.id])
    return applied, failed


def _count_attempt(row: WebhookEvent, exc: Exception) -> None:
    """One more failed attempt: tried again after a growing pause, given up (failed, shown to admins) after
    EVENT_ATTEMPTS."""
    now = utcnow()
    row.attempts += 1
    row.error = (str(exc) if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}")[:500]
    if row.attempts >= EVENT_ATTEMPTS:
        row.failed_at, row.retry_at = now, None
        log.error("billing event %s (%s) failed %d times; an admin can try it again", row.event_id, row.type,
                  row.attempts)
    else:
        row.retry_at = now + timedelta(seconds=min(RETRY_MAX_S, RETRY_FIRST_S * 2 ** (row.attempts - 1)))


@job_handler(webhooks.DRAIN_KIND)
def apply_events_job(ctx: JobContext) -> str | None:
    """The drain: apply waiting events batch by batch until none is left that can be applied now. Those that
    failed wait for their `retry_at`, when the `billing.retry_events` sweep starts a drain again."""
    total, failed = 0, set[uuid.UUID]()
    while True:
        with session_scope() as session:
            applied, not_yet = apply_pending(session=session, skip=failed)
        total += applied
        failed.update(not_yet)
        if applied == 0 and not not_yet:
            break
    log.info("billing events applied by drain %s: %d (%d not yet)", ctx.job_id, total, len(failed))
    return None


@jobs.periodic("billing.retry_events")
def retry_due() -> bool:
    """Start a drain when an event that failed before is due to be tried again (every worker's housekeeping
    pass); True when one was due."""
    with session_scope() as s:
        due = s.execute(select(col(WebhookEvent.id)).where(
            col(WebhookEvent.applied_at).is_(None), col(WebhookEvent.failed_at).is_(None),
            col(WebhookEvent.retry_at) <= utcnow()).limit(1)).first()
        if due is None:
            s.rollback()
            return False
        webhooks.ensure_drain(session=s)
        return True
