"""The composer: accounts, text per network, library media, the release link, the time, with live
checks; sends now, as a draft, to the queue or at its time."""

from __future__ import annotations

from datetime import datetime, timedelta

import reflex as rx

from maxbooster import routes
from maxbooster.services.errors import DomainError
from maxbooster.services.social import compose_media, composer, posts, queues, views
from maxbooster.services.social.composer import CheckRow, ComposeIn
from maxbooster.services.social.views import AccountRow
from maxbooster.state.base import AuthState
from maxbooster.state.social.common import TZ_SCRIPT

NO_LINK = "none"  # the release picker's "no link" choice


class ComposerState(AuthState):
    choices: list[AccountRow] = []  # connected accounts one can post to
    media_choices: list[dict[str, str]] = []  # {"id": token, "name", "kind"} from the library
    link_choices: list[dict[str, str]] = []  # releases with a smart link: {"value", "label"}
    release_id: str = ""  # the release whose tagged smart link ends each text
    campaign: str = ""
    selected: list[str] = []
    text: str = ""
    overrides: dict[str, str] = {}
    chosen_media: list[str] = []
    checks: list[CheckRow] = []
    day: str = ""
    at: str = ""
    tz: str = "UTC"
    needs_approval: bool = False
    busy: bool = False
    error: str = ""
    loaded: bool = False

    @rx.var
    def networks(self) -> list[str]:
        """The networks of the chosen accounts (each may have its own text)."""
        chosen = [r.network for r in self.choices if r.id in self.selected]
        return sorted(set(chosen))

    @rx.var
    def can_send(self) -> bool:
        return bool(self.selected) and all(c.ok for c in self.checks) and not self.busy

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        try:
            rows = await self._call(views.account_rows)
            links = await self._call(compose_media.release_link_choices)
            await self._load_media()
        except DomainError as exc:
            return self._error(exc)
        usable = [r for r in rows if r.connected]
        self._set(choices=usable, link_choices=[{"value": v, "label": label} for v, label in links],
                  release_id="", campaign="", loaded=True, error="", text="", overrides={},
                  chosen_media=[], checks=[], needs_approval=False, busy=False,
                  selected=[usable[0].id] if len(usable) == 1 else [])
        return rx.call_script(TZ_SCRIPT, callback=ComposerState.set_tz)

    async def _load_media(self) -> None:
        options = await self._call(compose_media.media_options)
        self._set(media_choices=[{"id": o.token, "name": o.label, "kind": o.kind} for o in options])

    @rx.event
    async def set_tz(self, tz: str):  # type: ignore[no-untyped-def]
        self._set(tz=str(tz or "UTC")[:64])
        soon = datetime.now(queues.zone(self.tz) if self._tz_ok() else None) + timedelta(hours=1)
        self._set(day=soon.date().isoformat(), at=f"{soon:%H}:00")
        await self._recheck()

    def _tz_ok(self) -> bool:
        try:
            queues.zone(self.tz)
        except DomainError:
            self._set(tz="UTC")
            return False
        return True

    def _data(self, mode: str = "schedule") -> ComposeIn:
        return ComposeIn(account_ids=list(self.selected), text=self.text, overrides=dict(self.overrides),
                         media_ids=list(self.chosen_media), mode=mode, day=self.day, at=self.at, tz=self.tz,
                         needs_approval=self.needs_approval, release_id=self.release_id, campaign=self.campaign)

    async def _recheck(self) -> None:
        try:
            self._set(checks=await self._call(composer.check_all, data=self._data()) if self.selected else [],
                      error="")
        except DomainError as exc:
            self._set(error=exc.message)

    @rx.event
    async def toggle_account(self, account_id: str):  # type: ignore[no-untyped-def]
        self._set(selected=[s for s in self.selected if s != account_id] if account_id in self.selected
                  else [*self.selected, account_id])
        await self._recheck()

    @rx.event
    async def toggle_media(self, file_id: str):  # type: ignore[no-untyped-def]
        self._set(chosen_media=[m for m in self.chosen_media if m != file_id] if file_id in self.chosen_media
                  else [*self.chosen_media, file_id])
        await self._recheck()

    @rx.event
    async def set_text(self, value: str):  # type: ignore[no-untyped-def]
        self._set(text=str(value)[:posts.MAX_TEXT])
        await self._recheck()

    @rx.event
    async def set_override(self, network: str, value: str):  # type: ignore[no-untyped-def]
        self._set(overrides={**self.overrides, network: str(value)[:posts.MAX_TEXT]})
        await self._recheck()

    @rx.event
    async def set_release(self, value: str):  # type: ignore[no-untyped-def]
        self._set(release_id="" if value == NO_LINK else str(value)[:64])
        await self._recheck()

    @rx.event
    async def set_campaign(self, value: str):  # type: ignore[no-untyped-def]
        self._set(campaign=str(value).strip().lower()[:80])
        await self._recheck()

    @rx.event
    def set_day(self, value: str):  # type: ignore[no-untyped-def]
        self._set(day=str(value)[:10])

    @rx.event
    def set_at(self, value: str):  # type: ignore[no-untyped-def]
        self._set(at=str(value)[:5])

    @rx.event
    def set_needs_approval(self, value: bool):  # type: ignore[no-untyped-def]
        self._set(needs_approval=bool(value))

    @rx.event
    async def send(self, mode: str):  # type: ignore[no-untyped-def]
        self._set(busy=True, error="")
        yield
        try:
            post = await self._call(composer.submit, data=self._data(mode))
        except DomainError as exc:
            self._set(error=exc.message, busy=False)
            return
        self._set(busy=False)
        day = post.scheduled_at.astimezone(queues.zone(self.tz)).date().isoformat()
        yield rx.redirect(routes.with_query(routes.SOCIAL, day=day, saved=mode))
