"""Who is signed in: checked on the server from the HttpOnly session cookie, every time."""

from __future__ import annotations

from http.cookies import SimpleCookie

import reflex as rx

from maxbooster import routes
from maxbooster.services import web_session
from maxbooster.services.accounts.common import Client
from maxbooster.services.accounts.netaddr import client_ip
from maxbooster.settings import get_settings


class AuthState(rx.State):
    """Base for every signed-in page state. The session id never reaches the browser."""

    display_name: str = ""
    email: str = ""
    is_admin: bool = False
    signed_in: bool = False
    _user_id: str = ""

    def _session_cookie(self) -> str:
        jar = SimpleCookie()
        try:
            jar.load(self.router.headers.cookie or "")
        except Exception:  # noqa: BLE001  (a malformed cookie header means signed out)
            return ""
        morsel = jar.get(get_settings().session_cookie_name)
        return morsel.value if morsel else ""

    def _current_user(self) -> web_session.CurrentUser | None:
        """Validate the cookie's session against the store (no cache: revocation is immediate)."""
        return web_session.current_user(self._session_cookie())

    def _sync(self, user: web_session.CurrentUser | None) -> None:
        self.signed_in = user is not None
        self.display_name = user.display_name if user else ""
        self.email = user.email if user else ""
        self.is_admin = bool(user and user.is_admin)
        self._user_id = str(user.id) if user else ""

    def _client(self) -> Client:
        """The caller's IP (socket peer unless via a trusted proxy) and user agent, server-side."""
        headers = dict(self.router.headers.raw_headers)
        peer = headers.get("asgi-scope-client", "")
        return Client(ip=client_ip(peer, headers), user_agent=self.router.headers.user_agent[:300])

    @rx.event
    def require_login(self):  # type: ignore[no-untyped-def]
        user = self._current_user()
        self._sync(user)
        if user is None:
            return rx.redirect(routes.LOGIN)
        return None

    @rx.event
    def require_admin(self):  # type: ignore[no-untyped-def]
        """Admin pages: signed in AND admin, checked on the server at every load."""
        user = self._current_user()
        self._sync(user)
        if user is None:
            return rx.redirect(routes.LOGIN)
        if not user.is_admin:
            return rx.redirect(routes.DASHBOARD)
        return None

    @rx.event
    def load_visitor(self):  # type: ignore[no-untyped-def]
        """Public pages: know whether someone is signed in (landing shows 'Open studio')."""
        self._sync(self._current_user())
