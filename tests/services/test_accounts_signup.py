"""Sign-up, email verification, login rules, profile allow-list, email change, deletion."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlmodel import Session

from maxbooster.models.accounts import AccountToken, User
from maxbooster.services.accounts import account_changes, admin, users
from maxbooster.services.accounts.common import AuthenticationFailed, Client
from maxbooster.services.email.outbox import list_outbox
from maxbooster.services.errors import InvalidInput, NotFound
from tests.services import accounts_fixtures as fx
from tests.services.accounts_fixtures import PASSWORD, make_user

acct_env = fx.acct_env
C = Client("198.51.100.1", "pytest")


def _token_from(session: Session, to: str) -> str:
    body = list_outbox(session, to=to)[0].text_body
    match = re.search(r"token=([A-Za-z0-9_\-%]+)", body)
    assert match, body
    return match.group(1)


def test_signup_normalises_email_and_sends_verification(session: Session, acct_env: object) -> None:
    user = users.signup(session, email="  Alice@Example.COM ", password=PASSWORD, display_name=" Alice  B ",
                        client=C)
    assert user is not None and user.email == "alice@example.com" and user.display_name == "Alice B"
    assert not user.email_verified and user.role == "user" and user.plan == "free"
    mail = list_outbox(session, to="alice@example.com")
    assert len(mail) == 1 and "http://localhost:8000/api/auth/verify-email?token=" in mail[0].text_body
    stored = session.execute(select(AccountToken.token_hash)).scalars().all()
    assert _token_from(session, "alice@example.com") not in stored  # only the hash is kept


@pytest.mark.parametrize("email", ["no-at-sign", "a@b", "two@@example.com", "sp ace@example.com"])
def test_signup_rejects_bad_email(session: Session, acct_env: object, email: str) -> None:
    with pytest.raises(InvalidInput):
        users.signup(session, email=email, password=PASSWORD, display_name="A", client=C)


def test_signup_refuses_common_password(session: Session, acct_env: object) -> None:
    with pytest.raises(InvalidInput) as err:
        users.signup(session, email="a@example.com", password="Password123", display_name="A", client=C)
    assert err.value.code == "common_password"
    assert session.execute(select(User)).first() is None


def test_duplicate_signup_answers_alike_and_emails_owner(session: Session, acct_env: object) -> None:
    make_user(session)
    assert users.signup(session, email="alice@example.com", password="other pass phrase", display_name="X",
                        client=C) is None
    assert list_outbox(session, to="alice@example.com")[0].subject == "You already have a Max Booster account"


def test_verify_then_login(session: Session, acct_env: object) -> None:
    users.signup(session, email="bob@example.com", password=PASSWORD, display_name="Bob", client=C)
    with pytest.raises(users.EmailNotVerified):
        users.login(session, email="bob@example.com", password=PASSWORD, client=C)
    token = _token_from(session, "bob@example.com")
    user, purpose = users.verify_email(session, token=token, client=C)
    assert purpose == "verify_email" and user.email_verified
    with pytest.raises(InvalidInput):
        users.verify_email(session, token=token, client=C)  # single use
    assert users.login(session, email="bob@example.com", password=PASSWORD, client=C)[1]


def test_unknown_and_known_email_failures_are_identical(session: Session, acct_env: object) -> None:
    make_user(session)
    errors = []
    for email in ("alice@example.com", "nobody@example.com"):
        with pytest.raises(AuthenticationFailed) as err:
            users.login(session, email=email, password="wrong password!", client=C)
        errors.append((type(err.value), err.value.code, err.value.message))
    assert errors[0] == errors[1]


def test_profile_update_ignores_privileged_fields(session: Session, acct_env: object) -> None:
    user = make_user(session, verified=False)
    users.update_profile(session, user_id=user.id, data={
        "display_name": "New Name", "role": "admin", "plan": "label", "email_verified": True,
        "is_active": False, "email": "evil@example.com", "password_hash": "x"})
    fresh = users.get_user(session, user_id=user.id)
    assert (fresh.display_name, fresh.role, fresh.plan, fresh.email_verified, fresh.is_active, fresh.email) == \
        ("New Name", "user", "free", False, True, "alice@example.com")


def test_email_change_needs_reverification(session: Session, acct_env: object) -> None:
    user = make_user(session)
    with pytest.raises(InvalidInput):
        account_changes.request_email_change(session, user_id=user.id, password="wrong one!",
                                             new_email="new@example.com", client=C)
    account_changes.request_email_change(session, user_id=user.id, password=PASSWORD,
                                         new_email="New@Example.com", client=C)
    assert users.get_user(session, user_id=user.id).email == "alice@example.com"
    _, purpose = users.verify_email(session, token=_token_from(session, "new@example.com"), client=C)
    assert purpose == "change_email"
    assert users.get_user(session, user_id=user.id).email == "new@example.com"


def test_delete_account_requires_password(session: Session, acct_env: object) -> None:
    user = make_user(session)
    with pytest.raises(InvalidInput):
        account_changes.delete_account(session, user_id=user.id, password="nope nope", client=C)
    account_changes.delete_account(session, user_id=user.id, password=PASSWORD, client=C)
    with pytest.raises(NotFound):
        users.get_user(session, user_id=user.id)


def test_demo_user_is_idempotent_and_can_log_in(session: Session, acct_env: object) -> None:
    first = admin.ensure_demo_user(session)
    assert admin.ensure_demo_user(session) == first == (admin.DEMO_EMAIL, admin.DEMO_PASSWORD)
    assert len(session.execute(select(User)).all()) == 1
    assert users.login(session, email=first[0], password=first[1], client=C)[1]


def test_create_admin_and_role_guard(session: Session, acct_env: object) -> None:
    boss = admin.create_admin(session, email="root@example.com", password=PASSWORD)
    user = make_user(session)
    assert boss.role == "admin" and boss.email_verified
    with pytest.raises(admin.PermissionDenied):
        admin.set_role(session, admin=user, user_id=user.id, role="admin", client=C)
    assert admin.set_role(session, admin=boss, user_id=user.id, role="admin", client=C).role == "admin"
