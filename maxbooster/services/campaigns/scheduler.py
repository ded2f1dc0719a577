"""Filling campaign slots by Thompson sampling: when a slot is `LEAD` from due, each variant's goal rate
(goal events ÷ reach over its measured posts) gets a Beta(1 + events, 1 + reach − events) posterior; one
value is drawn from each, the variant with the highest draw is posted, and the slot keeps the draws and
whether the choice explored (it was not the variant with the best posterior mean, or nothing was
measured yet). Draws are seeded by the slot's id, so a slot always draws the same values.

A slot is claimed with one conditional UPDATE (planned → scheduled) before its post is made, so two
workers' housekeeping never posts it twice; its post goes through `social.posts.create_post` and is
published by the social sweep like any other post.
"""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from maxbooster.db import session_scope
from maxbooster.models.base import utcnow
from maxbooster.models.campaigns import Campaign, CampaignGoal, CampaignSlot, CampaignState, CampaignVariant, SlotState
from maxbooster.models.releases import SmartLink
from maxbooster.models.social import AccountState, SocialAccount, SocialPostStats, SocialPostVariant
from maxbooster.services import jobs
from maxbooster.services.actor import Actor
from maxbooster.services.campaigns.campaigns import post_text
from maxbooster.services.errors import DomainError
from maxbooster.services.social import posts

LEAD = timedelta(minutes=10)  # a slot is filled this long before it is due
BATCH = 200
log = logging.getLogger("maxbooster.campaigns")
S = SocialPostStats


def goal_column(goal: str) -> Any:
    """The per-post count a goal is measured by."""
    return {CampaignGoal.LINK_CLICKS: S.link_clicks, CampaignGoal.VIDEO_VIEWS: S.video_views,
            CampaignGoal.FOLLOWS: S.follows}[CampaignGoal(goal)]


@dataclass(frozen=True)
class Posterior:
    """What a variant has shown so far: measured posts, goal events and reach, as Beta parameters."""

    variant_id: uuid.UUID
    label: str
    posts: int
    events: int
    reach: int

    @property
    def alpha(self) -> float:
        return 1.0 + self.events

    @property
    def beta(self) -> float:
        return 1.0 + max(0, self.reach - self.events)

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)


def posteriors(*, session: Session, campaign: Campaign) -> list[Posterior]:
    """Each variant's posterior from its measured posts (one GROUP BY), in label order."""
    goal = goal_column(campaign.goal)
    measured = dict(((vid, (int(n), int(e or 0), int(r or 0))) for vid, n, e, r in session.execute(
        select(CampaignSlot.variant_id, func.count(), func.sum(goal), func.sum(S.reach))
        .join(S, col(S.variant_id) == col(CampaignSlot.post_variant_id))
        .where(col(CampaignSlot.campaign_id) == campaign.id, col(S.reach) > 0)
        .group_by(col(CampaignSlot.variant_id))).all()))
    variants = session.exec(select(CampaignVariant).where(col(CampaignVariant.campaign_id) == campaign.id)
                            .order_by(col(CampaignVariant.label))).all()
    out = []
    for v in variants:
        n, events, reach = measured.get(v.id, (0, 0, 0))
        out.append(Posterior(v.id, v.label, n, min(events, reach), reach))
    return out


def thompson_pick(options: list[Posterior], rng: random.Random) -> tuple[Posterior, dict[str, float], bool]:
    """(the chosen variant, each label's drawn rate, whether the choice explored)."""
    draws = {p.label: rng.betavariate(p.alpha, p.beta) for p in options}
    chosen = max(options, key=lambda p: draws[p.label])
    best_mean = max(p.mean for p in options)
    leaders = [p for p in options if p.mean == best_mean]
    explored = len(leaders) > 1 or chosen is not leaders[0]
    return chosen, draws, explored


def allocate_due(*, session: Session, now: datetime | None = None, limit: int = BATCH) -> list[uuid.UUID]:
    """Fill every planned slot of an active campaign due within LEAD; returns the slots filled."""
    now = now or utcnow()
    due = session.exec(select(CampaignSlot.id).join(Campaign, col(Campaign.id) == col(CampaignSlot.campaign_id))
                       .where(col(CampaignSlot.state) == SlotState.PLANNED, col(CampaignSlot.due_at) <= now + LEAD,
                              col(Campaign.state) == CampaignState.ACTIVE)
                       .order_by(col(CampaignSlot.due_at)).limit(limit)).all()
    return [slot_id for slot_id in due if _fill(session, slot_id, now)]


def _fill(session: Session, slot_id: uuid.UUID, now: datetime) -> bool:
    claimed = session.execute(update(CampaignSlot).where(col(CampaignSlot.id) == slot_id,
                                                         col(CampaignSlot.state) == SlotState.PLANNED)
                              .values(state=SlotState.SCHEDULED, allocated_at=now))
    session.commit()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False  # another worker filled it
    slot = session.get(CampaignSlot, slot_id, populate_existing=True)
    campaign = session.get(Campaign, slot.campaign_id) if slot else None
    if slot is None or campaign is None:
        return False
    account = session.get(SocialAccount, slot.account_id) if slot.account_id else None
    if account is None or account.state != AccountState.CONNECTED:
        return _skip(session, slot, "The account was disconnected or needs reconnecting; this slot was skipped.")
    if slot.due_at < now - timedelta(minutes=30):
        return _skip(session, slot, "This slot's time passed before it could be filled (no worker was running).")
    options = posteriors(session=session, campaign=campaign)
    chosen, draws, explored = thompson_pick(options, random.Random(slot.id.int))
    variant = session.get(CampaignVariant, chosen.variant_id)
    link = session.get(SmartLink, campaign.smart_link_id) if campaign.smart_link_id else None
    assert variant is not None
    text = post_text(campaign=campaign, variant=variant, network=account.network, slug=link.slug if link else None)
    media = [posts.MediaRef(uuid.UUID(m["file_id"]), str(m.get("description") or "")) for m in variant.media]
    actor = Actor.system(via="worker").as_user(campaign.owner_id)
    try:
        post = posts.create_post(session=session, actor=actor, data=posts.PostIn(
            scheduled_at=max(slot.due_at, now), variants=[posts.VariantIn(account.id, text, media)]))
    except DomainError as exc:
        session.rollback()
        return _skip(session, slot, f"Could not post variant {variant.label}: {exc.message}")
    made = session.exec(select(SocialPostVariant.id).where(col(SocialPostVariant.post_id) == post.id)).first()
    slot.variant_id, slot.post_variant_id, slot.explored = variant.id, made, explored
    slot.draws = {label: round(value, 6) for label, value in draws.items()}
    slot.note = ("Exploring: trying a variant that does not look best yet." if explored
                 else f"Variant {variant.label} looks best so far.")
    session.add(slot)
    session.commit()
    return True


def _skip(session: Session, slot: CampaignSlot, why: str) -> bool:
    slot.state, slot.note = SlotState.SKIPPED, why[:500]
    session.add(slot)
    session.commit()
    return False


@jobs.periodic("campaigns.allocate")
def _periodic_allocate() -> None:
    with session_scope() as session:
        filled = allocate_due(session=session)
    if filled:
        log.info("campaigns: filled %s slots", len(filled))
