"""Browse and search (public) and a seller's storefront."""

from __future__ import annotations

import uuid
from typing import Any

import reflex as rx

from maxbooster.services.errors import DomainError
from maxbooster.services.marketplace import search
from maxbooster.state.base import AuthState
from maxbooster.state.marketplace.common import ANY, CardRow, _card, _int_or_none, _minor_or_none, _query, _uuid


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
