"""What the social pages show, built in one place: account cards, the networks one can connect, posts
as calendar chips and list rows (with each network's state), calendar grids and each account's followers
over time.

Times are shown in the viewer's IANA time zone (the browser's, checked by `queues.zone`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, select

from maxbooster.models.social import (
    AccountState,
    HoldState,
    SocialAccount,
    SocialFollowerSample,
    SocialNetwork,
    SocialPost,
    SocialPostVariant,
    SocialQueueSlot,
    VariantState,
)
from maxbooster.services.actor import Actor
from maxbooster.services.social import accounts, approvals
from maxbooster.services.social.queues import WEEKDAYS, zone
from maxbooster.settings import get_settings


@dataclass(frozen=True)
class Network:
    """A network one can connect from the accounts page (adapters add themselves to NETWORKS)."""

    key: str
    label: str
    icon: str  # lucide icon name
    note: str
    needs_instance: bool = False


NETWORKS: list[Network] = [
    Network(SocialNetwork.SANDBOX, "Sandbox", "flask-conical", "Practice network — nothing is really posted."),
    Network(SocialNetwork.MASTODON, "Mastodon", "message-circle", "Any Mastodon server: you sign in there.",
            needs_instance=True),
    Network(SocialNetwork.X, "X", "at-sign", "Sign in at X."),
    Network(SocialNetwork.FACEBOOK, "Facebook Page", "thumbs-up", "Sign in at Facebook and pick your Pages."),
    Network(SocialNetwork.INSTAGRAM, "Instagram", "camera", "A professional account linked to a Facebook Page."),
    Network(SocialNetwork.YOUTUBE, "YouTube", "clapperboard", "Sign in with Google and pick your channel."),
]
SIGN_IN_NETWORKS = (SocialNetwork.X, SocialNetwork.FACEBOOK, SocialNetwork.INSTAGRAM, SocialNetwork.YOUTUBE)
ICONS = {n.key: n.icon for n in NETWORKS}
LABELS = {n.key: n.label for n in NETWORKS}
STATE_TONES: dict[str, str] = {
    VariantState.SCHEDULED: "blue", VariantState.PUBLISHING: "amber", VariantState.PUBLISHED: "green",
    VariantState.FAILED: "red", HoldState.DRAFT: "gray", HoldState.AWAITING_APPROVAL: "violet",
    HoldState.CHANGES_REQUESTED: "orange"}
STATE_LABELS: dict[str, str] = {VariantState.SCHEDULED: "Scheduled", VariantState.PUBLISHING: "Publishing",
                VariantState.PUBLISHED: "Published", VariantState.FAILED: "Failed", HoldState.DRAFT: "Draft",
                HoldState.AWAITING_APPROVAL: "Awaiting approval", HoldState.CHANGES_REQUESTED: "Changes requested",
                HoldState.APPROVED: "Approved"}


@dataclass
class AccountRow:
    id: str
    network: str
    network_label: str
    icon: str
    handle: str
    display_name: str
    followers: str
    connected: bool
    reason: str
    note: str
    queue: str  # "Mon 09:00, Fri 18:30" or ""
    instance: str = ""  # a Mastodon account's server (where "Reconnect" signs in again)


@dataclass
class VariantRow:
    id: str
    network: str
    icon: str
    handle: str
    text: str
    state: str
    state_label: str
    tone: str
    reason: str
    url: str
    metrics: str
    can_retry: bool


@dataclass
class PostRow:
    id: str
    day: str  # local date, ISO
    time: str  # local HH:MM
    when: str  # "Fri 4 Dec 2026, 18:30"
    text: str
    state: str  # the post's overall state: a hold, else the least advanced variant state
    state_label: str
    tone: str
    hold_comment: str
    movable: bool
    variants: list[VariantRow] = field(default_factory=list)


@dataclass
class DayCell:
    date: str
    day: str
    weekday: str
    in_range: bool
    today: bool
    posts: list[PostRow] = field(default_factory=list)


def account_rows(*, session: Session, actor: Actor) -> list[AccountRow]:
    rows = []
    for a in accounts.list_accounts(session=session, actor=actor):
        slots = session.exec(select(SocialQueueSlot).where(col(SocialQueueSlot.account_id) == a.id).order_by(
            col(SocialQueueSlot.weekday), col(SocialQueueSlot.minute_of_day))).all()
        queue = ", ".join(f"{WEEKDAYS[s.weekday][:3]} {s.minute_of_day // 60:02d}:{s.minute_of_day % 60:02d}"
                          for s in slots)
        note = next((n.note for n in NETWORKS if n.key == a.network and a.network == SocialNetwork.SANDBOX), "")
        rows.append(AccountRow(str(a.id), a.network, LABELS.get(a.network, a.network.capitalize()),
                               ICONS.get(a.network, "globe"), a.handle, a.display_name,
                               "" if a.followers_count is None else f"{a.followers_count:,} followers",
                               a.state == AccountState.CONNECTED, a.state_message if a.state != AccountState.CONNECTED
                               else "", note, queue, a.instance_url or ""))
    return rows


FOLLOWER_DAYS = 90


@dataclass(frozen=True)
class FollowerPoint:
    day: date  # the viewer's local day
    followers: int  # the last reading of that day


def follower_series(*, session: Session, actor: Actor, tz: str = "UTC",
                    days: int = FOLLOWER_DAYS) -> dict[str, list[FollowerPoint]]:
    """Per account id of the actor, its follower count per local day (the day's last reading) over the
    last `days` days, oldest first, from the samples the ingestion job stores."""
    zi, since = zone(tz), datetime.now(zone("UTC")) - timedelta(days=days)
    F = SocialFollowerSample
    rows = session.exec(select(F.account_id, F.taken_at, F.followers)
                        .join(SocialAccount, col(SocialAccount.id) == col(F.account_id))
                        .where(col(SocialAccount.owner_id) == actor.require_user(), col(F.taken_at) >= since)
                        .order_by(col(F.account_id), col(F.taken_at))).all()
    series: dict[str, dict[date, int]] = {}
    for account_id, taken_at, followers in rows:
        series.setdefault(str(account_id), {})[taken_at.astimezone(zi).date()] = int(followers)
    return {a: [FollowerPoint(d, n) for d, n in sorted(by_day.items())] for a, by_day in series.items()}


def _metrics(m: dict[str, object]) -> str:
    names = (("impressions", "views"), ("likes", "likes"), ("comments", "comments"), ("shares", "shares"))
    parts = [f"{m[k]:,} {label}" for k, label in names if isinstance(m.get(k), int)]
    return " · ".join(parts) + (" (simulated)" if parts and m.get("simulated") else "")


def _linkable(url: str) -> bool:
    """A network's post address we show as a link: https, or http where plain-http instances are allowed
    (a test's local Mastodon); never another scheme."""
    return url.startswith("https://") or (url.startswith("http://") and get_settings().social_allow_private_instances)


def _variant_row(v: SocialPostVariant, handles: dict[uuid.UUID, str]) -> VariantRow:
    reason = v.failure_reason if v.state == VariantState.FAILED else (
        f"Waiting to retry: {v.last_error}" if v.last_error and v.state != VariantState.PUBLISHED else "")
    url = v.remote_url if _linkable(v.remote_url) else ""
    return VariantRow(str(v.id), v.network, ICONS.get(v.network, "globe"),
                      handles.get(v.account_id, "(disconnected)") if v.account_id else "(disconnected)", v.text,
                      v.state, STATE_LABELS[v.state], STATE_TONES[v.state], reason, url, _metrics(v.metrics),
                      v.state == VariantState.FAILED and v.account_id in handles)


def post_rows(*, session: Session, actor: Actor, tz: str, start: datetime | None = None,
              end: datetime | None = None) -> list[PostRow]:
    """The acting user's posts in [start, end) as the pages show them, earliest first."""
    zi = zone(tz)
    query = select(SocialPost).where(col(SocialPost.owner_id) == actor.require_user())
    if start is not None:
        query = query.where(col(SocialPost.scheduled_at) >= start)
    if end is not None:
        query = query.where(col(SocialPost.scheduled_at) < end)
    found = list(session.exec(query.order_by(col(SocialPost.scheduled_at))).all())
    ids = [p.id for p in found]
    variants = session.exec(select(SocialPostVariant).where(col(SocialPostVariant.post_id).in_(ids)).order_by(
        col(SocialPostVariant.created_at))).all() if ids else []
    handles = {a.id: a.handle for a in accounts.list_accounts(session=session, actor=actor)}
    holds = approvals.holds_for(session=session, actor=actor, post_ids=ids)
    by_post: dict[uuid.UUID, list[SocialPostVariant]] = {}
    for v in variants:
        by_post.setdefault(v.post_id, []).append(v)
    rows = []
    order: list[str] = [str(s) for s in VariantState]
    for post in found:
        vs = by_post.get(post.id, [])
        local = post.scheduled_at.astimezone(zi)
        hold = holds.get(post.id)
        state = hold.state if hold is not None and hold.state != HoldState.APPROVED else (
            min((v.state for v in vs), key=order.index) if vs else VariantState.FAILED)
        if vs and all(v.state == VariantState.FAILED for v in vs):
            state = VariantState.FAILED
        movable = any(v.state == VariantState.SCHEDULED and v.job_id is None for v in vs)
        rows.append(PostRow(str(post.id), local.date().isoformat(), f"{local:%H:%M}",
                            f"{local:%a %-d %b %Y, %H:%M}", (vs[0].text if vs else "")[:280], state,
                            STATE_LABELS[state], STATE_TONES.get(state, "blue"),
                            hold.comment if hold is not None else "", movable,
                            [_variant_row(v, handles) for v in vs]))
    return rows


def calendar(*, session: Session, actor: Actor, tz: str, mode: str, anchor: date,
             today: date | None = None) -> tuple[str, list[DayCell]]:
    """(title, cells) of the month (whole weeks, Monday first) or the week that holds `anchor`."""
    zi = zone(tz)
    today = today or datetime.now(zi).date()
    if mode == "week":
        first = anchor - timedelta(days=anchor.weekday())
        last = first + timedelta(days=7)
        title = f"Week of {first:%-d %b %Y}"
    else:
        month_start = anchor.replace(day=1)
        first = month_start - timedelta(days=month_start.weekday())
        next_month = (month_start + timedelta(days=32)).replace(day=1)
        last = next_month + timedelta(days=(7 - next_month.weekday()) % 7)
        title = f"{month_start:%B %Y}"
    start = datetime.combine(first, time(), zi)
    end = datetime.combine(last, time(), zi)
    rows = post_rows(session=session, actor=actor, tz=tz, start=start, end=end)
    cells = []
    day = first
    while day < last:
        iso = day.isoformat()
        in_range = mode == "week" or day.month == anchor.month
        cells.append(DayCell(iso, str(day.day), f"{day:%a}", in_range, day == today,
                             [r for r in rows if r.day == iso]))
        day += timedelta(days=1)
    return title, cells


def sign_in_choices() -> list[Network]:
    """The networks connected through their own sign-in page that this server is set up for (the sandbox and
    Mastodon have their own forms on the accounts page)."""
    offered = set(accounts.offered_networks())
    return [n for n in NETWORKS if n.key in SIGN_IN_NETWORKS and n.key in offered]
