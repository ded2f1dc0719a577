"""Server-side sessions on the database store and the Redis store."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from maxbooster.models.accounts import AuthSession
from maxbooster.services.accounts import account_changes, sessions, users
from maxbooster.services.accounts.common import hash_token, utcnow
from maxbooster.services.accounts.session_store import get_store
from maxbooster.services.actor import Actor
from maxbooster.services.admin import users as admin
from tests.support import accounts as fx
from tests.support.accounts import PASSWORD, actor_for, make_user

acct_env = fx.acct_env
redis_env = fx.redis_env
store_env = fx.store_env

C = Actor.anonymous(ip="203.0.113.7", user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0")


def test_login_issues_a_new_256_bit_id_each_time(session: Session, store_env: str) -> None:
    user = make_user(session)
    ids = {users.login(session=session, email=user.email, password=PASSWORD, actor=C)[1] for _ in range(3)}
    assert len(ids) == 3 and all(len(i) >= 43 for i in ids)  # 32 random bytes, base64url
    for raw in ids:
        info = sessions.validate_session(raw, session=session)
        assert info is not None and info.user_id == user.id


def test_only_the_hash_is_stored(session: Session, store_env: str) -> None:
    user = make_user(session)
    _, raw = users.login(session=session, email=user.email, password=PASSWORD, actor=C)
    store = get_store(session=session)
    assert store.get(hash_token(raw)) is not None
    assert store.get(raw) is None
    if store_env == "db":
        ids = session.execute(select(AuthSession.id_hash)).scalars().all()
        assert ids == [hash_token(raw)]


def test_revoked_session_is_refused_on_next_validation(session: Session, store_env: str) -> None:
    user = make_user(session)
    _, raw = users.login(session=session, email=user.email, password=PASSWORD, actor=C)
    assert sessions.validate_session(raw, session=session) is not None
    info = sessions.validate_session(raw, session=session)
    assert info is not None
    assert sessions.revoke_session(session=session, actor=actor_for(user), session_id=info.session_id)
    assert sessions.validate_session(raw, session=session) is None


def test_logout_ends_the_session(session: Session, store_env: str) -> None:
    user = make_user(session)
    _, raw = users.login(session=session, email=user.email, password=PASSWORD, actor=C)
    sessions.end_session(session=session, raw_id=raw, actor=C)
    assert sessions.validate_session(raw, session=session) is None


def test_idle_and_absolute_expiry(session: Session, store_env: str) -> None:
    user = make_user(session)
    store = get_store(session=session)
    for field in ("idle_expires_at", "absolute_expires_at"):
        raw = sessions.create_session(session=session, user_id=user.id, actor=C)
        rec = store.get(hash_token(raw))
        assert rec is not None
        setattr(rec, field, utcnow() - timedelta(seconds=1))
        store.put(rec) if store_env == "db" else _put_redis_without_ttl(store, rec)
        assert sessions.validate_session(raw, session=session) is None


def _put_redis_without_ttl(store: object, rec: sessions.SessionRecord) -> None:
    # Redis would drop an expired key by itself; write it with a TTL in the future to prove
    # validate_session checks the timestamps too.
    rec_copy = sessions.SessionRecord(**{**rec.__dict__})
    saved = rec_copy.idle_expires_at, rec_copy.absolute_expires_at
    rec_copy.idle_expires_at = rec_copy.absolute_expires_at = utcnow() + timedelta(minutes=5)
    store.put(rec_copy)  # type: ignore[attr-defined]
    rec_copy.idle_expires_at, rec_copy.absolute_expires_at = saved
    import json

    key = f"{store.prefix}:sess:{rec.id_hash}"  # type: ignore[attr-defined]
    data = json.loads(store.r.get(key))  # type: ignore[attr-defined]
    data["idle_expires_at"], data["absolute_expires_at"] = saved[0].isoformat(), saved[1].isoformat()
    store.r.set(key, json.dumps(data), keepttl=True)  # type: ignore[attr-defined]


def test_default_lifetimes(session: Session, acct_env: object) -> None:
    user = make_user(session)
    store = get_store(session=session)
    short = store.get(hash_token(sessions.create_session(session=session, user_id=user.id, actor=C)))
    long = store.get(hash_token(sessions.create_session(session=session, user_id=user.id, actor=C, remember=True)))
    assert short and long
    assert abs((short.idle_expires_at - short.created_at) - timedelta(hours=12)) < timedelta(seconds=5)
    assert abs((long.idle_expires_at - long.created_at) - timedelta(days=7)) < timedelta(seconds=5)
    assert abs((long.absolute_expires_at - long.created_at) - timedelta(days=30)) < timedelta(seconds=5)


def test_list_and_sign_out_everywhere_else(session: Session, store_env: str) -> None:
    user = make_user(session)
    raws = [users.login(session=session, email=user.email, password=PASSWORD, actor=C)[1] for _ in range(3)]
    me = sessions.validate_session(raws[0], session=session)
    assert me is not None
    listed = sessions.list_sessions(session=session, actor=actor_for(user), current_session_id=me.session_id)
    assert len(listed) == 3 and sum(v.current for v in listed) == 1
    assert listed[0].device == "Firefox on Linux" and listed[0].ip == C.ip
    assert sessions.revoke_all_sessions(session=session, user_id=user.id, actor=C, keep_session_id=me.session_id) == 2
    assert sessions.validate_session(raws[0], session=session) is not None
    assert [sessions.validate_session(r, session=session) for r in raws[1:]] == [None, None]


def test_password_change_revokes_others_and_rotates_current(session: Session, store_env: str) -> None:
    user = make_user(session)
    current = users.login(session=session, email=user.email, password=PASSWORD, actor=C)[1]
    other = users.login(session=session, email=user.email, password=PASSWORD, actor=C)[1]
    new_raw = account_changes.change_password(session=session, actor=actor_for(user), current_password=PASSWORD,
                                              new_password="a brand new passphrase",
                                              current_raw_id=current)
    assert new_raw and new_raw != current
    assert sessions.validate_session(current, session=session) is None
    assert sessions.validate_session(other, session=session) is None
    assert sessions.validate_session(new_raw, session=session) is not None


def test_admin_disabling_account_revokes_sessions(session: Session, store_env: str) -> None:
    boss = make_user(session, "boss@example.com", role="admin")
    user = make_user(session)
    raw = users.login(session=session, email=user.email, password=PASSWORD, actor=C)[1]
    admin.set_active(session=session, actor=actor_for(boss), user_id=user.id, active=False)
    assert sessions.validate_session(raw, session=session) is None
    assert get_store(session=session).list_for_user(user.id) == []


def test_deleted_account_sessions_are_gone(session: Session, store_env: str) -> None:
    user = make_user(session)
    raw = users.login(session=session, email=user.email, password=PASSWORD, actor=C)[1]
    account_changes.delete_account(session=session, actor=actor_for(user), password=PASSWORD,
                                   confirm_email=user.email)
    assert sessions.validate_session(raw, session=session) is None


@pytest.mark.parametrize("raw", [None, "", "x" * 500, "not-a-session"])
def test_garbage_ids_are_refused(session: Session, acct_env: object, raw: str | None) -> None:
    assert sessions.validate_session(raw, session=session) is None
