"""Admin › Users rules: admins only, the last admin stays, verify and resend, all audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import Session

from maxbooster.models.audit import AuditLog
from maxbooster.services.accounts import users
from maxbooster.services.admin import outbox
from maxbooster.services.admin import users as admin
from maxbooster.services.errors import InvalidInput, PermissionDenied
from tests.support import accounts as fx
from tests.support.accounts import PASSWORD, actor_for, make_user

acct_env = fx.acct_env


def _actions(session: Session) -> list[str]:
    return list(session.execute(select(AuditLog.action).order_by(AuditLog.seq)).scalars())


def test_last_active_admin_cannot_be_demoted_or_disabled(session: Session, acct_env: object) -> None:
    boss = make_user(session, "boss@example.com", role="admin")
    for change in (lambda: admin.set_role(session=session, actor=actor_for(boss), user_id=boss.id, role="user"),
                   lambda: admin.set_active(session=session, actor=actor_for(boss), user_id=boss.id, active=False)):
        with pytest.raises(InvalidInput) as err:
            change()
        assert err.value.code == "last_admin" and "last active admin" in err.value.message
    stored = users.get_user(session=session, user_id=boss.id)
    assert (stored.role, stored.is_active) == ("admin", True)
    # with a second admin, the first may step down
    deputy = make_user(session, "deputy@example.com", role="admin")
    assert admin.set_role(session=session, actor=actor_for(boss), user_id=boss.id, role="user").role == "user"
    with pytest.raises(InvalidInput):
        admin.set_active(session=session, actor=actor_for(deputy), user_id=deputy.id, active=False)


def test_a_disabled_admin_does_not_count(session: Session, acct_env: object) -> None:
    boss = make_user(session, "boss@example.com", role="admin")
    other = make_user(session, "other@example.com", role="admin")
    admin.set_active(session=session, actor=actor_for(boss), user_id=other.id, active=False)
    with pytest.raises(InvalidInput):
        admin.set_role(session=session, actor=actor_for(boss), user_id=boss.id, role="user")


def test_non_admin_is_refused_everything(session: Session, acct_env: object) -> None:
    user = make_user(session)
    for call in (admin.list_users, admin.set_role, admin.set_plan, admin.mark_verified, outbox.latest):
        kwargs = {"user_id": user.id} if call in (admin.set_role, admin.set_plan, admin.mark_verified) else {}
        if call is admin.set_role:
            kwargs["role"] = "admin"
        if call is admin.set_plan:
            kwargs["plan"] = "label"
        with pytest.raises(PermissionDenied):
            call(session=session, actor=actor_for(user), **kwargs)
    assert users.get_user(session=session, user_id=user.id).role == "user"
    assert _actions(session).count("authz.denied") == 5


def test_mark_verified_and_resend(session: Session, acct_env: object) -> None:
    boss = make_user(session, "boss@example.com", role="admin")
    user = make_user(session, "new@example.com", verified=False)
    admin.resend_verification(session=session, actor=actor_for(boss), user_id=user.id)
    mails = outbox.latest(session=session, actor=actor_for(boss), to="new@example.com")
    assert len(mails) == 1 and mails[0].subject == "Confirm your email for Max Booster"
    links = outbox.links_in(mails[0].text_body)
    assert len(links) == 1 and "/api/auth/verify-email?token=" in links[0]
    assert admin.mark_verified(session=session, actor=actor_for(boss), user_id=user.id).email_verified
    assert users.login(session=session, actor=fx.C, email="new@example.com", password=PASSWORD)[1]
    with pytest.raises(InvalidInput, match="already confirmed"):
        admin.resend_verification(session=session, actor=actor_for(boss), user_id=user.id)
    assert {"email.verification_resent", "email.verify"} <= set(_actions(session))


def test_invalid_role_and_plan(session: Session, acct_env: object) -> None:
    boss = make_user(session, "boss@example.com", role="admin")
    user = make_user(session)
    with pytest.raises(InvalidInput) as role:
        admin.set_role(session=session, actor=actor_for(boss), user_id=user.id, role="root")
    with pytest.raises(InvalidInput) as plan:
        admin.set_plan(session=session, actor=actor_for(boss), user_id=user.id, plan="gold")
    assert (role.value.code, plan.value.code) == ("invalid_role", "invalid_plan")
    stored = users.get_user(session=session, user_id=user.id)
    assert (stored.role, stored.plan) == ("user", "free")
