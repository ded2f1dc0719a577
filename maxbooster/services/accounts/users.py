"""Sign-up, email verification, login (with lockout), profile and user lookup.

Login failures for unknown and known emails are indistinguishable: same error and message,
and an argon2 verify runs against a dummy hash for unknown emails so timing matches.
Sign-up with an address that already has an account answers exactly like a new sign-up and
emails the owner instead (no account enumeration).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from maxbooster.models.accounts import User
from maxbooster.services import audit, ratelimit
from maxbooster.services.accounts import messages, passwords, tokens
from maxbooster.services.accounts.common import (
    AuthenticationFailed,
    Client,
    clean_display_name,
    invalid,
    normalise_email,
)
from maxbooster.services.accounts.sessions import create_session
from maxbooster.services.email import send_email
from maxbooster.services.errors import DomainError, InvalidInput, NotFound

PROFILE_FIELDS = frozenset({"display_name"})  # the only fields a user may change via profile update
BAD_LOGIN = "Email or password is incorrect."


class EmailNotVerified(DomainError):
    code = "email_unverified"
    http_status = 403


def find_by_email(session: Session, email: str) -> User | None:
    return session.execute(select(User).where(col(User.email) == email)).scalar_one_or_none()


def get_user(session: Session, *, user_id: uuid.UUID) -> User:
    """The user with this id; NotFound when missing."""
    user = session.get(User, user_id, populate_existing=True)
    if user is None:
        raise NotFound("User not found.")
    return user


def signup(session: Session, *, email: str, password: str, display_name: str, client: Client) -> User | None:
    """Create an unverified account and email a verification link; None when the email was taken."""
    ratelimit.hit_ip(client.ip, "signup")
    email, name = normalise_email(email), clean_display_name(display_name)
    passwords.check_policy(password)
    if find_by_email(session, email) is not None:
        send_email(session, message=messages.already_registered(email))
        return None
    user = User(email=email, display_name=name, password_hash=passwords.hash_password(password))
    session.add(user)
    session.flush()
    raw = tokens.issue(session, user_id=user.id, purpose="verify_email")
    audit.append(session, action="signup", actor_id=user.id, target=f"user:{user.id}",
                 ip=client.ip, user_agent=client.user_agent)
    session.commit()
    send_email(session, message=messages.verification(email, name, raw))
    return user


def resend_verification(session: Session, *, email: str, client: Client) -> None:
    """Send a fresh verification link to an unverified account; same outcome for any email."""
    ratelimit.hit_ip(client.ip, "signup")
    try:
        user = find_by_email(session, normalise_email(email))
    except InvalidInput:
        return
    if user is None or user.email_verified or not user.is_active:
        return
    raw = tokens.issue(session, user_id=user.id, purpose="verify_email")
    session.commit()
    send_email(session, message=messages.verification(user.email, user.display_name, raw))


def verify_email(session: Session, *, token: str, client: Client) -> tuple[User, str]:
    """Apply a verification or email-change token; returns (user, purpose)."""
    row = tokens.consume(session, raw=token, purposes=["verify_email", "change_email"])
    user = get_user(session, user_id=row.user_id)
    if row.purpose == "change_email" and row.new_email:
        if find_by_email(session, row.new_email) is not None:
            session.rollback()
            raise invalid("email_taken", "That email address is already in use.")
        old = user.email
        user.email = row.new_email
        audit.append(session, action="email.change", actor_id=user.id, target=f"user:{user.id}",
                     ip=client.ip, user_agent=client.user_agent,
                     details={"old_domain": old.split("@")[-1], "new_domain": user.email.split("@")[-1]})
    user.email_verified = True
    session.add(user)
    audit.append(session, action="email.verify", actor_id=user.id, target=f"user:{user.id}",
                 ip=client.ip, user_agent=client.user_agent)
    session.commit()
    return user, row.purpose


def _login_target(user: User | None, email: str) -> str:
    if user is not None:
        return f"user:{user.id}"
    return "email-sha256:" + hashlib.sha256(email.encode("utf-8")).hexdigest()[:16]


def authenticate(session: Session, *, email: str, password: str, client: Client) -> User:
    """Check credentials with IP limit and account lockout; audits failures. Does not create a session."""
    ratelimit.hit_ip(client.ip, "login")
    norm = (email or "").strip().lower()[:320]
    ratelimit.check_account_lock(norm)
    user = find_by_email(session, norm)
    ok = passwords.verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.is_active:
        ratelimit.record_login_failure(norm)
        audit.append(session, action="login.failure", actor_id=user.id if user else None,
                     target=_login_target(user, norm), ip=client.ip, user_agent=client.user_agent)
        session.commit()
        raise AuthenticationFailed(BAD_LOGIN)
    ratelimit.clear_login_failures(norm)
    if not user.email_verified:
        raise EmailNotVerified("Confirm your email address first; we sent you a link.")
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
        session.add(user)
    return user


def login(session: Session, *, email: str, password: str, client: Client, remember: bool = False) -> tuple[User, str]:
    """Authenticate and start a brand-new session; returns (user, raw session id for the cookie)."""
    user = authenticate(session, email=email, password=password, client=client)
    audit.append(session, action="login.success", actor_id=user.id, target=f"user:{user.id}",
                 ip=client.ip, user_agent=client.user_agent, details={"remember": remember})
    session.commit()
    raw = create_session(session, user_id=user.id, client=client, remember=remember)
    return user, raw


def update_profile(session: Session, *, user_id: uuid.UUID, data: Mapping[str, Any]) -> User:
    """Change allow-listed profile fields only; role, plan, verified flags etc. are ignored."""
    user = get_user(session, user_id=user_id)
    for key in PROFILE_FIELDS & set(data):
        if key == "display_name":
            user.display_name = clean_display_name(str(data[key]))
    session.add(user)
    session.commit()
    return user
