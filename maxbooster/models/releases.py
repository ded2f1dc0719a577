"""Releases: what an artist distributes (single, EP, album), its ordered tracks (each a master from
the library), the owner's code registrant settings, every ISRC/UPC ever allocated or accepted (never
reused), and one delivery per release and destination with its state."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from maxbooster.models.base import created_at_field, one_of, ts_field, uuid_pk


class ReleaseType(StrEnum):
    SINGLE = "single"
    EP = "ep"
    ALBUM = "album"


class ArtistRole(StrEnum):
    """How an artist is credited on a release or track (stores show both, in order)."""

    PRIMARY = "primary"
    FEATURED = "featured"


class ContributorRole(StrEnum):
    PERFORMER = "performer"
    PRODUCER = "producer"
    COMPOSER = "composer"
    LYRICIST = "lyricist"
    MIXER = "mixer"
    MASTERING_ENGINEER = "mastering_engineer"


class PriceTier(StrEnum):
    BUDGET = "budget"
    MID = "mid"
    FRONT = "front"
    PREMIUM = "premium"


class CodeKind(StrEnum):
    ISRC = "isrc"
    UPC = "upc"


class CodeSource(StrEnum):
    ALLOCATED = "allocated"  # made from the owner's registrant prefix / GS1 company prefix
    SUPPLIED = "supplied"  # typed in by the owner (from another distributor or their own agency)


class DeliveryState(StrEnum):
    """draft → validated → scheduled → delivering → delivered → live | rejected → takedown_requested → taken_down."""

    DRAFT = "draft"
    VALIDATED = "validated"
    SCHEDULED = "scheduled"
    DELIVERING = "delivering"
    DELIVERED = "delivered"
    LIVE = "live"
    REJECTED = "rejected"
    TAKEDOWN_REQUESTED = "takedown_requested"
    TAKEN_DOWN = "taken_down"


class Release(SQLModel, table=True):
    """One release. `artists` is the ordered credit list [{"name", "role"}]; `territories` is empty for
    worldwide, else ISO 3166-1 alpha-2 codes; the artwork columns are what was measured at upload."""

    __tablename__ = "releases"
    __table_args__ = (
        CheckConstraint(one_of("release_type", ReleaseType), name="ck_releases_type"),
        CheckConstraint(one_of("price_tier", PriceTier), name="ck_releases_price_tier"),
        CheckConstraint("p_year IS NULL OR (p_year >= 1900 AND p_year <= 2200)", name="ck_releases_p_year"),
        CheckConstraint("c_year IS NULL OR (c_year >= 1900 AND c_year <= 2200)", name="ck_releases_c_year"),
        UniqueConstraint("upc", name="uq_releases_upc"),
        Index("ix_releases_owner_updated", "owner_id", "updated_at"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    release_type: str = Field(default=ReleaseType.SINGLE, max_length=10)
    title: str = Field(max_length=200)
    version: str = Field(default="", max_length=100)  # "Remastered 2024", "Live" … never in the title
    artists: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    label: str = Field(default="", max_length=200)
    genre: str = Field(default="", max_length=60)
    subgenre: str = Field(default="", max_length=60)
    language: str = Field(default="en", max_length=12)  # BCP 47 language of the titles, e.g. en, pt-BR
    release_date: date | None = Field(default=None)
    original_release_date: date | None = Field(default=None)
    territories: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    price_tier: str = Field(default=PriceTier.MID, max_length=10)
    p_year: int | None = Field(default=None)
    p_owner: str = Field(default="", max_length=200)
    c_year: int | None = Field(default=None)
    c_owner: str = Field(default="", max_length=200)
    artwork_key: str | None = Field(default=None, max_length=300)
    artwork_width: int | None = Field(default=None)
    artwork_height: int | None = Field(default=None)
    artwork_mode: str = Field(default="", max_length=10)  # Pillow mode: RGB, CMYK, L, P …
    artwork_format: str = Field(default="", max_length=10)  # JPEG, PNG
    artwork_bytes: int | None = Field(default=None, sa_type=BigInteger)
    artwork_sha256: str = Field(default="", max_length=64)
    artwork_detail_px: int | None = Field(default=None)  # the resolution its detail really has (enlarged covers)
    upc: str | None = Field(default=None, max_length=13)  # GTIN-13 digits (a 12-digit UPC-A gets a leading 0)
    submitted_at: datetime | None = ts_field()  # first submission (counts against the plan's releases per year)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class ReleaseTrack(SQLModel, table=True):
    """A track of a release: one master of the library at `position` (1-based, no gaps)."""

    __tablename__ = "release_tracks"
    __table_args__ = (
        UniqueConstraint("release_id", "position", name="uq_release_tracks_position"),
        CheckConstraint("position >= 1", name="ck_release_tracks_position"),
        CheckConstraint("preview_start_s >= 0", name="ck_release_tracks_preview"),
    )

    id: uuid.UUID = uuid_pk()
    release_id: uuid.UUID = Field(foreign_key="releases.id", index=True, ondelete="CASCADE")
    position: int
    master_id: uuid.UUID | None = Field(default=None, foreign_key="masters.id", index=True, ondelete="SET NULL")
    title: str = Field(max_length=200)
    version: str = Field(default="", max_length=100)
    # featured artists of this track only; the release's artists are credited on every track
    artists: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    isrc: str | None = Field(default=None, max_length=12)  # canonical, no hyphens; one recording may be on
    # several releases (a single, then the album) with the same ISRC; `allocated_codes` keeps it unique
    explicit: bool = Field(default=False)
    contributors: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    lyrics: str = Field(default="", sa_column=Column(Text, nullable=False))
    preview_start_s: float = Field(default=0.0)
    created_at: datetime = created_at_field()


class RegistrantSettings(SQLModel, table=True):
    """An owner's code prefixes: ISRC country + registrant code, GS1 company prefix, DDEX party id."""

    __tablename__ = "registrant_settings"
    __table_args__ = (UniqueConstraint("owner_id", name="uq_registrant_settings_owner"),)

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    isrc_country: str = Field(default="", max_length=2)
    isrc_registrant: str = Field(default="", max_length=3)
    gs1_prefix: str = Field(default="", max_length=12)
    ddex_party_id: str = Field(default="", max_length=40)  # the owner's DPID (PADPIDA…), from DDEX
    ddex_party_name: str = Field(default="", max_length=200)
    updated_at: datetime = created_at_field()


class CodeCounter(SQLModel, table=True):
    """The next designation number per code space: ISRC `CCXXXYY` (so each year starts again at 1) or
    a GS1 company prefix. Shared by everyone allocating in that space; bumped by one atomic UPDATE."""

    __tablename__ = "code_counters"
    __table_args__ = (CheckConstraint(one_of("kind", CodeKind), name="ck_code_counters_kind"),)

    kind: str = Field(primary_key=True, max_length=10)
    scope: str = Field(primary_key=True, max_length=12)
    next_value: int = Field(default=1, sa_type=BigInteger)


class AllocatedCode(SQLModel, table=True):
    """Every ISRC and UPC that was ever allocated or accepted; rows are never deleted, so a code is never
    given out twice. An ISRC belongs to one recording (a library track) of one owner."""

    __tablename__ = "allocated_codes"
    __table_args__ = (
        CheckConstraint(one_of("kind", CodeKind), name="ck_allocated_codes_kind"),
        CheckConstraint(one_of("source", CodeSource), name="ck_allocated_codes_source"),
        UniqueConstraint("kind", "code", name="uq_allocated_codes_code"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=10)
    code: str = Field(max_length=13)
    source: str = Field(default=CodeSource.ALLOCATED, max_length=10)
    recording_id: uuid.UUID | None = Field(default=None, foreign_key="tracks.id", ondelete="SET NULL")
    release_id: uuid.UUID | None = Field(default=None, foreign_key="releases.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()


class Delivery(SQLModel, table=True):
    """A release at one destination: its state, the destination's last word and the batches sent."""

    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint(one_of("state", DeliveryState), name="ck_deliveries_state"),
        UniqueConstraint("release_id", "destination", name="uq_deliveries_release_destination"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    release_id: uuid.UUID = Field(foreign_key="releases.id", index=True, ondelete="CASCADE")
    destination: str = Field(max_length=40)
    state: str = Field(default=DeliveryState.DRAFT, max_length=20)
    state_message: str = Field(default="", max_length=1000)  # e.g. the destination's reason for a rejection
    job_id: uuid.UUID | None = Field(default=None)
    messages_sent: int = Field(default=0)
    last_batch: str = Field(default="", max_length=100)
    batches: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class Platform(StrEnum):
    """Where a fan can listen to a release: one button each on the smart link page, in this order."""

    SPOTIFY = "spotify"
    APPLE_MUSIC = "apple_music"
    YOUTUBE_MUSIC = "youtube_music"
    DEEZER = "deezer"
    TIDAL = "tidal"
    AMAZON_MUSIC = "amazon_music"
    BANDCAMP = "bandcamp"
    SOUNDCLOUD = "soundcloud"


class SmartLink(SQLModel, table=True):
    """The public page of one release (`/r/<slug>`): `links` maps a Platform value to an https URL."""

    __tablename__ = "smart_links"
    __table_args__ = (
        UniqueConstraint("slug", name="uq_smart_links_slug"),
        UniqueConstraint("release_id", name="uq_smart_links_release"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    release_id: uuid.UUID = Field(foreign_key="releases.id", ondelete="CASCADE")
    slug: str = Field(max_length=60)
    links: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class SmartLinkFan(SQLModel, table=True):
    """A fan who asked to be told about the owner's releases: the consent they gave (its words and
    when), confirmed by the emailed link (double opt-in). One row per owner and email."""

    __tablename__ = "smart_link_fans"
    __table_args__ = (UniqueConstraint("owner_id", "email", name="uq_smart_link_fans_email"),)

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    release_id: uuid.UUID | None = Field(default=None, foreign_key="releases.id", ondelete="SET NULL")
    email: str = Field(max_length=320)
    consent_text: str = Field(max_length=1000)
    consented_at: datetime = created_at_field()
    confirmed_at: datetime | None = ts_field()
    token_hash: str | None = Field(default=None, max_length=64, index=True)  # sha256 of the emailed token
    created_at: datetime = created_at_field()


class SmartLinkClick(SQLModel, table=True):
    """Clicks on one platform button of a smart link on one UTC day; bumped by one atomic UPDATE."""

    __tablename__ = "smart_link_clicks"
    __table_args__ = (
        CheckConstraint(one_of("platform", Platform), name="ck_smart_link_clicks_platform"),
        CheckConstraint("clicks >= 0", name="ck_smart_link_clicks_clicks"),
    )

    smart_link_id: uuid.UUID = Field(foreign_key="smart_links.id", primary_key=True, ondelete="CASCADE")
    platform: str = Field(primary_key=True, max_length=20)
    day: date = Field(primary_key=True)
    clicks: int = Field(default=0, sa_type=BigInteger)


class SmartLinkSourceClick(SQLModel, table=True):
    """Clicks on a smart link's buttons by visitors who came from one source (the `utm_source` of a
    social post's link: a network's name, or "other") on one UTC day; bumped by one atomic UPDATE."""

    __tablename__ = "smart_link_source_clicks"
    __table_args__ = (CheckConstraint("clicks >= 0", name="ck_smart_link_source_clicks_clicks"),)

    smart_link_id: uuid.UUID = Field(foreign_key="smart_links.id", primary_key=True, ondelete="CASCADE")
    source: str = Field(primary_key=True, max_length=30)
    day: date = Field(primary_key=True)
    clicks: int = Field(default=0, sa_type=BigInteger)
