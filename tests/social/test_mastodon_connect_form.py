"""The accounts page's Mastodon form through the API app (Starlette's TestClient) and the local Mastodon
on 127.0.0.1: the form → the instance's consent page → the generic connect callback → back to the accounts
page saying what happened. The attempt is kept server-side (no cookie of ours); a bad start changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
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
from tests.social.mastodon_server import MastodonServer
from tests.social.support import mastodon, social_env
from tests.support import accounts as fx
from tests.support.accounts import actor_for, make_user

acct_env, mastodon, social_env = fx.acct_env, mastodon, social_env
API, APP = "http://localhost:8000", "http://localhost:3000"


@pytest.fixture
def client(social_env: Path) -> Iterator[TestClient]:
    with TestClient(create_api(), base_url=API, follow_redirects=False) as c:
        yield c


def _signed_in(session: Session, client: TestClient) -> None:
    user = make_user(session)
    raw = sessions.create_session(session=session, actor=actor_for(user), user_id=user.id)
    client.cookies.set(get_settings().session_cookie_name, raw)


def test_the_form_goes_to_the_instance_and_back_to_the_accounts_page(session: Session, client: TestClient,
                                                                     mastodon: MastodonServer) -> None:
    _signed_in(session, client)
    start = client.post(routes.SOCIAL_MASTODON_CONNECT, data={"instance": mastodon.url}, headers={"Origin": APP})
    assert start.status_code == 303, start.text
    assert start.headers["location"].startswith(mastodon.url + "/oauth/authorize?")
    assert "set-cookie" not in start.headers  # the attempt is kept server-side
    approved = httpx.get(start.headers["location"], follow_redirects=False)
    callback = approved.headers["location"]
    assert callback.startswith(API + routes.SOCIAL_CONNECT_CALLBACK.format(network="mastodon") + "?")
    back = client.get(callback.removeprefix(API))
    assert back.status_code == 303
    location = urlsplit(back.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == APP + routes.SOCIAL_ACCOUNTS
    (account,) = session.exec(select(SocialAccount)).all()
    assert parse_qs(location.query)["notice"] == [f"Connected {account.handle}."]
    again = client.get(callback.removeprefix(API))  # the same callback replayed
    assert "already used" in parse_qs(urlsplit(again.headers["location"]).query)["error"][0]
    session.expire_all()
    assert len(session.exec(select(SocialAccount)).all()) == 1


def test_a_private_instance_another_sites_form_or_no_session_start_nothing(session: Session, client: TestClient,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIAL_ALLOW_PRIVATE_INSTANCES", "false")
    get_settings.cache_clear()
    anonymous = client.post(routes.SOCIAL_MASTODON_CONNECT, data={"instance": "mastodon.social"},
                            headers={"Origin": APP})
    assert anonymous.status_code == 303 and anonymous.headers["location"] == APP + routes.LOGIN
    _signed_in(session, client)
    foreign = client.post(routes.SOCIAL_MASTODON_CONNECT, data={"instance": "mastodon.social"},
                          headers={"Origin": "https://evil.example"})
    assert "another site" in parse_qs(urlsplit(foreign.headers["location"]).query)["error"][0]
    private = client.post(routes.SOCIAL_MASTODON_CONNECT, data={"instance": "https://127.0.0.1:9"},
                          headers={"Origin": APP})
    error = parse_qs(urlsplit(private.headers["location"]).query)["error"][0]
    assert private.status_code == 303 and ("private" in error.lower() or "local" in error.lower()), error
    assert session.exec(select(SocialAccount)).all() == []
    assert session.exec(select(SocialConnect)).all() == []
