"""Account settings: profile, email, password, active sessions, delete account."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from maxbooster.db import session_scope
from maxbooster.services.accounts import sessions
from maxbooster.state.auth_pages import AuthPagesState


@dataclass
class SessionRow:
    session_id: str
    device: str
    ip: str
    last_seen: str
    created: str
    current: bool


class SettingsState(AuthPagesState):
    sessions: list[SessionRow] = []

    @rx.event
    def load_settings(self):  # type: ignore[no-untyped-def]
        self.load_form()
        user = self._current_user()
        if user is None:
            return rx.redirect("/login")
        with session_scope() as db:
            views = sessions.list_sessions(db, user_id=user.id, current_session_id=user.session_handle)
        self.sessions = [SessionRow(session_id=v.session_id, device=v.device, ip=v.ip,
                                    last_seen=v.last_seen_at.strftime("%Y-%m-%d %H:%M UTC"),
                                    created=v.created_at.strftime("%Y-%m-%d %H:%M UTC"), current=v.current)
                         for v in views]
        return None
