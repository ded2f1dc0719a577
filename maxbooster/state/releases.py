"""The public smart link page of a release (`/r/<slug>`): what it shows and the fan sign-up form.

Anyone may open it: no sign-in, the slug comes from the URL (a public name, never a permission)."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs, urlsplit

import reflex as rx

from maxbooster.db import session_scope
from maxbooster.services.errors import DomainError, NotFound
from maxbooster.services.releases import smartlinks
from maxbooster.state.base import AuthState


def _view(slug: str) -> smartlinks.PublicView | None:
    with session_scope() as session:
        try:
            return smartlinks.public_view(session=session, slug=slug)
        except NotFound:
            return None


def _sign_up(**kwargs: Any) -> None:
    with session_scope() as session:
        smartlinks.sign_up_fan(session=session, **kwargs)


class SmartLinkState(AuthState):
    loaded: bool = False
    found: bool = False
    title: str = ""
    artists: str = ""
    artwork_url: str = ""
    release_date: str = ""
    presave: bool = False
    buttons: list[dict[str, str]] = []
    consent_text: str = ""
    notice: str = ""  # after signing up or confirming
    error: str = ""
    sending: bool = False

    def _slug(self) -> str:
        return self.router.url.path.rstrip("/").rsplit("/", 1)[-1]  # /r/<slug>

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        view = await asyncio.to_thread(_view, self._slug())
        confirmed = parse_qs(urlsplit(str(self.router.url)).query).get("confirmed") == ["1"]
        self._set(loaded=True, found=view is not None, error="",
                  notice="You're confirmed: we'll let you know about new releases." if confirmed else "")
        if view is not None:
            self._set(title=view.title, artists=view.artists, artwork_url=view.artwork_url,
                      release_date=view.release_date, presave=view.presave, consent_text=view.consent_text,
                      buttons=[{"label": b.label, "href": b.href} for b in view.links])

    @rx.event
    async def sign_up(self, form: dict[str, Any]):  # type: ignore[no-untyped-def]
        self._set(sending=True, error="")
        yield
        try:
            await asyncio.to_thread(_sign_up, actor=self._request_actor(), slug=self._slug(),
                                    email=str(form.get("email", ""))[:400], consent=bool(form.get("consent")))
            self._set(notice=smartlinks.SIGNED_UP)
        except DomainError as exc:
            self._set(error=exc.message)
        finally:
            self._set(sending=False)
