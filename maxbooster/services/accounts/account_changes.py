"""Changes a signed-in user makes to their own account: password, email, deletion.

A password change re-checks the current password, revokes every other session and all API
refresh tokens, invalidates outstanding reset tokens and rotates the caller's own session to a
new id (returned so the route can set the new cookie).
"""

from __future__ import annotations

from sqlmodel import Session

from maxbooster.models.accounts import TokenPurpose, User
from maxbooster.services import audit
from maxbooster.services.accounts import api_tokens, messages, passwords, tokens
from maxbooster.services.accounts.common import hash_token, normalise_email, utcnow
from maxbooster.services.accounts.session_store import get_store
from maxbooster.services.accounts.sessions import revoke_all_sessions, rotate_session
from maxbooster.services.accounts.users import find_by_email, get_user, is_last_active_admin
from maxbooster.services.actor import Actor
from maxbooster.services.email import send_email
from maxbooster.services.errors import ErrorCode, invalid


def _require_password(user: User, password: str) -> None:
    if not passwords.verify_password(user.password_hash, password or ""):
        raise invalid(ErrorCode.WRONG_PASSWORD)


def set_password(*, session: Session, user: User, new_password: str) -> None:
    """Store a new hash and cut off old credentials (tokens, API tokens); caller commits/audits."""
    passwords.check_policy(new_password)
    now = utcnow()
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = now
    user.tokens_valid_after = now
    session.add(user)
    tokens.invalidate(session=session, user_id=user.id, purposes=[TokenPurpose.RESET_PASSWORD], now=now)
    api_tokens.revoke_all_for_user(session=session, user_id=user.id)


def change_password(*, session: Session, actor: Actor, current_password: str, new_password: str,
                    current_raw_id: str | None = None) -> str | None:
    """Change the password; revokes all other sessions; returns the caller's new raw session id."""
    user = get_user(session=session, user_id=actor.require_user())
    _require_password(user, current_password)
    set_password(session=session, user=user, new_password=new_password)
    audit.record(session, actor, "password.change", target=f"user:{user.id}")
    session.commit()
    new_raw = rotate_session(session=session, actor=actor, raw_id=current_raw_id) if current_raw_id else None
    keep = hash_token(new_raw) if new_raw else None
    revoke_all_sessions(session=session, actor=actor, user_id=user.id, keep_session_id=keep,
                        reason="password_change")
    return new_raw


def request_email_change(*, session: Session, actor: Actor, password: str, new_email: str) -> None:
    """Email a confirmation link to the new address; the change applies when it is opened."""
    user = get_user(session=session, user_id=actor.require_user())
    _require_password(user, password)
    email = normalise_email(new_email)
    if email == user.email:
        raise invalid(ErrorCode.SAME_EMAIL)
    if find_by_email(session=session, email=email) is not None:
        raise invalid(ErrorCode.EMAIL_TAKEN)
    raw = tokens.issue(session=session, user_id=user.id, purpose=TokenPurpose.CHANGE_EMAIL, new_email=email)
    audit.record(session, actor, "email.change_requested", target=f"user:{user.id}")
    session.commit()
    send_email(session=session, message=messages.email_change(email, user.display_name, raw))


def delete_account(*, session: Session, actor: Actor, password: str, confirm_email: str) -> None:
    """Delete the account after the owner typed their email and password; sessions go first, rows cascade."""
    user = get_user(session=session, user_id=actor.require_user())
    if (confirm_email or "").strip().lower() != user.email:
        raise invalid(ErrorCode.CONFIRM_EMAIL_MISMATCH)
    _require_password(user, password)
    if is_last_active_admin(session=session, user=user):
        raise invalid(ErrorCode.LAST_ADMIN)
    get_store(session=session).delete_for_user(user.id)
    audit.record(session, actor, "account.delete", target=f"user:{user.id}")
    session.delete(user)
    session.commit()
