"""The buyer's cart and checkout, past orders, and the cap warnings (cart and home page)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import reflex as rx

from maxbooster import routes
from maxbooster.services.errors import DomainError
from maxbooster.services.marketplace import caps, cart, checkout, orders, sellers
from maxbooster.state.base import AuthState
from maxbooster.state.marketplace.common import CapRow, _act, _cap_row, _day, _kind, _money


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
