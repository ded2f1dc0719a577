"""Smart links: the owner sets platform links, anyone sees the page by slug, each click on a platform is
counted (per platform and day) and redirected, fans sign up with consent and confirm from the emailed
link (double opt-in), and only confirmed fans reach the owner's CSV. Another user's release is not found."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from maxbooster import routes
from maxbooster.models.email import EmailOutbox
from maxbooster.models.releases import Release, SmartLinkClick, SmartLinkFan
from maxbooster.services.actor import Actor
from maxbooster.services.errors import MESSAGES, ErrorCode, InvalidInput, NotFound
from maxbooster.services.releases import smartlinks
from tests.releases.support import complete_release, in_days
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

acct_env, client, bearer = fx.acct_env, lib.api_client, lib.bearer
LINKS = {"spotify": "https://open.spotify.com/album/abc", "bandcamp": "https://ava.bandcamp.com/album/night"}
FAN = Actor.anonymous(ip="203.0.113.9", user_agent="pytest", via="web")


def _release(session: Session, email: str = "alice@example.com", **fields: object) -> Release:
    return complete_release(session, make_user(session, email), **fields)


def _owner(release: Release) -> Actor:
    return Actor.anonymous(ip="127.0.0.1", user_agent="pytest", via="web").as_user(release.owner_id, "user")


def _confirm_link(session: Session, email: str) -> str:
    rows = session.exec(select(EmailOutbox).where(EmailOutbox.to_addr == email)).all()
    assert len(rows) == 1, [r.subject for r in rows]
    found = re.search(r"https?://\S+", rows[0].text_body)
    assert found and "Confirm" in rows[0].subject
    return found.group(0)


def test_owner_sets_links_and_anyone_sees_the_page(session: Session, acct_env: object) -> None:
    release = _release(session, release_date=in_days(30))
    link = smartlinks.set_smart_link(session=session, actor=_owner(release), release_id=release.id,
                                     data=smartlinks.SmartLinkIn(links={**LINKS, "tidal": ""}))
    assert link.slug.startswith("night-drive-") and link.links == LINKS
    first_slug = link.slug
    view = smartlinks.public_view(session=session, slug=link.slug)
    assert (view.title, view.artists, view.presave) == ("Night Drive", "Ava North", True)
    assert [(b.label, b.href) for b in view.links] == [("Spotify", routes.smart_link_go(link.slug, "spotify")),
                                                       ("Bandcamp", routes.smart_link_go(link.slug, "bandcamp"))]
    assert view.artwork_url.startswith(routes.MEDIA) and "Ava North" in view.consent_text
    after = smartlinks.public_view(session=session, slug=link.slug, today=in_days(31))
    assert not after.presave
    renamed = smartlinks.set_smart_link(session=session, actor=_owner(release), release_id=release.id,
                                        data=smartlinks.SmartLinkIn(slug="Night-Drive", links=LINKS))
    assert renamed.id == link.id and renamed.slug == "night-drive"
    with pytest.raises(NotFound):
        smartlinks.public_view(session=session, slug=first_slug)  # the old name is gone


def test_bad_links_and_names_are_refused_with_the_reason(session: Session, acct_env: object) -> None:
    release = _release(session)
    owner = _owner(release)
    for links, words in [({"spotify": "http://open.spotify.com/x"}, "The Spotify link must be a full https://"),
                         ({"deezer": "javascript:alert(1)"}, "The Deezer link"),
                         ({"myspace": "https://myspace.com/a"}, "Unknown platform myspace")]:
        with pytest.raises(InvalidInput, match=words):
            smartlinks.set_smart_link(session=session, actor=owner, release_id=release.id,
                                      data=smartlinks.SmartLinkIn(links=links))
    with pytest.raises(InvalidInput, match="lower-case letters"):
        smartlinks.set_smart_link(session=session, actor=owner, release_id=release.id,
                                  data=smartlinks.SmartLinkIn(slug="a b", links=LINKS))
    smartlinks.set_smart_link(session=session, actor=owner, release_id=release.id,
                              data=smartlinks.SmartLinkIn(slug="taken-name", links=LINKS))
    other = _release(session, "bob@example.com")
    with pytest.raises(InvalidInput, match="'taken-name' is taken"):
        smartlinks.set_smart_link(session=session, actor=_owner(other), release_id=other.id,
                                  data=smartlinks.SmartLinkIn(slug="taken-name"))
    with pytest.raises(NotFound):  # someone else's release
        smartlinks.set_smart_link(session=session, actor=_owner(other), release_id=release.id,
                                  data=smartlinks.SmartLinkIn(links=LINKS))


def test_clicks_are_counted_per_platform(session: Session, acct_env: object) -> None:
    release = _release(session)
    link = smartlinks.set_smart_link(session=session, actor=_owner(release), release_id=release.id,
                                     data=smartlinks.SmartLinkIn(links=LINKS))
    for _ in range(3):
        assert smartlinks.record_click(session=session, slug=link.slug, platform="spotify") == LINKS["spotify"]
    smartlinks.record_click(session=session, slug=link.slug, platform="bandcamp")
    for platform in ("tidal", "myspace"):  # not on this link / not a platform
        with pytest.raises(NotFound):
            smartlinks.record_click(session=session, slug=link.slug, platform=platform)
    counts = smartlinks.click_counts(session=session, actor=_owner(release), release_id=release.id)
    assert counts["spotify"] == 3 and counts["bandcamp"] == 1 and counts["tidal"] == 0
    assert len(session.exec(select(SmartLinkClick)).all()) == 2  # one counter row per platform and day


def test_double_opt_in_and_csv(session: Session, acct_env: object) -> None:
    release = _release(session)
    owner = _owner(release)
    link = smartlinks.set_smart_link(session=session, actor=owner, release_id=release.id,
                                     data=smartlinks.SmartLinkIn(links=LINKS))
    with pytest.raises(InvalidInput, match=MESSAGES[ErrorCode.INVALID_EMAIL]):
        smartlinks.sign_up_fan(session=session, actor=FAN, slug=link.slug, email="not-an-email", consent=True)
    with pytest.raises(InvalidInput, match="Tick the box"):
        smartlinks.sign_up_fan(session=session, actor=FAN, slug=link.slug, email="fan@example.com", consent=False)
    smartlinks.sign_up_fan(session=session, actor=FAN, slug=link.slug, email="Fan@Example.com ", consent=True)
    smartlinks.sign_up_fan(session=session, actor=FAN, slug=link.slug, email="fan@example.com", consent=True)
    fans = session.exec(select(SmartLinkFan)).all()
    assert len(fans) == 1 and fans[0].confirmed_at is None and "Ava North" in fans[0].consent_text
    assert smartlinks.fans_csv(session=session, actor=owner).splitlines() == [
        "email,consent_text,consented_at,confirmed_at"]  # unconfirmed fans are not exported
    token = urlsplit(_confirm_link(session, "fan@example.com")).path.rsplit("/", 1)[1]
    assert smartlinks.confirm_fan(session=session, actor=FAN, token=token) == link.slug
    with pytest.raises(InvalidInput, match=MESSAGES[ErrorCode.INVALID_TOKEN]):
        smartlinks.confirm_fan(session=session, actor=FAN, token=token)  # works once
    rows = list(csv.DictReader(io.StringIO(smartlinks.fans_csv(session=session, actor=owner))))
    assert [r["email"] for r in rows] == ["fan@example.com"] and rows[0]["confirmed_at"]
    assert "Ava North" in rows[0]["consent_text"]
    stranger = actor_for(make_user(session, "bob@example.com"))
    assert smartlinks.fans_csv(session=session, actor=stranger).count("\n") == 1  # header only
    with pytest.raises(NotFound):
        smartlinks.fans_csv(session=session, actor=stranger, release_id=release.id)


def test_over_http_redirect_counts_and_the_email_link_confirms(client: TestClient, session: Session,
                                                              acct_env: object) -> None:
    user = make_user(session)
    auth = bearer(client, user.email)
    release = complete_release(session, user)
    url = routes.V1_RELEASE_SMART_LINK.format(release_id=release.id)
    assert client.get(url, headers=auth).status_code == 404  # none yet
    bad = client.put(url, headers=auth, json={"links": {"spotify": "ftp://x"}})
    assert bad.status_code == 422 and "Spotify link must be a full https://" in bad.json()["error"]["message"]
    made = client.put(url, headers=auth, json={"slug": "night-drive", "links": LINKS})
    assert made.status_code == 200, made.text
    assert made.json()["page"] == routes.smart_link_page("night-drive")
    assert client.get(url, headers=auth).json()["links"] == LINKS
    cover = client.get(smartlinks.public_view(session=session, slug="night-drive").artwork_url)  # no sign-in
    assert cover.status_code == 200 and cover.headers["content-type"] == "image/jpeg"
    assert cover.content[:2] == b"\xff\xd8"  # the JPEG itself
    went = client.get(routes.smart_link_go("night-drive", "spotify"), follow_redirects=False)
    assert went.status_code == 307 and went.headers["location"] == LINKS["spotify"]
    assert client.get(routes.smart_link_go("night-drive", "napster"), follow_redirects=False).status_code == 404
    assert client.get(routes.smart_link_go("nope-nope", "spotify"), follow_redirects=False).status_code == 404
    clicks = client.get(routes.V1_RELEASE_SMART_LINK_CLICKS.format(release_id=release.id), headers=auth).json()
    assert clicks["spotify"] == 1 and clicks["deezer"] == 0

    fans_url = routes.V1_SMART_LINK_FANS.format(slug="night-drive")
    refused = client.post(fans_url, json={"email": "fan@example.com", "consent": False})
    assert refused.status_code == 422 and "Tick the box" in refused.json()["error"]["message"]
    signed = client.post(fans_url, json={"email": "fan@example.com", "consent": True})
    assert signed.status_code == 202 and "check your inbox" in signed.json()["message"]
    link = _confirm_link(session, "fan@example.com")
    confirmed = client.get(urlsplit(link).path, follow_redirects=False)
    assert confirmed.status_code == 303
    assert confirmed.headers["location"].endswith(routes.with_query(routes.smart_link_page("night-drive"),
                                                                    confirmed="1"))
    assert client.get(urlsplit(link).path, follow_redirects=False).status_code == 422  # works once

    csv_url = routes.V1_RELEASE_SMART_LINK_FANS.format(release_id=release.id)
    exported = client.get(csv_url, headers=auth)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert [r["email"] for r in csv.DictReader(io.StringIO(exported.text))] == ["fan@example.com"]
    other = bearer(client, make_user(session, "bob@example.com").email)
    for path in (url, csv_url, routes.V1_RELEASE_SMART_LINK_CLICKS.format(release_id=release.id)):
        assert client.get(path, headers=other).status_code == 404
    assert client.put(url, headers=other, json={"links": LINKS}).status_code == 404
