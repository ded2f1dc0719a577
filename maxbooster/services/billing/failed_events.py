"""Admin › Payment events: provider events that failed `drain.EVENT_ATTEMPTS` times and were given up, with their
last error, and "try again", which puts one back in the drain's queue (audited)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from maxbooster.models.billing import WebhookEvent
from maxbooster.services import audit
from maxbooster.services.access import require_admin
from maxbooster.services.actor import Actor
from maxbooster.services.billing import webhooks
from maxbooster.services.errors import Conflict, NotFound


@dataclass(frozen=True)
class FailedEvent:
    id: uuid.UUID
    provider: str
    event_id: str
    type: str
    attempts: int
    error: str
    received_at: datetime
    failed_at: datetime


def list_failed(*, session: Session, actor: Actor, limit: int = 100) -> tuple[list[FailedEvent], int]:
    """The newest given-up events (at most `limit`, 1–500) and how many there are in all."""
    require_admin(session=session, actor=actor, action="billing.failed_events")
    failed = col(WebhookEvent.failed_at).is_not(None)
    total = int(session.execute(select(func.count()).select_from(WebhookEvent).where(failed)).scalar_one())
    rows = session.execute(select(WebhookEvent).where(failed).order_by(col(WebhookEvent.failed_at).desc())
                           .limit(max(1, min(limit, 500)))).scalars()
    return [FailedEvent(id=r.id, provider=r.provider, event_id=r.event_id, type=r.type, attempts=r.attempts,
                        error=r.error, received_at=r.received_at, failed_at=r.failed_at or r.received_at)
            for r in rows], total


def retry(*, session: Session, actor: Actor, webhook_event_id: uuid.UUID) -> None:
    """Try a given-up event again: its attempts start over and a drain job applies it soon."""
    require_admin(session=session, actor=actor, action="billing.retry_event")
    row = session.get(WebhookEvent, webhook_event_id)
    if row is None:
        raise NotFound("That payment event is not stored here. Reload the page.")
    reset = session.execute(update(WebhookEvent).where(col(WebhookEvent.id) == webhook_event_id,
                                                       col(WebhookEvent.failed_at).is_not(None),
                                                       col(WebhookEvent.applied_at).is_(None))
                            .values(attempts=0, failed_at=None, retry_at=None, error=""))
    if reset.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict("This event is no longer waiting for an admin (it was applied or tried again already). "
                       "Reload the page.")
    audit.record(session, actor, "billing.event_retried", target=f"webhook_event:{webhook_event_id}",
                 details={"provider": row.provider, "event_id": row.event_id, "type": row.type,
                          "attempts": row.attempts, "error": row.error[:200]})
    webhooks.ensure_drain(session=session)  # commits
