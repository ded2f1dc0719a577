"""Social publishing: connected accounts (tokens encrypted at rest), OAuth app registrations per
Mastodon instance, posts with one variant per account and its publishing state, and the sandbox
network's own record of what was posted to it."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from maxbooster.models.base import UTCDateTime, created_at_field, one_of, ts_field, uuid_pk


class SocialNetwork(StrEnum):
    SANDBOX = "sandbox"  # embedded default: recorded in our database, engagement simulated
    MASTODON = "mastodon"  # any instance, OAuth app registered per instance


class AccountState(StrEnum):
    CONNECTED = "connected"
    RECONNECT = "reconnect"  # the network revoked or expired the grant: the owner must connect again


class VariantState(StrEnum):
    """scheduled → publishing → published | failed (publishing waits between retries)."""

    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"


class SocialApp(SQLModel, table=True):
    """Our OAuth client at one Mastodon instance (POST /api/v1/apps), shared by every owner there."""

    __tablename__ = "social_apps"
    __table_args__ = (
        CheckConstraint(one_of("network", SocialNetwork), name="ck_social_apps_network"),
        UniqueConstraint("network", "instance_url", "redirect_uri", name="uq_social_apps_instance"),
    )

    id: uuid.UUID = uuid_pk()
    network: str = Field(max_length=20)
    instance_url: str = Field(max_length=300)
    redirect_uri: str = Field(max_length=500)
    client_id: str = Field(max_length=200)
    client_secret_enc: str = Field(sa_column=Column(Text, nullable=False))  # Fernet token
    created_at: datetime = created_at_field()


class SocialAccount(SQLModel, table=True):
    """A network account the owner connected. Tokens are Fernet tokens (never plain text); `limits`
    is what the network said about posts (max_characters, characters_reserved_per_url,
    max_media_attachments, supported_mime_types, image/video size limits)."""

    __tablename__ = "social_accounts"
    __table_args__ = (
        CheckConstraint(one_of("network", SocialNetwork), name="ck_social_accounts_network"),
        CheckConstraint(one_of("state", AccountState), name="ck_social_accounts_state"),
        UniqueConstraint("owner_id", "network", "instance_url", "remote_id", name="uq_social_accounts_remote"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    network: str = Field(max_length=20)
    instance_url: str = Field(default="", max_length=300)  # https://mastodon.social ('' for the sandbox)
    app_id: uuid.UUID | None = Field(default=None, foreign_key="social_apps.id", ondelete="SET NULL")
    remote_id: str = Field(max_length=100)  # the network's account id
    handle: str = Field(max_length=200)  # @name@instance
    display_name: str = Field(default="", max_length=200)
    state: str = Field(default=AccountState.CONNECTED, max_length=20)
    state_message: str = Field(default="", max_length=500)
    access_token_enc: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    refresh_token_enc: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    token_expires_at: datetime | None = ts_field()  # None: the network's token does not expire
    scopes: str = Field(default="", max_length=200)
    followers_count: int | None = Field(default=None)
    limits: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class SocialPost(SQLModel, table=True):
    """One post for one or more accounts, due at `scheduled_at` (UTC)."""

    __tablename__ = "social_posts"
    __table_args__ = (Index("ix_social_posts_owner_scheduled", "owner_id", "scheduled_at"),)

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    scheduled_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class SocialPostVariant(SQLModel, table=True):
    """A post as it goes to one account: its text and media (stored file ids), its state, and the
    idempotency key sent with every attempt (made when the variant is, so it exists before any call).
    `due_at` is the next attempt (the schedule, or a retry's time); `job_id` the job handling it now."""

    __tablename__ = "social_post_variants"
    __table_args__ = (
        CheckConstraint(one_of("network", SocialNetwork), name="ck_social_post_variants_network"),
        CheckConstraint(one_of("state", VariantState), name="ck_social_post_variants_state"),
        CheckConstraint("attempts >= 0", name="ck_social_post_variants_attempts"),
        UniqueConstraint("post_id", "account_id", name="uq_social_post_variants_account"),
        UniqueConstraint("idempotency_key", name="uq_social_post_variants_idempotency"),
        Index("ix_social_post_variants_due", "state", "due_at"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    post_id: uuid.UUID = Field(foreign_key="social_posts.id", index=True, ondelete="CASCADE")
    account_id: uuid.UUID | None = Field(default=None, foreign_key="social_accounts.id", index=True,
                                         ondelete="SET NULL")
    network: str = Field(max_length=20)
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    media: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    state: str = Field(default=VariantState.SCHEDULED, max_length=20)
    idempotency_key: str = Field(max_length=64)
    due_at: datetime | None = ts_field()
    job_id: uuid.UUID | None = Field(default=None)
    attempts: int = Field(default=0)
    first_sent_at: datetime | None = ts_field()  # the first call to the network (retries reuse the key)
    remote_media_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    remote_id: str = Field(default="", max_length=100)
    remote_url: str = Field(default="", max_length=500)
    last_error: str = Field(default="", max_length=1000)  # why the last attempt did not publish
    failure_reason: str = Field(default="", max_length=1000)  # failed: the network's reason, in its words
    published_at: datetime | None = ts_field()
    metrics: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    metrics_at: datetime | None = ts_field()
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class SandboxPost(SQLModel, table=True):
    """What the sandbox network holds: one row per (account, idempotency key), so a repeated publish
    returns the same post, as a real network's idempotency does."""

    __tablename__ = "social_sandbox_posts"
    __table_args__ = (UniqueConstraint("account_id", "idempotency_key", name="uq_social_sandbox_posts_key"),)

    id: uuid.UUID = uuid_pk()
    account_id: uuid.UUID = Field(foreign_key="social_accounts.id", index=True, ondelete="CASCADE")
    idempotency_key: str = Field(max_length=64)
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    media_count: int = Field(default=0)
    created_at: datetime = created_at_field()


class SocialPostStats(SQLModel, table=True):
    """A published variant's latest counts (from its newest sample) and when to read it next.
    `interactions` = likes + comments + shares + saves; `next_read_at` None: no more readings (too old)."""

    __tablename__ = "social_post_stats"
    __table_args__ = (
        CheckConstraint("reach >= 0 AND interactions >= 0", name="ck_social_post_stats_counts"),
        Index("ix_social_post_stats_account_published", "account_id", "published_at"),
        Index("ix_social_post_stats_next_read", "next_read_at"),
    )

    variant_id: uuid.UUID = Field(foreign_key="social_post_variants.id", primary_key=True, ondelete="CASCADE")
    account_id: uuid.UUID = Field(foreign_key="social_accounts.id", ondelete="CASCADE")
    published_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    impressions: int = Field(default=0)
    reach: int = Field(default=0)
    likes: int = Field(default=0)
    comments: int = Field(default=0)
    shares: int = Field(default=0)
    saves: int = Field(default=0)
    interactions: int = Field(default=0)
    video_views: int = Field(default=0)
    link_clicks: int = Field(default=0)
    follows: int = Field(default=0)
    samples: int = Field(default=0)
    simulated: bool = Field(default=False)
    last_read_at: datetime | None = ts_field()
    next_read_at: datetime | None = ts_field()
    read_error: str = Field(default="", max_length=500)  # why the last reading was deferred


class SocialMetricSample(SQLModel, table=True):
    """One reading of a published variant's counts (None: the network does not report that count)."""

    __tablename__ = "social_metric_samples"
    __table_args__ = (UniqueConstraint("variant_id", "taken_at", name="uq_social_metric_samples_taken"),)

    id: uuid.UUID = uuid_pk()
    variant_id: uuid.UUID = Field(foreign_key="social_post_variants.id", ondelete="CASCADE")
    taken_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    impressions: int | None = Field(default=None)
    reach: int | None = Field(default=None)
    likes: int = Field(default=0)
    comments: int = Field(default=0)
    shares: int = Field(default=0)
    saves: int | None = Field(default=None)
    video_views: int | None = Field(default=None)
    link_clicks: int | None = Field(default=None)
    follows: int | None = Field(default=None)
    simulated: bool = Field(default=False)


class SocialFollowerSample(SQLModel, table=True):
    """An account's follower count at one reading."""

    __tablename__ = "social_follower_samples"
    __table_args__ = (UniqueConstraint("account_id", "taken_at", name="uq_social_follower_samples_taken"),)

    id: uuid.UUID = uuid_pk()
    account_id: uuid.UUID = Field(foreign_key="social_accounts.id", ondelete="CASCADE")
    taken_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    followers: int = Field(default=0)
