"""Changes a signed-in user makes to their own account: password, email, deletion.

A password change re-checks the current password, revokes every other session and all API
refresh tokens, invalidates outstanding reset tokens and rotates the caller's own session to a
new id (returned so the route can set the new cookie).
"""

from __future__ import annotations

import uuid

from sqlmodel import Session

from maxbooster.models.accounts import User
from maxbooster.services import audit
from maxbooster.services.accounts import api_tokens, messages, passwords, tokens
from maxbooster.services.accounts.common import Client, hash_token, invalid, normalise_email, utcnow
from maxbooster.services.accounts.session_store import get_store
from maxbooster.services.accounts.sessions import revoke_all_sessions, rotate_session
from maxbooster.services.accounts.users import find_by_email, get_user
from maxbooster.services.email import send_email


def _require_password(user: User, password: str) -> None:
    if not passwords.verify_password(user.password_hash, password or ""):
        raise invalid("wrong_password", "Your current password is not correct.")


def set_password(session: Session, *, user: User, new_password: str) -> None:
    """Store a new hash and cut off old credentials (tokens, API tokens); caller commits/audits."""
    passwords.check_policy(new_password)
    now = utcnow()
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = now
    user.tokens_valid_after = now
    session.add(user)
    tokens.invalidate(session, user_id=user.id, purposes=["reset_password"], now=now)
    api_tokens.revoke_all_for_user(session, user_id=user.id)


def change_password(
    session: Session, *, user_id: uuid.UUID, current_password: str, new_password: str,
    client: Client, current_raw_id: str | None = None,
) -> str | None:
    """Change the password; revokes all other sessions; returns the caller's new raw session id."""
    user = get_user(session, user_id=user_id)
    _require_password(user, current_password)
    set_password(session, user=user, new_password=new_password)
    audit.append(session, action="password.change", actor_id=user.id, target=f"user:{user.id}",
                 ip=client.ip, user_agent=client.user_agent)
    session.commit()
    new_raw = rotate_session(session, raw_id=current_raw_id, client=client) if current_raw_id else None
    keep = hash_token(new_raw) if new_raw else None
    revoke_all_sessions(session, user_id=user.id, client=client, keep_session_id=keep,
                        reason="password_change")
    return new_raw


def request_email_change(session: Session, *, user_id: uuid.UUID, password: str, new_email: str,
                         client: Client) -> None:
    """Email a confirmation link to the new address; the change applies when it is opened."""
    user = get_user(session, user_id=user_id)
    _require_password(user, password)
    email = normalise_email(new_email)
    if email == user.email:
        raise invalid("same_email", "That is already your email address.")
    if find_by_email(session, email) is not None:
        raise invalid("email_taken", "That email address is already in use.")
    raw = tokens.issue(session, user_id=user.id, purpose="change_email", new_email=email)
    audit.append(session, action="email.change_requested", actor_id=user.id, target=f"user:{user.id}",
                 ip=client.ip, user_agent=client.user_agent)
    session.commit()
    send_email(session, message=messages.email_change(email, user.display_name, raw))


def delete_account(session: Session, *, user_id: uuid.UUID, password: str, client: Client) -> None:
    """Delete the account after re-checking the password; sessions go first, rows cascade."""
    user = get_user(session, user_id=user_id)
    _require_password(user, password)
    get_store(session).delete_for_user(user.id)
    audit.append(session, action="account.delete", actor_id=user.id, target=f"user:{user.id}",
                 ip=client.ip, user_agent=client.user_agent)
    session.delete(user)
    session.commit()
