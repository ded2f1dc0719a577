"""Royalty pages: splits of each release track (shares typed as %, saved as basis points, invitations
by email), the emailed invitation, statement imports and their reports, earnings and payouts, and one
collaborator's printable statement.

Every change goes through a service via `_call`. On reload the browser first shows its earlier state
snapshot and only then the load's result (`is_hydrated` turns true after the load ran): loads close
any open editor and the pages keep their save buttons disabled until hydrated, so a stale snapshot
never drives a save. Tokens and ids of other people's rows stay in backend-only vars.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import reflex as rx

from maxbooster import routes
from maxbooster.db import session_scope
from maxbooster.models.royalties import InviteStatus, LedgerKind
from maxbooster.services.errors import DomainError, InvalidInput
from maxbooster.services.library.overview import parse_id
from maxbooster.services.money import Money
from maxbooster.services.royalties import ledger, splits, statements, views
from maxbooster.services.royalties.layouts import LAYOUTS
from maxbooster.state.base import AuthState

STATUS = {InviteStatus.PENDING: "Invited", InviteStatus.ACCEPTED: "Accepted", InviteStatus.DECLINED: "Declined"}
KIND = {LedgerKind.INCOME: "Income", LedgerKind.RECOUPMENT: "Recoupment", LedgerKind.ADJUSTMENT: "Adjustment",
        LedgerKind.PAYOUT: "Payout"}
__all__ = ["InviteStatus", "LedgerKind"]  # the pages read these enums through this module


def _query(state: rx.State, name: str) -> str:
    return (parse_qs(urlsplit(str(state.router.url)).query).get(name) or [""])[0]


def _plain(money: Money) -> str:
    """Money(25000, 'USD') → '250.00' (as typed in a form)."""
    return money.format().split(" ", 1)[1].replace(",", "")


@dataclass
class ShareRow:
    email: str
    percent: str
    status: str
    label: str
    is_owner: bool


@dataclass
class TrackRow:
    release_id: str
    release_title: str
    first_of_release: bool
    track_id: str
    title: str
    isrc: str
    shares: list[ShareRow]
    recoupment: str


@dataclass
class EditRow:
    email: str
    percent: str


class SplitsState(AuthState):
    tracks: list[TrackRow] = []
    loaded: bool = False
    editing_id: str = ""  # the track whose split is open
    editing_title: str = ""
    rows: list[EditRow] = []
    recoup_amount: str = ""
    recoup_currency: str = "USD"
    recoup_email: str = ""
    history: list[dict[str, str]] = []
    error: str = ""
    saving: bool = False
    _release_id: str = ""

    @rx.var
    def total_label(self) -> str:
        bps, _ = views.total_percent([r.percent for r in self.rows])
        return "—" if bps < 0 else splits.percent(bps) + " %"

    @rx.var
    def total_problem(self) -> str:
        return views.total_percent([r.percent for r in self.rows])[1]

    async def _refresh(self):  # type: ignore[no-untyped-def]
        try:
            found = await self._call(views.split_overview)
        except DomainError as exc:
            return self._error(exc)
        rows, seen = [], set()
        for t in found:
            rows.append(TrackRow(str(t.release_id), t.release_title, t.release_id not in seen, str(t.track_id), t.title,
                                 t.isrc, [ShareRow(s.email, splits.percent(s.share_bps), s.status,
                                                   "Owner" if s.is_owner else STATUS.get(s.status, s.status),
                                                   s.is_owner) for s in t.shares], t.recoupment))
            seen.add(t.release_id)
        self._set(tracks=rows, loaded=True)
        return None

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self._set(editing_id="", rows=[], error="", saving=False)  # never resume a stale editor
        return await self._refresh()

    @rx.event
    async def open_split(self, track_id: str):  # type: ignore[no-untyped-def]
        track = next((t for t in self.tracks if t.track_id == track_id), None)
        if track is None:
            return None
        rows = [EditRow(s.email, s.percent) for s in track.shares] or [EditRow(self.email, "100"), EditRow("", "")]
        self._release_id = track.release_id
        try:
            view = await self._call(splits.get_split, release_id=parse_id(track.release_id),
                                    track_id=parse_id(track_id))
            history = await self._call(views.split_history, release_id=parse_id(track.release_id),
                                       track_id=parse_id(track_id))
        except DomainError as exc:
            return self._error(exc)
        s = view.split
        amount = _plain(Money(s.recoup_amount_minor, s.recoup_currency)) if s and s.recoup_amount_minor else ""
        self._set(editing_id=track_id, editing_title=track.title, rows=rows, error="", recoup_amount=amount,
                  recoup_currency=(s.recoup_currency if s and s.recoup_currency else "USD"),
                  recoup_email=s.recoup_email if s else "",
                  history=[{"at": h.at.strftime("%Y-%m-%d %H:%M"), "text": h.text} for h in history])
        return None

    @rx.event
    def close_split(self):  # type: ignore[no-untyped-def]
        self._set(editing_id="", rows=[], error="")

    @rx.event
    def set_email(self, index: int, value: str):  # type: ignore[no-untyped-def]
        if 0 <= index < len(self.rows):
            self.rows[index] = EditRow(value[:320], self.rows[index].percent)
            self._set(error="")  # the message was about what was there before

    @rx.event
    def set_percent(self, index: int, value: str):  # type: ignore[no-untyped-def]
        if 0 <= index < len(self.rows):
            self.rows[index] = EditRow(self.rows[index].email, value[:12])
            self._set(error="")

    @rx.event
    def add_row(self):  # type: ignore[no-untyped-def]
        if len(self.rows) < splits.MAX_SHARES:
            self.rows = [*self.rows, EditRow("", "")]

    @rx.event
    def remove_row(self, index: int):  # type: ignore[no-untyped-def]
        self.rows = [r for i, r in enumerate(self.rows) if i != index]

    @rx.event
    def set_recoup(self, field: str, value: str):  # type: ignore[no-untyped-def]
        if field in ("recoup_amount", "recoup_currency", "recoup_email"):
            self._set(**{field: value[:320]})

    @rx.event
    async def save(self):  # type: ignore[no-untyped-def]
        if not self.editing_id or not self.is_hydrated:
            return
        self._set(saving=True, error="")
        yield
        try:
            await self._call(views.save_split_form, release_id=parse_id(self._release_id),
                             track_id=parse_id(self.editing_id), rows=[(r.email, r.percent) for r in self.rows],
                             recoup_amount=self.recoup_amount, recoup_currency=self.recoup_currency,
                             recoup_email=self.recoup_email)
        except InvalidInput as exc:
            self._set(error=exc.message, saving=False)
            return
        except DomainError as exc:
            self._set(saving=False)
            yield self._error(exc)
            return
        self._set(saving=False, editing_id="", rows=[])
        yield rx.toast.success("Split saved. New collaborators get an email to accept their share.")
        yield SplitsState.load_quietly

    @rx.event
    async def load_quietly(self):  # type: ignore[no-untyped-def]
        return await self._refresh()


def _invite_view(token: str) -> splits.InviteView | None:
    with session_scope() as session:
        try:
            return splits.invitation(session=session, token=token)
        except DomainError:
            return None


class InviteState(AuthState):
    loaded: bool = False
    found: bool = False
    track: str = ""
    release: str = ""
    owner: str = ""
    share: str = ""
    invited_email: str = ""
    answer: str = ""  # accepted / declined once answered here
    busy: bool = False
    _token: str = ""

    login_href: str = ""  # log in (or sign up), then come back to this page
    signup_href: str = ""

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self._token = _query(self, "token")[:200]
        here = routes.with_query(routes.ROYALTY_INVITE, token=self._token)
        self._set(login_href=routes.with_query(routes.LOGIN, next=here),
                  signup_href=routes.with_query(routes.SIGNUP, next=here))
        await self._signed_in()
        view = await asyncio.to_thread(_invite_view, self._token) if self._token else None
        self._set(loaded=True, found=view is not None, answer="", busy=False)
        if view is not None:
            self._set(track=view.track_title, release=view.release_title, owner=view.owner_name or "Someone",
                      share=splits.percent(view.share.share_bps), invited_email=view.share.email)

    @rx.event
    async def respond(self, accept: bool):  # type: ignore[no-untyped-def]
        if not self.is_hydrated or not self._token:
            return
        self._set(busy=True)
        yield
        try:
            share = await self._call(splits.answer_invitation, token=self._token, accept=bool(accept))
        except DomainError as exc:
            self._set(busy=False, found=False)
            yield self._error(exc)
            return
        self._set(busy=False, answer=share.status)


@dataclass
class StatementRow:
    id: str
    filename: str
    layout: str
    created: str
    total: int
    credited: int  # imported and matched to a track (unknown ISRCs are kept but credit nobody)
    malformed: int
    unmatched: int


class StatementsState(AuthState):
    rows: list[StatementRow] = []
    loaded: bool = False
    report_id: str = ""
    report: StatementRow = StatementRow("", "", "", "", 0, 0, 0, 0)
    problems: list[dict[str, str]] = []
    unmatched: list[str] = []
    notice: str = ""
    error: str = ""

    @rx.var
    def upload_url(self) -> str:
        return routes.V1_ROYALTY_STATEMENTS

    async def _refresh(self):  # type: ignore[no-untyped-def]
        try:
            found = await self._call(statements.list_statements)
        except DomainError as exc:
            return self._error(exc)
        self._set(rows=[StatementRow(str(s.id), s.filename or "statement.csv",
                                     LAYOUTS[s.layout].name if s.layout in LAYOUTS else s.layout,
                                     s.created_at.strftime("%Y-%m-%d %H:%M"), s.lines_total,
                                     s.lines_imported - s.lines_unmatched, s.lines_malformed, s.lines_unmatched)
                        for s in found], loaded=True)
        return None

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self._set(report_id="", notice="", error="")
        return await self._refresh()

    @rx.event
    async def show(self, statement_id: str):  # type: ignore[no-untyped-def]
        try:
            st = await self._call(statements.get_statement, statement_id=parse_id(statement_id))
            unmatched = await self._call(lambda *, session, actor: statements.unmatched_isrcs(
                session=session, statement_id=st.id))
        except DomainError as exc:
            return self._error(exc)
        row = next((r for r in self.rows if r.id == statement_id), None)
        self._set(report_id=statement_id, report=row or self.report, unmatched=unmatched,
                  problems=[{"line": str(p.get("line", "")), "reason": str(p.get("reason", ""))}
                            for p in st.problems])
        return None

    @rx.event
    async def uploaded(self, payload: str):  # type: ignore[no-untyped-def]
        try:
            reply = json.loads(payload)
        except (TypeError, ValueError):
            reply = {}
        await self._refresh()
        already = bool(reply.get("already_imported"))
        self._set(error="", notice="This file was already imported: nothing changed." if already else
                  "Statement imported.")
        return StatementsState.show(str(reply.get("id", ""))) if reply.get("id") else None

    @rx.event
    def failed(self, payload: str):  # type: ignore[no-untyped-def]
        try:
            reply = json.loads(payload)
        except (TypeError, ValueError):
            reply = {}
        self._set(notice="", error=str(reply.get("message") or "The upload failed; try again."))


@dataclass
class BalanceRow:
    who: str  # whose catalogue (mine) or the collaborator's name (catalogue)
    email: str
    currency: str
    amount: str
    plain: str  # the balance as typed in the payout form
    payable: bool  # someone else's positive balance: a payout can be recorded
    print_href: str
    csv_href: str


class EarningsState(AuthState):
    mine: list[BalanceRow] = []
    catalogue: list[BalanceRow] = []
    loaded: bool = False
    payout_email: str = ""
    payout_currency: str = ""
    payout_amount: str = ""
    payout_error: str = ""
    paying: bool = False

    @rx.var
    def my_print_href(self) -> str:
        return routes.ROYALTY_PRINT

    @rx.var
    def my_csv_href(self) -> str:
        return routes.V1_ROYALTY_EARNINGS_CSV

    async def _refresh(self):  # type: ignore[no-untyped-def]
        try:
            found = await self._call(views.earnings)
        except DomainError as exc:
            return self._error(exc)

        def row(who: str, b: object, party: bool) -> BalanceRow:
            assert isinstance(b, ledger.Balance)
            q = {"party": b.party_email} if party else {}
            return BalanceRow(who or b.party_email, b.party_email, b.currency, b.money.format(), _plain(b.money),
                              party and b.amount_minor > 0 and b.party_email != self.email,
                              routes.with_query(routes.ROYALTY_PRINT, **q),
                              routes.with_query(routes.V1_ROYALTY_EARNINGS_CSV, **q))

        self._set(mine=[row("Your releases" if w == "You" else f"{w}'s releases", b, False) for w, b in found.mine],
                  loaded=True,
                  catalogue=[row(w + (" (you)" if b.party_email == self.email else ""), b, True)
                             for w, b in found.catalogue])
        return None

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self._set(payout_email="", payout_error="", paying=False)
        return await self._refresh()

    @rx.event
    def open_payout(self, email: str, currency: str, amount: str):  # type: ignore[no-untyped-def]
        self._set(payout_email=email, payout_currency=currency, payout_amount=amount, payout_error="")

    @rx.event
    def close_payout(self):  # type: ignore[no-untyped-def]
        self._set(payout_email="", payout_error="")

    @rx.event
    async def pay(self, form: dict[str, str]):  # type: ignore[no-untyped-def]
        if not self.payout_email or not self.is_hydrated:
            return
        self._set(paying=True, payout_error="")
        yield
        try:
            money = await self._call(views.record_payout_form, party_email=self.payout_email,
                                     amount=str(form.get("amount", ""))[:30], currency=self.payout_currency,
                                     memo=str(form.get("note", ""))[:300])
        except InvalidInput as exc:
            self._set(paying=False, payout_error=exc.message)
            return
        except DomainError as exc:
            self._set(paying=False)
            yield self._error(exc)
            return
        email = self.payout_email
        self._set(paying=False, payout_email="")
        yield rx.toast.success(f"Recorded {money.format()} paid to {email}.")
        yield EarningsState.reload

    @rx.event
    async def reload(self):  # type: ignore[no-untyped-def]
        return await self._refresh()


class PrintState(AuthState):
    loaded: bool = False
    found: bool = False
    party_email: str = ""
    party_name: str = ""
    printed_on: str = ""
    lines: list[dict[str, str]] = []
    totals: list[dict[str, str]] = []
    more: int = 0

    @rx.var
    def back_href(self) -> str:
        return routes.EARNINGS

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        party = _query(self, "party")[:320] or None
        try:
            st = await self._call(views.party_statement, party_email=party)
        except DomainError as exc:
            self._set(loaded=True, found=False)
            return None if exc.code == "not_found" else self._error(exc)
        self._set(loaded=True, found=True, party_email=st.party_email, party_name=st.party_name, more=st.more,
                  printed_on=datetime.now(UTC).strftime("%Y-%m-%d"),
                  lines=[{"date": ln.at.strftime("%Y-%m-%d"), "period": ln.period, "kind": KIND.get(ln.kind, ln.kind),
                          "track": ln.track or ln.memo, "isrc": ln.isrc, "amount": ln.amount.format()}
                         for ln in st.lines],
                  totals=[{"currency": t.currency, "earned": t.earned.format(), "paid": t.paid.format(),
                           "balance": t.balance.format()} for t in st.totals])
        return None
