"""Accounts that exist before anyone signs up: admins made from the CLI and the demo user.

The demo user (created by `maxbooster run`) is demo@maxbooster.local with the documented
password DEMO_PASSWORD; it is for local evaluation only.
"""

from __future__ import annotations

from sqlmodel import Session

from maxbooster.models.accounts import Role, User
from maxbooster.services import audit
from maxbooster.services.accounts import passwords
from maxbooster.services.accounts.common import normalise_email, utcnow
from maxbooster.services.accounts.users import find_by_email
from maxbooster.services.actor import Actor

DEMO_EMAIL = "demo@maxbooster.local"
DEMO_PASSWORD = "maxbooster-demo-2026"  # noqa: S105  (documented demo login, local only)


def create_admin(*, session: Session, email: str, password: str, display_name: str = "Admin") -> User:
    """Create a verified admin, or promote an existing account (password then replaced)."""
    email = normalise_email(email)
    passwords.check_policy(password)
    user = find_by_email(session=session, email=email) or User(email=email, display_name=display_name)
    user.role, user.email_verified, user.is_active = Role.ADMIN, True, True
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = utcnow()
    session.add(user)
    session.flush()
    audit.record(session, Actor.system("cli"), "role.change", target=f"user:{user.id}",
                 details={"to": "admin", "via": "create-admin"})
    session.commit()
    return user


def ensure_demo_user(*, session: Session) -> tuple[str, str]:
    """Create the verified demo user once; returns (email, password) for the run command to print."""
    if find_by_email(session=session, email=DEMO_EMAIL) is None:
        user = User(email=DEMO_EMAIL, display_name="Demo Artist", email_verified=True,
                    password_hash=passwords.hash_password(DEMO_PASSWORD))
        session.add(user)
        session.flush()
        audit.record(session, Actor.system("demo").as_user(user.id), "signup", target=f"user:{user.id}",
                     details={"demo": True})
        session.commit()
    return DEMO_EMAIL, DEMO_PASSWORD
