"""Tokens at rest: the database never holds a token in clear; keys rotate (new first, old still
decrypts, `rotate-keys` moves every row to the new key); bad key settings are clear errors."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlmodel import Session

from maxbooster import cli
from maxbooster.models.social import SocialAccount, SocialPostVariant
from maxbooster.services.social import crypto
from maxbooster.settings import ConfigError, Settings, get_settings
from tests.social.mastodon_server import MastodonServer
from tests.social.support import connect_mastodon, mastodon, schedule, social_env
from tests.support import accounts as fx
from tests.support.accounts import make_user

acct_env, social_env, mastodon = fx.acct_env, social_env, mastodon


def _raw_columns(session: Session) -> list[str]:
    rows = session.execute(text("SELECT access_token_enc, refresh_token_enc FROM social_accounts")).all()
    apps = session.execute(text("SELECT client_secret_enc FROM social_apps")).all()
    uploads = session.execute(text("SELECT upload_session_enc FROM social_post_variants")).all()
    return [v for row in [*rows, *apps, *uploads] for v in row if v]


def _use_keys(monkeypatch: pytest.MonkeyPatch, *keys: bytes) -> None:
    monkeypatch.setenv("SOCIAL_TOKEN_KEYS", ",".join(k.decode() for k in keys))
    get_settings.cache_clear()


def test_the_database_holds_no_token_in_clear(session: Session, social_env: Path, mastodon: MastodonServer) -> None:
    mastodon.knobs.expiring_tokens = True  # an access and a refresh token
    account = connect_mastodon(session, make_user(session), mastodon)
    (issued,) = mastodon.tokens
    (refresh,) = mastodon.refresh
    (app,) = mastodon.apps.values()
    stored = _raw_columns(session)
    assert len(stored) == 3
    for secret in (issued, refresh, app["client_secret"]):
        assert all(secret not in value for value in stored)
    assert crypto.decrypt(account.access_token_enc or "") == issued


def test_rotation_reads_old_rows_and_moves_them_to_the_new_key(session: Session, social_env: Path,
                                                               mastodon: MastodonServer,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    _use_keys(monkeypatch, old)
    user = make_user(session)
    account = connect_mastodon(session, user, mastodon)
    (issued,) = mastodon.tokens
    variant = schedule(session, user, account, "Uploading")  # a resumable upload's session URL, as a worker left it
    variant.upload_session_enc = crypto.encrypt("https://upload.example/session?upload_id=abc")
    session.add(variant)
    session.commit()
    before = _raw_columns(session)

    _use_keys(monkeypatch, new, old)  # the new key first: it encrypts, the old one still decrypts
    assert crypto.decrypt(account.access_token_enc or "") == issued
    assert cli.main(["social", "rotate-keys"]) == 0
    session.expire_all()
    after = _raw_columns(session)
    assert len(after) == len(before) == 3 and not set(after) & set(before)

    _use_keys(monkeypatch, new)  # the old key is gone: every row still reads
    row = session.get(SocialAccount, account.id)
    assert row is not None and crypto.decrypt(row.access_token_enc or "") == issued
    uploading = session.get(SocialPostVariant, variant.id)
    assert uploading is not None and crypto.decrypt(uploading.upload_session_enc or "").endswith("upload_id=abc")

    _use_keys(monkeypatch, Fernet.generate_key())  # a key that made none of them
    with pytest.raises(crypto.TokenUnreadable):
        crypto.decrypt(row.access_token_enc or "")
    assert cli.main(["social", "rotate-keys"]) == 1  # refused, nothing changed
    session.expire_all()
    assert _raw_columns(session) == after


def test_a_token_decrypted_under_the_development_key_comes_from_secret_key(session: Session, social_env: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    sealed = crypto.encrypt("token-1")
    monkeypatch.setenv("SECRET_KEY", "another-secret-" + "y" * 32)
    get_settings.cache_clear()
    with pytest.raises(crypto.TokenUnreadable):
        crypto.decrypt(sealed)


def test_bad_or_missing_keys_are_clear_errors(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MAXBOOSTER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SOCIAL_TOKEN_KEYS", f"{Fernet.generate_key().decode()},not-a-key")
    with pytest.raises(ValueError, match="SOCIAL_TOKEN_KEYS: key 2 is not a Fernet key"):
        Settings()
    monkeypatch.delenv("SOCIAL_TOKEN_KEYS")
    monkeypatch.setenv("MAXBOOSTER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    with pytest.raises(ConfigError, match="SOCIAL_TOKEN_KEYS must be set"):
        _ = Settings().social_token_keys
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://music.example.com")
    Settings().check_production()
    monkeypatch.setenv("SOCIAL_ALLOW_PRIVATE_INSTANCES", "true")
    with pytest.raises(ConfigError, match="SOCIAL_ALLOW_PRIVATE_INSTANCES=true is for tests only"):
        Settings().check_production()


def test_the_connect_transaction_expires(session: Session, social_env: Path) -> None:
    sealed = crypto.seal("social-connect", {"uid": "u"})
    assert crypto.unseal("social-connect", sealed, ttl_s=600) == {"p": "social-connect", "uid": "u"}
    assert crypto.unseal("other-purpose", sealed, ttl_s=600) is None
    time.sleep(2.1)  # Fernet keeps whole seconds: two of them are surely past a one-second TTL
    assert crypto.unseal("social-connect", sealed, ttl_s=1) is None
