"""An admin gives a user a paid plan for free ("comp"), optionally until a date, and takes it back.

The rule: the user's plan is the better of what they pay for (webhook-applied subscriptions) and an
active comp. So a later webhook never wipes a comp, and taking a comp back (or its end date passing)
returns the user to what they pay for, Free if nothing. Every change is audited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from maxbooster.models.accounts import PlanKey
from maxbooster.models.base import utcnow
from maxbooster.models.billing import BillingComp
from maxbooster.services import audit
from maxbooster.services.access import require_admin
from maxbooster.services.accounts.users import get_user
from maxbooster.services.actor import Actor
from maxbooster.services.billing import state
from maxbooster.services.errors import ErrorCode, InvalidInput, NotFound


@dataclass(frozen=True)
class CompView:
    """What the admin page shows about one user's comp."""

    user_id: uuid.UUID
    plan: str
    until: datetime | None
    active: bool


def parse_until(text: str) -> datetime | None:
    """An end date typed as YYYY-MM-DD: the comp lasts through that day (UTC); empty means no end."""
    text = text.strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"Enter the end date as YYYY-MM-DD (for example 2027-01-31), not {text[:20]!r}.") from exc
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


def grant_comp(*, session: Session, actor: Actor, user_id: uuid.UUID, plan: str, until: datetime | None = None,
               note: str = "", now: datetime | None = None) -> BillingComp:
    """Give `user_id` the paid `plan` for free, until `until` (a future time) or with no end. Giving
    again replaces the earlier comp."""
    require_admin(session=session, actor=actor, action="grant_comp")
    now = now or utcnow()
    if plan not in {p.value for p in PlanKey}:
        raise InvalidInput(code=ErrorCode.INVALID_PLAN)
    if plan == PlanKey.FREE:
        raise InvalidInput("Free is not a plan to give; use “Take back” to end a comp.")
    if until is not None and (until.tzinfo is None or until <= now):
        raise InvalidInput("Choose an end date in the future, or leave it empty for no end.")
    if len(note) > 300:
        raise InvalidInput("Keep the note under 300 characters.")
    user = get_user(session=session, user_id=user_id)
    comp = session.get(BillingComp, user.id)
    before = {"plan": comp.plan, "until": comp.until.isoformat() if comp.until else None} if comp else None
    if comp is None:
        comp = BillingComp(user_id=user.id, plan=plan)
    comp.plan, comp.until, comp.note = plan, until, note.strip()
    comp.granted_by, comp.created_at = actor.user_id, now
    session.add(comp)
    session.flush()
    audit.record(session, actor, "billing.comp_granted", target=f"users:{user.id}",
                 details={"plan": plan, "until": until.isoformat() if until else None, "before": before})
    state.refresh_owner(session=session, owner_id=user.id, now=now)
    session.commit()
    return comp


def revoke_comp(*, session: Session, actor: Actor, user_id: uuid.UUID, now: datetime | None = None) -> str:
    """Take a comp back; the user's plan becomes what they pay for (Free if nothing). Returns that plan."""
    require_admin(session=session, actor=actor, action="revoke_comp")
    user = get_user(session=session, user_id=user_id)
    comp = session.get(BillingComp, user.id)
    if comp is None:
        raise NotFound("This user has no free plan from an admin to take back.")
    audit.record(session, actor, "billing.comp_revoked", target=f"users:{user.id}",
                 details={"plan": comp.plan, "until": comp.until.isoformat() if comp.until else None})
    session.delete(comp)
    session.flush()
    plan = state.refresh_owner(session=session, owner_id=user.id, now=now, managed=True)
    session.commit()
    return plan


def comps(*, session: Session, actor: Actor, user_ids: list[uuid.UUID],
          now: datetime | None = None) -> dict[uuid.UUID, CompView]:
    """The comps of these users (for the admin list), by user id."""
    require_admin(session=session, actor=actor, action="list_comps")
    now = now or utcnow()
    rows = session.execute(select(BillingComp).where(col(BillingComp.user_id).in_(user_ids))).scalars()
    return {c.user_id: CompView(user_id=c.user_id, plan=c.plan, until=c.until,
                                active=state.comp_plan(c, now) != PlanKey.FREE) for c in rows}
