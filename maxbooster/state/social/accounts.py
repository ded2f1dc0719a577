"""Connected accounts: connect (practice network), disconnect, refresh, posting queues, and
follower growth per day in the browser's time zone."""

from __future__ import annotations

from typing import Any

import reflex as rx

from maxbooster import routes
from maxbooster.services.errors import DomainError
from maxbooster.services.library.overview import parse_id
from maxbooster.services.social import accounts, oauth, queues, views
from maxbooster.services.social.views import AccountRow
from maxbooster.state.base import AuthState
from maxbooster.state.social.common import TZ_SCRIPT, _query


class SocialAccountsState(AuthState):
    rows: list[AccountRow] = []
    loaded: bool = False
    notice: str = ""
    error: str = ""
    confirm_id: str = ""  # the account whose disconnect is being confirmed
    queue_id: str = ""  # the account whose queue is being edited
    queue_text: str = ""
    tz: str = "UTC"
    sign_ins: list[dict[str, str]] = []  # networks connected through their own sign-in page (set up here)
    growth: dict[str, list[dict[str, Any]]] = {}  # account id → [{"day", "followers"}] per local day
    growth_note: dict[str, str] = {}  # account id → "+12 in 30 days"

    async def _load_growth(self) -> None:
        series = await self._call(views.follower_series, tz=self.tz)
        notes = {}
        for account_id, points in series.items():
            change, span = points[-1].followers - points[0].followers, (points[-1].day - points[0].day).days
            notes[account_id] = (f"{change:+,} in {span} day{'s' * (span != 1)}" if span else
                                 "One day of readings so far")
        self._set(growth={a: [{"day": f"{p.day:%d %b}", "followers": p.followers} for p in points]
                          for a, points in series.items()}, growth_note=notes)

    async def _reload(self) -> None:
        await self._load_growth()
        self._set(rows=await self._call(views.account_rows), loaded=True,
                  sign_ins=[{"key": str(n.key), "label": n.label, "icon": n.icon, "note": n.note,
                             "href": routes.SOCIAL_CONNECT.format(network=n.key)} for n in views.sign_in_choices()])

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self._set(notice=_query(self, "notice"), error=_query(self, "error"))
        try:
            await self._reload()
        except DomainError as exc:
            return self._error(exc)
        return rx.call_script(TZ_SCRIPT, callback=SocialAccountsState.set_tz)

    @rx.event
    async def set_tz(self, tz: str):  # type: ignore[no-untyped-def]
        self._set(tz=str(tz or "UTC")[:64])
        try:
            await self._load_growth()  # days as the viewer's calendar has them
        except DomainError:
            self._set(tz="UTC")
            await self._load_growth()

    @rx.event
    async def connect_sandbox(self, form: dict[str, Any]):  # type: ignore[no-untyped-def]
        try:
            account = await self._call(accounts.connect_sandbox, handle=str(form.get("handle", ""))[:100])
            await self._reload()
            self._set(notice=f"Connected {account.handle} (practice network).", error="")
        except DomainError as exc:
            return self._error(exc)
        return None

    async def _sign_in_at(self, network: str, instance: str = ""):  # type: ignore[no-untyped-def]
        """Start the network's sign-in and send the browser there (a navigation, not a form post: the page's
        CSP keeps form posts on our own origin, redirects included)."""
        try:
            url = await self._call(accounts.begin_connect, network=network[:40], instance_url=instance[:300],
                                   redirect_uri=oauth.callback_url(network[:40]))
        except DomainError as exc:
            return self._error(exc)
        self._set(error="")
        return rx.redirect(url)

    @rx.event
    async def connect_mastodon(self, form: dict[str, Any]):  # type: ignore[no-untyped-def]
        return await self._sign_in_at("mastodon", str(form.get("instance", "")))

    @rx.event
    async def reconnect(self, network: str, instance: str):  # type: ignore[no-untyped-def]
        """The same sign-in again for an account the network stopped accepting (its server, for Mastodon)."""
        return await self._sign_in_at(str(network), str(instance))

    @rx.event
    def ask_disconnect(self, account_id: str):  # type: ignore[no-untyped-def]
        self._set(confirm_id=account_id)

    @rx.event
    def cancel_disconnect(self):  # type: ignore[no-untyped-def]
        self._set(confirm_id="")

    @rx.event
    async def disconnect(self):  # type: ignore[no-untyped-def]
        try:
            await self._call(accounts.disconnect, account_id=parse_id(self.confirm_id))
            await self._reload()
            self._set(confirm_id="", notice="Disconnected. Its tokens are deleted.", error="")
        except DomainError as exc:
            self._set(confirm_id="")
            return self._error(exc)
        return None

    @rx.event
    async def refresh(self, account_id: str):  # type: ignore[no-untyped-def]
        try:
            await self._call(accounts.refresh_account, account_id=parse_id(account_id))
            await self._reload()
        except DomainError as exc:
            await self._reload()
            return self._error(exc)
        return rx.toast.success("Account details updated.")

    @rx.event
    def edit_queue(self, account_id: str, current: str):  # type: ignore[no-untyped-def]
        self._set(queue_id=account_id, queue_text=current)

    @rx.event
    def close_queue(self):  # type: ignore[no-untyped-def]
        self._set(queue_id="")

    @rx.event
    async def save_queue(self, form: dict[str, Any]):  # type: ignore[no-untyped-def]
        try:
            slots = queues.parse_slots(str(form.get("slots", ""))[:2000])
            await self._call(queues.set_slots, account_id=parse_id(self.queue_id), slots=slots, timezone=self.tz)
            await self._reload()
            self._set(queue_id="")
        except DomainError as exc:
            return rx.toast.error(exc.message)
        return rx.toast.success("Queue saved.")
