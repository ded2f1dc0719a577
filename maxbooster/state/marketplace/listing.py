"""One published listing (public): tiers, preview, ZIP findings, reviews; add to cart, review, report."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import reflex as rx

from maxbooster import routes
from maxbooster.services.errors import DomainError
from maxbooster.services.marketplace import cart, moderation, reviews, search
from maxbooster.state.base import AuthState
from maxbooster.state.marketplace.common import CardRow, TierRow, _card, _day, _query, _tier_row, _uuid


@dataclass
class ReviewRow:
    stars: str
    body: str
    date: str


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
