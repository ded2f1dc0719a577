"""Sign-in pages (notices and errors carried by redirects) and the Account page."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import reflex as rx

from maxbooster import routes
from maxbooster.services import plans
from maxbooster.services.accounts import sessions
from maxbooster.services.accounts.common import is_local_path
from maxbooster.services.accounts.google import google_enabled
from maxbooster.services.errors import DomainError, message_for
from maxbooster.settings import get_settings
from maxbooster.state.base import AuthState

NOTICES = {
    "check_email": "Account created. We sent you a link to confirm your email address.",
    "verified": "Email confirmed. You can log in now.",
    "logged_out": "You are logged out.",
    "verification_sent": "If that address has an unconfirmed account, a new link is on its way.",
    "reset_sent": "If an account exists for that address, a reset link is on its way.",
    "password_reset": "Password changed. Log in with your new password.",
    "password_changed": "Password changed. Your other sessions were signed out.",
    "email_change_sent": "Check your new address for a confirmation link.",
    "email_changed": "Your email address is changed.",
    "profile_saved": "Profile saved.",
    "sessions_revoked": "All your other sessions are signed out.",
    "session_revoked": "That session is signed out.",
    "account_deleted": "Your account and its data are deleted.",
}


@dataclass
class SessionRow:
    session_id: str
    device: str
    ip: str
    last_seen: str
    created: str
    current: bool


@dataclass
class LimitRow:
    label: str
    used: str
    limit: str


class AuthPagesState(AuthState):
    notice: str = ""
    error: str = ""
    error_code: str = ""
    token: str = ""
    google_enabled: bool = False
    next_path: str = ""  # where to go after logging in (a same-site path, e.g. an invitation)

    @rx.var
    def signup_href(self) -> str:
        return routes.with_query(routes.SIGNUP, next=self.next_path) if self.next_path else routes.SIGNUP

    @rx.var
    def login_href(self) -> str:
        return routes.with_query(routes.LOGIN, next=self.next_path) if self.next_path else routes.LOGIN

    def _read_query(self) -> None:
        """Read the ?notice=/?error=/?token= the last redirect carried (display only)."""
        query = parse_qs(urlsplit(str(self.router.url)).query)
        first = {k: v[0] for k, v in query.items() if v}
        code = first.get("error", "")[:40]
        wanted = first.get("next", "")[:500]
        self._set(notice=NOTICES.get(first.get("notice", ""), ""), error=message_for(code), error_code=code,
                  token=first.get("token", "")[:200], google_enabled=google_enabled(get_settings()),
                  next_path=wanted if is_local_path(wanted) else "")

    @rx.event
    async def load_form(self):  # type: ignore[no-untyped-def]
        self._read_query()
        await self._signed_in()


class SettingsState(AuthPagesState):
    sessions: list[SessionRow] = []
    plan_name: str = ""
    limits: list[LimitRow] = []

    @rx.event
    async def load_settings(self):  # type: ignore[no-untyped-def]
        self._read_query()
        info = await self._signed_in()
        if info is None:
            return AuthState.require_login
        actor = info.actor(self._request_actor())
        try:
            views = await self._call(sessions.list_sessions, actor=actor, current_session_id=info.session_id)
            plan, rows = await self._call(plans.summary, actor=actor)
        except DomainError as exc:
            return self._error(exc)
        self._set(
            sessions=[SessionRow(session_id=v.session_id, device=v.device, ip=v.ip,
                                 last_seen=v.last_seen_at.strftime("%Y-%m-%d %H:%M UTC"),
                                 created=v.created_at.strftime("%Y-%m-%d %H:%M UTC"), current=v.current)
                      for v in views],
            plan_name=plan.name, limits=[LimitRow(*row) for row in rows])
        return None
