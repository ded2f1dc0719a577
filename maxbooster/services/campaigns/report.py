"""The uplift report: the campaign's goal rate (goal events ÷ reach) against the artist's baseline — their
other posts on the same accounts in the weeks before the campaign — overall, per variant, and per
variant and network, each with a 95 % bootstrap interval (posts resampled with replacement, rate taken
as the ratio of sums, seeded by the campaign's id so the report is stable). With a smart link, the
link's daily clicks from the campaign's networks (the visitor's utm_source is one of the networks its
slots post to) in the campaign are compared with the days before it too (normal approximation); clicks
from elsewhere (a newsletter, a bio link, no tag) are not credited to the campaign.
Everything is chart-ready: rows, the slots in time order (variant, draws, explored) and the days.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from maxbooster.models.base import utcnow
from maxbooster.models.campaigns import Campaign, CampaignGoal, CampaignSlot, CampaignVariant, SlotState
from maxbooster.models.releases import SmartLinkSourceClick
from maxbooster.models.social import SocialAccount, SocialPostStats, SocialPostVariant, VariantState
from maxbooster.services.actor import Actor
from maxbooster.services.campaigns.campaigns import GOAL_WORDS, get_campaign
from maxbooster.services.campaigns.scheduler import goal_column

RESAMPLES = 2000
MIN_BASELINE = timedelta(days=14)
ALL = "all"
S = SocialPostStats


@dataclass(frozen=True)
class UpliftRow:
    """One comparison: `variant` is a label or "all", `network` a network or "all". Rates are goal events
    per reached account; `uplift` = rate − baseline_rate with its 95 % interval (None: too few posts)."""

    variant: str
    network: str
    posts: int
    reach: int
    events: int
    rate: float
    baseline_posts: int
    baseline_rate: float | None
    uplift: float | None
    low: float | None
    high: float | None
    relative: float | None  # uplift ÷ baseline rate (None when the baseline rate is 0)


@dataclass(frozen=True)
class SlotPoint:
    due_at: datetime
    network: str
    account: str  # the handle
    state: str
    variant: str  # label ('' while planned)
    explored: bool
    draws: dict[str, float]
    note: str
    events: int | None  # measured goal events of its post (None: not measured yet)
    reach: int | None
    status: str = ""  # what the artist reads: the post's own state once there is one ("Published, measured")
    tone: str = "gray"  # its badge colour
    reason: str = ""  # why its post failed, in the network's words


@dataclass(frozen=True)
class DayClicks:
    day: date
    clicks: int
    in_campaign: bool


@dataclass(frozen=True)
class ClickUplift:
    """Smart-link clicks per day in the campaign against the days before it, with a 95 % interval."""

    campaign_per_day: float
    baseline_per_day: float
    uplift: float
    low: float
    high: float
    days: int
    baseline_days: int


@dataclass(frozen=True)
class UpliftReport:
    campaign_id: uuid.UUID
    goal: str
    goal_words: str
    baseline_from: datetime
    baseline_to: datetime
    rows: list[UpliftRow]  # overall first, then per variant, then per variant and network
    share: dict[str, float]  # share of the filled slots each variant got
    explored_share: float
    slots: list[SlotPoint]
    link_days: list[DayClicks]
    link_uplift: ClickUplift | None
    message: str


SLOT_WORDS = {SlotState.PLANNED: ("Planned", "gray"), SlotState.SKIPPED: ("Skipped", "gray"),
              SlotState.SCHEDULED: ("Scheduled", "blue")}
POST_WORDS = {VariantState.SCHEDULED: ("Scheduled", "blue"), VariantState.PUBLISHING: ("Publishing", "amber"),
              VariantState.PUBLISHED: ("Published", "green"), VariantState.FAILED: ("Failed", "red")}


def slot_status(slot_state: str, post_state: str | None, measured: bool) -> tuple[str, str]:
    """(words, tone) for a slot: its post's state once it has a post (the slot itself only knows a
    variant was chosen), "Published, measured" once engagement has been read."""
    if post_state is None:
        return SLOT_WORDS.get(SlotState(slot_state), (slot_state, "gray"))
    if post_state == VariantState.PUBLISHED and measured:
        return "Published, measured", "green"
    return POST_WORDS.get(VariantState(post_state), (post_state, "gray"))


def _bootstrap(events: np.ndarray, reach: np.ndarray, base_e: np.ndarray, base_r: np.ndarray,
               rng: np.random.Generator) -> tuple[float, float]:
    def rates(e: np.ndarray, r: np.ndarray) -> np.ndarray:
        idx = rng.integers(0, len(e), size=(RESAMPLES, len(e)))
        return e[idx].sum(axis=1) / np.maximum(r[idx].sum(axis=1), 1)

    diff = rates(events, reach) - rates(base_e, base_r)
    low, high = np.percentile(diff, [2.5, 97.5])
    return float(low), float(high)


def _row(variant: str, network: str, points: list[tuple[int, int]], base: list[tuple[int, int]],
         rng: np.random.Generator) -> UpliftRow:
    events, reach = sum(e for e, _ in points), sum(r for _, r in points)
    rate = events / reach if reach else 0.0
    b_events, b_reach = sum(e for e, _ in base), sum(r for _, r in base)
    b_rate = b_events / b_reach if b_reach else None
    low = high = uplift = relative = None
    if b_rate is not None:
        uplift = rate - b_rate
        relative = uplift / b_rate if b_rate > 0 else None
        if len(points) >= 2 and len(base) >= 2:
            low, high = _bootstrap(np.array([e for e, _ in points], float), np.array([r for _, r in points], float),
                                   np.array([e for e, _ in base], float), np.array([r for _, r in base], float), rng)
    return UpliftRow(variant, network, len(points), reach, events, rate, len(base), b_rate, uplift, low, high, relative)


def _click_uplift(session: Session, campaign: Campaign, networks: set[str], baseline_from: datetime,
                  until: datetime) -> tuple[list[DayClicks], ClickUplift | None]:
    """Daily smart-link clicks whose source is one of the campaign's networks, before and during it."""
    if campaign.smart_link_id is None or not networks:
        return [], None
    first, start, last = baseline_from.date(), campaign.starts_at.date(), until.date()
    row = SmartLinkSourceClick
    counted: dict[Any, Any] = dict(session.execute(sa_select(col(row.day), func.sum(row.clicks))
                                   .where(col(row.smart_link_id) == campaign.smart_link_id,
                                          col(row.source).in_(sorted(networks)),
                                          col(row.day) >= first, col(row.day) <= last)
                                   .group_by(col(row.day))).all())
    days = [DayClicks(first + timedelta(days=i), int(counted.get(first + timedelta(days=i), 0) or 0),
                      first + timedelta(days=i) >= start) for i in range((last - first).days + 1)]
    inside = [d.clicks for d in days if d.in_campaign]
    before = [d.clicks for d in days if not d.in_campaign]
    if len(inside) < 2 or len(before) < 2:
        return days, None
    mc, mb = float(np.mean(inside)), float(np.mean(before))
    se = math.sqrt(float(np.var(inside, ddof=1)) / len(inside) + float(np.var(before, ddof=1)) / len(before))
    return days, ClickUplift(mc, mb, mc - mb, mc - mb - 1.96 * se, mc - mb + 1.96 * se, len(inside), len(before))


def uplift_report(*, session: Session, actor: Actor, campaign_id: uuid.UUID,
                  now: datetime | None = None) -> UpliftReport:
    """The campaign against the artist's baseline, per variant and network, ready for charts."""
    campaign = get_campaign(session=session, actor=actor, campaign_id=campaign_id)
    now, goal = now or utcnow(), goal_column(campaign.goal)
    length = max(MIN_BASELINE, campaign.ends_at - campaign.starts_at)
    baseline_from, baseline_to = campaign.starts_at - length, campaign.starts_at
    labels = {v.id: v.label for v in session.exec(select(CampaignVariant).where(
        col(CampaignVariant.campaign_id) == campaign.id)).all()}
    slots = session.exec(select(CampaignSlot).where(col(CampaignSlot.campaign_id) == campaign.id)
                         .order_by(col(CampaignSlot.due_at))).all()
    measured = {pv: (int(e), int(r)) for pv, e, r in session.execute(
        select(S.variant_id, goal, S.reach).join(CampaignSlot, col(CampaignSlot.post_variant_id) == col(S.variant_id))
        .where(col(CampaignSlot.campaign_id) == campaign.id, col(S.reach) > 0)).all()}
    accounts = {s.account_id for s in slots if s.account_id}
    handles = dict(session.execute(select(SocialAccount.id, SocialAccount.handle)
                                   .where(col(SocialAccount.id).in_(accounts))).all()) if accounts else {}
    campaign_posts = set(session.exec(select(CampaignSlot.post_variant_id).where(  # any campaign's posts
        col(CampaignSlot.account_id).in_(accounts), col(CampaignSlot.post_variant_id).is_not(None))).all())
    base_rows = session.execute(select(S.variant_id, SocialAccount.network, goal, S.reach)
                                .join(SocialAccount, col(SocialAccount.id) == col(S.account_id))
                                .where(col(S.account_id).in_(accounts), col(S.reach) > 0,
                                       col(S.published_at) >= baseline_from, col(S.published_at) < baseline_to)).all()
    base = [(net, (int(e), int(r))) for vid, net, e, r in base_rows if vid not in campaign_posts]
    groups: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for slot in slots:
        if slot.post_variant_id in measured and slot.variant_id in labels:
            label = labels[slot.variant_id]
            for key in ((ALL, ALL), (label, ALL), (label, slot.network)):
                groups.setdefault(key, []).append(measured[slot.post_variant_id])
    rng = np.random.default_rng(campaign.id.int % 2**32)
    rows = [_row(v, n, pts, [p for net, p in base if n == ALL or net == n], rng)
            for (v, n), pts in sorted(groups.items(), key=lambda kv: (kv[0][0] != ALL, kv[0][1] != ALL, kv[0]))]
    filled = [s for s in slots if s.state == SlotState.SCHEDULED and s.variant_id in labels]
    share = {label: (sum(1 for s in filled if s.variant_id == vid) / len(filled) if filled else 0.0)
             for vid, label in sorted(labels.items(), key=lambda kv: kv[1])}
    post_ids = [s.post_variant_id for s in slots if s.post_variant_id]
    posted = {vid: (state, reason) for vid, state, reason in session.execute(
        select(SocialPostVariant.id, SocialPostVariant.state, SocialPostVariant.failure_reason)
        .where(col(SocialPostVariant.id).in_(post_ids))).all()} if post_ids else {}
    points = []
    for s in slots:
        handle = handles.get(s.account_id, "") if s.account_id else ""
        label = labels.get(s.variant_id, "") if s.variant_id else ""
        events, reach = measured.get(s.post_variant_id, (None, None)) if s.post_variant_id else (None, None)
        post_state, reason = posted.get(s.post_variant_id, (None, "")) if s.post_variant_id else (None, "")
        status, tone = slot_status(s.state, post_state, events is not None)
        points.append(SlotPoint(s.due_at, s.network, handle, s.state, label, s.explored, dict(s.draws), s.note,
                                events, reach, status, tone, reason if post_state == VariantState.FAILED else ""))
    link_days, link_uplift = _click_uplift(session, campaign, {s.network for s in slots}, baseline_from,
                                           min(now, campaign.ends_at))
    words = GOAL_WORDS[CampaignGoal(campaign.goal)]
    if not rows:
        message = f"No campaign post has been measured yet; {words} appear here a few hours after the first post."
    elif not base:
        message = (f"No other posts on these accounts in the {length.days} days before the campaign, so there is "
                   f"no baseline to compare {words} with; the rates per variant are still shown.")
    else:
        message = (f"{words.capitalize()} per reached account, against your {len(base)} posts in the "
                   f"{length.days} days before the campaign. Ranges are 95 % intervals: one that stays above "
                   "zero means the campaign did better than your usual posts.")
    return UpliftReport(campaign.id, campaign.goal, words, baseline_from, baseline_to, rows, share,
                        sum(1 for s in filled if s.explored) / len(filled) if filled else 0.0, points,
                        link_days, link_uplift, message)
