"""A post that carries its release's smart link tagged per network (utm_source/medium/campaign), and the
smart link counting clicks per network the visitor came from, through the real HTTP redirect."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from maxbooster import routes
from maxbooster.api.app import create_api
from maxbooster.api.middleware import SecurityMiddleware
from maxbooster.models.base import utcnow
from maxbooster.models.releases import SmartLinkSourceClick
from maxbooster.models.social import SocialPost
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.services.releases import smartlinks
from maxbooster.services.social import accounts, posts
from maxbooster.settings import get_settings
from tests.social import media_support as ms
from tests.social.support import social_env
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

acct_env, social_env = fx.acct_env, social_env


@pytest.fixture
def client(social_env: Path) -> Iterator[TestClient]:
    """The HTTP app as the server runs it, not following redirects (as tests/support/library.api_client)."""
    with TestClient(SecurityMiddleware(create_api()), base_url="http://localhost:8000", follow_redirects=False) as c:
        yield c


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_the_link_names_network_medium_and_campaign(session: Session, social_env: Path) -> None:
    user, other = make_user(session), make_user(session, "bo@example.com")
    release = ms.release_with_cover(session, user)
    slug = smartlinks.get_smart_link(session=session, actor=actor_for(user), release_id=release.id).slug
    url = smartlinks.utm_url(session=session, actor=actor_for(user), release_id=release.id, source="mastodon")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == get_settings().app_url.rstrip("/")
    assert parts.path == routes.smart_link_page(slug)
    assert _query(url) == {"utm_source": ["mastodon"], "utm_medium": ["social"], "utm_campaign": [slug]}
    tagged = smartlinks.utm_url(session=session, actor=actor_for(user), release_id=release.id, source="sandbox",
                                campaign="Summer-Tour_2027")
    assert _query(tagged)["utm_campaign"] == ["summer-tour_2027"] and _query(tagged)["utm_source"] == ["sandbox"]
    for source, campaign, message in (("sandbox", "summer tour!", "A campaign name takes up to 60"),
                                      ("sandbox", "x" * 61, "A campaign name takes up to 60"),
                                      ("myspace", "", "Unknown network 'myspace'")):
        with pytest.raises(InvalidInput, match=message):
            smartlinks.utm_url(session=session, actor=actor_for(user), release_id=release.id, source=source,
                               campaign=campaign)
    with pytest.raises(NotFound):
        smartlinks.utm_url(session=session, actor=actor_for(other), release_id=release.id, source="sandbox")


def test_a_post_carries_the_link_for_its_network_and_fits_with_it(session: Session, social_env: Path) -> None:
    user = make_user(session)
    actor = actor_for(user)
    account = accounts.connect_sandbox(session=session, actor=actor, handle="ava")
    release = ms.release_with_cover(session, user)
    post = posts.create_post(session=session, actor=actor, data=posts.PostIn(
        scheduled_at=utcnow(), variants=[posts.VariantIn(account.id, "Night Drive is out!")], release_id=release.id,
        campaign="launch"))
    (variant,) = posts.variants_of(session=session, actor=actor, post_id=post.id)
    text, link = variant.text.split("\n\n")
    assert text == "Night Drive is out!"
    assert _query(link) == {"utm_source": ["sandbox"], "utm_medium": ["social"], "utm_campaign": ["launch"]}
    before = len(session.exec(select(SocialPost)).all())
    with pytest.raises(InvalidInput, match=r"@ava@sandbox: 1\d\d\d characters is over the sandbox's limit of 1000"):
        posts.create_post(session=session, actor=actor, data=posts.PostIn(
            scheduled_at=utcnow(), variants=[posts.VariantIn(account.id, "a" * 990)], release_id=release.id))
    bare = ms.release_with_cover(session, user, title="No Link Yet")
    smartlink = smartlinks.get_smart_link(session=session, actor=actor, release_id=bare.id)
    session.delete(smartlink)
    session.commit()
    with pytest.raises(InvalidInput, match="This release has no smart link yet"):
        posts.create_post(session=session, actor=actor, data=posts.PostIn(
            scheduled_at=utcnow(), variants=[posts.VariantIn(account.id, "Soon")], release_id=bare.id))
    assert len(session.exec(select(SocialPost)).all()) == before  # refused posts store nothing


def test_clicks_are_counted_per_network_the_visitor_came_from(session: Session, client: TestClient) -> None:
    user, other = make_user(session), make_user(session, "bo@example.com")
    release = ms.release_with_cover(session, user, links={"spotify": "https://open.spotify.com/track/abc",
                                                           "bandcamp": "https://ava.bandcamp.com/track/nd"})
    slug = smartlinks.get_smart_link(session=session, actor=actor_for(user), release_id=release.id).slug
    view = smartlinks.public_view(session=session, slug=slug, source="Mastodon")
    assert [b.href for b in view.links] == [routes.smart_link_go(slug, "spotify") + "?utm_source=mastodon",
                                            routes.smart_link_go(slug, "bandcamp") + "?utm_source=mastodon"]
    assert [b.href for b in smartlinks.public_view(session=session, slug=slug).links][0] == \
        routes.smart_link_go(slug, "spotify")  # reached without a tag: plain buttons
    for href in (view.links[0].href, view.links[1].href, view.links[0].href,
                 routes.smart_link_go(slug, "spotify") + "?utm_source=sandbox",
                 routes.smart_link_go(slug, "spotify") + "?utm_source=newsletter",
                 routes.smart_link_go(slug, "spotify")):
        went = client.get(href)
        assert went.status_code == 307 and went.headers["location"].startswith("https://")
    assert client.get(routes.smart_link_go(slug, "deezer") + "?utm_source=mastodon").status_code == 404
    counts = smartlinks.clicks_by_source(session=session, actor=actor_for(user), release_id=release.id)
    assert {k: n for k, n in counts.items() if n} == {"sandbox": 1, "mastodon": 3, "other": 1}
    assert set(counts) >= {"x", "youtube", "other"}  # every network is listed, with 0 when nobody came from it
    assert smartlinks.click_counts(session=session, actor=actor_for(user), release_id=release.id)["spotify"] == 5
    assert {r.source for r in session.exec(select(SmartLinkSourceClick)).all()} == {"sandbox", "mastodon", "other"}
    auth = lib.bearer(client, user.email)
    by_source = client.get(routes.V1_RELEASE_SMART_LINK_SOURCES.format(release_id=release.id), headers=auth)
    assert by_source.status_code == 200 and by_source.json() == counts
    theirs = client.get(routes.V1_RELEASE_SMART_LINK_SOURCES.format(release_id=release.id),
                        headers=lib.bearer(client, other.email))
    assert theirs.status_code == 404
    today = utcnow().date()
    assert smartlinks.clicks_by_source(session=session, actor=actor_for(user), release_id=release.id,
                                       since=today.replace(year=today.year + 1))["mastodon"] == 0
