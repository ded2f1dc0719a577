"""What the marketplace's states share: words for kinds, tiers and deliverables, money and dates as shown,
the rows of cards, tiers and cap warnings, form parsing, and `_act` (call one service, reload, toast)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import reflex as rx

from maxbooster import routes
from maxbooster.models.marketplace import Deliverable, LicenseTier, Listing, TierKind
from maxbooster.services import media
from maxbooster.services.errors import DomainError, InvalidInput
from maxbooster.services.marketplace import caps
from maxbooster.services.money import Money

MEDIA_TTL_S = 3600
SORTS = [("relevance", "Best match"), ("newest", "Newest"), ("price_asc", "Price: low to high"),
         ("price_desc", "Price: high to low"), ("popular", "Most sold")]
ANY = "any"
DELIVERABLE_WORDS = {Deliverable.MP3: "MP3", Deliverable.WAV: "WAV", Deliverable.STEMS: "stems (trackout)",
                     Deliverable.ZIP: "ZIP", Deliverable.LICENSE_PDF: "license PDF"}


def WORDS(deliverable: str) -> str:  # noqa: N802
    return DELIVERABLE_WORDS.get(deliverable, deliverable)  # type: ignore[call-overload]
CAP_WORDS = {"max_copies": "copies", "max_streams": "streams", "max_music_videos": "music videos",
             "max_radio_stations": "radio stations"}


def _query(state: rx.State, name: str) -> str:
    values = parse_qs(urlsplit(str(state.router.url)).query).get(name) or [""]
    return values[0][:255]


def _uuid(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def _money(minor: int | None, currency: str) -> str:
    return Money(minor, currency).format() if minor is not None else ""


def _public_url(listing: Listing, key: str | None, name: str, ctype: str) -> str:
    if not key:
        return ""
    return media.media_url(owner_id=listing.owner_id, key=key, filename=name, content_type=ctype,
                           expires_s=MEDIA_TTL_S, public=True)


def _plain(minor: int, currency: str) -> str:
    """A price as the seller types it ("29.99")."""
    return Money(minor, currency).format().split(" ")[-1].replace(",", "")


TIER_WORDS = {TierKind.MP3_LEASE: "MP3 lease", TierKind.WAV_LEASE: "WAV lease", TierKind.TRACKOUT: "Trackout",
              TierKind.UNLIMITED: "Unlimited", TierKind.EXCLUSIVE: "Exclusive"}


def _kind(kind: str) -> str:
    """A tier or listing kind in everyday words ("wav_lease" → "WAV lease")."""
    return TIER_WORDS.get(kind, kind.replace("_", " ").capitalize())  # type: ignore[call-overload]


def _day(moment: object) -> str:
    return f"{moment:%d %b %Y}" if moment else ""


@dataclass
class CardRow:
    id: str
    title: str
    seller: str
    seller_url: str
    url: str
    price_from: str
    kind: str
    meta: str  # "140 BPM · Am · trap"
    cover_url: str
    preview_url: str
    peaks_url: str


@dataclass
class TierRow:
    id: str
    name: str
    price: str
    deliverables: str
    caps: str

def _tier_caps(t: LicenseTier) -> str:
    parts = [f"up to {getattr(t, f):,} {word}" for f, word in CAP_WORDS.items() if getattr(t, f) is not None]
    return ", ".join(parts) if parts else "Unlimited use"


def _tier_row(t: LicenseTier) -> TierRow:
    return TierRow(id=str(t.id), name=t.name or _kind(t.kind), price=_money(t.price_minor, t.currency),
                   deliverables=", ".join(WORDS(d) for d in t.deliverables) or "—", caps=_tier_caps(t))


def _card(listing: Listing, seller_name: str) -> CardRow:
    meta = " · ".join(x for x in (f"{listing.bpm} BPM" if listing.bpm else "", listing.musical_key or "",
                                  listing.genre) if x)
    return CardRow(id=str(listing.id), title=listing.title, seller=seller_name or "Seller",
                   seller_url=f"{routes.MARKET_STORE}?seller={listing.owner_id}",
                   url=f"{routes.MARKET_LISTING}?id={listing.id}",
                   price_from=_money(listing.min_price_minor, listing.currency), kind=_kind(listing.kind), meta=meta,
                   cover_url=_public_url(listing, listing.cover_key, "cover", "image/png"),
                   preview_url=_public_url(listing, listing.preview_key, "preview.mp3", "audio/mpeg"),
                   peaks_url=_public_url(listing, listing.preview_peaks_key, "preview.dat",
                                         "application/octet-stream"))


def _int_or_none(raw: str, what: str) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise InvalidInput(f"{what} must be a whole number, not {raw!r}.")
    return int(raw)


def _minor_or_none(raw: str, what: str) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return Money.parse(raw, "USD").amount_minor
    except InvalidInput:
        raise InvalidInput(f"{what} must be an amount like 25 or 19.99, not {raw!r}.") from None


async def _act(state: Any, fn: Any = None, done: str = "", **kwargs: Any) -> Any:
    """The body of most handlers: call one service (if any), reload the page's data, and answer with a
    toast (`done`), or the service's refusal when it says no."""
    try:
        if fn is not None:
            await state._call(fn, **kwargs)
        await state._reload()
    except DomainError as exc:
        return state._error(exc)
    return rx.toast.success(done) if done else None


@dataclass
class CapRow:
    title: str
    message: str
    upgrade_url: str
    upgrade: str


def _cap_row(w: caps.CapWarning) -> CapRow:
    """A cap warning with the cheapest bigger tier on offer ("Unlimited for USD 199.00")."""
    up = w.upgrades[0] if w.upgrades else None
    return CapRow(title=w.line.listing_title, message=w.message,
                  upgrade_url=f"{routes.MARKET_LISTING}?id={w.line.listing_id}",
                  upgrade=f"{up.name or _kind(up.kind)} for {_money(up.price_minor, up.currency)}" if up else "")
