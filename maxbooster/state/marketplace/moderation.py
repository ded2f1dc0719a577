"""The admin moderation queue: open reports, what was hidden, and undoing it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import reflex as rx

from maxbooster.models.marketplace import ModerationActionKind
from maxbooster.services.marketplace import moderation
from maxbooster.state.base import AuthState
from maxbooster.state.marketplace.common import _act, _day


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
