"""Forgot / reset password: identical answers, 3/hour cap, single-use tokens."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session

from maxbooster.models.accounts import AccountToken
from maxbooster.services.accounts import account_changes, recovery, sessions, users
from maxbooster.services.accounts.common import utcnow
from maxbooster.services.actor import Actor
from maxbooster.services.email.outbox import list_outbox
from maxbooster.services.errors import InvalidInput
from tests.support import accounts as fx
from tests.support.accounts import PASSWORD, actor_for, make_user

acct_env = fx.acct_env
C = Actor.anonymous(ip="198.51.100.2", user_agent="pytest")
NEW = "a fresh long passphrase"


def _reset_tokens(session: Session, to: str) -> list[str]:
    return [re.search(r"token=([A-Za-z0-9_\-]+)", m.text_body).group(1)  # type: ignore[union-attr]
            for m in list_outbox(session=session, to=to)]


def test_known_and_unknown_emails_get_the_same_result(session: Session, acct_env: object) -> None:
    make_user(session)
    assert recovery.forgot_password(session=session, email="alice@example.com", actor=C) is None
    assert recovery.forgot_password(session=session, email="ghost@example.com", actor=C) is None
    assert recovery.forgot_password(session=session, email="not an email", actor=C) is None
    assert len(list_outbox(session=session, to="alice@example.com")) == 1
    assert list_outbox(session=session, to="ghost@example.com") == []
    assert "http://localhost:3000/reset?token=" in list_outbox(session=session, to="alice@example.com")[0].text_body


def test_at_most_three_reset_emails_per_hour(session: Session, acct_env: object) -> None:
    make_user(session)
    for _ in range(6):
        recovery.forgot_password(session=session, email="alice@example.com", actor=C)
    assert len(list_outbox(session=session, to="alice@example.com")) == 3


def test_reset_token_is_single_use_and_revokes_sessions(session: Session, acct_env: object) -> None:
    user = make_user(session)
    raw_session = users.login(session=session, email=user.email, password=PASSWORD, actor=C)[1]
    recovery.forgot_password(session=session, email=user.email, actor=C)
    token = _reset_tokens(session, user.email)[0]
    recovery.reset_password(session=session, token=token, new_password=NEW, actor=C)
    assert sessions.validate_session(raw_session, session=session) is None
    with pytest.raises(InvalidInput) as err:
        recovery.reset_password(session=session, token=token, new_password="another passphrase", actor=C)
    assert err.value.code == "invalid_token"
    assert users.login(session=session, email=user.email, password=NEW, actor=C)[1]


def test_newer_token_invalidates_older(session: Session, acct_env: object) -> None:
    user = make_user(session)
    recovery.forgot_password(session=session, email=user.email, actor=C)
    recovery.forgot_password(session=session, email=user.email, actor=C)
    newest, older = _reset_tokens(session, user.email)
    with pytest.raises(InvalidInput):
        recovery.reset_password(session=session, token=older, new_password=NEW, actor=C)
    recovery.reset_password(session=session, token=newest, new_password=NEW, actor=C)


def test_password_change_invalidates_reset_token(session: Session, acct_env: object) -> None:
    user = make_user(session)
    recovery.forgot_password(session=session, email=user.email, actor=C)
    token = _reset_tokens(session, user.email)[0]
    account_changes.change_password(session=session, actor=actor_for(user), current_password=PASSWORD,
                                    new_password=NEW)
    with pytest.raises(InvalidInput):
        recovery.reset_password(session=session, token=token, new_password="yet another phrase", actor=C)


def test_expired_token_is_refused(session: Session, acct_env: object) -> None:
    user = make_user(session)
    recovery.forgot_password(session=session, email=user.email, actor=C)
    token = _reset_tokens(session, user.email)[0]
    session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    with pytest.raises(InvalidInput):
        recovery.reset_password(session=session, token=token, new_password=NEW, actor=C)


def test_weak_new_password_keeps_the_token_usable(session: Session, acct_env: object) -> None:
    user = make_user(session)
    recovery.forgot_password(session=session, email=user.email, actor=C)
    token = _reset_tokens(session, user.email)[0]
    with pytest.raises(InvalidInput) as err:
        recovery.reset_password(session=session, token=token, new_password="password1", actor=C)
    assert err.value.code == "common_password"
    recovery.reset_password(session=session, token=token, new_password=NEW, actor=C)
