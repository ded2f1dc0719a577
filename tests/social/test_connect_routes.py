"""The browser's connect chain through the real API app: /api/social/connect/x → the local X's consent
page → /api/social/connect/x/callback → the social accounts page, with every refusal landing there too."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from maxbooster import routes
from maxbooster.api.app import create_api
from maxbooster.models.social import SocialAccount, SocialConnect
from maxbooster.services.accounts import sessions
from maxbooster.settings import get_settings
from tests.social.support import callback_uri, social_env, x
from tests.social.x_server import XServer
from tests.support import accounts as fx
from tests.support.accounts import actor_for, make_user

acct_env, social_env, x = fx.acct_env, social_env, x
API, APP = "http://localhost:8000", "http://localhost:3000"



@pytest.fixture
def browser(x: XServer) -> Iterator[TestClient]:
    with TestClient(create_api(), base_url=API, follow_redirects=False) as client:
        yield client


def _sign_in(session: Session, browser: TestClient, email: str = "alice@example.com") -> None:
    user = make_user(session, email)
    raw = sessions.create_session(session=session, actor=actor_for(user), user_id=user.id)
    browser.cookies.set(get_settings().session_cookie_name, raw)


def x_authorize_prefix() -> str:
    return get_settings().x_authorize_url + "?"


def _landing(location: str) -> dict[str, str]:
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == APP + routes.SOCIAL_ACCOUNTS, location
    return {k: v[0] for k, v in parse_qs(parts.query).items()}


def _to_x_and_back(browser: TestClient) -> str:
    """Start, follow X's consent page; the callback path with its query, as X sends the browser back."""
    start = browser.get(routes.SOCIAL_CONNECT.format(network="x"))
    assert start.status_code == 302 and start.headers["location"].startswith(x_authorize_prefix())
    back = httpx.get(start.headers["location"], follow_redirects=False)  # X is a real server, not the app
    assert back.status_code == 302 and back.headers["location"].startswith(callback_uri("x"))
    return back.headers["location"].removeprefix(API)


def test_connect_lands_on_the_accounts_page_with_the_account_stored(
        session: Session, browser: TestClient, x: XServer) -> None:
    _sign_in(session, browser)
    callback = _to_x_and_back(browser)
    done = browser.get(callback)
    assert done.status_code == 303
    assert _landing(done.headers["location"]) == {"connected": "x", "accounts": "@ava_music",
                                                  "notice": "Connected @ava_music."}
    (account,) = session.exec(select(SocialAccount)).all()
    assert account.network == "x" and account.remote_id == x.user.id
    replay = browser.get(callback)  # the same callback again: refused, nothing new
    assert "already used" in _landing(replay.headers["location"])["error"]
    assert len(session.exec(select(SocialAccount)).all()) == 1 and session.exec(select(SocialConnect)).all() == []


def test_a_denied_consent_lands_with_the_reason_and_stores_nothing(
        session: Session, browser: TestClient, x: XServer) -> None:
    _sign_in(session, browser)
    x.knobs.deny_authorization = True
    done = browser.get(_to_x_and_back(browser))
    landing = _landing(done.headers["location"])
    assert landing["network"] == "x" and "X did not approve the connection" in landing["error"]
    assert session.exec(select(SocialAccount)).all() == []


def test_signed_out_or_another_owner_or_an_unset_network_is_refused(
        session: Session, browser: TestClient, x: XServer) -> None:
    start = browser.get(routes.SOCIAL_CONNECT.format(network="x"))
    assert start.status_code == 303 and start.headers["location"] == f"{APP}{routes.LOGIN}?next=%2Fsocial%2Faccounts"
    _sign_in(session, browser)
    callback = _to_x_and_back(browser)
    _sign_in(session, browser, "mallory@example.com")  # the callback reaches another signed-in owner
    refused = browser.get(callback)
    assert "unknown, expired or was already used" in _landing(refused.headers["location"])["error"]
    unset = browser.get(routes.SOCIAL_CONNECT.format(network="youtube"))
    assert "YouTube is not set up on this server" in _landing(unset.headers["location"])["error"]
    unknown = browser.get(routes.SOCIAL_CONNECT.format(network="myspace"))
    assert "not a network" in _landing(unknown.headers["location"])["error"]
    assert session.exec(select(SocialAccount)).all() == []
