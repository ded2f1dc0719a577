"""Forgot / reset password.

`forgot_password` behaves identically for known and unknown addresses (the caller shows one
fixed notice) and sends at most RESET_EMAILS_PER_HOUR (3) reset emails per address per hour;
beyond that it silently sends nothing. `reset_password` consumes the single-use token, sets the
new password and revokes every session and API token of the account.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlmodel import Session

from maxbooster.models.accounts import TokenPurpose, User
from maxbooster.services import audit, ratelimit
from maxbooster.services.accounts import messages, passwords, tokens
from maxbooster.services.accounts.account_changes import set_password
from maxbooster.services.accounts.common import normalise_email, utcnow
from maxbooster.services.accounts.sessions import revoke_all_sessions
from maxbooster.services.accounts.users import find_by_email, get_user
from maxbooster.services.actor import Actor
from maxbooster.services.email import send_email
from maxbooster.services.errors import InvalidInput
from maxbooster.settings import get_settings


def forgot_password(*, session: Session, actor: Actor, email: str) -> None:
    """Maybe email a reset link; never reveals whether the address has an account.

    Every path costs about the same: the link is generated and hashed whether or not it is
    sent, and the database is asked the same questions.
    """
    ratelimit.hit_ip(actor.ip, "reset")
    try:
        user = find_by_email(session=session, email=normalise_email(email))
    except InvalidInput:
        user = None
    since = utcnow() - timedelta(hours=1)
    sent = tokens.issued_since(session=session, user_id=user.id if user else uuid.uuid4(),
                               purpose=TokenPurpose.RESET_PASSWORD, since=since)
    if user is None or not user.is_active or sent >= get_settings().reset_emails_per_hour:
        passwords.hash_password(email or "-")  # the same work as a real request, then nothing
        return
    raw = tokens.issue(session=session, user_id=user.id, purpose=TokenPurpose.RESET_PASSWORD)
    audit.record(session, actor, "password.reset_requested", target=f"user:{user.id}")
    session.commit()
    passwords.hash_password(raw)
    send_email(session=session, message=messages.password_reset(user.email, user.display_name, raw))


def reset_password(*, session: Session, actor: Actor, token: str, new_password: str) -> User:
    """Set a new password with a reset token; all sessions and refresh tokens are revoked."""
    ratelimit.hit_ip(actor.ip, "reset")
    passwords.check_policy(new_password)  # before consuming, so a weak choice keeps the link usable
    row = tokens.consume(session=session, raw=token, purposes=[TokenPurpose.RESET_PASSWORD])
    user = get_user(session=session, user_id=row.user_id)
    set_password(session=session, user=user, new_password=new_password)
    user.email_verified = True  # the reset link proved control of the address
    who = actor.as_user(user.id, user.role)
    audit.record(session, who, "password.reset", target=f"user:{user.id}")
    session.commit()
    revoke_all_sessions(session=session, actor=who, user_id=user.id, reason="password_reset")
    return user
