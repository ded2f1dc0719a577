"""Marketplace area: sellers and their Connect accounts, listings (beats, sample packs, presets, plugins)
with files, license tiers, collaborators' splits, carts, orders and their lines, transfers to sellers and
collaborators, licenses, download grants, refunds, reviews, reports and moderation actions.

Money is integer minor units (BigInteger) + an ISO currency, fees and splits in basis points. Caps on
license tiers are whole numbers where NULL means unlimited. Search: `search_text` is kept by the
services; on PostgreSQL a trigger (migration 0013) keeps `search_vector` (tsvector, GIN index) from it,
on SQLite triggers keep the FTS5 table `SQLITE_FTS_TABLE` (not a model: Alembic ignores it).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlmodel import Field, SQLModel

from maxbooster.models.base import UTCDateTime, created_at_field, one_of, ts_field, uuid_pk
from maxbooster.models.billing import PaymentsProviderKey

# The SQLite FTS5 table over marketplace_listings.search_text (and its shadow tables, same prefix).
SQLITE_FTS_TABLE = "marketplace_listings_fts"

# tsvector on PostgreSQL; a plain (always NULL) text column on SQLite, where FTS5 does the work.
SEARCH_VECTOR = Text().with_variant(TSVECTOR(), "postgresql")


class ListingKind(StrEnum):
    BEAT = "beat"
    SAMPLE_PACK = "sample_pack"
    PRESET = "preset"
    PLUGIN = "plugin"


class ListingStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"
    HIDDEN = "hidden"  # by a moderator
    SOLD_EXCLUSIVE = "sold_exclusive"  # an exclusive was bought: off the store, leases stay valid


class MusicalKey(StrEnum):
    """The 24 major and minor keys, sharps spelled with '#' ("F#m" is F-sharp minor)."""

    C = "C"
    C_SHARP = "C#"
    D = "D"
    D_SHARP = "D#"
    E = "E"
    F = "F"
    F_SHARP = "F#"
    G = "G"
    G_SHARP = "G#"
    A = "A"
    A_SHARP = "A#"
    B = "B"
    C_MINOR = "Cm"
    C_SHARP_MINOR = "C#m"
    D_MINOR = "Dm"
    D_SHARP_MINOR = "D#m"
    E_MINOR = "Em"
    F_MINOR = "Fm"
    F_SHARP_MINOR = "F#m"
    G_MINOR = "Gm"
    G_SHARP_MINOR = "G#m"
    A_MINOR = "Am"
    A_SHARP_MINOR = "A#m"
    B_MINOR = "Bm"


class PreviewStatus(StrEnum):
    NOT_MADE = "not_made"
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


class WatermarkKind(StrEnum):
    TONE = "tone"  # a generated tone burst at intervals
    VOICE_TAG = "voice_tag"  # the seller's uploaded voice tag at intervals


class FileRole(StrEnum):
    MAIN = "main"  # the beat's full-quality audio (MP3/WAV deliverables are made from it)
    STEMS = "stems"  # trackout: a ZIP of stems
    ZIP = "zip"  # a sample pack, preset bank or plugin as a ZIP
    PREVIEW = "preview"  # a seller-supplied preview source (the watermark is still added)


class FileSource(StrEnum):
    LIBRARY = "library"  # a track of the seller's library
    UPLOAD = "upload"  # a blob uploaded for this listing


class TierKind(StrEnum):
    MP3_LEASE = "mp3_lease"
    WAV_LEASE = "wav_lease"
    TRACKOUT = "trackout"
    UNLIMITED = "unlimited"
    EXCLUSIVE = "exclusive"


class Deliverable(StrEnum):
    MP3 = "mp3"
    WAV = "wav"
    STEMS = "stems"
    ZIP = "zip"
    LICENSE_PDF = "license_pdf"


class OrderStatus(StrEnum):
    PENDING = "pending"  # payment started, not confirmed by the provider
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    FAILED = "failed"
    CANCELED = "canceled"


class OrderLineStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    REFUNDED = "refunded"
    CANCELED = "canceled"


class DisputeStatus(StrEnum):
    """A payment the buyer's bank disputes: open (downloads held, license marked disputed), then won
    (all restored) or lost (license void, downloads revoked, sellers' transfers reversed)."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"


class TransferStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    REVERSED = "reversed"


class RefundStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class ReportReason(StrEnum):
    COPYRIGHT = "copyright"
    OFFENSIVE = "offensive"
    SPAM = "spam"
    MALWARE = "malware"
    OTHER = "other"


class ReportStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


class ModerationActionKind(StrEnum):
    HIDE = "hide"
    RESTORE = "restore"
    BAN_SELLER = "ban_seller"
    UNBAN_SELLER = "unban_seller"
    HIDE_REVIEW = "hide_review"
    DISMISS_REPORT = "dismiss_report"


_CAPS = ("max_copies", "max_streams", "max_music_videos", "max_radio_stations")


class SellerAccount(SQLModel, table=True):
    """A seller's connected account at a payments provider (Connect Express at Stripe) and its
    onboarding state as the provider last reported it (account.updated webhooks or a refresh)."""

    __tablename__ = "marketplace_seller_accounts"
    __table_args__ = (
        CheckConstraint(one_of("provider", PaymentsProviderKey), name="ck_marketplace_seller_accounts_provider"),
        UniqueConstraint("owner_id", "provider", name="uq_marketplace_seller_accounts_owner_provider"),
        UniqueConstraint("provider", "provider_account_id", name="uq_marketplace_seller_accounts_provider_id"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    provider: str = Field(max_length=20)
    provider_account_id: str = Field(max_length=255)
    country: str = Field(default="", max_length=2)
    default_currency: str = Field(default="", max_length=3)
    charges_enabled: bool = Field(default=False)
    payouts_enabled: bool = Field(default=False)
    details_submitted: bool = Field(default=False)
    requirements: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # currently due
    disabled_reason: str = Field(default="", max_length=200)
    banned_at: datetime | None = ts_field()  # by a moderator: listings hidden, nothing new published
    ban_reason: str = Field(default="", max_length=500)
    last_event_created: datetime | None = ts_field()  # newest account.updated applied (older ones are ignored)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class Listing(SQLModel, table=True):
    """Something for sale. Beats carry BPM and key; every kind has a cover, tiers and a preview."""

    __tablename__ = "marketplace_listings"
    __table_args__ = (
        CheckConstraint(one_of("kind", ListingKind), name="ck_marketplace_listings_kind"),
        CheckConstraint(one_of("status", ListingStatus), name="ck_marketplace_listings_status"),
        CheckConstraint("musical_key IS NULL OR " + one_of("musical_key", MusicalKey),
                        name="ck_marketplace_listings_musical_key"),
        CheckConstraint(one_of("preview_status", PreviewStatus), name="ck_marketplace_listings_preview_status"),
        CheckConstraint(one_of("watermark", WatermarkKind), name="ck_marketplace_listings_watermark"),
        CheckConstraint("bpm IS NULL OR (bpm >= 20 AND bpm <= 400)", name="ck_marketplace_listings_bpm"),
        CheckConstraint("min_price_minor IS NULL OR min_price_minor > 0", name="ck_marketplace_listings_min_price"),
        CheckConstraint("length(currency) = 3", name="ck_marketplace_listings_currency"),
        CheckConstraint("sales_count >= 0", name="ck_marketplace_listings_sales_count"),
        Index("ix_marketplace_listings_status_published", "status", "published_at"),
        Index("ix_marketplace_listings_owner_status", "owner_id", "status"),
        Index("ix_marketplace_listings_search_vector", "search_vector", postgresql_using="gin"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    kind: str = Field(max_length=20)
    status: str = Field(default=ListingStatus.DRAFT, max_length=20)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_type=Text)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    genre: str = Field(default="", max_length=60, index=True)
    bpm: int | None = Field(default=None, index=True)
    musical_key: str | None = Field(default=None, max_length=4)
    cover_key: str | None = Field(default=None, max_length=300)  # storage key of the cover image
    currency: str = Field(default="USD", max_length=3)  # every tier of a listing is in this currency
    min_price_minor: int | None = Field(default=None, sa_type=BigInteger)  # cheapest tier (for sort and filter)
    # preview: made by the job marketplace.preview from the main file with a watermark mixed in
    watermark: str = Field(default=WatermarkKind.TONE, max_length=20)
    voice_tag_key: str | None = Field(default=None, max_length=300)
    preview_status: str = Field(default=PreviewStatus.NOT_MADE, max_length=20)
    preview_key: str | None = Field(default=None, max_length=300)
    preview_peaks_key: str | None = Field(default=None, max_length=300)
    preview_duration_s: float | None = Field(default=None)
    preview_error: str = Field(default="", max_length=500)
    preview_job_id: uuid.UUID | None = Field(default=None)
    sales_count: int = Field(default=0)  # paid order lines (sort "popular")
    search_text: str = Field(default="", sa_type=Text)  # title, tags, genre, kind, key, description, seller
    search_vector: str | None = Field(default=None, sa_type=SEARCH_VECTOR)  # PostgreSQL: trigger-maintained
    published_at: datetime | None = ts_field()
    hidden_at: datetime | None = ts_field()
    hidden_reason: str = Field(default="", max_length=500)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class ListingFile(SQLModel, table=True):
    """A file of a listing: a library track (by id) or an uploaded blob (ZIPs for packs and plugins).
    `findings` lists what the ZIP check flagged (executables …), shown to buyers."""

    __tablename__ = "marketplace_listing_files"
    __table_args__ = (
        CheckConstraint(one_of("role", FileRole), name="ck_marketplace_listing_files_role"),
        CheckConstraint(one_of("source", FileSource), name="ck_marketplace_listing_files_source"),
        CheckConstraint("size_bytes >= 0", name="ck_marketplace_listing_files_size"),
        UniqueConstraint("listing_id", "role", name="uq_marketplace_listing_files_role"),
    )

    id: uuid.UUID = uuid_pk()
    listing_id: uuid.UUID = Field(foreign_key="marketplace_listings.id", ondelete="CASCADE", index=True)
    role: str = Field(max_length=20)
    source: str = Field(max_length=20)
    track_id: uuid.UUID | None = Field(default=None, foreign_key="tracks.id", ondelete="SET NULL", index=True)
    storage_key: str | None = Field(default=None, max_length=300)  # uploads; a library main: its MP3 (mp3.py)
    original_name: str = Field(max_length=255)
    content_type: str = Field(default="application/octet-stream", max_length=120)
    size_bytes: int = Field(default=0, sa_type=BigInteger)
    sha256: str = Field(default="", max_length=64)
    # [{"code": "executable", "path": "Setup/x.exe", "message": "..."}]
    findings: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    entry_count: int | None = Field(default=None)  # ZIP: files inside
    uncompressed_bytes: int | None = Field(default=None, sa_type=BigInteger)  # ZIP: declared total
    created_at: datetime = created_at_field()


class LicenseTier(SQLModel, table=True):
    """One way to buy a listing: a license kind at a price with deliverables and caps (NULL = unlimited)."""

    __tablename__ = "marketplace_license_tiers"
    __table_args__ = (
        CheckConstraint(one_of("kind", TierKind), name="ck_marketplace_license_tiers_kind"),
        CheckConstraint("price_minor > 0", name="ck_marketplace_license_tiers_price"),
        CheckConstraint("length(currency) = 3", name="ck_marketplace_license_tiers_currency"),
        CheckConstraint(" AND ".join(f"({c} IS NULL OR {c} >= 0)" for c in _CAPS),
                        name="ck_marketplace_license_tiers_caps"),
        UniqueConstraint("listing_id", "kind", name="uq_marketplace_license_tiers_kind"),
    )

    id: uuid.UUID = uuid_pk()
    listing_id: uuid.UUID = Field(foreign_key="marketplace_listings.id", ondelete="CASCADE", index=True)
    kind: str = Field(max_length=20)
    name: str = Field(default="", max_length=80)  # shown to buyers; defaults to the kind's label
    price_minor: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)
    deliverables: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # Deliverable
    max_copies: int | None = Field(default=None)
    max_streams: int | None = Field(default=None, sa_type=BigInteger)
    max_music_videos: int | None = Field(default=None)
    max_radio_stations: int | None = Field(default=None)
    position: int = Field(default=0)
    created_at: datetime = created_at_field()


class Collaborator(SQLModel, table=True):
    """A share of a listing's sales (basis points; a listing's shares sum to 10,000 when it has any —
    the seller's own share is a row too). Paid by transfer to the collaborator's seller account."""

    __tablename__ = "marketplace_collaborators"
    __table_args__ = (
        CheckConstraint("share_bps > 0 AND share_bps <= 10000", name="ck_marketplace_collaborators_share"),
        UniqueConstraint("listing_id", "email", name="uq_marketplace_collaborators_email"),
    )

    id: uuid.UUID = uuid_pk()
    listing_id: uuid.UUID = Field(foreign_key="marketplace_listings.id", ondelete="CASCADE", index=True)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL", index=True)
    email: str = Field(max_length=320)
    display_name: str = Field(default="", max_length=200)
    share_bps: int
    created_at: datetime = created_at_field()


class Cart(SQLModel, table=True):
    """A buyer's cart (one per buyer); lines may come from many sellers but share one currency."""

    __tablename__ = "marketplace_carts"
    __table_args__ = (UniqueConstraint("owner_id", name="uq_marketplace_carts_owner"),)

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    currency: str | None = Field(default=None, max_length=3)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class CartLine(SQLModel, table=True):
    __tablename__ = "marketplace_cart_lines"
    __table_args__ = (
        UniqueConstraint("cart_id", "listing_id", name="uq_marketplace_cart_lines_listing"),
        CheckConstraint("price_minor > 0", name="ck_marketplace_cart_lines_price"),
    )

    id: uuid.UUID = uuid_pk()
    cart_id: uuid.UUID = Field(foreign_key="marketplace_carts.id", ondelete="CASCADE", index=True)
    listing_id: uuid.UUID = Field(foreign_key="marketplace_listings.id", ondelete="CASCADE", index=True)
    tier_id: uuid.UUID = Field(foreign_key="marketplace_license_tiers.id", ondelete="CASCADE")
    price_minor: int = Field(sa_type=BigInteger)  # the tier's price when added (re-checked at checkout)
    currency: str = Field(max_length=3)
    created_at: datetime = created_at_field()


class Order(SQLModel, table=True):
    """One payment by a buyer for one or more lines; the platform fee in basis points of the subtotal."""

    __tablename__ = "marketplace_orders"
    __table_args__ = (
        CheckConstraint(one_of("status", OrderStatus), name="ck_marketplace_orders_status"),
        CheckConstraint(one_of("provider", PaymentsProviderKey), name="ck_marketplace_orders_provider"),
        CheckConstraint("subtotal_minor >= 0 AND fee_minor >= 0 AND total_minor >= 0 AND refunded_minor >= 0",
                        name="ck_marketplace_orders_amounts"),
        CheckConstraint("fee_bps >= 0 AND fee_bps <= 10000", name="ck_marketplace_orders_fee_bps"),
        CheckConstraint("length(currency) = 3", name="ck_marketplace_orders_currency"),
        CheckConstraint(one_of("dispute_status", DisputeStatus), name="ck_marketplace_orders_dispute_status"),
        UniqueConstraint("provider", "provider_payment_id", name="uq_marketplace_orders_provider_payment"),
        Index("ix_marketplace_orders_owner_created", "owner_id", "created_at"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")  # the buyer
    status: str = Field(default=OrderStatus.PENDING, max_length=30)
    currency: str = Field(max_length=3)
    subtotal_minor: int = Field(sa_type=BigInteger)
    fee_bps: int
    fee_minor: int = Field(sa_type=BigInteger)
    total_minor: int = Field(sa_type=BigInteger)  # what the buyer pays (= subtotal; the fee is kept from it)
    refunded_minor: int = Field(default=0, sa_type=BigInteger)
    provider: str = Field(max_length=20)
    provider_payment_id: str | None = Field(default=None, max_length=255)  # payment intent / checkout session
    provider_charge_id: str | None = Field(default=None, max_length=255)  # source_transaction of transfers
    checkout_url: str = Field(default="", max_length=2000)
    buyer_email: str = Field(default="", max_length=320)
    dispute_status: str | None = Field(default=None, max_length=20)  # DisputeStatus; never goes back to open
    provider_dispute_id: str | None = Field(default=None, max_length=255)
    paid_at: datetime | None = ts_field()
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class OrderLine(SQLModel, table=True):
    """A tier of a listing bought in an order; title, kind and price are copied (the listing may change)."""

    __tablename__ = "marketplace_order_lines"
    __table_args__ = (
        CheckConstraint(one_of("status", OrderLineStatus), name="ck_marketplace_order_lines_status"),
        CheckConstraint(one_of("tier_kind", TierKind), name="ck_marketplace_order_lines_tier_kind"),
        CheckConstraint("price_minor > 0 AND fee_minor >= 0 AND refunded_minor >= 0",
                        name="ck_marketplace_order_lines_amounts"),
        Index("ix_marketplace_order_lines_seller_created", "seller_id", "created_at"),
    )

    id: uuid.UUID = uuid_pk()
    order_id: uuid.UUID = Field(foreign_key="marketplace_orders.id", ondelete="CASCADE", index=True)
    listing_id: uuid.UUID = Field(foreign_key="marketplace_listings.id", index=True)
    tier_id: uuid.UUID | None = Field(default=None, foreign_key="marketplace_license_tiers.id",
                                      ondelete="SET NULL")
    seller_id: uuid.UUID = Field(foreign_key="users.id")
    tier_kind: str = Field(max_length=20)
    listing_title: str = Field(max_length=200)
    price_minor: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)
    fee_minor: int = Field(default=0, sa_type=BigInteger)
    refunded_minor: int = Field(default=0, sa_type=BigInteger)
    status: str = Field(default=OrderLineStatus.PENDING, max_length=20)
    created_at: datetime = created_at_field()


class LicenseUse(SQLModel, table=True):
    """The buyer's released song built on a purchased license (one per order line): its tracked streams
    are checked against the license's stream cap (migration 0019)."""

    __tablename__ = "marketplace_license_uses"

    order_line_id: uuid.UUID = Field(foreign_key="marketplace_order_lines.id", ondelete="CASCADE", primary_key=True)
    release_track_id: uuid.UUID = Field(foreign_key="release_tracks.id", ondelete="CASCADE", index=True)
    created_at: datetime = created_at_field()


class ExclusiveClaim(SQLModel, table=True):
    """At most one per listing: inserting it is how an exclusive is reserved (the unique key decides races)."""

    __tablename__ = "marketplace_exclusive_claims"

    listing_id: uuid.UUID = Field(foreign_key="marketplace_listings.id", ondelete="CASCADE", primary_key=True)
    order_id: uuid.UUID = Field(foreign_key="marketplace_orders.id", ondelete="CASCADE", index=True)
    created_at: datetime = created_at_field()


class Transfer(SQLModel, table=True):
    """Money moved to a seller or collaborator for an order line (separate charges and transfers)."""

    __tablename__ = "marketplace_transfers"
    __table_args__ = (
        CheckConstraint(one_of("status", TransferStatus), name="ck_marketplace_transfers_status"),
        CheckConstraint(one_of("provider", PaymentsProviderKey), name="ck_marketplace_transfers_provider"),
        CheckConstraint("amount_minor >= 0 AND reversed_minor >= 0", name="ck_marketplace_transfers_amounts"),
        CheckConstraint("share_bps > 0 AND share_bps <= 10000", name="ck_marketplace_transfers_share"),
        UniqueConstraint("order_line_id", "recipient_id", name="uq_marketplace_transfers_line_recipient"),
        Index("ix_marketplace_transfers_recipient_created", "recipient_id", "created_at"),
    )

    id: uuid.UUID = uuid_pk()
    order_line_id: uuid.UUID = Field(foreign_key="marketplace_order_lines.id", ondelete="CASCADE", index=True)
    recipient_id: uuid.UUID = Field(foreign_key="users.id")
    seller_account_id: uuid.UUID | None = Field(default=None, foreign_key="marketplace_seller_accounts.id",
                                                ondelete="SET NULL")
    share_bps: int
    amount_minor: int = Field(sa_type=BigInteger)
    reversed_minor: int = Field(default=0, sa_type=BigInteger)
    currency: str = Field(max_length=3)
    provider: str = Field(max_length=20)
    provider_transfer_id: str | None = Field(default=None, max_length=255, unique=True)
    status: str = Field(default=TransferStatus.PENDING, max_length=20)
    error: str = Field(default="", max_length=500)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class License(SQLModel, table=True):
    """The license of an order line: terms rendered from the tier's template, stored once and never
    changed; `sha256` of the text is printed on it and checked by the public verify page."""

    __tablename__ = "marketplace_licenses"
    __table_args__ = (
        CheckConstraint(one_of("tier_kind", TierKind), name="ck_marketplace_licenses_tier_kind"),
        UniqueConstraint("order_line_id", name="uq_marketplace_licenses_order_line"),
        UniqueConstraint("sha256", name="uq_marketplace_licenses_sha256"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", index=True)  # the buyer
    order_line_id: uuid.UUID = Field(foreign_key="marketplace_order_lines.id", ondelete="CASCADE")
    listing_id: uuid.UUID = Field(foreign_key="marketplace_listings.id", index=True)
    tier_kind: str = Field(max_length=20)
    terms_text: str = Field(sa_type=Text)
    sha256: str = Field(max_length=64)
    variables: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    issued_at: datetime = created_at_field()
    voided_at: datetime | None = ts_field()
    void_reason: str = Field(default="", max_length=500)
    disputed_at: datetime | None = ts_field()  # its payment is disputed with the buyer's bank (0020)


class DownloadGrant(SQLModel, table=True):
    """The right to download one deliverable of an order line: expiring, counted, revoked by a refund."""

    __tablename__ = "marketplace_download_grants"
    __table_args__ = (
        CheckConstraint(one_of("deliverable", Deliverable), name="ck_marketplace_download_grants_deliverable"),
        CheckConstraint("download_count >= 0 AND (max_downloads IS NULL OR max_downloads >= 0)",
                        name="ck_marketplace_download_grants_counts"),
        UniqueConstraint("order_line_id", "deliverable", name="uq_marketplace_download_grants_deliverable"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", index=True)  # the buyer
    order_line_id: uuid.UUID = Field(foreign_key="marketplace_order_lines.id", ondelete="CASCADE", index=True)
    deliverable: str = Field(max_length=20)
    listing_file_id: uuid.UUID | None = Field(default=None, foreign_key="marketplace_listing_files.id",
                                              ondelete="SET NULL")
    download_count: int = Field(default=0)
    max_downloads: int | None = Field(default=None)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    revoked_at: datetime | None = ts_field()
    revoke_reason: str = Field(default="", max_length=300)
    last_downloaded_at: datetime | None = ts_field()
    created_at: datetime = created_at_field()


class Refund(SQLModel, table=True):
    """A full or partial refund of an order (per line when order_line_id is set)."""

    __tablename__ = "marketplace_refunds"
    __table_args__ = (
        CheckConstraint(one_of("status", RefundStatus), name="ck_marketplace_refunds_status"),
        CheckConstraint(one_of("provider", PaymentsProviderKey), name="ck_marketplace_refunds_provider"),
        CheckConstraint("amount_minor > 0", name="ck_marketplace_refunds_amount"),
        UniqueConstraint("provider", "provider_refund_id", name="uq_marketplace_refunds_provider_id"),
    )

    id: uuid.UUID = uuid_pk()
    order_id: uuid.UUID = Field(foreign_key="marketplace_orders.id", ondelete="CASCADE", index=True)
    order_line_id: uuid.UUID | None = Field(default=None, foreign_key="marketplace_order_lines.id",
                                            ondelete="CASCADE", index=True)
    amount_minor: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)
    reason: str = Field(default="", max_length=500)
    provider: str = Field(max_length=20)
    provider_refund_id: str | None = Field(default=None, max_length=255)
    status: str = Field(default=RefundStatus.PENDING, max_length=20)
    requested_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class Review(SQLModel, table=True):
    """A buyer's review of a listing they bought: one per buyer and listing, editable."""

    __tablename__ = "marketplace_reviews"
    __table_args__ = (
        CheckConstraint("rating >= 1 AND rating <= 5", name="ck_marketplace_reviews_rating"),
        UniqueConstraint("listing_id", "owner_id", name="uq_marketplace_reviews_buyer"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", index=True)  # the author
    listing_id: uuid.UUID = Field(foreign_key="marketplace_listings.id", ondelete="CASCADE", index=True)
    rating: int
    body: str = Field(default="", sa_type=Text)
    hidden_at: datetime | None = ts_field()
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class Report(SQLModel, table=True):
    """A user's report of a listing, review or seller, for the admin queue."""

    __tablename__ = "marketplace_reports"
    __table_args__ = (
        CheckConstraint(one_of("reason", ReportReason), name="ck_marketplace_reports_reason"),
        CheckConstraint(one_of("status", ReportStatus), name="ck_marketplace_reports_status"),
        CheckConstraint("listing_id IS NOT NULL OR review_id IS NOT NULL OR seller_id IS NOT NULL",
                        name="ck_marketplace_reports_target"),
        Index("ix_marketplace_reports_status_created", "status", "created_at"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", index=True)  # the reporter
    listing_id: uuid.UUID | None = Field(default=None, foreign_key="marketplace_listings.id", ondelete="CASCADE",
                                         index=True)
    review_id: uuid.UUID | None = Field(default=None, foreign_key="marketplace_reviews.id", ondelete="CASCADE")
    seller_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="CASCADE")
    reason: str = Field(max_length=20)
    details: str = Field(default="", max_length=2000)
    status: str = Field(default=ReportStatus.OPEN, max_length=20)
    resolved_at: datetime | None = ts_field()
    created_at: datetime = created_at_field()


class ModerationAction(SQLModel, table=True):
    """What an admin did about a listing, review, seller or report (also in the audit log)."""

    __tablename__ = "marketplace_moderation_actions"
    __table_args__ = (
        CheckConstraint(one_of("action", ModerationActionKind), name="ck_marketplace_moderation_actions_action"),
    )

    id: uuid.UUID = uuid_pk()
    admin_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    action: str = Field(max_length=20)
    listing_id: uuid.UUID | None = Field(default=None, foreign_key="marketplace_listings.id", ondelete="CASCADE",
                                         index=True)
    review_id: uuid.UUID | None = Field(default=None, foreign_key="marketplace_reviews.id", ondelete="CASCADE")
    seller_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="CASCADE", index=True)
    report_id: uuid.UUID | None = Field(default=None, foreign_key="marketplace_reports.id", ondelete="SET NULL")
    reason: str = Field(default="", max_length=1000)
    created_at: datetime = created_at_field()
