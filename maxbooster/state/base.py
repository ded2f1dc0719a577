"""Who is signed in, checked on the server from the HttpOnly session cookie at every event.

Database and service work never runs on the event loop: `_signed_in`, `_call` and `_read` run it
in a worker thread, so one slow query does not stall every socket of this process. Work that only
reads (a page's load, its poller, the session check) goes through `db.read`: on PostgreSQL no
transaction round trips, and one retry when the server dropped the connection. Vars are assigned
only when their value changes (each assignment is sent to the browser).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import lru_cache
from http.cookies import SimpleCookie
from typing import Any, TypeVar, cast

import reflex as rx
from sqlmodel import Session

from maxbooster import routes
from maxbooster.db import read, session_scope
from maxbooster.services.accounts.netaddr import client_ip
from maxbooster.services.accounts.sessions import SessionInfo, validate_session
from maxbooster.services.actor import Actor
from maxbooster.services.errors import DomainError, LoginRequired
from maxbooster.settings import get_settings

T = TypeVar("T")


@lru_cache(maxsize=1024)
def _cookie_value(header: str, name: str) -> str:
    """One cookie's value from a Cookie header. Cached: a socket's headers are fixed for its
    lifetime, so every event of a connection would otherwise parse the same string again."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # noqa: BLE001  (a malformed cookie header means signed out)
        return ""
    morsel = jar.get(name)
    return morsel.value if morsel else ""


def _actor_of(headers: Any) -> Actor:
    """The caller's IP (socket peer unless via a trusted proxy) and user agent from the router's headers."""
    raw = dict(headers.raw_headers)
    return Actor.anonymous(ip=client_ip(raw.get("asgi-scope-client", ""), raw), user_agent=headers.user_agent)


class AuthState(rx.State):
    """Base for every page state. The session id never reaches the browser."""

    display_name: str = ""
    email: str = ""
    plan: str = ""
    is_admin: bool = False
    signed_in: bool = False
    _user_id: str = ""

    def _set(self, **values: Any) -> None:
        """Assign vars whose value changed (an unchanged assignment would still be re-sent)."""
        for name, value in values.items():
            if getattr(self, name) != value:
                setattr(self, name, value)

    def _session_cookie(self) -> str:
        return _cookie_value(self.router.headers.cookie or "", get_settings().session_cookie_name)

    def _request_actor(self) -> Actor:
        """The caller's IP (socket peer unless via a trusted proxy) and user agent, server-side."""
        return _actor_of(self.router.headers)

    def _request(self) -> tuple[str, Actor]:
        """The session cookie and the request's actor, reading the router once (each read of
        `self.router` assembles it anew)."""
        headers = self.router.headers
        return _cookie_value(headers.cookie or "", get_settings().session_cookie_name), _actor_of(headers)

    def _mirror(self, info: SessionInfo | None) -> None:
        """Mirror a validated session (or none) into the public vars."""
        self._set(signed_in=info is not None, display_name=info.display_name if info else "",
                  email=info.email if info else "", plan=info.plan if info else "",
                  is_admin=bool(info and info.is_admin))
        user_id = str(info.user_id) if info else ""
        if self._user_id != user_id:  # assigning marks the state changed even with the same value
            self._user_id = user_id

    async def _signed_in(self) -> SessionInfo | None:
        """Validate the cookie's session against the store, off the event loop (no cache:
        a revoked session fails on its very next event), and mirror it into the public vars."""
        cookie = self._session_cookie()
        info = await asyncio.to_thread(read, lambda session: validate_session(cookie, session=session))
        self._mirror(info)
        return info

    async def _actor(self) -> Actor | None:
        info = await self._signed_in()
        return info.actor(self._request_actor()) if info else None

    async def _call(self, fn: Callable[..., T], *, actor: Actor | None = None, **kwargs: Any) -> T:
        """Run a service function as the signed-in user in a worker thread: fn(session=, actor=, **kwargs).

        Without `actor`, the session is validated (and mirrored into the vars) in the same worker
        thread and database session as the call: one hop off the event loop per event. Pass
        `actor` when this event already validated the session. Raises LoginRequired when the
        session is gone; domain errors pass through.
        """
        if actor is not None:
            known = actor

            def run_as() -> T:
                with session_scope() as session:
                    return fn(session=session, actor=known, **kwargs)

            return await asyncio.to_thread(run_as)

        cookie, base = self._request()

        def run() -> tuple[SessionInfo | None, Any, Exception | None]:
            with session_scope() as session:
                info = validate_session(cookie, session=session)
                if info is None:
                    return None, None, None
                try:
                    return info, fn(session=session, actor=info.actor(base), **kwargs), None
                except Exception as exc:  # noqa: BLE001  (re-raised below, once the vars are mirrored)
                    return info, None, exc

        info, result, error = await asyncio.to_thread(run)
        self._mirror(info)
        if info is None:
            raise LoginRequired()
        if error is not None:
            raise error
        return cast(T, result)

    async def _read(self, fn: Callable[..., T], **kwargs: Any) -> T:
        """`_call` for a function that only reads (the load of a page, run at every event): the
        session check and `fn` in one worker thread on `db.read`'s connection (on PostgreSQL
        no transaction and no pre-ping: two fewer round trips, a retry on a dropped connection)."""
        cookie, base = self._request()

        def run(session: Session) -> tuple[SessionInfo | None, Any, DomainError | None]:
            info = validate_session(cookie, session=session)
            if info is None:
                return None, None, None
            try:
                return info, fn(session=session, actor=info.actor(base), **kwargs), None
            except DomainError as exc:  # re-raised below, once the vars are mirrored
                return info, None, exc

        info, result, error = await asyncio.to_thread(read, run)
        self._mirror(info)
        if info is None:
            raise LoginRequired()
        if error is not None:
            raise error
        return cast(T, result)

    async def _poll_loop(self, *, flag: str, interval_s: float, fetch: Callable[..., T],
                         params: Callable[[], dict[str, Any]], apply: Callable[[T], bool]) -> None:
        """The body of a background poller: every `interval_s`, run `fetch(session=, actor=, **params())`
        in a thread outside the state lock (re-checking the session each time), then `apply` the
        result under the lock; stop when `apply` returns False, the session ends or it fails.
        `flag` names the subclass's bool var that keeps one poller per page. `fetch` only reads: it
        runs on `db.read`'s connection (no transaction on PostgreSQL; once more after a dropped one)."""
        async with self:
            if getattr(self, flag):
                return
            setattr(self, flag, True)
        try:
            while True:
                await asyncio.sleep(interval_s)
                async with self:  # only to read the request's details
                    (cookie, base), kwargs = self._request(), params()
                result = await asyncio.to_thread(_fetch_as, cookie, base, fetch, kwargs)
                if result is None:
                    return
                async with self:
                    keep_going = apply(result)
                if not keep_going:
                    return
        finally:
            async with self:
                setattr(self, flag, False)

    @staticmethod
    def _error(exc: DomainError):  # type: ignore[no-untyped-def]
        """The reply to a failed action: back to login when signed out, else a toast."""
        if isinstance(exc, LoginRequired):
            return rx.redirect(routes.LOGIN)
        return rx.toast.error(exc.message)

    @rx.event
    async def require_login(self):  # type: ignore[no-untyped-def]
        if await self._signed_in() is None:
            return rx.redirect(routes.LOGIN)
        return None

    @rx.event
    async def require_admin(self):  # type: ignore[no-untyped-def]
        """Admin pages: signed in AND admin, checked on the server at every load."""
        info = await self._signed_in()
        if info is None:
            return rx.redirect(routes.LOGIN)
        if not info.is_admin:
            return rx.redirect(routes.HOME)
        return None

    @rx.event
    async def load_visitor(self):  # type: ignore[no-untyped-def]
        """Public pages: know whether someone is signed in (the landing page offers 'Open studio')."""
        await self._signed_in()


def _fetch_as(cookie: str, base: Actor, fetch: Callable[..., T], kwargs: dict[str, Any]) -> T | None:
    """`fetch` as the cookie's user, in one database session with the session check (None once
    the session is gone or the read fails)."""
    def run(session: Session) -> T | None:
        info = validate_session(cookie, session=session)
        return None if info is None else fetch(session=session, actor=info.actor(base), **kwargs)

    try:
        return read(run)
    except DomainError:
        return None
