"""Admin › Users: list, change role, give a plan for free (services/billing/comp.py), disable/enable,
verify, resend verification.

Every function requires an admin actor (denials are audited) and records what it changed. The
last active admin can be neither demoted nor disabled, so the platform never loses its admins.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session, col, or_, select

from maxbooster.models.accounts import PlanKey, Role, User
from maxbooster.models.billing import BillingComp
from maxbooster.services import audit, plans
from maxbooster.services.access import require_admin
from maxbooster.services.accounts import api_tokens
from maxbooster.services.accounts.common import utcnow
from maxbooster.services.accounts.sessions import revoke_all_sessions
from maxbooster.services.accounts.users import get_user, is_last_active_admin, send_verification
from maxbooster.services.actor import Actor
from maxbooster.services.billing import comp
from maxbooster.services.billing import state as billing_state
from maxbooster.services.errors import ErrorCode, invalid


def list_users(*, session: Session, actor: Actor, query: str = "", limit: int = 200) -> list[User]:
    """Users for the admin page, newest first, optionally filtered by email or name."""
    require_admin(session=session, actor=actor, action="list_users")
    stmt = select(User).order_by(col(User.created_at).desc()).limit(max(1, min(limit, 500)))
    needle = query.strip().lower()[:100]
    if needle:
        pattern = f"%{needle}%"
        stmt = stmt.where(or_(col(User.email).ilike(pattern), col(User.display_name).ilike(pattern)))
    return list(session.exec(stmt).all())


def get_user_for_admin(*, session: Session, actor: Actor, user_id: uuid.UUID) -> User:
    require_admin(session=session, actor=actor, action="get_user")
    return get_user(session=session, user_id=user_id)


def set_role(*, session: Session, actor: Actor, user_id: uuid.UUID, role: str) -> User:
    """Give a user the role `user` or `admin`; the last active admin keeps theirs."""
    require_admin(session=session, actor=actor, action="set_role")
    if role not in set(Role):
        raise invalid(ErrorCode.INVALID_ROLE)
    user = get_user(session=session, user_id=user_id)
    if role != Role.ADMIN and is_last_active_admin(session=session, user=user):
        raise invalid(ErrorCode.LAST_ADMIN)
    old, user.role = user.role, Role(role)
    session.add(user)
    audit.record(session, actor, "role.change", target=f"user:{user.id}", details={"from": old, "to": role})
    session.commit()
    return user


def set_active(*, session: Session, actor: Actor, user_id: uuid.UUID, active: bool) -> User:
    """Enable or disable an account; disabling revokes its sessions and API tokens at once."""
    require_admin(session=session, actor=actor, action="set_active")
    user = get_user(session=session, user_id=user_id)
    if not active and is_last_active_admin(session=session, user=user):
        raise invalid(ErrorCode.LAST_ADMIN)
    user.is_active = active
    if not active:
        user.tokens_valid_after = utcnow()
        api_tokens.revoke_all_for_user(session=session, user_id=user.id)
    session.add(user)
    audit.record(session, actor, "account.enable" if active else "account.disable", target=f"user:{user.id}")
    session.commit()
    if not active:
        revoke_all_sessions(session=session, actor=actor, user_id=user.id, reason="account_disabled")
    return user


def set_plan(*, session: Session, actor: Actor, user_id: uuid.UUID, plan: str) -> User:
    """Give a paid plan for free with no end date (a comp, kept through webhooks), or Free: take the comp
    back, so the user has what they pay for. Audited."""
    require_admin(session=session, actor=actor, action="set_plan")
    key = plans.get_plan(plan).key
    user = get_user(session=session, user_id=user_id)
    if key != PlanKey.FREE:
        comp.grant_comp(session=session, actor=actor, user_id=user.id, plan=key)
    elif session.get(BillingComp, user.id) is not None:
        comp.revoke_comp(session=session, actor=actor, user_id=user.id)
    else:
        old = user.plan
        billing_state.refresh_owner(session=session, owner_id=user.id, managed=True)
        audit.record(session, actor, "plan.change", target=f"user:{user.id}", details={"from": old, "to": key})
        session.commit()
    return get_user(session=session, user_id=user.id)


def mark_verified(*, session: Session, actor: Actor, user_id: uuid.UUID) -> User:
    """Confirm a user's email on their behalf (e.g. a self-hosted install without email)."""
    require_admin(session=session, actor=actor, action="mark_verified")
    user = get_user(session=session, user_id=user_id)
    if not user.email_verified:
        user.email_verified = True
        session.add(user)
        audit.record(session, actor, "email.verify", target=f"user:{user.id}", details={"by": "admin"})
        session.commit()
    return user


def resend_verification(*, session: Session, actor: Actor, user_id: uuid.UUID) -> User:
    """Email the user a new verification link (older links stop working)."""
    require_admin(session=session, actor=actor, action="resend_verification")
    user = get_user(session=session, user_id=user_id)
    if user.email_verified:
        raise invalid(ErrorCode.INVALID_INPUT, "That email address is already confirmed.")
    send_verification(session=session, user=user)
    audit.record(session, actor, "email.verification_resent", target=f"user:{user.id}")
    session.commit()
    return user
