"""The browser's whole Google redirect chain: API app → local OpenID provider → API app → app.

Redirects are followed by hand so each hop (and each Set-Cookie) can be checked: the API runs
in Starlette's TestClient, the provider is a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from maxbooster.api.app import create_api
from maxbooster.models.accounts import ExternalIdentity, User
from maxbooster.services import ratelimit
from maxbooster.services.accounts import sessions
from maxbooster.services.accounts.passwords import hash_password
from maxbooster.settings import get_settings
from tests.support.oidc_provider import OIDCProvider

API = "http://testserver"
APP = "http://app.test"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def configure(
    app_env: Path, provider: OIDCProvider, monkeypatch: pytest.MonkeyPatch
) -> Iterator[pytest.MonkeyPatch]:
    provider.reset()
    for name, value in {
        "GOOGLE_CLIENT_ID": provider.client_id, "GOOGLE_CLIENT_SECRET": provider.client_secret,
        "GOOGLE_ISSUER": provider.issuer, "API_URL": API, "APP_URL": APP,
        "SECRET_KEY": "test-secret-key-for-google-routes-0123456789",
        "PASSWORD_HASH_MEMORY_KIB": "1024", "PASSWORD_HASH_TIME_COST": "1",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    ratelimit.reset_limiter()
    yield monkeypatch
    get_settings.cache_clear()
    ratelimit.reset_limiter()


@pytest.fixture
def browser(configure: pytest.MonkeyPatch) -> Iterator[TestClient]:
    with TestClient(create_api(), base_url=API, follow_redirects=False) as client:
        yield client


def _set_cookies(response: httpx.Response) -> dict[str, SimpleCookie]:
    parsed: dict[str, SimpleCookie] = {}
    for header in response.headers.get_list("set-cookie"):
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        for name in cookie:
            parsed[name] = cookie
    return parsed


def _to_provider_and_back(browser: TestClient, provider: OIDCProvider) -> str:
    """Click "Continue with Google", let the provider approve; the callback path to open."""
    start = browser.get("/api/auth/google/login")
    assert start.status_code == 302
    authorize_url = start.headers["location"]
    assert authorize_url.startswith(provider.issuer + "/authorize?")
    tx = _set_cookies(start)["mb_google_tx"]["mb_google_tx"]
    assert tx["httponly"] and tx["samesite"].lower() == "lax"
    assert tx["path"] == "/api/auth/google" and tx["max-age"] == "600"
    approved = httpx.get(authorize_url, follow_redirects=False, timeout=10)
    assert approved.status_code == 302
    callback = approved.headers["location"]
    assert callback.startswith(f"{API}/api/auth/google/callback?")
    parts = urlsplit(callback)
    return f"{parts.path}?{parts.query}"


def _rows(session: Session) -> tuple[int, int]:
    session.expire_all()
    return (session.exec(select(func.count()).select_from(User)).one(),
            session.exec(select(func.count()).select_from(ExternalIdentity)).one())


def test_sign_in_sets_the_session_cookie_and_lands_in_the_studio(
    browser: TestClient, provider: OIDCProvider, session: Session
) -> None:
    callback = _to_provider_and_back(browser, provider)
    done = browser.get(callback)
    assert done.status_code == 303 and done.headers["location"] == f"{APP}/studio"
    cookies = _set_cookies(done)
    morsel = cookies["mb_session"]["mb_session"]
    assert morsel["httponly"] and morsel["samesite"].lower() == "lax" and morsel["path"] == "/"
    assert not morsel["secure"]  # served over http here; see the https test below
    cleared = cookies["mb_google_tx"]["mb_google_tx"]
    assert cleared["max-age"] == "0" and not cleared.value.strip('"')

    info = sessions.validate_session(morsel.value, touch=False)
    assert info is not None and info.email == "artist@example.com" and info.email_verified
    assert _rows(session) == (1, 1)

    # Signing in again from the same browser issues a new id and kills the old one (no fixation).
    again = browser.get(_to_provider_and_back(browser, provider))
    new_id = _set_cookies(again)["mb_session"]["mb_session"].value
    assert new_id != morsel.value and sessions.validate_session(new_id, touch=False)
    assert sessions.validate_session(morsel.value, touch=False) is None

    # Replaying the callback: the transaction cookie is gone, so the sign-in is refused.
    replay = browser.get(callback)
    assert replay.headers["location"] == f"{APP}/login?error=google"
    assert "mb_session" not in _set_cookies(replay)


def test_session_cookie_is_secure_when_the_app_is_served_over_https(
    configure: pytest.MonkeyPatch, provider: OIDCProvider
) -> None:
    configure.setenv("APP_URL", "https://app.example")
    get_settings.cache_clear()
    with TestClient(create_api(), base_url=API, follow_redirects=False) as client:
        # http://testserver would drop a Secure cookie, so carry the transaction by hand.
        start = client.get("/api/auth/google/login")
        tx_morsel = _set_cookies(start)["mb_google_tx"]["mb_google_tx"]
        assert tx_morsel["secure"]
        approved = httpx.get(start.headers["location"], follow_redirects=False, timeout=10)
        parts = urlsplit(approved.headers["location"])
        client.cookies.set("mb_google_tx", tx_morsel.value, path="/api/auth/google")
        done = client.get(f"{parts.path}?{parts.query}")
    assert done.headers["location"] == "https://app.example/studio"
    morsel = _set_cookies(done)["mb_session"]["mb_session"]
    assert morsel["secure"] and morsel["httponly"] and morsel["samesite"].lower() == "lax"


def test_forged_state_ends_on_the_login_page_without_a_session(
    browser: TestClient, provider: OIDCProvider, session: Session
) -> None:
    start = browser.get("/api/auth/google/login")
    approved = httpx.get(start.headers["location"], follow_redirects=False, timeout=10)
    query = parse_qs(urlsplit(approved.headers["location"]).query)
    done = browser.get("/api/auth/google/callback",
                       params={"code": query["code"][0], "state": "forged-by-attacker"})
    assert done.status_code == 303 and done.headers["location"] == f"{APP}/login?error=google"
    assert "mb_session" not in _set_cookies(done)
    assert provider.token_requests == [] and _rows(session) == (0, 0)


def test_bad_token_ends_on_the_login_page(
    browser: TestClient, provider: OIDCProvider, session: Session
) -> None:
    provider.misbehave.wrong_audience = True
    done = browser.get(_to_provider_and_back(browser, provider))
    assert done.headers["location"] == f"{APP}/login?error=google"
    assert "mb_session" not in _set_cookies(done) and _rows(session) == (0, 0)


def test_existing_account_goes_through_link_confirmation(
    browser: TestClient, provider: OIDCProvider, session: Session
) -> None:
    local = User(email="artist@example.com", display_name="Local", email_verified=True,
                 password_hash=hash_password(PASSWORD))
    session.add(local)
    session.commit()
    done = browser.get(_to_provider_and_back(browser, provider))
    location = urlsplit(done.headers["location"])
    assert done.status_code == 303 and f"{location.scheme}://{location.netloc}" == APP
    assert location.path == "/link-google" and "mb_session" not in _set_cookies(done)
    token = parse_qs(location.query)["token"][0]

    foreign = browser.post("/api/auth/google/link", data={"token": token, "password": PASSWORD},
                           headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403 and _rows(session) == (1, 0)

    wrong = browser.post("/api/auth/google/link", data={"token": token, "password": "nope-nope"},
                         headers={"Origin": APP})
    assert wrong.status_code == 303
    assert parse_qs(urlsplit(wrong.headers["location"]).query)["error"] == ["invalid_credentials"]
    assert "mb_session" not in _set_cookies(wrong) and _rows(session) == (1, 0)

    right = browser.post("/api/auth/google/link", data={"token": token, "password": PASSWORD},
                         headers={"Origin": APP})
    assert right.status_code == 303 and right.headers["location"] == f"{APP}/studio"
    morsel = _set_cookies(right)["mb_session"]["mb_session"]
    assert morsel["httponly"] and morsel["samesite"].lower() == "lax"
    info = sessions.validate_session(morsel.value, touch=False)
    assert info is not None and info.user_id == local.id
    assert _rows(session) == (1, 1)


def test_google_not_configured_sends_back_to_login(
    configure: pytest.MonkeyPatch,
) -> None:
    configure.setenv("GOOGLE_CLIENT_ID", "")
    get_settings.cache_clear()
    with TestClient(create_api(), base_url=API, follow_redirects=False) as client:
        reply = client.get("/api/auth/google/login")
    assert reply.status_code == 303 and reply.headers["location"] == f"{APP}/login?error=google"
