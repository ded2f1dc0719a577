"""Google login end to end through Authlib against a real local OpenID provider.

Every test runs the real protocol: begin_login builds the URL, the provider's /authorize is
called over HTTP, its redirect is parsed, and complete_login exchanges the code at /token and
verifies the RS256 ID token against the provider's JWKS. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from sqlmodel import Session, func, select

from maxbooster.models import AuditLog, ExternalIdentity, User
from maxbooster.services import audit, ratelimit
from maxbooster.services.accounts import google
from maxbooster.services.accounts.passwords import hash_password
from maxbooster.services.actor import Actor
from maxbooster.services.errors import AuthenticationFailed, InvalidInput, PermissionDenied, RateLimited
from maxbooster.settings import Settings, get_settings
from tests.support.oidc_provider import OIDCProvider, ProviderUser

REDIRECT_URI = "http://testserver/api/auth/google/callback"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def settings(
    app_env: Path, provider: OIDCProvider, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """Settings pointing Google login at the local provider (cheap argon2 for speed)."""
    provider.reset()
    monkeypatch.setenv("GOOGLE_CLIENT_ID", provider.client_id)
    monkeypatch.setenv("GOOGLE_CLIENT_SECRET", provider.client_secret)
    monkeypatch.setenv("GOOGLE_ISSUER", provider.issuer)
    monkeypatch.setenv("SECRET_KEY", "test-secret-key-for-google-login-0123456789")
    monkeypatch.setenv("PASSWORD_HASH_MEMORY_KIB", "1024")
    monkeypatch.setenv("PASSWORD_HASH_TIME_COST", "1")
    get_settings.cache_clear()
    ratelimit.reset_limiter()  # in-memory lockout counters must not leak between tests
    yield get_settings()
    get_settings.cache_clear()
    ratelimit.reset_limiter()


def _authorize(settings: Settings) -> tuple[google.LoginTransaction, dict[str, str]]:
    """begin_login, then the browser's trip to the provider; returns the callback params."""
    url, transaction = google.begin_login(settings=settings, redirect_uri=REDIRECT_URI)
    reply = httpx.get(url, follow_redirects=False, timeout=10)
    assert reply.status_code == 302, reply.text
    location = reply.headers["location"]
    assert location.startswith(REDIRECT_URI + "?")
    return transaction, dict(parse_qsl(urlsplit(location).query))


def _login(session: Session, settings: Settings) -> google.GoogleLoginResult:
    transaction, params = _authorize(settings)
    return google.complete_login(session=session, settings=settings, transaction=transaction,
                                 params=params, redirect_uri=REDIRECT_URI,
                                 actor=Actor.anonymous(ip="203.0.113.7", user_agent="pytest"))


def _audit_rows(session: Session) -> list[AuditLog]:
    session.expire_all()
    return list(session.exec(select(AuditLog).order_by(AuditLog.seq)).all())


def _counts(session: Session) -> tuple[int, int]:
    session.expire_all()
    users = session.exec(select(func.count()).select_from(User)).one()
    identities = session.exec(select(func.count()).select_from(ExternalIdentity)).one()
    return users, identities


def _local_user(session: Session, email: str = "artist@example.com") -> User:
    user = User(email=email, display_name="Local Artist", password_hash=hash_password(PASSWORD),
                email_verified=True)
    session.add(user)
    session.commit()
    return user


def test_enabled_only_with_a_configured_client(settings: Settings) -> None:
    assert google.google_enabled(settings)
    bare = settings.model_copy(update={"google_client_id": ""})
    assert not google.google_enabled(bare)
    with pytest.raises(InvalidInput, match="not configured"):
        google.begin_login(settings=bare, redirect_uri=REDIRECT_URI)


def test_authorization_request_carries_state_nonce_and_s256_challenge(
    settings: Settings, provider: OIDCProvider
) -> None:
    transaction, params = _authorize(settings)
    sent = provider.authorize_requests[-1]
    expected = base64.urlsafe_b64encode(
        hashlib.sha256(transaction.code_verifier.encode()).digest()
    ).rstrip(b"=").decode()
    assert sent["code_challenge"] == expected and sent["code_challenge_method"] == "S256"
    assert sent["nonce"] == transaction.nonce and sent["state"] == transaction.state
    assert set(sent["scope"].split()) == {"openid", "email", "profile"}
    assert params["state"] == transaction.state and params["code"]
    assert transaction.code_verifier not in str(sent)  # only the challenge leaves the server


def test_new_user_then_same_user_even_after_email_change(
    session: Session, settings: Settings, provider: OIDCProvider
) -> None:
    first = _login(session, settings)
    assert first.kind == "signed_in" and first.created and first.user is not None
    assert first.user.email == "artist@example.com" and first.user.email_verified
    assert first.user.display_name == "Test Artist" and first.user.password_hash is None
    identity = session.exec(select(ExternalIdentity)).one()
    assert (identity.issuer, identity.subject) == (provider.issuer, "google-sub-0001")
    assert identity.user_id == first.user.id
    # The token exchange sent the PKCE verifier (the provider checked it against the challenge).
    assert provider.token_requests[-1]["code_verifier"]

    provider.user = ProviderUser(email="renamed@example.com", name="Renamed")
    second = _login(session, settings)
    assert second.kind == "signed_in" and not second.created
    assert second.user is not None and second.user.id == first.user.id
    assert _counts(session) == (1, 1)
    assert session.exec(select(ExternalIdentity)).one().email == "renamed@example.com"
    actions = [(row.action, row.details.get("method"), row.ip) for row in _audit_rows(session)]
    assert actions == [("signup", "google", "203.0.113.7"),
                       ("login.success", "google", "203.0.113.7"),
                       ("login.success", "google", "203.0.113.7")]
    assert audit.verify_chain(session=session).ok


def test_wrong_state_is_refused_before_the_code_is_spent(
    session: Session, settings: Settings, provider: OIDCProvider
) -> None:
    transaction, params = _authorize(settings)
    with pytest.raises(InvalidInput, match="Google sign-in failed: state mismatch"):
        google.complete_login(session=session, settings=settings, transaction=transaction,
                              params={**params, "state": "forged"}, redirect_uri=REDIRECT_URI)
    assert provider.token_requests == []
    assert _counts(session) == (0, 0)


@pytest.mark.parametrize(
    ("knob", "message"),
    [
        ("wrong_nonce", "Google sign-in failed: nonce mismatch"),
        ("wrong_audience", "Google sign-in failed: token audience is not this app"),
        ("expired_token", "Google sign-in failed: token expired"),
        ("wrong_signing_key", "Google sign-in failed: bad token signature"),
    ],
)
def test_bad_id_tokens_are_refused(
    session: Session, settings: Settings, provider: OIDCProvider, knob: str, message: str
) -> None:
    setattr(provider.misbehave, knob, True)
    with pytest.raises(PermissionDenied, match=message):
        _login(session, settings)
    assert len(provider.token_requests) == 1  # the token really was issued, then refused here
    assert _counts(session) == (0, 0)
    [row] = _audit_rows(session)
    assert row.action == "login.failure" and row.details == {"method": "google",
                                                             "reason": message}


def test_foreign_issuer_is_refused(
    session: Session, settings: Settings, provider: OIDCProvider
) -> None:
    provider.misbehave.issuer_override = "https://evil.example"
    with pytest.raises(PermissionDenied, match="issuer"):
        _login(session, settings)
    assert _counts(session) == (0, 0)


def test_pkce_verifier_mismatch_is_refused_by_the_provider(
    session: Session, settings: Settings, provider: OIDCProvider
) -> None:
    transaction, params = _authorize(settings)
    forged = dataclasses.replace(transaction, code_verifier="x" * 64)
    with pytest.raises(PermissionDenied, match="code exchange was refused"):
        google.complete_login(session=session, settings=settings, transaction=forged,
                              params=params, redirect_uri=REDIRECT_URI)
    assert provider.token_errors == ["PKCE code_verifier does not match"]
    assert _counts(session) == (0, 0)


def test_transaction_is_single_use_and_expires(
    session: Session, settings: Settings, provider: OIDCProvider
) -> None:
    transaction, params = _authorize(settings)
    google.complete_login(session=session, settings=settings, transaction=transaction,
                          params=params, redirect_uri=REDIRECT_URI)
    with pytest.raises(PermissionDenied, match="code exchange was refused"):
        google.complete_login(session=session, settings=settings, transaction=transaction,
                              params=params, redirect_uri=REDIRECT_URI)
    assert _counts(session) == (1, 1)

    transaction, params = _authorize(settings)
    stale = dataclasses.replace(transaction,
                                created_at=transaction.created_at - timedelta(minutes=11))
    requests_before = len(provider.token_requests)
    with pytest.raises(InvalidInput, match="expired"):
        google.complete_login(session=session, settings=settings, transaction=stale,
                              params=params, redirect_uri=REDIRECT_URI)
    assert len(provider.token_requests) == requests_before


def test_sealed_transaction_round_trips_and_rejects_tampering(settings: Settings) -> None:
    _, transaction = google.begin_login(settings=settings, redirect_uri=REDIRECT_URI)
    sealed = transaction.seal(settings)
    assert transaction.state not in sealed and transaction.code_verifier not in sealed
    assert google.LoginTransaction.unseal(settings, sealed) == dataclasses.replace(
        transaction, created_at=transaction.created_at.replace(microsecond=0))
    flipped = sealed[:-3] + ("A" if sealed[-3] != "A" else "B") + sealed[-2:]
    assert google.LoginTransaction.unseal(settings, flipped) is None
    other = settings.model_copy(update={"secret_key_raw": "another-secret-key-0123456789"})
    assert google.LoginTransaction.unseal(other, sealed) is None


def test_verified_email_of_local_account_links_only_after_password(
    session: Session, settings: Settings, provider: OIDCProvider
) -> None:
    local = _local_user(session)
    result = _login(session, settings)
    assert result.kind == "link_required" and result.user is None and result.pending_token
    assert _counts(session) == (1, 0)

    with pytest.raises(AuthenticationFailed, match="not correct"):
        google.confirm_link(session=session, pending_token=result.pending_token,
                            email=local.email, password="not the password")
    other = _local_user(session, "someone-else@example.com")  # a real login, but not the owner
    with pytest.raises(PermissionDenied, match="log in with the account for artist@example"):
        google.confirm_link(session=session, pending_token=result.pending_token,
                            email=other.email, password=PASSWORD)
    assert _counts(session) == (2, 0)

    linked = google.confirm_link(session=session, pending_token=result.pending_token,
                                 email="Artist@Example.com ", password=PASSWORD)
    assert linked.id == local.id
    identity = session.exec(select(ExternalIdentity)).one()
    assert (identity.user_id, identity.subject) == (local.id, "google-sub-0001")

    again = _login(session, settings)
    assert again.kind == "signed_in" and again.user is not None and again.user.id == local.id
    assert _counts(session) == (2, 1)


def test_pending_link_token_is_sealed_and_checked(
    session: Session, settings: Settings
) -> None:
    _local_user(session)
    token = _login(session, settings).pending_token
    assert token and "google-sub-0001" not in token and "artist@example.com" not in token
    with pytest.raises(InvalidInput, match="expired"):
        google.confirm_link(session=session, pending_token=token[:-4] + "AAAA",
                            email="artist@example.com", password=PASSWORD)
    assert _counts(session) == (1, 0)


def test_unverified_google_email_never_links_or_creates(
    session: Session, settings: Settings, provider: OIDCProvider
) -> None:
    provider.user = ProviderUser(email_verified=False)
    with pytest.raises(PermissionDenied, match="has not verified"):
        _login(session, settings)  # no local account: an unproven address is not claimed
    assert _counts(session) == (0, 0)

    _local_user(session)
    with pytest.raises(PermissionDenied, match="cannot be linked"):
        _login(session, settings)
    assert _counts(session) == (1, 0)


def test_link_confirmation_counts_toward_the_account_lockout(
    session: Session, settings: Settings
) -> None:
    local = _local_user(session)
    token = _login(session, settings).pending_token
    assert token
    for _ in range(5):
        with pytest.raises(AuthenticationFailed, match="not correct"):
            google.confirm_link(session=session, pending_token=token, email=local.email,
                                password="guess-guess-guess")
    with pytest.raises(RateLimited):  # locked: even the right password is not checked now
        google.confirm_link(session=session, pending_token=token, email=local.email,
                            password=PASSWORD)
    assert _counts(session) == (1, 0)
    failures = [r for r in _audit_rows(session) if r.action == "login.failure"]
    assert len(failures) == 5
    assert not any(PASSWORD in str(r.details) or "guess" in str(r.details) for r in failures)


def test_link_verifies_a_local_address_that_google_vouches_for(
    session: Session, settings: Settings
) -> None:
    local = _local_user(session)
    local.email_verified = False
    session.add(local)
    session.commit()
    token = _login(session, settings).pending_token
    assert token
    linked = google.confirm_link(session=session, pending_token=token, email=local.email,
                                 password=PASSWORD)
    session.refresh(linked)
    assert linked.id == local.id and linked.email_verified
    assert _counts(session) == (1, 1)
