"""The sandbox's pay page, an order with its licenses (hash, PDF, verify), downloads, cap
warnings and the song each license is used in; the public license check."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import reflex as rx

from maxbooster import routes
from maxbooster.models.marketplace import Deliverable, OrderLineStatus
from maxbooster.services.errors import DomainError
from maxbooster.services.marketplace import caps, checkout, downloads, licenses, orders
from maxbooster.state.base import AuthState
from maxbooster.state.marketplace.common import WORDS, _act, _cap_row, _day, _kind, _money, _query, _uuid


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
