"""Social test helpers: settings that allow the local Mastodon server, a running server per test,
connecting accounts the way a browser would (following the instance's redirect), due posts, jobs."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlmodel import Session

from maxbooster.models.accounts import User
from maxbooster.models.base import utcnow
from maxbooster.models.social import SocialAccount, SocialPostVariant
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.social import accounts, posts, publishing
from maxbooster.services.social.providers import youtube as yt
from tests.social import x_server, youtube_server
from tests.social.mastodon_server import MastodonServer
from tests.social.x_server import XServer
from tests.social.youtube_server import YouTubeServer
from tests.support.accounts import actor_for

REDIRECT = "http://localhost:8000/api/social/connect/mastodon/callback"


def _reset() -> None:
    from maxbooster.settings import get_settings

    get_settings.cache_clear()


@pytest.fixture
def social_env(acct_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """acct_env plus: the local protocol server on 127.0.0.1 may be connected (explicitly allowed)."""
    monkeypatch.setenv("SOCIAL_ALLOW_PRIVATE_INSTANCES", "true")
    monkeypatch.delenv("SOCIAL_TOKEN_KEYS", raising=False)
    _reset()
    yield acct_env
    _reset()


@pytest.fixture
def mastodon() -> Iterator[MastodonServer]:
    with MastodonServer() as server:
        yield server


def _serving(server: Any, settings_env: Callable[[Any], dict[str, str]],
             monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Run a local network server with our settings pointing at it for the test."""
    with server:
        for name, value in settings_env(server).items():
            monkeypatch.setenv(name, value)
        _reset()
        yield server
    _reset()


@pytest.fixture
def x(social_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[XServer]:
    """A local X API (and its OAuth)."""
    yield from _serving(XServer(callback_uri("x")), x_server.settings_env, monkeypatch)


@pytest.fixture
def youtube(social_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[YouTubeServer]:
    """A local Google OAuth + YouTube API; uploads go in chunks of 256 KiB (YouTube's smallest) so that
    a small test video takes several."""
    monkeypatch.setattr(yt, "CHUNK_BYTES", 256 * 1024)
    yield from _serving(YouTubeServer(callback_uri("youtube")), youtube_server.settings_env, monkeypatch)


def authorize(url: str) -> dict[str, str]:
    """Follow the instance's authorization page as a browser would; the callback's query parameters."""
    response = httpx.get(url, follow_redirects=False)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def connect_mastodon(session: Session, user: User, server: MastodonServer) -> SocialAccount:
    actor = actor_for(user)
    url, transaction = accounts.begin_mastodon_connect(session=session, actor=actor, instance_url=server.url,
                                                       redirect_uri=REDIRECT)
    return accounts.complete_mastodon_connect(session=session, actor=actor, transaction=transaction,
                                              params=authorize(url))


def schedule(session: Session, user: User, account: SocialAccount, text: str,
             media: list[posts.MediaRef] | None = None) -> SocialPostVariant:
    """A post for one account due now; its variant."""
    post = posts.create_post(session=session, actor=actor_for(user), data=posts.PostIn(
        scheduled_at=utcnow(), variants=[posts.VariantIn(account_id=account.id, text=text, media=media or [])]))
    return posts.variants_of(session=session, actor=actor_for(user), post_id=post.id)[0]


def run_due(session: Session, broker: InProcessBroker, *, ahead_s: float = 0) -> list[uuid.UUID]:
    """One sweep (as a worker's housekeeping runs it) and every job it started, to the end."""
    started = publishing.sweep(session=session, now=utcnow() + timedelta(seconds=ahead_s))
    assert broker.wait_idle(60)
    session.expire_all()
    return started


def fresh(session: Session, variant: SocialPostVariant) -> SocialPostVariant:
    session.expire_all()
    found = session.get(SocialPostVariant, variant.id)
    assert found is not None
    return found


def callback_uri(network: str) -> str:
    """The callback the connect route registers (API_URL + the route)."""
    from maxbooster import routes
    from maxbooster.settings import get_settings

    return get_settings().api_url + routes.SOCIAL_CONNECT_CALLBACK.format(network=network)


def follow_consent(url: str, redirect_uri: str) -> dict[str, str]:
    """Follow a network's consent page as a browser would; the callback's query parameters."""
    response = httpx.get(url, follow_redirects=False)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(redirect_uri + "?"), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def connect_network(session: Session, user: User, network: str) -> list[SocialAccount]:
    """begin_connect → the network's consent page (auto-approving) → complete_connect."""
    actor = actor_for(user)
    url = accounts.begin_connect(session=session, actor=actor, network=network, redirect_uri=callback_uri(network))
    return accounts.complete_connect(session=session, actor=actor, network=network,
                                     params=follow_consent(url, callback_uri(network)))
