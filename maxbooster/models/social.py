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
    X = "x"  # API v2, OAuth 2.0 with PKCE; our app's credentials from settings
    FACEBOOK = "facebook"  # a Facebook Page (Graph API), its page token
    INSTAGRAM = "instagram"  # an Instagram professional account linked to a Page (Graph API)
    YOUTUBE = "youtube"  # a YouTube channel (Data API v3, Google OAuth)


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


class SocialConnect(SQLModel, table=True):
    """One OAuth connect attempt in flight, kept server-side until its callback: the state (as its
    SHA-256), the PKCE verifier (encrypted), where the callback returns; used once, expires in minutes."""

    __tablename__ = "social_connects"
    __table_args__ = (
        CheckConstraint(one_of("network", SocialNetwork), name="ck_social_connects_network"),
        UniqueConstraint("state_hash", name="uq_social_connects_state"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    network: str = Field(max_length=20)
    state_hash: str = Field(max_length=64)
    code_verifier_enc: str = Field(sa_column=Column(Text, nullable=False))  # Fernet token
    instance_url: str = Field(default="", max_length=300)
    redirect_uri: str = Field(max_length=500)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    created_at: datetime = created_at_field()


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
    # a resumable upload of the next attachment (YouTube): its session URL (encrypted: it accepts bytes
    # without a token) and the bytes the network confirmed, so a retry after a worker died goes on
    # with the same session instead of uploading a second video
    upload_session_enc: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    upload_offset: int = Field(default=0)
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


class HoldState(StrEnum):
    """Why a post is held back from publishing (no hold row: it goes out at its time).
    draft → (scheduled) | awaiting_approval → approved | changes_requested → awaiting_approval …"""

    DRAFT = "draft"
    AWAITING_APPROVAL = "awaiting_approval"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"  # the only hold state the publisher lets through


class ReviewDecision(StrEnum):
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"


class SocialQueueSlot(SQLModel, table=True):
    """One recurring slot of an account's queue: a weekday (0 = Monday) and a minute of that day in the
    owner's time zone. "Add to queue" puts a post in the next slot no other post of the account holds."""

    __tablename__ = "social_queue_slots"
    __table_args__ = (
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="ck_social_queue_slots_weekday"),
        CheckConstraint("minute_of_day >= 0 AND minute_of_day < 1440", name="ck_social_queue_slots_minute"),
        UniqueConstraint("account_id", "weekday", "minute_of_day", name="uq_social_queue_slots_slot"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    account_id: uuid.UUID = Field(foreign_key="social_accounts.id", index=True, ondelete="CASCADE")
    weekday: int
    minute_of_day: int
    timezone: str = Field(default="UTC", max_length=64)  # IANA name the slot's wall time is in
    created_at: datetime = created_at_field()


class SocialPostHold(SQLModel, table=True):
    """A post that must not go out yet: a draft, or one that needs a manager's approval (the owner
    themself in the app, or a reviewer through an expiring link). The sweep skips held posts."""

    __tablename__ = "social_post_holds"
    __table_args__ = (
        CheckConstraint(one_of("state", HoldState), name="ck_social_post_holds_state"),
        UniqueConstraint("post_id", name="uq_social_post_holds_post"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    post_id: uuid.UUID = Field(foreign_key="social_posts.id", ondelete="CASCADE")
    state: str = Field(default=HoldState.DRAFT, max_length=20)
    comment: str = Field(default="", max_length=2000)  # the last reviewer's words
    decided_by: str = Field(default="", max_length=200)  # who approved or asked for changes
    decided_at: datetime | None = ts_field()
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class SocialReviewLink(SQLModel, table=True):
    """An external review link (no account needed): answered once, refused after `expires_at`."""

    __tablename__ = "social_review_links"
    __table_args__ = (
        CheckConstraint(f"decision = '' OR {one_of('decision', ReviewDecision)}",
                        name="ck_social_review_links_decision"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    post_id: uuid.UUID = Field(foreign_key="social_posts.id", index=True, ondelete="CASCADE")
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = ts_field()
    decision: str = Field(default="", max_length=20)
    reviewer: str = Field(default="", max_length=200)
    comment: str = Field(default="", max_length=2000)
    created_at: datetime = created_at_field()


class MediaKind(StrEnum):
    """Where a post's attachment comes from in the composer."""

    FILE = "file"  # an uploaded file (a stored file of the owner)
    ARTWORK = "artwork"  # a release's cover
    PREVIEW = "preview"  # an excerpt of a master (or of the track) as MP3
    AUDIOGRAM = "audiogram"  # a rendered audiogram video, vertical or square


class AudiogramStatus(StrEnum):
    RENDERING = "rendering"
    READY = "ready"
    FAILED = "failed"


class AudiogramShape(StrEnum):
    VERTICAL = "vertical"  # 1080×1920 (stories, reels, shorts)
    SQUARE = "square"  # 1080×1080 (feeds)


class SocialAudiogram(SQLModel, table=True):
    """A short video of a track excerpt over its artwork with moving bars, rendered by the
    `social.audiogram` job into one stored MP4 per shape; the composer attaches either file."""

    __tablename__ = "social_audiograms"
    __table_args__ = (
        CheckConstraint(one_of("status", AudiogramStatus), name="ck_social_audiograms_status"),
        CheckConstraint("start_s >= 0", name="ck_social_audiograms_start"),
        CheckConstraint("length_s > 0 AND length_s <= 60", name="ck_social_audiograms_length"),
        Index("ix_social_audiograms_owner_created", "owner_id", "created_at"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    track_id: uuid.UUID | None = Field(default=None, foreign_key="tracks.id", ondelete="SET NULL")
    master_id: uuid.UUID | None = Field(default=None, foreign_key="masters.id", ondelete="SET NULL")
    release_id: uuid.UUID | None = Field(default=None, foreign_key="releases.id", ondelete="SET NULL")
    image_file_id: uuid.UUID | None = Field(default=None, foreign_key="stored_files.id", ondelete="SET NULL")
    title: str = Field(default="", max_length=200)
    artist: str = Field(default="", max_length=200)
    start_s: float = Field(default=0.0)
    length_s: float = Field(default=30.0)
    status: str = Field(default=AudiogramStatus.RENDERING, max_length=20)
    status_message: str = Field(default="", max_length=500)
    job_id: uuid.UUID | None = Field(default=None)
    vertical_file_id: uuid.UUID | None = Field(default=None, foreign_key="stored_files.id", ondelete="SET NULL")
    square_file_id: uuid.UUID | None = Field(default=None, foreign_key="stored_files.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()
    finished_at: datetime | None = ts_field()


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
