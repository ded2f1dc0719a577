"""A seller's listings: create and edit drafts, license tiers with prices and caps, collaborators'
splits, publish and unpublish, delete drafts. Every refusal says what to change and changes nothing.

Publishing needs a cover, at least one tier, the files the tiers deliver (a beat's MP3 made from its
audio), a ready watermarked preview and a seller the payment provider can pay.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from maxbooster.models.accounts import User
from maxbooster.models.base import utcnow
from maxbooster.models.marketplace import (
    Collaborator,
    Deliverable,
    FileRole,
    FileSource,
    LicenseTier,
    Listing,
    ListingFile,
    ListingKind,
    ListingStatus,
    MusicalKey,
    OrderLine,
    PreviewStatus,
    TierKind,
)
from maxbooster.services import audit
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.errors import Conflict, DomainError, ErrorCode, InvalidInput
from maxbooster.services.marketplace import mp3
from maxbooster.services.marketplace.sellers import require_payable
from maxbooster.services.money import BPS_WHOLE, Money
from maxbooster.services.storage import get_storage

MAX_PRICE_MINOR = 100_000_000  # 1,000,000.00 in a two-decimal currency
MAX_TAGS = 10
EDITABLE = {"title", "description", "tags", "genre", "bpm", "musical_key"}
BEAT_DELIVERABLES = {TierKind.MP3_LEASE: [Deliverable.MP3], TierKind.WAV_LEASE: [Deliverable.MP3, Deliverable.WAV],
                     TierKind.TRACKOUT: [Deliverable.MP3, Deliverable.WAV, Deliverable.STEMS],
                     TierKind.UNLIMITED: [Deliverable.MP3, Deliverable.WAV, Deliverable.STEMS],
                     TierKind.EXCLUSIVE: [Deliverable.MP3, Deliverable.WAV, Deliverable.STEMS]}
TIER_LABELS = {TierKind.MP3_LEASE: "MP3 lease", TierKind.WAV_LEASE: "WAV lease", TierKind.TRACKOUT: "Trackout (stems)",
               TierKind.UNLIMITED: "Unlimited", TierKind.EXCLUSIVE: "Exclusive"}
CAPS = ("max_copies", "max_streams", "max_music_videos", "max_radio_stations")
FILE_OF = {Deliverable.MP3: FileRole.MAIN, Deliverable.WAV: FileRole.MAIN, Deliverable.STEMS: FileRole.STEMS,
           Deliverable.ZIP: FileRole.ZIP}


class ListingNotReady(DomainError):
    code = ErrorCode.LISTING_NOT_READY
    http_status = 409


@dataclass(frozen=True)
class TierInput:
    """One tier as a seller types it: `price` as text ("29.99") or whole minor units; caps None = unlimited."""

    kind: str
    price: str | int
    currency: str = "USD"
    name: str = ""
    deliverables: list[str] | None = None
    caps: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CollaboratorInput:
    email: str
    share_percent: str | int  # "33.33" (up to two decimals) or a whole number of percent
    display_name: str = ""


def get_listing(*, session: Session, actor: Actor, listing_id: uuid.UUID) -> Listing:
    """A listing of the acting seller (someone else's reads as not found)."""
    return get_owned(session=session, model=Listing, obj_id=listing_id, actor=actor)


def list_listings(*, session: Session, actor: Actor) -> list[Listing]:
    owner_id = actor.require_user()
    return list(session.execute(select(Listing).where(col(Listing.owner_id) == owner_id)
                                .order_by(col(Listing.created_at).desc())).scalars())


def _clean_fields(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    unknown = set(data) - EDITABLE
    if unknown:
        raise InvalidInput(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    if "title" in data:
        title = " ".join(str(data["title"] or "").split())
        if not 1 <= len(title) <= 200:
            raise InvalidInput("Give the listing a title of 1 to 200 characters.")
        out["title"] = title
    if "description" in data:
        text = str(data["description"] or "").strip()
        if len(text) > 5000:
            raise InvalidInput("Keep the description under 5,000 characters.")
        out["description"] = text
    if "tags" in data:
        tags = [" ".join(str(t).split()).lower() for t in (data["tags"] or [])]
        tags = list(dict.fromkeys(t for t in tags if t))
        if len(tags) > MAX_TAGS or any(len(t) > 30 for t in tags):
            raise InvalidInput(f"Use at most {MAX_TAGS} tags of up to 30 characters each.")
        out["tags"] = tags
    if "genre" in data:
        genre = " ".join(str(data["genre"] or "").split()).lower()  # one spelling, so the filter uses the index
        if len(genre) > 60:
            raise InvalidInput("Keep the genre under 60 characters.")
        out["genre"] = genre
    if "bpm" in data:
        bpm = data["bpm"]
        if bpm is not None and (isinstance(bpm, bool) or not isinstance(bpm, int) or not 20 <= bpm <= 400):
            raise InvalidInput(f"BPM must be a whole number from 20 to 400, not {bpm!r}.")
        out["bpm"] = bpm
    if "musical_key" in data:
        key = data["musical_key"] or None
        if key is not None and key not in {k.value for k in MusicalKey}:
            raise InvalidInput(f"{key!r} is not a key; use e.g. C, F#, Am or C#m.")
        out["musical_key"] = key
    if kind != ListingKind.BEAT and (out.get("bpm") is not None or out.get("musical_key") is not None):
        raise InvalidInput("BPM and key are for beats only; leave them empty for packs, presets and plugins.")
    return out


def search_text(*, session: Session, listing: Listing) -> str:
    """What full-text search matches: title, tags, genre, kind, key, BPM, seller name, description."""
    seller = session.get(User, listing.owner_id)
    parts = [listing.title, " ".join(listing.tags), listing.genre, listing.kind.replace("_", " "),
             listing.musical_key or "", f"{listing.bpm} bpm" if listing.bpm else "",
             seller.display_name if seller else "", listing.description]
    return "\n".join(p for p in parts if p)[:10000]


def create_listing(*, session: Session, actor: Actor, kind: str, title: str, **fields: Any) -> Listing:
    """A new draft listing of the acting seller."""
    owner_id = actor.require_user()
    if kind not in {k.value for k in ListingKind}:
        raise InvalidInput(f"Choose what you sell: beat, sample_pack, preset or plugin (not {kind!r}).")
    listing = Listing(owner_id=owner_id, kind=kind, **_clean_fields(kind, {"title": title, **fields}))
    listing.search_text = search_text(session=session, listing=listing)
    session.add(listing)
    session.flush()
    audit.record(session, actor, "marketplace.listing_created", target=f"listing:{listing.id}")
    session.commit()
    session.refresh(listing)
    return listing


def _editable(listing: Listing) -> None:
    if listing.status in (ListingStatus.HIDDEN, ListingStatus.SOLD_EXCLUSIVE):
        words = "hidden by a moderator" if listing.status == ListingStatus.HIDDEN else "sold as an exclusive"
        raise Conflict(f"This listing is {words} and can no longer be changed.")


def update_listing(*, session: Session, actor: Actor, listing_id: uuid.UUID, changes: dict[str, Any]) -> Listing:
    """Change the fields given (title, description, tags, genre, bpm, musical_key); all or nothing."""
    listing = get_listing(session=session, actor=actor, listing_id=listing_id)
    _editable(listing)
    for key, value in _clean_fields(listing.kind, changes).items():
        setattr(listing, key, value)
    listing.search_text = search_text(session=session, listing=listing)
    listing.updated_at = utcnow()
    session.add(listing)
    audit.record(session, actor, "marketplace.listing_updated", target=f"listing:{listing.id}",
                 details={"fields": sorted(changes)})
    session.commit()
    session.refresh(listing)
    return listing


def delete_listing(*, session: Session, actor: Actor, listing_id: uuid.UUID) -> None:
    """Delete a listing nobody bought (its uploaded files go too); a sold one can only be unpublished."""
    listing = get_listing(session=session, actor=actor, listing_id=listing_id)
    sold = session.execute(select(func.count()).select_from(OrderLine)
                           .where(col(OrderLine.listing_id) == listing.id)).scalar_one()
    if sold:
        raise Conflict("This listing has orders, so buyers keep its page and files; unpublish it instead.")
    keys = [k for k in session.execute(select(col(ListingFile.storage_key)).where(
        col(ListingFile.listing_id) == listing.id)).scalars() if k]
    keys += [k for k in (listing.cover_key, listing.voice_tag_key, listing.preview_key, listing.preview_peaks_key) if k]
    session.delete(listing)
    audit.record(session, actor, "marketplace.listing_deleted", target=f"listing:{listing_id}")
    session.commit()
    store = get_storage()
    for key in keys:
        store.delete(key)


def _price(raw: str | int, currency: str) -> Money:
    if isinstance(raw, bool | float):
        raise InvalidInput(f"Type the price as text like 29.99, not {raw!r} (no fractions of a cent).")
    money = Money(raw, currency) if isinstance(raw, int) else Money.parse(str(raw), currency)
    if money.amount_minor <= 0:
        raise InvalidInput(f"A price must be more than zero, not {raw!r}.")
    if money.amount_minor > MAX_PRICE_MINOR:
        raise InvalidInput(f"{raw!r} is more than the highest price we accept.")
    return money


def _cap(name: str, value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{name.removeprefix('max_').replace('_', ' ')}: use a whole number, or leave it "
                           f"empty for unlimited (not {value!r}).")
    if value < 0:
        raise InvalidInput(f"{name.removeprefix('max_').replace('_', ' ')} cannot be {value}; use 0 or more, "
                           "or leave it empty for unlimited.")
    return value


def _tier(listing: Listing, spec: TierInput, position: int) -> LicenseTier:
    if spec.kind not in {k.value for k in TierKind}:
        raise InvalidInput(f"{spec.kind!r} is not a license; use mp3_lease, wav_lease, trackout, unlimited or "
                           "exclusive.")
    currency = (spec.currency or "").upper()
    price = _price(spec.price, currency)
    unknown_caps = set(spec.caps) - set(CAPS)
    if unknown_caps:
        raise InvalidInput(f"Unknown caps: {', '.join(sorted(unknown_caps))} (use {', '.join(CAPS)}).")
    kind = TierKind(spec.kind)
    default = [Deliverable.ZIP] if listing.kind != ListingKind.BEAT else BEAT_DELIVERABLES[kind]
    deliverables = list(dict.fromkeys(spec.deliverables if spec.deliverables is not None else default))
    bad = [d for d in deliverables if d not in {x.value for x in Deliverable}]
    if bad or not deliverables:
        raise InvalidInput(f"Deliverables must be some of mp3, wav, stems, zip (not {bad or 'none'}).")
    if Deliverable.LICENSE_PDF not in deliverables:
        deliverables.append(Deliverable.LICENSE_PDF)
    name = " ".join((spec.name or TIER_LABELS[kind]).split())[:80]
    caps = {c: _cap(c, spec.caps.get(c)) for c in CAPS}
    return LicenseTier(listing_id=listing.id, kind=kind, name=name, price_minor=price.amount_minor,
                       currency=price.currency, deliverables=[str(d) for d in deliverables], position=position,
                       max_copies=caps["max_copies"], max_streams=caps["max_streams"],
                       max_music_videos=caps["max_music_videos"], max_radio_stations=caps["max_radio_stations"])


def set_tiers(*, session: Session, actor: Actor, listing_id: uuid.UUID, tiers: list[TierInput]) -> list[LicenseTier]:
    """Replace the listing's tiers (one per license kind, one currency); all or nothing."""
    listing = get_listing(session=session, actor=actor, listing_id=listing_id)
    _editable(listing)
    rows = [_tier(listing, spec, i) for i, spec in enumerate(tiers)]
    kinds = [r.kind for r in rows]
    if len(set(kinds)) != len(kinds):
        raise InvalidInput("Each license kind can be offered once per listing; remove the duplicate.")
    if len({r.currency for r in rows}) > 1:
        raise InvalidInput("Price every tier of a listing in the same currency.")
    if listing.status == ListingStatus.PUBLISHED and not rows:
        raise Conflict("A published listing needs at least one tier; unpublish it first.")
    session.execute(delete(LicenseTier).where(col(LicenseTier.listing_id) == listing.id))
    session.add_all(rows)
    listing.currency = rows[0].currency if rows else listing.currency
    listing.min_price_minor = min((r.price_minor for r in rows), default=None)
    listing.updated_at = utcnow()
    session.add(listing)
    audit.record(session, actor, "marketplace.tiers_set", target=f"listing:{listing.id}",
                 details={"tiers": [[r.kind, r.price_minor, r.currency] for r in rows]})
    session.commit()
    return list_tiers(session=session, listing_id=listing.id)


def list_tiers(*, session: Session, listing_id: uuid.UUID) -> list[LicenseTier]:
    return list(session.execute(select(LicenseTier).where(col(LicenseTier.listing_id) == listing_id)
                                .order_by(col(LicenseTier.position))).scalars())


def _bps(raw: str | int) -> int:
    if isinstance(raw, bool | float):
        raise InvalidInput(f"Type each share as a percentage like 33.33, not {raw!r}.")
    try:
        bps = Money.parse(str(raw), "USD").amount_minor  # percent with up to two decimals = basis points
    except InvalidInput as exc:
        raise InvalidInput(f"{raw!r} is not a percentage with up to two decimals.") from exc
    if not 0 < bps <= BPS_WHOLE:
        raise InvalidInput(f"Each share must be more than 0 % and at most 100 %, not {raw} %.")
    return bps


def set_collaborators(*, session: Session, actor: Actor, listing_id: uuid.UUID,
                      collaborators: list[CollaboratorInput]) -> list[Collaborator]:
    """Replace who shares this listing's sales (you included) with their percentages; they must add up to
    100 %. An empty list means all sales go to you."""
    listing = get_listing(session=session, actor=actor, listing_id=listing_id)
    _editable(listing)
    rows, emails = [], set()
    for c in collaborators:
        email = (c.email or "").strip().lower()
        if "@" not in email or len(email) > 320:
            raise InvalidInput(f"{c.email!r} is not an email address.")
        if email in emails:
            raise InvalidInput(f"{email} is listed twice; give each person one share.")
        emails.add(email)
        user_id = session.execute(select(col(User.id)).where(func.lower(col(User.email)) == email)).scalar()
        rows.append(Collaborator(listing_id=listing.id, user_id=user_id, email=email,
                                 display_name=(c.display_name or "").strip()[:200], share_bps=_bps(c.share_percent)))
    total = sum(r.share_bps for r in rows)
    if rows and total != BPS_WHOLE:
        raise InvalidInput(f"The shares add up to {total / 100:g} %; they must add up to exactly 100 %.")
    if rows and listing.owner_id not in {r.user_id for r in rows}:
        raise InvalidInput("Include yourself in the split (with your own share), or leave the list empty.")
    session.execute(delete(Collaborator).where(col(Collaborator.listing_id) == listing.id))
    session.add_all(rows)
    audit.record(session, actor, "marketplace.collaborators_set", target=f"listing:{listing.id}",
                 details={"shares": [[r.email, r.share_bps] for r in rows]})
    session.commit()
    return list_collaborators(session=session, actor=actor, listing_id=listing.id)


def list_collaborators(*, session: Session, actor: Actor, listing_id: uuid.UUID) -> list[Collaborator]:
    """Who shares your listing's sales (you included when there is a split), largest share first."""
    listing = get_listing(session=session, actor=actor, listing_id=listing_id)
    return list(session.execute(select(Collaborator).where(col(Collaborator.listing_id) == listing.id)
                                .order_by(col(Collaborator.share_bps).desc(), col(Collaborator.email))).scalars())


def missing_for_publish(*, session: Session, listing: Listing) -> list[str]:
    """What the listing still needs before it can go on sale (empty when ready)."""
    tiers = list_tiers(session=session, listing_id=listing.id)
    attached = session.execute(select(col(ListingFile.role), col(ListingFile.source), col(ListingFile.track_id))
                               .where(col(ListingFile.listing_id) == listing.id)).all()
    # a library track deleted since it was attached leaves its file row without a track: the audio is gone
    gone = {role for role, source, track_id in attached if source == FileSource.LIBRARY and track_id is None}
    roles = {role for role, _, _ in attached} - gone
    missing = []
    if not listing.cover_key:
        missing.append("a cover image")
    if not tiers:
        missing.append("at least one license tier with a price")
    needed = {FILE_OF[Deliverable(d)] for t in tiers for d in t.deliverables if Deliverable(d) in FILE_OF}
    if listing.kind != ListingKind.BEAT:
        needed.add(FileRole.ZIP)
    labels = {FileRole.MAIN: "the beat's audio (from your library)", FileRole.STEMS: "the stems as a ZIP",
              FileRole.ZIP: "the ZIP file you sell"}
    if FileRole.MAIN in gone:
        labels[FileRole.MAIN] = ("the beat's audio again (its library track was deleted: attach a track from "
                                 "your library)")
    missing += [labels[r] for r in (FileRole.MAIN, FileRole.STEMS, FileRole.ZIP) if r in needed and r not in roles]
    if Deliverable.MP3 in {d for t in tiers for d in t.deliverables} and FileRole.MAIN in roles:
        made = mp3.state(session=session, listing_id=listing.id)
        if made.status == "failed":
            missing.append(f"the beat's audio again (its MP3 could not be made: {made.error.rstrip('.')})")
        elif made.status != "ready":
            missing.append("the beat's MP3 that is still being made (wait a moment)")
    if listing.preview_status != PreviewStatus.READY:
        missing.append("a watermarked preview (make one after adding the audio)" if listing.preview_status !=
                       PreviewStatus.PENDING else "the preview that is still being made (wait a moment)")
    return missing


def publish(*, session: Session, actor: Actor, listing_id: uuid.UUID) -> Listing:
    """Put the listing on sale; refused with the list of what is missing, or while you cannot be paid."""
    listing = get_listing(session=session, actor=actor, listing_id=listing_id)
    _editable(listing)
    mp3.ensure(session=session, listing_id=listing.id)  # main audio attached before MP3s were made
    missing = missing_for_publish(session=session, listing=listing)
    if missing:
        raise ListingNotReady("To publish this listing, add " + "; ".join(missing) + ".")
    require_payable(session=session, owner_id=listing.owner_id)
    if listing.status != ListingStatus.PUBLISHED:
        listing.status = ListingStatus.PUBLISHED
        listing.published_at = listing.published_at or utcnow()
        listing.updated_at = utcnow()
        session.add(listing)
        audit.record(session, actor, "marketplace.listing_published", target=f"listing:{listing.id}")
        session.commit()
        session.refresh(listing)
    return listing


def unpublish(*, session: Session, actor: Actor, listing_id: uuid.UUID) -> Listing:
    """Take the listing off sale (buyers keep what they bought)."""
    listing = get_listing(session=session, actor=actor, listing_id=listing_id)
    _editable(listing)
    if listing.status == ListingStatus.PUBLISHED:
        listing.status = ListingStatus.UNPUBLISHED
        listing.updated_at = utcnow()
        session.add(listing)
        audit.record(session, actor, "marketplace.listing_unpublished", target=f"listing:{listing.id}")
        session.commit()
        session.refresh(listing)
    return listing
