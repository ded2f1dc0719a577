"""Queues: recurring weekly slots per account (a weekday and a wall-clock time in the owner's time zone);
"add to queue" moves a post to the next slot in which none of its accounts already has a post."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import delete
from sqlmodel import Session, col, select

from maxbooster.models.base import utcnow
from maxbooster.models.social import SocialAccount, SocialPost, SocialPostVariant, SocialQueueSlot, VariantState
from maxbooster.services import audit
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput
from maxbooster.services.social import posts

MAX_SLOTS = 56  # eight a day: more than any artist posts
LOOKAHEAD_WEEKS = 8
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_BUSY = (VariantState.SCHEDULED, VariantState.PUBLISHING, VariantState.PUBLISHED)


@dataclass(frozen=True)
class SlotIn:
    weekday: int  # 0 = Monday
    time: str  # "HH:MM", 24-hour


def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`, or a refusal that says what to give."""
    if not name or len(name) > 64 or name not in available_timezones():
        raise InvalidInput(f"'{name[:64]}' is not a time zone we know; use a name like Europe/Berlin or UTC.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"'{name}' is not a time zone we know; use a name like Europe/Berlin.") from exc


def list_slots(*, session: Session, actor: Actor, account_id: uuid.UUID) -> list[SocialQueueSlot]:
    account = get_owned(session=session, model=SocialAccount, obj_id=account_id, actor=actor)
    query = select(SocialQueueSlot).where(col(SocialQueueSlot.account_id) == account.id)
    return list(session.exec(query.order_by(col(SocialQueueSlot.weekday), col(SocialQueueSlot.minute_of_day))).all())


def set_slots(*, session: Session, actor: Actor, account_id: uuid.UUID, slots: list[SlotIn],
              timezone: str) -> list[SocialQueueSlot]:
    """Replace the account's queue with `slots` (checked first: nothing changes when one is wrong)."""
    account = get_owned(session=session, model=SocialAccount, obj_id=account_id, actor=actor)
    zone(timezone)
    if len(slots) > MAX_SLOTS:
        raise InvalidInput(f"A queue holds at most {MAX_SLOTS} slots a week.")
    seen: set[tuple[int, int]] = set()
    for slot in slots:
        if not isinstance(slot.weekday, int) or not 0 <= slot.weekday <= 6:
            raise InvalidInput("Pick a weekday from Monday to Sunday for every slot.")
        match = _TIME.match(slot.time.strip())
        if match is None:
            raise InvalidInput(f"'{slot.time[:20]}' is not a time; write it as HH:MM, e.g. 18:30.")
        key = (slot.weekday, int(match[1]) * 60 + int(match[2]))
        if key in seen:
            raise InvalidInput(f"{WEEKDAYS[key[0]]} {slot.time.strip()} is in the queue twice; keep it once.")
        seen.add(key)
    session.execute(delete(SocialQueueSlot).where(col(SocialQueueSlot.account_id) == account.id))
    rows = [SocialQueueSlot(owner_id=account.owner_id, account_id=account.id, weekday=d, minute_of_day=m,
                            timezone=timezone) for d, m in sorted(seen)]
    session.add_all(rows)
    audit.record(session, actor, "social.queue.set", target=f"social_accounts:{account.id}",
                 details={"slots": len(rows), "timezone": timezone})
    session.commit()
    return list_slots(session=session, actor=actor, account_id=account.id)


def _occurrences(slot: SocialQueueSlot, start: datetime) -> list[datetime]:
    """The slot's times (UTC) from `start` for LOOKAHEAD_WEEKS weeks, at its wall time in its zone."""
    tz = ZoneInfo(slot.timezone)
    local = start.astimezone(tz)
    day0 = local.date() - timedelta(days=local.weekday()) + timedelta(days=slot.weekday)
    out = []
    for week in range(LOOKAHEAD_WEEKS + 1):
        day = day0 + timedelta(weeks=week)
        wall = datetime(day.year, day.month, day.day, slot.minute_of_day // 60, slot.minute_of_day % 60, tzinfo=tz)
        at = wall.astimezone(start.tzinfo)
        if at > start:
            out.append(at)
    return out


def next_free_slot(*, session: Session, actor: Actor, account_ids: list[uuid.UUID],
                   exclude_post: uuid.UUID | None = None, after: datetime | None = None) -> datetime:
    """The first future slot of these accounts' queues in which none of them has another post."""
    if not account_ids:
        raise InvalidInput("Choose at least one account to queue the post for.")
    owned = [get_owned(session=session, model=SocialAccount, obj_id=a, actor=actor).id for a in account_ids]
    slots = session.exec(select(SocialQueueSlot).where(col(SocialQueueSlot.account_id).in_(owned))).all()
    if not slots:
        raise InvalidInput("These accounts have no queue slots yet; add some under Queue on the accounts page.")
    start = (after or utcnow()) + timedelta(seconds=60)
    candidates = sorted({t for slot in slots for t in _occurrences(slot, start)})
    query = select(SocialPostVariant.due_at, SocialPost.scheduled_at).join(
        SocialPost, col(SocialPost.id) == col(SocialPostVariant.post_id)).where(
        col(SocialPostVariant.account_id).in_(owned), col(SocialPostVariant.state).in_(_BUSY),
        col(SocialPost.scheduled_at) >= start)
    if exclude_post is not None:
        query = query.where(col(SocialPost.id) != exclude_post)
    taken = {when.replace(second=0, microsecond=0) for _, when in session.exec(query).all()}
    for at in candidates:
        if at.replace(second=0, microsecond=0) not in taken:
            return at
    raise InvalidInput(f"Every slot of the next {LOOKAHEAD_WEEKS} weeks is taken; add slots to the queue.")


def add_to_queue(*, session: Session, actor: Actor, post_id: uuid.UUID) -> SocialPost:
    """Move a post that has not gone out to its accounts' next free queue slot."""
    variants = posts.variants_of(session=session, actor=actor, post_id=post_id)
    accounts = [v.account_id for v in variants if v.account_id is not None]
    when = next_free_slot(session=session, actor=actor, account_ids=accounts, exclude_post=post_id)
    return posts.reschedule_post(session=session, actor=actor, post_id=post_id, scheduled_at=when)


def parse_slots(text: str) -> list[SlotIn]:
    """'Mon 09:00, Fri 18:30' (as the accounts page shows a queue) → slots; a clear refusal otherwise."""
    slots = []
    for part in [p.strip() for p in (text or "").replace(";", ",").split(",") if p.strip()][:MAX_SLOTS + 1]:
        day, _, at = part.partition(" ")
        index = next((i for i, name in enumerate(WEEKDAYS) if len(day) >= 2 and name.lower().startswith(day.lower())),
                     None)
        if index is None or not at.strip():
            raise InvalidInput(f"'{part[:30]}' is not a slot; write each as a weekday and a time, e.g. Mon 09:00.")
        slots.append(SlotIn(index, at.strip()))
    return slots
