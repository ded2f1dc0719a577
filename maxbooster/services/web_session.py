"""The signed-in user for a browser request or websocket event, from the raw session id."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from maxbooster.db import session_scope


@dataclass(frozen=True)
class CurrentUser:
    id: uuid.UUID
    email: str
    display_name: str
    is_admin: bool


def current_user(raw_session_id: str) -> CurrentUser | None:
    """Look the session up in the store on every call, so a revoked session fails at once."""
    if not raw_session_id or len(raw_session_id) > 200:
        return None
    from maxbooster.services.accounts import sessions

    with session_scope() as db:
        info = sessions.validate_session(db, raw_session_id)
        if info is None:
            return None
        user = info.user
        return CurrentUser(id=user.id, email=user.email, display_name=user.display_name,
                           is_admin=user.role == "admin")
