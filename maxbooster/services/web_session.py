"""The signed-in user for a browser request or websocket event, from the raw session id."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class CurrentUser:
    id: uuid.UUID
    email: str
    display_name: str
    is_admin: bool
    session_handle: str  # sha256 of the session id: safe to compare, never the id itself


def current_user(raw_session_id: str) -> CurrentUser | None:
    """Look the session up in the store on every call, so a revoked session fails at once."""
    if not raw_session_id or len(raw_session_id) > 200:
        return None
    from maxbooster.services.accounts.sessions import validate_session

    info = validate_session(raw_session_id)
    if info is None:
        return None
    return CurrentUser(id=info.user_id, email=info.email, display_name=info.display_name,
                       is_admin=info.role == "admin", session_handle=info.session_id)
