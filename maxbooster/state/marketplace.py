"""Marketplace pages: browse and search, a listing, a storefront, the license check (public); cart, the
sandbox's pay page, orders with licenses and downloads, cap warnings (buyers); the seller's dashboard,
onboarding and listing editor; the admin moderation queue. Every action calls one service."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import reflex as rx

from maxbooster import routes
from maxbooster.models.accounts import User
from maxbooster.models.marketplace import Deliverable as Deliverable
from maxbooster.models.marketplace import LicenseTier, Listing
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
from maxbooster.services.errors import DomainError, InvalidInput
from maxbooster.services.library import tracks as library_tracks
from maxbooster.services.marketplace import (
    caps,
    cart,
    checkout,
    downloads,
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
from maxbooster.services.money import Money
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
                   price_from=_money(listing.min_price_minor, listing.currency), kind=listing.kind.title(), meta=meta,
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
        avg = await self._call(lambda session, actor: reviews.rating(session=session, listing_id=lid), actor=anon)
        found = [f"{f.get('name') or f.get('path') or 'file'}: {f.get('message') or f.get('kind') or ''}".strip()
                 for f in d.findings]
        listing = d.card.listing
        self._set(found=True, loaded=True, card=_card(listing, d.card.seller_name), description=listing.description,
                  tags=list(listing.tags), duration_s=float(listing.preview_duration_s or 0.0),
                  tiers=[_tier_row(t) for t in d.tiers], findings=found,
                  has_executable=any(str(f.get("kind", "")).startswith("exec") or f.get("executable")
                                     for f in d.findings),
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
        sellers_ids = {c.seller_id for c in view.items}

        def seller_names(session: Any, actor: Any) -> dict[uuid.UUID, str]:
            return {sid: (u.display_name or "Seller") if (u := session.get(User, sid)) else "Seller"
                    for sid in sellers_ids}

        names = await self._call(seller_names)
        self._set(lines=[CartRow(listing_id=str(c.line.listing_id), title=c.listing_title,
                                 tier=_kind(c.tier_kind), price=_money(c.line.price_minor, c.line.currency),
                                 seller=names[c.seller_id], available=c.available)
                         for c in sorted(view.items, key=lambda c: str(c.seller_id))],
                  total=view.total.format() if view.total else "",
                  orders=[OrderRow(id=str(o.id), date=_day(o.created_at), total=_money(o.total_minor, o.currency),
                                   status=o.status, url=f"{routes.MARKET_ORDER}?id={o.id}") for o in past],
                  warnings=[CapRow(title=w.line.listing_title, message=w.message,
                                   upgrade_url=f"{routes.MARKET_LISTING}?id={w.line.listing_id}",
                                   upgrade=(f"{w.upgrades[0].name or w.upgrades[0].kind.title()} for "
                                            f"{_money(w.upgrades[0].price_minor, w.upgrades[0].currency)}")
                                   if w.upgrades else "") for w in warn])

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
        try:
            await self._call(cart.remove_from_cart, listing_id=uuid.UUID(listing_id))
            await self._reload()
        except DomainError as exc:
            return self._error(exc)
        return None

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


class OrderState(AuthState):
    """The sandbox pay page and an order: its lines, licenses (hash, PDF, verify) and download links."""

    order_id: str = ""
    found: bool = False
    status: str = ""
    total: str = ""
    date: str = ""
    lines: list[LineRow] = []
    busy: bool = False

    async def _reload(self) -> None:
        oid = _uuid(self.order_id)
        if oid is None:
            self._set(found=False)
            return
        view = await self._call(orders.get_order, order_id=oid)
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
                           for g in lv.grants if g.deliverable != Deliverable.LICENSE_PDF]))
        o = view.order
        self._set(found=True, status=o.status, total=_money(o.total_minor, o.currency), date=_day(o.created_at),
                  lines=rows)

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
        try:
            await self._reload()
        except DomainError as exc:
            return self._error(exc)
        return None


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

    async def _reload(self) -> None:
        dash = await self._call(sellers.dashboard)
        sold = await self._call(orders.list_sales)
        rows = await self._call(listings.list_listings)
        bal = dash.balance
        fmt = (lambda d: " · ".join(Money(v, c).format() for c, v in sorted(d.items())) or "USD 0.00")  # noqa: E731
        me = uuid.UUID(self._user_id) if self._user_id else None
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
                                 status=s.line.status) for s in sold],
                  mine=[MyListingRow(id=str(r.id), title=r.title, kind=r.kind.title(), status=r.status,
                                     price_from=_money(r.min_price_minor, r.currency),
                                     url=f"{routes.SELL_LISTING}?id={r.id}") for r in rows])

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        try:
            await self._reload()
        except DomainError as exc:
            return self._error(exc)
        return None

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
    async def refund(self, line_id: str):  # type: ignore[no-untyped-def]
        try:
            await self._call(refunds.refund_line, order_line_id=uuid.UUID(line_id), reason="Refunded by the seller")
            await self._reload()
        except DomainError as exc:
            return self._error(exc)
        return rx.toast.success("Refunded. The buyer's downloads are revoked and the license is void.")


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
    collaborators: str = ""  # one "email, percent" a line
    missing: list[str] = []
    polling: bool = False

    async def _reload(self) -> None:
        lid = _uuid(self.listing_id)
        if lid is None:
            self._set(found=False)
            return
        row = await self._call(listings.get_listing, listing_id=lid)
        tiers = await self._call(lambda session, actor: listings.list_tiers(session=session, listing_id=lid))
        fl = await self._call(lambda session, actor: files.list_files(session=session, listing_id=lid))
        missing = await self._call(lambda session, actor: listings.missing_for_publish(session=session, listing=row))
        self._set(found=True, status=row.status, kind=row.kind, title=row.title, description=row.description,
                  tags=", ".join(row.tags), genre=row.genre, bpm=str(row.bpm or ""), musical_key=row.musical_key or "",
                  watermark=row.watermark, preview_status=row.preview_status, preview_error=row.preview_error,
                  preview_url=_public_url(row, row.preview_key, "preview.mp3", "audio/mpeg"),
                  peaks_url=_public_url(row, row.preview_peaks_key, "preview.dat", "application/octet-stream"),
                  cover_url=_public_url(row, row.cover_key, "cover", "image/png"),
                  duration_s=float(row.preview_duration_s or 0.0),
                  file_names=[f"{f.role}: {f.original_name}" for f in fl], missing=missing,
                  tier_rows=[TierEdit(kind=t.kind, name=t.name, price=_plain(t.price_minor, t.currency),
                                      deliverables=", ".join(t.deliverables),
                                      max_copies=str(t.max_copies or ""), max_streams=str(t.max_streams or ""),
                                      max_music_videos=str(t.max_music_videos or ""),
                                      max_radio_stations=str(t.max_radio_stations or "")) for t in tiers])

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
            await self._call(listings.update_listing, listing_id=uuid.UUID(self.listing_id), changes=changes)
            await self._reload()
        except DomainError as exc:
            return self._error(exc)
        return rx.toast.success("Saved.")

    @rx.event
    async def use_track(self, track_id: str):  # type: ignore[no-untyped-def]
        try:
            await self._call(files.attach_track, listing_id=uuid.UUID(self.listing_id), track_id=uuid.UUID(track_id))
            await self._reload()
        except DomainError as exc:
            return self._error(exc)
        return rx.toast.success("The track is the beat's audio now. Make a preview next.")

    @rx.event
    async def use_tone(self):  # type: ignore[no-untyped-def]
        try:
            await self._call(files.set_watermark, listing_id=uuid.UUID(self.listing_id), watermark="tone")
            await self._reload()
        except DomainError as exc:
            return self._error(exc)
        return None

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

        def apply(row: Listing) -> bool:
            self._set(preview_status=row.preview_status, preview_error=row.preview_error,
                      preview_url=_public_url(row, row.preview_key, "preview.mp3", "audio/mpeg"),
                      peaks_url=_public_url(row, row.preview_peaks_key, "preview.dat", "application/octet-stream"),
                      duration_s=float(row.preview_duration_s or 0.0))
            return row.preview_status not in (PreviewStatus.READY, PreviewStatus.FAILED)

        await self._poll_loop(flag="polling", interval_s=1.0, fetch=listings.get_listing,
                              params=lambda: {"listing_id": lid}, apply=apply)
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
            await self._call(listings.set_tiers, listing_id=uuid.UUID(self.listing_id), tiers=specs)
            await self._reload()
        except DomainError as exc:
            return self._error(exc)
        return rx.toast.success("License tiers saved.")

    @rx.event
    async def save_collaborators(self, form: dict[str, Any]):  # type: ignore[no-untyped-def]
        people = []
        for raw in str(form.get("collaborators", "")).splitlines():
            if not raw.strip():
                continue
            email, _, share = raw.partition(",")
            people.append(listings.CollaboratorInput(email=email.strip(), share_percent=share.strip() or "0"))
        try:
            await self._call(listings.set_collaborators, listing_id=uuid.UUID(self.listing_id), collaborators=people)
        except DomainError as exc:
            return self._error(exc)
        self.collaborators = str(form.get("collaborators", ""))
        return rx.toast.success("Collaborators saved.")

    @rx.event
    async def publish(self):  # type: ignore[no-untyped-def]
        try:
            await self._call(listings.publish, listing_id=uuid.UUID(self.listing_id))
        except DomainError as exc:
            await self._reload()
            return self._error(exc)
        await self._reload()
        return rx.toast.success("Published: buyers can find it now.")

    @rx.event
    async def unpublish(self):  # type: ignore[no-untyped-def]
        try:
            await self._call(listings.unpublish, listing_id=uuid.UUID(self.listing_id))
            await self._reload()
        except DomainError as exc:
            return self._error(exc)
        return None

    @rx.event
    async def upload_cover(self, uploads: list[rx.UploadFile]):  # type: ignore[no-untyped-def]
        try:
            for up in uploads:
                data = await up.read()
                await self._call(files.set_cover, listing_id=uuid.UUID(self.listing_id), chunks=[data])
            await self._reload()
        except DomainError as exc:
            return self._error(exc)
        return rx.toast.success("Cover saved.")

    @rx.event
    async def upload_zip(self, uploads: list[rx.UploadFile]):  # type: ignore[no-untyped-def]
        try:
            for up in uploads:
                data = await up.read()
                await self._call(files.attach_zip, listing_id=uuid.UUID(self.listing_id),
                                 filename=up.filename or "files.zip", chunks=[data])
            await self._reload()
        except DomainError as exc:
            return self._error(exc)
        return rx.toast.success("ZIP checked and attached.")


@dataclass
class ReportRow:
    id: str
    date: str
    reason: str
    details: str
    listing_id: str
    seller_id: str
    target: str


class ModerationState(AuthState):
    """The admin queue of open reports; hide/restore a listing, ban/unban a seller, dismiss."""

    rows: list[ReportRow] = []

    async def _reload(self) -> None:
        open_reports = await self._call(moderation.queue)

        def owners(session: Any, actor: Any) -> dict[uuid.UUID, uuid.UUID]:
            return {r.listing_id: row.owner_id for r in open_reports
                    if r.listing_id and (row := session.get(Listing, r.listing_id)) is not None}

        seller_of = await self._call(owners)
        self._set(rows=[ReportRow(id=str(r.id), date=_day(r.created_at), reason=r.reason, details=r.details,
                                  listing_id=str(r.listing_id or ""),
                                  seller_id=str(r.seller_id or seller_of.get(r.listing_id) or ""),
                                  target=(f"Listing {str(r.listing_id)[:8]}" if r.listing_id else
                                          f"Seller {str(r.seller_id)[:8]}" if r.seller_id else "Review"))
                        for r in open_reports])

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        try:
            await self._reload()
        except DomainError as exc:
            return self._error(exc)
        return None

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
        try:
            await self._call(moderation.act, action=action, reason=f"Report {report_id[:8]}", **kw)
            await self._reload()
        except DomainError as exc:
            return self._error(exc)
        return rx.toast.success("Done.")
