"""Best time to post: per account, the engagement rate (interactions ÷ reach) of the artist's own posts
by local weekday and hour (the user's time zone), with a 95 % interval and the number of posts behind
each cell; suggested slots are the cells whose interval's lower end is highest.

The aggregation runs in SQL (one GROUP BY over `social_post_stats`): the local time of a post is its
UTC epoch plus the zone's offset, a CASE over the zone's offset changes (daylight saving) within the
posts' range, so 2 years of hourly posts reduce to at most 168 rows in the database.
With fewer than MIN_POSTS measured posts it falls back to broad defaults per network and says so.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import BigInteger, Float, case, cast, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from maxbooster.models.accounts import User
from maxbooster.models.base import utcnow
from maxbooster.models.social import SocialAccount, SocialNetwork, SocialPostStats
from maxbooster.services import audit
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput, NotFound

MIN_POSTS = 20  # measured posts before the account's own history is trusted
MIN_CELL_POSTS = 2  # posts in a weekday/hour cell before it can be suggested
Z95 = 1.96
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Broad defaults (local time) when an account has too little history: midday and evening on weekdays,
# late morning and evening at weekends — the usual advice for music audiences.
DEFAULT_HOURS: dict[str, dict[str, tuple[int, ...]]] = {
    SocialNetwork.SANDBOX: {"weekday": (18, 12, 20, 9), "weekend": (11, 19, 15, 21)},
    SocialNetwork.MASTODON: {"weekday": (12, 18, 9, 20), "weekend": (11, 17, 20, 14)},
}
NETWORK_NAMES: dict[str, str] = {SocialNetwork.SANDBOX: "the sandbox", SocialNetwork.MASTODON: "Mastodon"}


@dataclass(frozen=True)
class HourCell:
    """One local weekday (0 = Monday) and hour: posts measured there and their engagement rate."""

    weekday: int
    hour: int
    posts: int
    reach: int
    interactions: int
    rate: float  # mean of the posts' interactions ÷ reach
    low: float  # 95 % interval of that mean
    high: float


@dataclass(frozen=True)
class Slot:
    weekday: int
    hour: int
    label: str  # "Friday 19:00"
    next_at: datetime  # the next such hour from now, in UTC (for the composer's schedule field)
    rate: float | None  # None: a default, not measured
    low: float | None
    high: float | None
    posts: int


@dataclass(frozen=True)
class BestTime:
    account_id: uuid.UUID
    network: str
    timezone: str
    posts: int  # measured posts behind the figures
    from_history: bool  # False: broad defaults (too little history)
    message: str
    cells: list[HourCell]  # heat-map data: every weekday/hour that has posts
    slots: list[Slot]  # suggestions, best first


def zone_of(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"{timezone!r} is not a time zone we know; choose one like Europe/Berlin.") from exc


def set_timezone(*, session: Session, actor: Actor, timezone: str) -> User:
    """The acting user's time zone (an IANA name such as America/Chicago): best times are local to it."""
    name = (timezone or "").strip()
    if name not in available_timezones() and name != "UTC":
        raise InvalidInput(f"{name or 'An empty name'!r} is not a time zone we know; choose one like Europe/Berlin.")
    user = session.get(User, actor.require_user())
    if user is None:
        raise NotFound()
    user.timezone = name
    session.add(user)
    audit.record(session, actor, "social.timezone.set", target=f"users:{user.id}", details={"timezone": name})
    session.commit()
    return user


def _offset_changes(zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[int, int]]:
    """[(UTC epoch from which it applies, offset in seconds)] covering [start, end], oldest first."""
    def offset(at: datetime) -> int:
        delta = at.astimezone(zone).utcoffset()
        return int(delta.total_seconds()) if delta else 0

    changes = [(0, offset(start))]
    day, at = timedelta(days=1), start
    while at < end:
        nxt = min(at + day, end)
        if offset(nxt) != offset(at):  # a change within this day: find its hour
            lo, hi = at, nxt
            while hi - lo > timedelta(minutes=15):
                mid = lo + (hi - lo) / 2
                lo, hi = (mid, hi) if offset(mid) == offset(lo) else (lo, mid)
            changes.append((int(hi.timestamp()), offset(hi)))
        at = nxt
    return changes


def _epoch(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.strftime("%s", column), BigInteger)
    return cast(func.floor(func.extract("epoch", column)), BigInteger)


def hour_cells(*, session: Session, account_id: uuid.UUID, timezone: str) -> list[HourCell]:
    """Every local weekday/hour with measured posts on the account (no ownership check: internal callers
    and `best_times` check it). One GROUP BY in SQL."""
    zone, s = zone_of(timezone), SocialPostStats
    span = session.execute(select(func.min(s.published_at), func.max(s.published_at))
                           .where(col(s.account_id) == account_id, col(s.reach) > 0)).one()
    if span[0] is None:
        return []
    first, last = (v if v.tzinfo else v.replace(tzinfo=UTC) for v in span)
    changes = _offset_changes(zone, first, last)
    epoch = _epoch(session, col(s.published_at))
    local = (epoch + changes[0][1] if len(changes) == 1 else
             case(*[(epoch < start, epoch + off) for (start, _), (_, off) in zip(changes[1:], changes, strict=False)],
                  else_=epoch + changes[-1][1]))
    weekday, hour = ((local // 86400) + 3) % 7, (local % 86400) // 3600  # 1970-01-01 was a Thursday
    rate = cast(s.interactions, Float) / cast(s.reach, Float)
    rows = session.execute(
        sa_select(weekday.label("wd"), hour.label("h"), func.count(), func.sum(s.reach), func.sum(s.interactions),
               func.sum(rate), func.sum(rate * rate))
        .where(col(s.account_id) == account_id, col(s.reach) > 0).group_by("wd", "h")).all()
    return [_cell(int(wd), int(h), int(n), int(reach), int(inter), float(sr), float(sq))
            for wd, h, n, reach, inter, sr, sq in rows]


def _cell(weekday: int, hour: int, n: int, reach: int, interactions: int, sum_rate: float, sum_sq: float) -> HourCell:
    """Mean rate of n posts and its interval: the spread between posts when there are several, never
    narrower than the binomial interval of the pooled counts (one post alone has no spread to measure)."""
    mean = sum_rate / n
    pooled = interactions / reach
    binomial = Z95 * math.sqrt(max(pooled * (1 - pooled), 1e-9) / reach)
    spread = Z95 * math.sqrt(max(0.0, sum_sq / n - mean * mean) / (n - 1)) if n > 1 else mean
    half = max(binomial, spread)
    return HourCell(weekday, hour, n, reach, interactions, mean, max(0.0, mean - half), min(1.0, mean + half))


def _next_at(zone: ZoneInfo, weekday: int, hour: int, now: datetime) -> datetime:
    local = now.astimezone(zone)
    days = (weekday - local.weekday()) % 7
    at = datetime.combine(local.date() + timedelta(days=days), datetime.min.time(), zone).replace(hour=hour)
    if at.astimezone(UTC) <= now:
        at = datetime.combine(local.date() + timedelta(days=days + 7), datetime.min.time(), zone).replace(hour=hour)
    return at.astimezone(UTC)


def default_hours(network: str, weekday: int) -> tuple[int, ...]:
    """The broad default hours (local, best first) of `network` on `weekday`."""
    table = DEFAULT_HOURS.get(network, DEFAULT_HOURS[SocialNetwork.SANDBOX])
    return table["weekend" if weekday >= 5 else "weekday"]


def best_times(*, session: Session, actor: Actor, account_id: uuid.UUID, count: int = 5,
               now: datetime | None = None) -> BestTime:
    """Suggested posting times for one of the actor's accounts, best first, with the heat-map cells."""
    account = get_owned(session=session, model=SocialAccount, obj_id=account_id, actor=actor)
    user = session.get(User, account.owner_id)
    timezone = user.timezone if user else "UTC"
    zone, now, count = zone_of(timezone), now or utcnow(), max(1, min(count, 24))
    cells = hour_cells(session=session, account_id=account.id, timezone=timezone)
    posts = sum(c.posts for c in cells)
    ranked = sorted((c for c in cells if c.posts >= MIN_CELL_POSTS), key=lambda c: (-c.low, -c.rate))
    if posts >= MIN_POSTS and ranked:
        slots = [Slot(c.weekday, c.hour, f"{DAYS[c.weekday]} {c.hour:02d}:00", _next_at(zone, c.weekday, c.hour, now),
                      c.rate, c.low, c.high, c.posts) for c in ranked[:count]]
        message = (f"From {posts} of your posts on this account, in your time zone ({timezone}). "
                   "The range shows how sure we are: more posts at an hour make it narrower.")
        return BestTime(account.id, account.network, timezone, posts, True, message, cells, slots)
    picks = sorted((_next_at(zone, wd, h, now), wd, h) for wd in range(7)
                    for h in default_hours(account.network, wd)[:2])[:count]
    slots = [Slot(wd, h, f"{DAYS[wd]} {h:02d}:00", at, None, None, None, 0) for at, wd, h in picks]
    name = NETWORK_NAMES.get(account.network, account.network)
    message = (f"Not enough of your own posts yet ({posts} measured, {MIN_POSTS} needed): these are common "
               f"good times on {name}, in your time zone ({timezone}). Your own best times appear as you post.")
    return BestTime(account.id, account.network, timezone, posts, False, message, cells, slots)


def daily_hours(*, session: Session, account: SocialAccount, timezone: str, count: int) -> dict[int, list[int]]:
    """Per local weekday, the `count` best hours to post on `account` (its history when there is
    enough, else the network's defaults): what campaigns plan their slots with."""
    cells = hour_cells(session=session, account_id=account.id, timezone=timezone)
    enough = sum(c.posts for c in cells) >= MIN_POSTS
    out: dict[int, list[int]] = {}
    for wd in range(7):
        mine = sorted((c for c in cells if c.weekday == wd and c.posts >= MIN_CELL_POSTS),
                      key=lambda c: (-c.low, -c.rate)) if enough else []
        hours = [c.hour for c in mine][:count]
        hours += [h for h in default_hours(account.network, wd) if h not in hours][:count - len(hours)]
        out[wd] = sorted(hours)
    return out
