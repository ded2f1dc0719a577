"""Forgot / reset password.

`forgot_password` behaves identically for known and unknown addresses (the caller shows one
fixed notice) and sends at most RESET_EMAILS_PER_HOUR (3) reset emails per address per hour;
beyond that it silently sends nothing. `reset_password` consumes the single-use token, sets the
new password and revokes every session and API token of the account.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from maxbooster.models.accounts import User
from maxbooster.services import audit, ratelimit
from maxbooster.services.accounts import messages, passwords, tokens
from maxbooster.services.accounts.account_changes import set_password
from maxbooster.services.accounts.common import Client, normalise_email, utcnow
from maxbooster.services.accounts.sessions import revoke_all_sessions
from maxbooster.services.accounts.users import find_by_email, get_user
from maxbooster.services.email import send_email
from maxbooster.services.errors import InvalidInput
from maxbooster.settings import get_settings


def forgot_password(session: Session, *, email: str, client: Client) -> None:
    """Maybe email a reset link; never reveals whether the address has an account."""
    ratelimit.hit_ip(client.ip, "reset")
    try:
        user = find_by_email(session, normalise_email(email))
    except InvalidInput:
        return
    if user is None or not user.is_active:
        return
    since = utcnow() - timedelta(hours=1)
    if tokens.issued_since(session, user_id=user.id, purpose="reset_password", since=since) >= \
            get_settings().reset_emails_per_hour:
        return
    raw = tokens.issue(session, user_id=user.id, purpose="reset_password")
    audit.append(session, action="password.reset_requested", actor_id=None, target=f"user:{user.id}",
                 ip=client.ip, user_agent=client.user_agent)
    session.commit()
    send_email(session, message=messages.password_reset(user.email, user.display_name, raw))


def reset_password(session: Session, *, token: str, new_password: str, client: Client) -> User:
    """Set a new password with a reset token; all sessions and refresh tokens are revoked."""
    ratelimit.hit_ip(client.ip, "reset")
    passwords.check_policy(new_password)  # before consuming, so a weak choice keeps the link usable
    row = tokens.consume(session, raw=token, purposes=["reset_password"])
    user = get_user(session, user_id=row.user_id)
    set_password(session, user=user, new_password=new_password)
    user.email_verified = True  # the reset link proved control of the address
    audit.append(session, action="password.reset", actor_id=user.id, target=f"user:{user.id}",
                 ip=client.ip, user_agent=client.user_agent)
    session.commit()
    revoke_all_sessions(session, user_id=user.id, client=client, reason="password_reset")
    return user
