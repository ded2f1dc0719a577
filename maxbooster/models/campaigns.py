"""Campaigns: a goal, content variants, the accounts to post to and a date range; the posting slots
the scheduler fills, each recording which variant Thompson sampling chose, the values it drew and
whether the choice explored (was not the variant that looked best)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from maxbooster.models.base import UTCDateTime, created_at_field, one_of, ts_field, uuid_pk


class CampaignGoal(StrEnum):
    LINK_CLICKS = "link_clicks"  # clicks on the smart link in the post
    VIDEO_VIEWS = "video_views"
    FOLLOWS = "follows"


class CampaignState(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class SlotState(StrEnum):
    PLANNED = "planned"  # a time, no variant chosen yet
    SCHEDULED = "scheduled"  # a variant was chosen and its post scheduled
    SKIPPED = "skipped"  # could not be posted (account disconnected, campaign cancelled); the reason is kept


class Campaign(SQLModel, table=True):
    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint(one_of("goal", CampaignGoal), name="ck_campaigns_goal"),
        CheckConstraint(one_of("state", CampaignState), name="ck_campaigns_state"),
        CheckConstraint("ends_at > starts_at", name="ck_campaigns_range"),
        CheckConstraint("posts_per_day BETWEEN 1 AND 6", name="ck_campaigns_posts_per_day"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=120)
    goal: str = Field(max_length=20)
    state: str = Field(default=CampaignState.ACTIVE, max_length=20)
    starts_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    ends_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    posts_per_day: int = Field(default=2)
    smart_link_id: uuid.UUID | None = Field(default=None, foreign_key="smart_links.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class CampaignVariant(SQLModel, table=True):
    """One version of the campaign's content: caption, hook (the opening line) and media (stored file ids)."""

    __tablename__ = "campaign_variants"
    __table_args__ = (UniqueConstraint("campaign_id", "label", name="uq_campaign_variants_label"),)

    id: uuid.UUID = uuid_pk()
    campaign_id: uuid.UUID = Field(foreign_key="campaigns.id", index=True, ondelete="CASCADE")
    label: str = Field(max_length=4)  # A, B, C …
    hook: str = Field(default="", max_length=300)
    caption: str = Field(default="", sa_column=Column(Text, nullable=False))
    media: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = created_at_field()


class CampaignSlot(SQLModel, table=True):
    """A posting time on one account. When it comes close, the scheduler draws from each variant's
    posterior (`draws`: label -> value), posts the best draw's variant and records whether that was
    exploration (not the variant with the best posterior mean)."""

    __tablename__ = "campaign_slots"
    __table_args__ = (
        CheckConstraint(one_of("state", SlotState), name="ck_campaign_slots_state"),
        UniqueConstraint("campaign_id", "account_id", "due_at", name="uq_campaign_slots_time"),
        Index("ix_campaign_slots_state_due", "state", "due_at"),
    )

    id: uuid.UUID = uuid_pk()
    campaign_id: uuid.UUID = Field(foreign_key="campaigns.id", index=True, ondelete="CASCADE")
    account_id: uuid.UUID | None = Field(default=None, foreign_key="social_accounts.id", ondelete="SET NULL")
    network: str = Field(max_length=20)
    due_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    state: str = Field(default=SlotState.PLANNED, max_length=20)
    variant_id: uuid.UUID | None = Field(default=None, foreign_key="campaign_variants.id", ondelete="SET NULL")
    post_variant_id: uuid.UUID | None = Field(default=None, foreign_key="social_post_variants.id",
                                              ondelete="SET NULL")
    draws: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    explored: bool = Field(default=False)
    note: str = Field(default="", max_length=500)
    allocated_at: datetime | None = ts_field()
