"""The seller's dashboard: onboarding, balance, payouts, sales with full and partial refunds, listings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import reflex as rx

from maxbooster import routes
from maxbooster.models.marketplace import ListingKind
from maxbooster.services.billing import sandbox
from maxbooster.services.errors import DomainError, InvalidInput, LoginRequired
from maxbooster.services.marketplace import listings, orders, refunds, sellers
from maxbooster.services.money import Money
from maxbooster.state.base import AuthState
from maxbooster.state.marketplace.common import _act, _day, _kind, _money, _plain, _query


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
