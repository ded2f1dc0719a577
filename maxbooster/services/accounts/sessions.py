"""Browser sessions: create at login (always a fresh id), validate on every request/event, revoke.

`validate_session` reads the store on every call (no in-process cache), so a revoked session
is refused on the very next Reflex event or HTTP request. Idle lifetime: SESSION_REMEMBER_DAYS
with "remember me", SESSION_IDLE_HOURS otherwise; SESSION_ABSOLUTE_DAYS caps every session.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from maxbooster.db import session_scope
from maxbooster.models.accounts import Role
from maxbooster.services import audit
from maxbooster.services.accounts.common import hash_token, new_token, utcnow
from maxbooster.services.accounts.session_store import SessionRecord, get_store
from maxbooster.services.actor import Actor
from maxbooster.settings import get_settings

TOUCH_INTERVAL = timedelta(seconds=60)  # write last-seen at most once a minute per session


@dataclass(frozen=True)
class SessionInfo:
    """The signed-in user behind a valid session (safe to keep in backend-only state)."""

    user_id: uuid.UUID
    session_id: str  # sha256 of the raw id: the public handle used for listing/revoking
    email: str
    display_name: str
    role: str
    plan: str
    email_verified: bool
    remember: bool

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def actor(self, base: Actor) -> Actor:
        """The request's actor (ip, user agent) as this signed-in user."""
        return base.as_user(self.user_id, self.role)


@dataclass(frozen=True)
class SessionView:
    """One row of the "active sessions" list in account settings."""

    session_id: str
    device: str
    ip: str
    user_agent: str
    created_at: datetime
    last_seen_at: datetime
    current: bool


def _idle(remember: bool) -> timedelta:
    s = get_settings()
    return timedelta(days=s.session_remember_days) if remember else timedelta(hours=s.session_idle_hours)


def create_session(*, session: Session, actor: Actor, user_id: uuid.UUID, remember: bool = False) -> str:
    """Store a new session for `user_id` and return its raw id (for the cookie only)."""
    raw, now = new_token(), utcnow()
    absolute = now + timedelta(days=get_settings().session_absolute_days)
    get_store(session=session).put(SessionRecord(
        id_hash=hash_token(raw), user_id=user_id, created_at=now, last_seen_at=now,
        idle_expires_at=min(now + _idle(remember), absolute), absolute_expires_at=absolute,
        ip=actor.ip[:64], user_agent=actor.user_agent[:300], remember=remember,
    ))
    return raw


def validate_session(raw_id: str | None, *, touch: bool = True, session: Session | None = None) -> SessionInfo | None:
    """The session's user when `raw_id` is a live session of an active user, else None."""
    if not raw_id or len(raw_id) > 200:
        return None
    if session is None:
        with session_scope() as own:
            return _validate(own, raw_id, touch)
    return _validate(session, raw_id, touch)


def _validate(session: Session, raw_id: str, touch: bool) -> SessionInfo | None:
    store, id_hash, now = get_store(session=session), hash_token(raw_id), utcnow()
    found = store.get_with_user(id_hash)  # one query in the database store: this runs on every event
    if found is None:
        return None
    rec, user = found
    if now >= rec.idle_expires_at or now >= rec.absolute_expires_at:
        store.delete(id_hash)
        return None
    if user is None or not user.is_active:
        store.delete(id_hash)
        return None
    if touch and now - rec.last_seen_at >= TOUCH_INTERVAL:
        rec.last_seen_at = now
        rec.idle_expires_at = min(now + _idle(rec.remember), rec.absolute_expires_at)
        store.put(rec)
    return SessionInfo(rec.user_id, id_hash, user.email, user.display_name, user.role, user.plan,
                       user.email_verified, rec.remember)


def rotate_session(*, session: Session, actor: Actor, raw_id: str) -> str | None:
    """Replace a live session by a new id (same remember flag); None when it was not live."""
    info = validate_session(raw_id, touch=False, session=session)
    if info is None:
        return None
    get_store(session=session).delete(hash_token(raw_id))
    return create_session(session=session, actor=actor, user_id=info.user_id, remember=info.remember)


def end_session(*, session: Session, actor: Actor, raw_id: str | None) -> None:
    """Log out: delete the session (idempotent) and audit it."""
    info = validate_session(raw_id, touch=False, session=session)
    if raw_id:
        get_store(session=session).delete(hash_token(raw_id))
    if info:
        audit.record(session, info.actor(actor), "logout", target=f"user:{info.user_id}")
        session.commit()


def list_sessions(*, session: Session, actor: Actor, current_session_id: str | None = None) -> list[SessionView]:
    """The user's live sessions, most recently seen first; `current` marks the caller's own."""
    now = utcnow()
    views = [
        SessionView(r.id_hash, describe_device(r.user_agent), r.ip, r.user_agent, r.created_at,
                    r.last_seen_at, r.id_hash == current_session_id)
        for r in get_store(session=session).list_for_user(actor.require_user())
        if r.idle_expires_at > now and r.absolute_expires_at > now
    ]
    return sorted(views, key=lambda v: v.last_seen_at, reverse=True)


def revoke_session(*, session: Session, actor: Actor, session_id: str) -> bool:
    """Revoke one of the user's own sessions by its public id; False when not theirs/not found."""
    user_id = actor.require_user()
    store = get_store(session=session)
    rec = store.get(session_id)
    if rec is None or rec.user_id != user_id:
        return False
    store.delete(session_id)
    audit.record(session, actor, "session.revoke", target=f"user:{user_id}", details={"count": 1})
    session.commit()
    return True


def revoke_all_sessions(*, session: Session, actor: Actor, user_id: uuid.UUID,
                        keep_session_id: str | None = None, reason: str = "revoke_all") -> int:
    """Revoke every session of `user_id` except `keep_session_id`; audited with the count."""
    count = get_store(session=session).delete_for_user(user_id, keep=keep_session_id)
    audit.record(session, actor, "session.revoke", target=f"user:{user_id}",
                 details={"count": count, "reason": reason})
    session.commit()
    return count


def describe_device(user_agent: str) -> str:
    """A short human label like "Firefox on Linux" from a user agent string."""
    ua = user_agent or ""
    browser = next((name for key, name in (("Edg/", "Edge"), ("Firefox/", "Firefox"),
                    ("Chrome/", "Chrome"), ("Safari/", "Safari"), ("curl/", "curl")) if key in ua), "Browser")
    system = next((name for key, name in (("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iOS"),
                   ("Windows", "Windows"), ("Mac OS", "macOS"), ("Linux", "Linux")) if key in ua), "")
    return f"{browser} on {system}" if system else browser
