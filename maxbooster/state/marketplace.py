"""Marketplace pages: browse and search, a listing, a storefront, the license check (public); cart, the
sandbox's pay page, orders with licenses, downloads, cap warnings and the song each license is used in
(buyers; the warnings on the home page too); the seller's dashboard with full and partial refunds,
onboarding and the listing editor; the admin moderation queue. Every action calls one service."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs, urlsplit

import reflex as rx

from maxbooster import routes
from maxbooster.models.marketplace import Deliverable as Deliverable
from maxbooster.models.marketplace import FileRole, LicenseTier, Listing
from maxbooster.models.marketplace import ListingKind as ListingKind
from maxbooster.models.marketplace import ListingStatus as ListingStatus
from maxbooster.models.marketplace import ModerationActionKind as ModerationActionKind
from maxbooster.models.marketplace import MusicalKey as MusicalKey
from maxbooster.models.marketplace import OrderLineStatus as OrderLineStatus
from maxbooster.models.marketplace import OrderStatus as OrderStatus
from maxbooster.models.marketplace import PreviewStatus as PreviewStatus
from maxbooster.models.marketplace import ReportReason as ReportReason
from maxbooster.models.marketplace import TierKind as TierKind
from maxbooster.models.marketplace import WatermarkKind as WatermarkKind
from maxbooster.services import media
from maxbooster.services.billing import sandbox
from maxbooster.services.errors import DomainError, InvalidInput, LoginRequired
from maxbooster.services.library import tracks as library_tracks
from maxbooster.services.marketplace import (
    caps,
    cart,
    checkout,
    downloads,
    editor,
    files,
    licenses,
    listings,
    moderation,
    orders,
    previews,
    refunds,
    reviews,
    search,
    sellers,
)
from maxbooster.services.money import BPS_WHOLE, Money
from maxbooster.state.base import AuthState

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


@dataclass
class ReviewRow:
    stars: str
    body: str
    date: str


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


class BrowseState(AuthState):
    """Browse and search (public) and a seller's storefront."""

    text: str = ""
    kind: str = ANY
    genre: str = ""
    bpm_min: str = ""
    bpm_max: str = ""
    musical_key: str = ANY
    price_min: str = ""
    price_max: str = ""
    license_kind: str = ANY
    sort: str = "relevance"
    cards: list[CardRow] = []
    total: int = 0
    store_name: str = ""
    loaded: bool = False

    def _search_query(self, seller_id: uuid.UUID | None = None) -> search.SearchQuery:
        return search.SearchQuery(
            text=self.text.strip(), kind=None if self.kind == ANY else self.kind, genre=self.genre.strip() or None,
            bpm_min=_int_or_none(self.bpm_min, "Lowest BPM"), bpm_max=_int_or_none(self.bpm_max, "Highest BPM"),
            musical_key=None if self.musical_key == ANY else self.musical_key,
            price_min_minor=_minor_or_none(self.price_min, "Lowest price"),
            price_max_minor=_minor_or_none(self.price_max, "Highest price"),
            license_kind=None if self.license_kind == ANY else self.license_kind, seller_id=seller_id,
            sort="newest" if seller_id else self.sort)

    async def _run(self, seller_id: uuid.UUID | None = None):  # type: ignore[no-untyped-def]
        try:
            q = self._search_query(seller_id)
            page = await self._call(search.search, actor=self._request_actor(), query=q)
        except DomainError as exc:
            return self._error(exc)
        self._set(cards=[_card(c.listing, c.seller_name) for c in page.items], total=page.total, loaded=True)
        if seller_id is not None:
            self._set(store_name=page.items[0].seller_name if page.items else "")
        return None

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        await self._signed_in()
        return await self._run()

    @rx.event
    async def submit(self, form: dict[str, Any]):  # type: ignore[no-untyped-def]
        self._set(text=str(form.get("text", "")), genre=str(form.get("genre", "")),
                  bpm_min=str(form.get("bpm_min", "")), bpm_max=str(form.get("bpm_max", "")),
                  price_min=str(form.get("price_min", "")), price_max=str(form.get("price_max", "")))
        return await self._run()

    @rx.event
    async def choose(self, field: str, value: str):  # type: ignore[no-untyped-def]
        if field in ("kind", "musical_key", "license_kind", "sort"):
            setattr(self, field, value)
        return await self._run()

    @rx.event
    async def load_store(self):  # type: ignore[no-untyped-def]
        await self._signed_in()
        seller_id = _uuid(_query(self, "seller"))
        if seller_id is None:
            self._set(cards=[], total=0, store_name="", loaded=True)
            return None
        self._set(text="", kind=ANY, genre="", bpm_min="", bpm_max="", musical_key=ANY, price_min="", price_max="",
                  license_kind=ANY)
        return await self._run(seller_id)


class ListingState(AuthState):
    """One published listing: tiers, preview, findings, reviews; add to cart, review, report."""

    listing_id: str = ""
    found: bool = False
    loaded: bool = False
    card: CardRow = CardRow("", "", "", "", "", "", "", "", "", "", "")
    description: str = ""
    tags: list[str] = []
    duration_s: float = 0.0
    tiers: list[TierRow] = []
    findings: list[str] = []
    has_executable: bool = False
    reviews: list[ReviewRow] = []
    rating: str = ""
    review_count: int = 0
    report_open: bool = False

    async def _reload(self) -> None:
        lid = _uuid(self.listing_id)
        if lid is None:
            self._set(found=False, loaded=True)
            return
        anon = self._request_actor()
        try:
            d = await self._call(search.public_listing, actor=anon, listing_id=lid)
        except DomainError:
            self._set(found=False, loaded=True)
            return
        rows = await self._call(reviews.list_reviews, actor=anon, listing_id=lid)
        avg = await self._call(reviews.rating, actor=anon, listing_id=lid)
        found = [f"{f.get('name') or f.get('path') or 'file'}: {f.get('message') or f.get('code') or ''}".strip()
                 for f in d.findings]
        listing = d.card.listing
        self._set(found=True, loaded=True, card=_card(listing, d.card.seller_name), description=listing.description,
                  tags=list(listing.tags), duration_s=float(listing.preview_duration_s or 0.0),
                  tiers=[_tier_row(t) for t in d.tiers], findings=found,
                  has_executable=any(f.get("code") == "executable" for f in d.findings),  # zipcheck's codes
                  reviews=[ReviewRow(stars="★" * r.rating + "☆" * (5 - r.rating), body=r.body,
                                     date=_day(r.updated_at)) for r in rows],
                  rating=f"{avg.average:.1f}" if avg.average is not None else "", review_count=avg.count)

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        await self._signed_in()
        self._set(listing_id=_query(self, "id"), report_open=False)
        await self._reload()

    @rx.event
    async def add_to_cart(self, tier_id: str):  # type: ignore[no-untyped-def]
        if not self.signed_in:
            return rx.redirect(routes.LOGIN)
        try:
            await self._call(cart.add_to_cart, listing_id=uuid.UUID(self.listing_id), tier_id=uuid.UUID(tier_id))
        except DomainError as exc:
            return self._error(exc)
        return [rx.toast.success("Added to your cart."), rx.redirect(routes.MARKET_CART)]

    @rx.event
    async def write_review(self, form: dict[str, Any]):  # type: ignore[no-untyped-def]
        try:
            stars = int(str(form.get("rating") or "0"))
            await self._call(reviews.write_review, listing_id=uuid.UUID(self.listing_id), rating=stars,
                             body=str(form.get("body", "")))
        except ValueError:
            return rx.toast.error("Choose 1 to 5 stars.")
        except DomainError as exc:
            return self._error(exc)
        await self._reload()
        return rx.toast.success("Thanks — your review is saved.")

    @rx.event
    def toggle_report(self) -> None:
        self.report_open = not self.report_open

    @rx.event
    async def send_report(self, form: dict[str, Any]):  # type: ignore[no-untyped-def]
        if not self.signed_in:
            return rx.redirect(routes.LOGIN)
        try:
            await self._call(moderation.report, reason=str(form.get("reason") or ""),
                             details=str(form.get("details", "")), listing_id=uuid.UUID(self.listing_id))
        except DomainError as exc:
            return self._error(exc)
        self.report_open = False
        return rx.toast.success("Thanks — a moderator will look at it.")


@dataclass
class CartRow:
    listing_id: str
    title: str
    tier: str
    price: str
    seller: str
    available: bool


@dataclass
class OrderRow:
    id: str
    date: str
    total: str
    status: str
    url: str


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


class CapState(AuthState):
    """Cap warnings on the home page: licenses whose song passed its stream cap, with the upgrade."""

    cap_warnings: list[CapRow] = []

    @rx.event
    async def load_caps(self):  # type: ignore[no-untyped-def]
        try:
            warn = await self._call(caps.cap_warnings)
        except DomainError:
            return None  # the home page works without them
        self._set(cap_warnings=[_cap_row(w) for w in warn])
        return None


class CartState(AuthState):
    """The buyer's cart (lines per seller), checkout, past orders and cap warnings."""

    lines: list[CartRow] = []
    total: str = ""
    orders: list[OrderRow] = []
    warnings: list[CapRow] = []
    test_mode: bool = False
    busy: bool = False

    async def _reload(self) -> None:
        view = await self._call(cart.get_cart)
        past = await self._call(orders.list_orders)
        warn = await self._call(caps.cap_warnings)
        self._set(lines=[CartRow(listing_id=str(c.line.listing_id), title=c.listing_title,
                                 tier=_kind(c.tier_kind), price=_money(c.line.price_minor, c.line.currency),
                                 seller=c.seller_name, available=c.available)
                         for c in sorted(view.items, key=lambda c: str(c.seller_id))],
                  total=view.total.format() if view.total else "",
                  orders=[OrderRow(id=str(o.id), date=_day(o.created_at), total=_money(o.total_minor, o.currency),
                                   status=o.status, url=f"{routes.MARKET_ORDER}?id={o.id}") for o in past],
                  warnings=[_cap_row(w) for w in warn])

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        try:
            await self._reload()
            dash = await self._call(sellers.dashboard)
            self._set(test_mode=dash.test_mode)
        except DomainError as exc:
            return self._error(exc)
        return None

    @rx.event
    async def remove(self, listing_id: str):  # type: ignore[no-untyped-def]
        return await _act(self, cart.remove_from_cart, listing_id=uuid.UUID(listing_id))

    @rx.event
    async def pay(self):  # type: ignore[no-untyped-def]
        self.busy = True
        yield
        try:
            result = await self._call(checkout.checkout)
        except DomainError as exc:
            self.busy = False
            yield self._error(exc)
            return
        self.busy = False
        if result.test_mode:
            yield rx.redirect(f"{routes.MARKET_PAY}?order={result.order.id}")
        else:
            yield rx.redirect(result.payment.url)


@dataclass
class DownloadRow:
    grant_id: str
    deliverable: str
    state: str
    url: str


@dataclass
class LineRow:
    id: str
    title: str
    tier: str
    price: str
    status: str
    refunded: str
    license_hash: str
    license_state: str
    license_pdf: str
    verify_url: str
    downloads: list[DownloadRow]
    cap_message: str = ""  # the song built on it passed the license's cap …
    cap_upgrade: str = ""  # … and the bigger tier on offer
    cap_upgrade_url: str = ""
    song_id: str = ""  # the release track this license is used in ("" = none yet)


class OrderState(AuthState):
    """The sandbox pay page and an order: its lines, licenses (hash, PDF, verify) and download links."""

    order_id: str = ""
    found: bool = False
    status: str = ""
    total: str = ""
    date: str = ""
    lines: list[LineRow] = []
    busy: bool = False
    songs: list[list[str]] = []  # [release track id, "Song — Release"] of your releases
    paid: bool = False  # a paid order has a receipt to email again

    async def _reload(self) -> None:
        oid = _uuid(self.order_id)
        if oid is None:
            self._set(found=False)
            return
        view = await self._call(orders.get_order, order_id=oid)
        capped = await self._call(caps.order_caps, order_id=oid)
        rows = []
        for lv in view.lines:
            links: dict[str, str] = {}
            if lv.line.status == OrderLineStatus.PAID and any(g.revoked_at is None for g in lv.grants):
                try:
                    links = {str(k.grant_id): k.url for k in await self._call(downloads.issue_links,
                                                                             order_line_id=lv.line.id)}
                except DomainError:
                    links = {}
            lic = lv.license
            pdf = ""
            if lic is not None:
                pdf = routes.V1_MARKETPLACE_ORDER_LINE_LICENSE_PDF.format(line_id=lv.line.id)
            rows.append(LineRow(
                id=str(lv.line.id), title=lv.line.listing_title, tier=_kind(lv.line.tier_kind),
                price=_money(lv.line.price_minor, lv.line.currency), status=lv.line.status,
                refunded=_money(lv.line.refunded_minor, lv.line.currency) if lv.line.refunded_minor else "",
                license_hash=lic.sha256 if lic else "",
                license_state=("" if lic is None else (f"Void: {lic.void_reason}" if lic.voided_at else "Valid")),
                license_pdf=pdf, verify_url=f"{routes.MARKET_VERIFY}?hash={lic.sha256}" if lic else "",
                downloads=[DownloadRow(grant_id=str(g.id), deliverable=WORDS(g.deliverable),
                                       state=("Revoked" if g.revoked_at else ""), url=links.get(str(g.id), ""))
                           for g in lv.grants if g.deliverable != Deliverable.LICENSE_PDF],
                song_id=str(capped.linked.get(lv.line.id) or "")))
            if (w := capped.warnings.get(lv.line.id)) is not None:
                cap = _cap_row(w)
                rows[-1].cap_message, rows[-1].cap_upgrade, rows[-1].cap_upgrade_url = \
                    cap.message, cap.upgrade, cap.upgrade_url
        o = view.order
        self._set(found=True, status=o.status, total=_money(o.total_minor, o.currency), date=_day(o.created_at),
                  lines=rows, songs=[[str(c.release_track_id), c.label] for c in capped.songs],
                  paid=o.paid_at is not None)

    @rx.event
    async def link_song(self, line_id: str, track_id: str):  # type: ignore[no-untyped-def]
        """Say which of your released songs uses this license ("" unlinks it), so its streams are counted."""
        if _uuid(line_id) is None or (track_id and _uuid(track_id) is None):
            return rx.toast.error("Choose one of your songs from the list.")
        return await _act(self, caps.link_release_track, "Linked: this song's streams are now checked against "
                          "the license." if track_id else "Unlinked.", order_line_id=uuid.UUID(line_id),
                          release_track_id=_uuid(track_id) if track_id else None)

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self._set(order_id=_query(self, "id") or _query(self, "order"))
        try:
            await self._reload()
        except DomainError:
            self._set(found=False)
        return None

    @rx.event
    async def pay_sandbox(self):  # type: ignore[no-untyped-def]
        self.busy = True
        yield
        try:
            await self._call(checkout.pay_in_sandbox, order_id=uuid.UUID(self.order_id))
        except (DomainError, ValueError) as exc:
            self.busy = False
            yield self._error(exc) if isinstance(exc, DomainError) else rx.toast.error("Open the order again.")
            return
        self.busy = False
        yield rx.redirect(f"{routes.MARKET_ORDER}?id={self.order_id}")

    @rx.event
    async def refresh(self):  # type: ignore[no-untyped-def]
        return await _act(self)

    @rx.event
    async def resend_receipt(self):  # type: ignore[no-untyped-def]
        try:
            sent_to = await self._call(orders.resend_receipt, order_id=uuid.UUID(self.order_id))
        except (DomainError, ValueError) as exc:
            return self._error(exc) if isinstance(exc, DomainError) else rx.toast.error("Open the order again.")
        return rx.toast.success(f"Receipt sent to {sent_to}.")


class VerifyState(AuthState):
    """The public license check: hash → valid / void with reason / unknown."""

    sha256: str = ""
    status: str = ""
    label: str = ""  # "Valid license" / "Void" / "Unknown license"
    color: str = "gray"
    reason: str = ""
    details: list[list[str]] = []

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self._set(sha256=_query(self, "hash").strip().lower())
        return await self._check()

    @rx.event
    async def check(self, form: dict[str, Any]):  # type: ignore[no-untyped-def]
        self._set(sha256=str(form.get("hash", "")).strip().lower())
        return await self._check()

    async def _check(self):  # type: ignore[no-untyped-def]
        if not self.sha256:
            self._set(status="", label="", reason="", details=[])
            return None
        try:
            v = await self._call(licenses.verify, actor=self._request_actor(), sha256=self.sha256)
        except DomainError as exc:
            self._set(status="", reason="", details=[])
            return self._error(exc)
        rows = [["Track", v.track], ["License", _kind(v.tier_kind)], ["Producer", v.producer], ["Buyer", v.buyer],
                ["Issued", _day(v.issued_at)]]
        label, color = {"valid": ("Valid license", "green"), "void": ("Void", "red"),
                        "disputed": ("On hold: payment disputed", "orange")}.get(
            v.status, ("Unknown license", "gray"))
        self._set(status=v.status, label=label, color=color, reason=v.reason, details=[r for r in rows if r[1]])
        return None


@dataclass
class SaleRow:
    line_id: str
    date: str
    title: str
    tier: str
    price: str
    earned: str
    status: str
    refunded: str = ""  # "USD 10.00" once part of it was refunded
    remaining: str = ""  # what can still be refunded, as typed ("39.99") …
    left: str = ""  # … and as shown ("USD 39.99")


def _refund_minor(raw: str, currency: str, remaining_minor: int) -> int:
    """A refund typed as a decimal ("12.50") in minor units; refuses fractions of a cent, zero, negative
    amounts and more than is left on the sale."""
    text = (raw or "").strip()
    if not text:
        raise InvalidInput("Type the amount to refund, like 10 or 12.50.")
    try:
        minor = Money.parse(text, currency).amount_minor
    except InvalidInput:
        raise InvalidInput(f"Type the amount like 10 or 12.50 (whole cents, no fractions of a cent), not "
                           f"{text!r}.") from None
    if minor <= 0:
        raise InvalidInput(f"Refund more than 0, not {text}.")
    if minor > remaining_minor:
        raise InvalidInput(f"You can refund at most {Money(remaining_minor, currency).format()} on this sale, "
                           f"not {text}.")
    return minor


@dataclass
class MyListingRow:
    id: str
    title: str
    kind: str
    status: str
    price_from: str
    url: str


class SellState(AuthState):
    """The seller's dashboard: onboarding state, balance, payouts, sales (refund a line), listings."""

    next_step: str = ""
    onboarded: bool = False
    can_publish: bool = False
    test_mode: bool = False
    available: str = ""
    pending: str = ""
    payouts: list[list[str]] = []
    sales: list[SaleRow] = []
    mine: list[MyListingRow] = []
    account_id: str = ""
    busy: bool = False
    refund_open: str = ""  # the sale whose partial refund form is open
    refund_error: str = ""
    _left: dict[str, tuple[int, str]] = {}  # sale → (minor units left to refund, currency)

    async def _reload(self) -> None:
        dash = await self._call(sellers.dashboard)
        sold = await self._call(orders.list_sales)
        rows = await self._call(listings.list_listings)
        bal = dash.balance
        fmt = (lambda d: " · ".join(Money(v, c).format() for c, v in sorted(d.items())) or "USD 0.00")  # noqa: E731
        me = uuid.UUID(self._user_id) if self._user_id else None
        self._left = {str(s.line.id): (s.line.price_minor - s.line.refunded_minor, s.line.currency) for s in sold}
        self._set(next_step=dash.next_step, can_publish=dash.can_publish, test_mode=dash.test_mode,
                  onboarded=bool(dash.account and dash.account.details_submitted),
                  account_id=dash.account.provider_account_id if dash.account else "",
                  available=fmt(bal.available) if bal else "", pending=fmt(bal.pending) if bal else "",
                  payouts=[[_day_ts(p.get("arrival_date") or p.get("created")),
                            _money(int(p.get("amount", 0)), str(p.get("currency", "usd")).upper()),
                            str(p.get("status", ""))] for p in dash.payouts],
                  sales=[SaleRow(line_id=str(s.line.id), date=_day(s.line.created_at), title=s.line.listing_title,
                                 tier=_kind(s.line.tier_kind), price=_money(s.line.price_minor, s.line.currency),
                                 earned=_money(sum(t.amount_minor - t.reversed_minor for t in s.transfers
                                                   if t.recipient_id == me), s.line.currency),
                                 status=s.line.status,
                                 refunded=_money(s.line.refunded_minor, s.line.currency) if s.line.refunded_minor
                                 else "", remaining=_plain(s.line.price_minor - s.line.refunded_minor,
                                                           s.line.currency),
                                 left=_money(s.line.price_minor - s.line.refunded_minor, s.line.currency))
                         for s in sold],
                  mine=[MyListingRow(id=str(r.id), title=r.title, kind=_kind(r.kind), status=r.status,
                                     price_from=_money(r.min_price_minor, r.currency),
                                     url=f"{routes.SELL_LISTING}?id={r.id}") for r in rows])

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        return await _act(self)

    @rx.event
    async def set_up_payouts(self):  # type: ignore[no-untyped-def]
        try:
            url = await self._call(sellers.start_onboarding)
            dash = await self._call(sellers.dashboard)
        except DomainError as exc:
            return self._error(exc)
        if dash.test_mode and dash.account is not None:
            return rx.redirect(f"{routes.SELL_ONBOARDING}?account={dash.account.provider_account_id}")
        return rx.redirect(url)

    @rx.event
    async def finish_sandbox_onboarding(self):  # type: ignore[no-untyped-def]
        account = _query(self, "account")
        try:
            await self._call(sandbox.complete_onboarding, account_id=account)
        except DomainError as exc:
            return self._error(exc)
        return [rx.toast.success("Payouts are set up (test mode)."), rx.redirect(routes.SELL)]

    @rx.event
    async def new_listing(self, form: dict[str, Any]):  # type: ignore[no-untyped-def]
        try:
            row = await self._call(listings.create_listing, kind=str(form.get("kind") or ListingKind.BEAT),
                                   title=str(form.get("title", "")))
        except DomainError as exc:
            return self._error(exc)
        return rx.redirect(f"{routes.SELL_LISTING}?id={row.id}")

    @rx.event
    def toggle_refund(self, line_id: str) -> None:
        self._set(refund_open="" if self.refund_open == line_id else line_id, refund_error="")

    @rx.event
    async def partial_refund(self, form: dict[str, Any]):  # type: ignore[no-untyped-def]
        """Refund part of the open sale: an amount typed as a decimal, at most what is left."""
        line_id = self.refund_open
        left, currency = self._left.get(line_id, (0, "USD"))
        reason = str(form.get("reason", "")).strip() or "Partly refunded by the seller"
        try:
            minor = _refund_minor(str(form.get("amount", "")), currency, left)
            await self._call(refunds.refund_line, order_line_id=uuid.UUID(line_id), amount=_plain(minor, currency),
                             reason=reason)
        except LoginRequired as exc:
            return self._error(exc)
        except DomainError as exc:  # the form stays open with what to change
            self._set(refund_error=exc.message)
            return None
        self._set(refund_open="", refund_error="")
        return await _act(self, done=f"Refunded {Money(minor, currency).format()}. The buyer's downloads for this "
                          "sale are revoked and its license is void.")

    @rx.event
    async def refund(self, line_id: str):  # type: ignore[no-untyped-def]
        return await _act(self, refunds.refund_line, "Refunded. The buyer's downloads are revoked and the license "
                          "is void.", order_line_id=uuid.UUID(line_id), reason="Refunded by the seller")


def _day_ts(value: object) -> str:
    from datetime import UTC, datetime

    try:
        return _day(datetime.fromtimestamp(int(value), UTC))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return ""


@dataclass
class TierEdit:
    kind: str
    name: str
    price: str
    deliverables: str  # "mp3, wav"
    max_copies: str
    max_streams: str
    max_music_videos: str
    max_radio_stations: str


@dataclass
class CollabEdit:
    email: str
    share: str  # percent as typed ("30", "12.5")


def _share_bps(raw: str) -> int:
    """A share typed in percent ("12.5") as basis points; refuses what is not a percentage."""
    text = (raw or "").strip().rstrip("%").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(f"Type each share as a percentage like 25 or 12.5, not {raw!r}.") from None
    if not value.is_finite() or value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidInput(f"Use at most two decimals in a share, not {raw!r}.")
    if value <= 0:
        raise InvalidInput(f"Each share must be more than 0 %, not {text} %. Remove the row to take someone out.")
    return int(value * 100)


def _split(rows: list[CollabEdit], my_email: str) -> list[listings.CollaboratorInput]:
    """The collaborators as typed plus you with the rest; no rows means every sale is yours."""
    people = [c for c in rows if c.email.strip() or c.share.strip()]
    for c in people:
        if "@" not in c.email:
            raise InvalidInput(f"{c.email.strip() or 'An empty email'} is not an email address; type the "
                               "collaborator's email.")
    shares = [_share_bps(c.share) for c in people]
    if sum(shares) >= BPS_WHOLE:
        raise InvalidInput(f"Your collaborators' shares add up to {sum(shares) / 100:g} %, which leaves nothing for "
                           "you. Lower them so they total less than 100 % (you keep the rest).")
    if not people:
        return []
    return [*(listings.CollaboratorInput(email=c.email.strip(), share_percent=f"{bps / 100:.2f}")
              for c, bps in zip(people, shares, strict=True)),
            listings.CollaboratorInput(email=my_email, share_percent=f"{(BPS_WHOLE - sum(shares)) / 100:.2f}")]


class EditorState(AuthState):
    """The listing editor: fields, audio from the library, preview job, tiers, collaborators, publish."""

    listing_id: str = ""
    found: bool = False
    status: str = ""
    kind: str = ListingKind.BEAT
    title: str = ""
    description: str = ""
    tags: str = ""
    genre: str = ""
    bpm: str = ""
    musical_key: str = ""
    watermark: str = ""
    preview_status: str = ""
    preview_error: str = ""
    preview_url: str = ""
    peaks_url: str = ""
    cover_url: str = ""
    duration_s: float = 0.0
    file_names: list[str] = []
    tracks: list[list[str]] = []  # [id, title] of ready library tracks
    tier_rows: list[TierEdit] = []
    collab_rows: list[CollabEdit] = []  # everyone sharing the sales but you
    missing: list[str] = []
    polling: bool = False

    async def _reload(self) -> None:
        lid = _uuid(self.listing_id)
        if lid is None:
            self._set(found=False)
            return
        view = await self._call(editor.editor_view, listing_id=lid)
        row = view.listing
        self._set(found=True, status=row.status, kind=row.kind, title=row.title, description=row.description,
                  tags=", ".join(row.tags), genre=row.genre, bpm=str(row.bpm or ""), musical_key=row.musical_key or "",
                  watermark=row.watermark, cover_url=_public_url(row, row.cover_key, "cover", "image/png"),
                  file_names=[f"{f.role}: {f.original_name}" for f in view.files], missing=view.missing,
                  tier_rows=[TierEdit(kind=t.kind, name=t.name, price=_plain(t.price_minor, t.currency),
                                      deliverables=", ".join(t.deliverables),
                                      **{f: str(getattr(t, f) or "") for f in CAP_WORDS}) for t in view.tiers],
                  collab_rows=[CollabEdit(email=c.email, share=f"{c.share_bps / 100:g}") for c in view.collaborators
                               if str(c.user_id) != self._user_id])
        self._preview_of(row)

    def _preview_of(self, row: Listing) -> bool:
        """Show the listing's preview state; True while its job is still to finish."""
        self._set(preview_status=row.preview_status, preview_error=row.preview_error,
                  preview_url=_public_url(row, row.preview_key, "preview.mp3", "audio/mpeg"),
                  peaks_url=_public_url(row, row.preview_peaks_key, "preview.dat", "application/octet-stream"),
                  duration_s=float(row.preview_duration_s or 0.0))
        return row.preview_status not in (PreviewStatus.READY, PreviewStatus.FAILED)

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self._set(listing_id=_query(self, "id"))
        try:
            await self._reload()
            mine = await self._call(library_tracks.list_tracks, status="ready")
            self._set(tracks=[[str(t.id), t.title] for t in mine.tracks])
        except DomainError:
            self._set(found=False)
        return None

    @rx.event
    async def save(self, form: dict[str, Any]):  # type: ignore[no-untyped-def]
        try:
            bpm = _int_or_none(str(form.get("bpm", "")), "BPM")
            changes: dict[str, Any] = {
                "title": form.get("title", ""), "description": form.get("description", ""),
                "tags": [t for t in str(form.get("tags", "")).split(",")], "genre": form.get("genre", "")}
            if self.kind == ListingKind.BEAT:
                changes |= {"bpm": bpm, "musical_key": str(form.get("musical_key") or "") or None}
        except DomainError as exc:
            return self._error(exc)
        return await _act(self, listings.update_listing, "Saved.", listing_id=uuid.UUID(self.listing_id),
                          changes=changes)

    @rx.event
    async def use_track(self, track_id: str):  # type: ignore[no-untyped-def]
        if _uuid(track_id) is None:
            return None
        beat = self.kind == ListingKind.BEAT  # a pack's track is what its preview is made from
        done = ("The track is the beat's audio now." if beat else "The preview will be made from this track.")
        return await _act(self, files.attach_track, done + " Make a preview next.",
                          listing_id=uuid.UUID(self.listing_id), track_id=uuid.UUID(track_id),
                          role=FileRole.MAIN if beat else FileRole.PREVIEW)

    @rx.event
    async def use_tone(self):  # type: ignore[no-untyped-def]
        return await _act(self, files.set_watermark, listing_id=uuid.UUID(self.listing_id), watermark="tone")

    @rx.var
    def voice_tag_upload_url(self) -> str:
        """Where the voice tag uploader sends the file (REST, with the session cookie)."""
        lid = _uuid(self.listing_id)
        return routes.V1_MARKETPLACE_SELLER_VOICE_TAG.format(listing_id=lid) if lid else ""

    @rx.event
    async def voice_tag_uploaded(self, _reply: str):  # type: ignore[no-untyped-def]
        return await _act(self, done="Your voice tag is saved. Make the preview again to hear it.")

    @rx.event
    async def make_preview(self):  # type: ignore[no-untyped-def]
        try:
            await self._call(previews.request_preview, listing_id=uuid.UUID(self.listing_id))
            await self._reload()
        except DomainError as exc:
            return self._error(exc)
        return EditorState.poll_preview

    @rx.event(background=True)
    async def poll_preview(self):  # type: ignore[no-untyped-def]
        lid = uuid.UUID(self.listing_id)
        await self._poll_loop(flag="polling", interval_s=1.0, fetch=listings.get_listing,
                              params=lambda: {"listing_id": lid}, apply=self._preview_of)
        async with self:
            with contextlib.suppress(DomainError):
                await self._reload()

    @rx.event
    def add_tier(self) -> None:
        used = {t.kind for t in self.tier_rows}
        kind = next((k.value for k in TierKind if k.value not in used), TierKind.MP3_LEASE.value)
        self.tier_rows = [*self.tier_rows, TierEdit(kind, "", "", "mp3", "", "", "", "")]

    @rx.event
    def remove_tier(self, index: int) -> None:
        self.tier_rows = [t for i, t in enumerate(self.tier_rows) if i != index]

    @rx.event
    def edit_tier(self, index: int, field: str, value: str) -> None:
        rows = list(self.tier_rows)
        if 0 <= index < len(rows) and field in TierEdit.__dataclass_fields__:
            setattr(rows[index], field, value)
            self.tier_rows = rows

    @rx.event
    async def save_tiers(self):  # type: ignore[no-untyped-def]
        try:
            specs = [listings.TierInput(
                kind=t.kind, price=t.price.strip(), name=t.name.strip(),
                deliverables=[d.strip().lower() for d in t.deliverables.split(",") if d.strip()],
                caps={f: _int_or_none(getattr(t, f), CAP_WORDS[f].capitalize()) for f in CAP_WORDS})
                for t in self.tier_rows]
        except DomainError as exc:
            return self._error(exc)
        return await _act(self, listings.set_tiers, "License tiers saved.", listing_id=uuid.UUID(self.listing_id),
                          tiers=specs)

    @rx.event
    def add_collaborator(self) -> None:
        self.collab_rows = [*self.collab_rows, CollabEdit("", "")]

    @rx.event
    def remove_collaborator(self, index: int) -> None:
        self.collab_rows = [c for i, c in enumerate(self.collab_rows) if i != index]

    @rx.event
    def edit_collaborator(self, index: int, field: str, value: str) -> None:
        rows = list(self.collab_rows)
        if 0 <= index < len(rows) and field in CollabEdit.__dataclass_fields__:
            setattr(rows[index], field, value[:320])
            self.collab_rows = rows

    @rx.var
    def you_keep(self) -> str:
        """Your share as the rows stand ("70 %"), or "" while a share is not a number yet."""
        try:
            return f"{(BPS_WHOLE - sum(_share_bps(c.share) for c in self.collab_rows)) / 100:g} %"
        except InvalidInput:
            return ""

    @rx.event
    async def save_collaborators(self):  # type: ignore[no-untyped-def]
        try:
            people = _split(self.collab_rows, self.email)
        except InvalidInput as exc:
            return self._error(exc)
        return await _act(self, listings.set_collaborators, "Collaborators saved." if people else
                          "No collaborators: every sale is yours.", listing_id=uuid.UUID(self.listing_id),
                          collaborators=people)

    @rx.event
    async def publish(self):  # type: ignore[no-untyped-def]
        answer = await _act(self, listings.publish, "Published: buyers can find it now.",
                            listing_id=uuid.UUID(self.listing_id))
        await _act(self)  # the checklist shows what is missing after a refusal too
        return answer

    @rx.event
    async def unpublish(self):  # type: ignore[no-untyped-def]
        return await _act(self, listings.unpublish, listing_id=uuid.UUID(self.listing_id))

    @rx.event
    async def upload_cover(self, uploads: list[rx.UploadFile]):  # type: ignore[no-untyped-def]
        if not uploads:
            return None
        return await _act(self, files.set_cover, "Cover saved.", listing_id=uuid.UUID(self.listing_id),
                          chunks=[await uploads[0].read()])

    @rx.event
    async def upload_zip(self, uploads: list[rx.UploadFile]):  # type: ignore[no-untyped-def]
        if not uploads:
            return None
        try:
            for up in uploads:
                await self._call(files.attach_zip, listing_id=uuid.UUID(self.listing_id),
                                 filename=up.filename or "files.zip", chunks=[await up.read()],
                                 role=FileRole.STEMS if self.kind == ListingKind.BEAT else FileRole.ZIP)
        except DomainError as exc:
            return self._error(exc)
        return await _act(self, None, "ZIP checked and attached.")


@dataclass
class ReportRow:
    id: str
    date: str
    reason: str
    details: str
    listing_id: str
    seller_id: str
    target: str


@dataclass
class HiddenRow:
    listing_id: str
    title: str
    reason: str
    seller_id: str
    seller_banned: bool


class ModerationState(AuthState):
    """The admin queue of open reports; hide/restore a listing, ban/unban a seller, dismiss; what was hidden."""

    rows: list[ReportRow] = []
    hidden: list[HiddenRow] = []

    async def _reload(self) -> None:
        items = await self._call(moderation.open_reports)
        gone = await self._call(moderation.hidden)
        self._set(hidden=[HiddenRow(listing_id=str(h.listing.id), title=h.listing.title,
                                    reason=h.listing.hidden_reason, seller_id=str(h.listing.owner_id),
                                    seller_banned=h.seller_banned) for h in gone])
        self._set(rows=[ReportRow(id=str(r.id), date=_day(r.created_at), reason=r.reason, details=r.details,
                                  listing_id=str(r.listing_id or ""), seller_id=str(i.seller_id or ""),
                                  target=(f"Listing {str(r.listing_id)[:8]}" if r.listing_id else
                                          f"Seller {str(r.seller_id)[:8]}" if r.seller_id else "Review"))
                        for i in items if (r := i.report)])

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        return await _act(self)

    @rx.event
    async def act(self, report_id: str, action: str):  # type: ignore[no-untyped-def]
        row = next((r for r in self.rows if r.id == report_id), None)
        if row is None:
            return rx.toast.error("That report is gone; reload the page.")
        kw: dict[str, Any] = {"report_id": uuid.UUID(report_id)}
        if action in (ModerationActionKind.HIDE, ModerationActionKind.RESTORE) and row.listing_id:
            kw["listing_id"] = uuid.UUID(row.listing_id)
        if action in (ModerationActionKind.BAN_SELLER, ModerationActionKind.UNBAN_SELLER) and row.seller_id:
            kw["seller_id"] = uuid.UUID(row.seller_id)
        return await _act(self, moderation.act, "Done.", action=action, reason=f"Report {report_id[:8]}", **kw)

    @rx.event
    async def undo(self, listing_id: str, action: str):  # type: ignore[no-untyped-def]
        """Restore a hidden listing, or unban its seller (their listings stay hidden until restored)."""
        row = next((r for r in self.hidden if r.listing_id == listing_id), None)
        if row is None or action not in (ModerationActionKind.RESTORE, ModerationActionKind.UNBAN_SELLER):
            return rx.toast.error("That listing is no longer hidden; reload the page.")
        kw = {"listing_id": uuid.UUID(row.listing_id)} if action == ModerationActionKind.RESTORE else {
            "seller_id": uuid.UUID(row.seller_id)}
        return await _act(self, moderation.act, "Restored." if action == ModerationActionKind.RESTORE
                          else "Seller unbanned.", action=action, reason="From the hidden listings", **kw)
