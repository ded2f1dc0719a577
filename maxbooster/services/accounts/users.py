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

from sqlalchemy import func, select
from sqlmodel import Session, col

from maxbooster.models.accounts import Role, TokenPurpose, User
from maxbooster.services import audit, ratelimit
from maxbooster.services.accounts import messages, passwords, tokens
from maxbooster.services.accounts.common import clean_display_name, is_local_path, normalise_email
from maxbooster.services.accounts.sessions import create_session
from maxbooster.services.actor import Actor
from maxbooster.services.email import send_email
from maxbooster.services.errors import AuthenticationFailed, DomainError, ErrorCode, InvalidInput, NotFound

PROFILE_FIELDS = frozenset({"display_name"})  # the only fields a user may change via profile update


class EmailNotVerified(DomainError):
    code = ErrorCode.EMAIL_UNVERIFIED
    http_status = 403


def find_by_email(*, session: Session, email: str) -> User | None:
    return session.execute(select(User).where(col(User.email) == email)).scalar_one_or_none()


def get_user(*, session: Session, user_id: uuid.UUID) -> User:
    """The user with this id; NotFound when missing."""
    user = session.get(User, user_id, populate_existing=True)
    if user is None:
        raise NotFound("User not found.")
    return user


def is_last_active_admin(*, session: Session, user: User) -> bool:
    """True when `user` is the only active admin (removing them would lock admins out)."""
    if user.role != Role.ADMIN or not user.is_active:
        return False
    others = select(func.count()).select_from(User).where(
        col(User.role) == Role.ADMIN, col(User.is_active).is_(True), col(User.id) != user.id)
    return int(session.execute(others).scalar_one()) == 0


def signup(*, session: Session, actor: Actor, email: str, password: str, display_name: str,
           next_path: str = "") -> User | None:
    """Create an unverified account and email a verification link; None when the email was taken.
    `next_path`, a same-site page waiting for the new user (an invitation), is carried by the link.

    Both paths hash the password once, so response time does not reveal which emails exist.
    """
    ratelimit.hit_ip(actor.ip, "signup")
    email, name = normalise_email(email), clean_display_name(display_name)
    passwords.check_policy(password)
    password_hash = passwords.hash_password(password)
    if find_by_email(session=session, email=email) is not None:
        send_email(session=session, message=messages.already_registered(email))
        return None
    user = User(email=email, display_name=name, password_hash=password_hash)
    session.add(user)
    session.flush()
    raw = tokens.issue(session=session, user_id=user.id, purpose=TokenPurpose.VERIFY_EMAIL)
    audit.record(session, actor.as_user(user.id), "signup", target=f"user:{user.id}")
    session.commit()
    waiting = next_path if is_local_path(next_path) else ""
    send_email(session=session, message=messages.verification(email, name, raw, next_path=waiting))
    return user


def send_verification(*, session: Session, user: User) -> None:
    """Issue a fresh verification link for `user` and email it (older links stop working)."""
    raw = tokens.issue(session=session, user_id=user.id, purpose=TokenPurpose.VERIFY_EMAIL)
    session.commit()
    send_email(session=session, message=messages.verification(user.email, user.display_name, raw))


def resend_verification(*, session: Session, actor: Actor, email: str) -> None:
    """Send a fresh verification link to an unverified account; same outcome for any email."""
    ratelimit.hit_ip(actor.ip, "signup")
    try:
        user = find_by_email(session=session, email=normalise_email(email))
    except InvalidInput:
        return
    if user is None or user.email_verified or not user.is_active:
        return
    send_verification(session=session, user=user)


def verify_email(*, session: Session, actor: Actor, token: str) -> tuple[User, TokenPurpose]:
    """Apply a verification or email-change token; returns (user, purpose)."""
    row = tokens.consume(session=session, raw=token,
                         purposes=[TokenPurpose.VERIFY_EMAIL, TokenPurpose.CHANGE_EMAIL])
    user = get_user(session=session, user_id=row.user_id)
    who = actor.as_user(user.id, user.role)
    if row.purpose == TokenPurpose.CHANGE_EMAIL and row.new_email:
        if find_by_email(session=session, email=row.new_email) is not None:
            session.rollback()
            raise InvalidInput(code=ErrorCode.EMAIL_TAKEN)
        old = user.email
        user.email = row.new_email
        audit.record(session, who, "email.change", target=f"user:{user.id}",
                     details={"old_domain": old.split("@")[-1], "new_domain": user.email.split("@")[-1]})
    user.email_verified = True
    session.add(user)
    audit.record(session, who, "email.verify", target=f"user:{user.id}")
    session.commit()
    return user, TokenPurpose(row.purpose)


def _login_target(user: User | None, email: str) -> str:
    if user is not None:
        return f"user:{user.id}"
    return "email-sha256:" + hashlib.sha256(email.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def authenticate(*, session: Session, actor: Actor, email: str, password: str) -> User:
    """Check credentials with IP limit and account lockout; audits failures. Does not create a session."""
    ratelimit.hit_ip(actor.ip, "login")
    norm = (email or "").strip().lower()[:320]
    ratelimit.check_account_lock(norm)
    user = find_by_email(session=session, email=norm) if normalisable(norm) else None
    ok = passwords.verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.is_active:
        ratelimit.record_login_failure(norm)
        failed_as = actor.as_user(user.id, user.role) if user else actor
        audit.record(session, failed_as, "login.failure", target=_login_target(user, norm))
        session.commit()
        raise AuthenticationFailed()
    ratelimit.clear_login_failures(norm)
    if not user.email_verified:
        raise EmailNotVerified()
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
        session.add(user)
    return user


def normalisable(email: str) -> bool:
    """True when `email` can be looked up (valid text of a sane length)."""
    from maxbooster.services.accounts.common import is_text

    return bool(email) and len(email) <= 320 and is_text(email)


def login(*, session: Session, actor: Actor, email: str, password: str, remember: bool = False) -> tuple[User, str]:
    """Authenticate and start a brand-new session; returns (user, raw session id for the cookie)."""
    user = authenticate(session=session, actor=actor, email=email, password=password)
    who = actor.as_user(user.id, user.role)
    audit.record(session, who, "login.success", target=f"user:{user.id}", details={"remember": remember})
    session.commit()
    raw = create_session(session=session, actor=who, user_id=user.id, remember=remember)
    return user, raw


def update_profile(*, session: Session, actor: Actor, data: Mapping[str, Any]) -> User:
    """Change allow-listed profile fields only; role, plan, verified flags etc. are ignored."""
    user = get_user(session=session, user_id=actor.require_user())
    for key in PROFILE_FIELDS & set(data):
        if key == "display_name":
            user.display_name = clean_display_name(str(data[key]))
    session.add(user)
    session.commit()
    return user
