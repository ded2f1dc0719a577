"""Password policy and argon2id hashing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session

from maxbooster.services.accounts import passwords, users
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput
from maxbooster.settings import Settings, get_settings
from tests.support import accounts as fx
from tests.support.accounts import PASSWORD, make_user

acct_env = fx.acct_env

def test_production_defaults_are_owasp_argon2id() -> None:
    s = Settings()
    assert (s.password_hash_memory_kib, s.password_hash_time_cost, s.password_hash_parallelism) == (19456, 2, 1)


def test_hash_is_argon2id_and_verifies(acct_env: Path) -> None:
    h = passwords.hash_password(PASSWORD)
    assert h.startswith("$argon2id$")
    assert passwords.verify_password(h, PASSWORD)
    assert not passwords.verify_password(h, PASSWORD + "x")
    assert not passwords.verify_password(None, PASSWORD)


def test_64_emoji_and_long_unicode_passwords_work(acct_env: Path) -> None:
    emoji = "🎸" * 64  # 256 bytes in UTF-8: bcrypt would raise past 72 bytes
    long_text = "ünïcødé-" * 16  # 128 characters
    for pw in (emoji, long_text):
        passwords.check_policy(pw)
        assert passwords.verify_password(passwords.hash_password(pw), pw)
    assert not passwords.verify_password(passwords.hash_password(emoji), "🎸" * 63 + "🎹")


@pytest.mark.parametrize("pw,code", [("short7!", "password_too_short"), ("x" * 257, "password_too_long"),
                                     ("password123", "common_password"), ("PassWord123", "common_password"),
                                     ("Iloveyou1", "common_password"), ("qwertyuiop", "common_password")])
def test_policy_refusals(pw: str, code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        passwords.check_policy(pw)
    assert err.value.code == code


def test_no_composition_rules() -> None:
    passwords.check_policy("all lowercase words here")  # no digit/symbol/upper needed
    passwords.check_policy("12345678901234567890987")


def test_common_list_is_shipped_and_small() -> None:
    path = Path(passwords.__file__).parent / "data" / "common_passwords.txt"
    assert len(passwords.common_passwords()) >= 1000
    assert path.stat().st_size < 20 * 1024


def test_login_rehashes_when_parameters_change(session: Session, acct_env: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    user = make_user(session)
    old_hash = user.password_hash
    monkeypatch.setenv("PASSWORD_HASH_MEMORY_KIB", "512")
    get_settings.cache_clear()
    users.login(session=session, email=user.email, password=PASSWORD, actor=Actor.anonymous(ip="1.2.3.4"))
    session.refresh(user)
    assert user.password_hash != old_hash and "m=512" in (user.password_hash or "")
    assert passwords.verify_password(user.password_hash, PASSWORD)
