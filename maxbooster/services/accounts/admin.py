"""Admin operations and bootstrap users: roles, disabling, admin creation, the demo user.

The demo user (created by `maxbooster run`) is demo@maxbooster.local with the documented
password DEMO_PASSWORD; it is for local evaluation only.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session

from maxbooster.models.accounts import ROLES, User
from maxbooster.services import audit
from maxbooster.services.accounts import api_tokens, passwords
from maxbooster.services.accounts.common import Client, invalid, normalise_email, utcnow
from maxbooster.services.accounts.sessions import SessionInfo, revoke_all_sessions
from maxbooster.services.accounts.users import find_by_email, get_user
from maxbooster.services.errors import PermissionDenied

DEMO_EMAIL = "demo@maxbooster.local"
DEMO_PASSWORD = "maxbooster-demo-2026"  # noqa: S105  (documented demo login, local only)


def require_admin(actor: User | SessionInfo | None, *, session: Session | None = None,
                  action: str = "admin", client: Client | None = None) -> None:
    """PermissionDenied unless `actor` is an admin; the denial is audited when a session is given."""
    if actor is not None and actor.role == "admin":
        return
    if session is not None:
        actor_id = getattr(actor, "id", None) or getattr(actor, "user_id", None)
        c = client or Client()
        audit.append_detached(session.get_bind(), action="authz.denied", actor_id=actor_id,
                              target=action, ip=c.ip, user_agent=c.user_agent)
    raise PermissionDenied("Administrators only.")


def set_role(session: Session, *, admin: User | SessionInfo, user_id: uuid.UUID, role: str,
             client: Client) -> User:
    """Give a user the role `user` or `admin` (admins only; audited)."""
    require_admin(admin, session=session, action="set_role", client=client)
    if role not in ROLES:
        raise invalid("invalid_role", f"Role must be one of {', '.join(ROLES)}.")
    user = get_user(session, user_id=user_id)
    old, user.role = user.role, role
    session.add(user)
    audit.append(session, action="role.change", actor_id=_id(admin), target=f"user:{user.id}",
                 ip=client.ip, user_agent=client.user_agent, details={"from": old, "to": role})
    session.commit()
    return user


def set_active(session: Session, *, admin: User | SessionInfo, user_id: uuid.UUID, active: bool,
               client: Client) -> User:
    """Enable or disable an account; disabling revokes its sessions and API tokens at once."""
    require_admin(admin, session=session, action="set_active", client=client)
    user = get_user(session, user_id=user_id)
    user.is_active = active
    if not active:
        user.tokens_valid_after = utcnow()
        api_tokens.revoke_all_for_user(session, user_id=user.id)
    session.add(user)
    audit.append(session, action="account.enable" if active else "account.disable", actor_id=_id(admin),
                 target=f"user:{user.id}", ip=client.ip, user_agent=client.user_agent)
    session.commit()
    if not active:
        revoke_all_sessions(session, user_id=user.id, client=client, actor_id=_id(admin),
                            reason="account_disabled")
    return user


def _id(actor: User | SessionInfo) -> uuid.UUID:
    return actor.id if isinstance(actor, User) else actor.user_id


def create_admin(session: Session, *, email: str, password: str, display_name: str = "Admin") -> User:
    """Create a verified admin, or promote an existing account (password then replaced)."""
    email = normalise_email(email)
    passwords.check_policy(password)
    user = find_by_email(session, email) or User(email=email, display_name=display_name)
    user.role, user.email_verified, user.is_active = "admin", True, True
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = utcnow()
    session.add(user)
    session.flush()
    audit.append(session, action="role.change", actor_id=None, target=f"user:{user.id}",
                 user_agent="cli", details={"to": "admin", "via": "create-admin"})
    session.commit()
    return user


def ensure_demo_user(session: Session) -> tuple[str, str]:
    """Create the verified demo user once; returns (email, password) for the run command to print."""
    if find_by_email(session, DEMO_EMAIL) is None:
        user = User(email=DEMO_EMAIL, display_name="Demo Artist", email_verified=True,
                    password_hash=passwords.hash_password(DEMO_PASSWORD))
        session.add(user)
        session.flush()
        audit.append(session, action="signup", actor_id=user.id, target=f"user:{user.id}",
                     user_agent="demo", details={"demo": True})
        session.commit()
    return DEMO_EMAIL, DEMO_PASSWORD


def list_users(session: Session, *, admin: User | SessionInfo, query: str = "", limit: int = 200,
               client: Client | None = None) -> list[User]:
    """Users for the admin page, newest first, optionally filtered by email or name (admins only)."""
    from sqlmodel import col, or_, select

    require_admin(admin, session=session, action="list_users", client=client)
    stmt = select(User).order_by(col(User.created_at).desc()).limit(max(1, min(limit, 500)))
    needle = query.strip().lower()[:100]
    if needle:
        pattern = f"%{needle}%"
        stmt = stmt.where(or_(col(User.email).ilike(pattern), col(User.display_name).ilike(pattern)))
    return list(session.exec(stmt).all())
