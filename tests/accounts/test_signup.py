"""Sign-up, email verification, login rules, profile allow-list, email change, deletion."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlmodel import Session

from maxbooster.models.accounts import AccountToken, User
from maxbooster.services.accounts import account_changes, bootstrap, users
from maxbooster.services.actor import Actor
from maxbooster.services.admin import users as admin
from maxbooster.services.email.outbox import list_outbox
from maxbooster.services.errors import AuthenticationFailed, InvalidInput, NotFound, PermissionDenied
from tests.support import accounts as fx
from tests.support.accounts import PASSWORD, actor_for, make_user

acct_env = fx.acct_env
C = Actor.anonymous(ip="198.51.100.1", user_agent="pytest")


def _token_from(session: Session, to: str) -> str:
    body = list_outbox(session=session, to=to)[0].text_body
    match = re.search(r"token=([A-Za-z0-9_\-%]+)", body)
    assert match, body
    return match.group(1)


def test_signup_normalises_email_and_sends_verification(session: Session, acct_env: object) -> None:
    user = users.signup(session=session, email="  Alice@Example.COM ", password=PASSWORD, display_name=" Alice  B ",
                        actor=C)
    assert user is not None and user.email == "alice@example.com" and user.display_name == "Alice B"
    assert not user.email_verified and user.role == "user" and user.plan == "free"
    mail = list_outbox(session=session, to="alice@example.com")
    assert len(mail) == 1 and "http://localhost:8000/api/auth/verify-email?token=" in mail[0].text_body
    stored = session.execute(select(AccountToken.token_hash)).scalars().all()
    assert _token_from(session, "alice@example.com") not in stored  # only the hash is kept


@pytest.mark.parametrize("email", ["no-at-sign", "a@b", "two@@example.com", "sp ace@example.com"])
def test_signup_rejects_bad_email(session: Session, acct_env: object, email: str) -> None:
    with pytest.raises(InvalidInput):
        users.signup(session=session, email=email, password=PASSWORD, display_name="A", actor=C)


def test_signup_refuses_common_password(session: Session, acct_env: object) -> None:
    with pytest.raises(InvalidInput) as err:
        users.signup(session=session, email="a@example.com", password="Password123", display_name="A", actor=C)
    assert err.value.code == "common_password"
    assert session.execute(select(User)).first() is None


def test_duplicate_signup_answers_alike_and_emails_owner(session: Session, acct_env: object) -> None:
    make_user(session)
    assert users.signup(session=session, email="alice@example.com", password="other pass phrase", display_name="X",
                        actor=C) is None
    assert list_outbox(session=session, to="alice@example.com")[0].subject == "You already have a Max Booster account"


def test_verify_then_login(session: Session, acct_env: object) -> None:
    users.signup(session=session, email="bob@example.com", password=PASSWORD, display_name="Bob", actor=C)
    with pytest.raises(users.EmailNotVerified):
        users.login(session=session, email="bob@example.com", password=PASSWORD, actor=C)
    token = _token_from(session, "bob@example.com")
    user, purpose = users.verify_email(session=session, token=token, actor=C)
    assert purpose == "verify_email" and user.email_verified
    with pytest.raises(InvalidInput):
        users.verify_email(session=session, token=token, actor=C)  # single use
    assert users.login(session=session, email="bob@example.com", password=PASSWORD, actor=C)[1]


def test_unknown_and_known_email_failures_are_identical(session: Session, acct_env: object) -> None:
    make_user(session)
    errors = []
    for email in ("alice@example.com", "nobody@example.com"):
        with pytest.raises(AuthenticationFailed) as err:
            users.login(session=session, email=email, password="wrong password!", actor=C)
        errors.append((type(err.value), err.value.code, err.value.message))
    assert errors[0] == errors[1]


def test_profile_update_ignores_privileged_fields(session: Session, acct_env: object) -> None:
    user = make_user(session, verified=False)
    users.update_profile(session=session, actor=actor_for(user), data={
        "display_name": "New Name", "role": "admin", "plan": "label", "email_verified": True,
        "is_active": False, "email": "evil@example.com", "password_hash": "x"})
    fresh = users.get_user(session=session, user_id=user.id)
    assert (fresh.display_name, fresh.role, fresh.plan, fresh.email_verified, fresh.is_active, fresh.email) == \
        ("New Name", "user", "free", False, True, "alice@example.com")


def test_email_change_needs_reverification(session: Session, acct_env: object) -> None:
    user = make_user(session)
    with pytest.raises(InvalidInput):
        account_changes.request_email_change(session=session, actor=actor_for(user), password="wrong one!",
                                             new_email="new@example.com")
    account_changes.request_email_change(session=session, actor=actor_for(user), password=PASSWORD,
                                         new_email="New@Example.com")
    assert users.get_user(session=session, user_id=user.id).email == "alice@example.com"
    _, purpose = users.verify_email(session=session, token=_token_from(session, "new@example.com"), actor=C)
    assert purpose == "change_email"
    assert users.get_user(session=session, user_id=user.id).email == "new@example.com"


def test_delete_account_requires_typed_email_and_password(session: Session, acct_env: object) -> None:
    user = make_user(session)
    with pytest.raises(InvalidInput) as wrong_pw:
        account_changes.delete_account(session=session, actor=actor_for(user), password="nope nope",
                                       confirm_email=user.email)
    with pytest.raises(InvalidInput) as wrong_email:
        account_changes.delete_account(session=session, actor=actor_for(user), password=PASSWORD,
                                       confirm_email="someone@example.com")
    assert (wrong_pw.value.code, wrong_email.value.code) == ("wrong_password", "confirm_email_mismatch")
    assert users.get_user(session=session, user_id=user.id).email == user.email  # nothing changed
    account_changes.delete_account(session=session, actor=actor_for(user), password=PASSWORD,
                                   confirm_email="  ALICE@example.com ")
    with pytest.raises(NotFound):
        users.get_user(session=session, user_id=user.id)


def test_last_admin_cannot_delete_their_account(session: Session, acct_env: object) -> None:
    boss = make_user(session, "boss@example.com", role="admin")
    with pytest.raises(InvalidInput) as err:
        account_changes.delete_account(session=session, actor=actor_for(boss), password=PASSWORD,
                                       confirm_email=boss.email)
    assert err.value.code == "last_admin"
    assert users.get_user(session=session, user_id=boss.id).role == "admin"


def test_demo_user_is_idempotent_and_can_log_in(session: Session, acct_env: object) -> None:
    first = bootstrap.ensure_demo_user(session=session)
    assert bootstrap.ensure_demo_user(session=session) == first == (bootstrap.DEMO_EMAIL, bootstrap.DEMO_PASSWORD)
    assert len(session.execute(select(User)).all()) == 1
    assert users.login(session=session, email=first[0], password=first[1], actor=C)[1]


def test_create_admin_and_role_guard(session: Session, acct_env: object) -> None:
    boss = bootstrap.create_admin(session=session, email="root@example.com", password=PASSWORD)
    user = make_user(session)
    assert boss.role == "admin" and boss.email_verified
    with pytest.raises(PermissionDenied):
        admin.set_role(session=session, actor=actor_for(user), user_id=user.id, role="admin")
    assert admin.set_role(session=session, actor=actor_for(boss), user_id=user.id, role="admin").role == "admin"
