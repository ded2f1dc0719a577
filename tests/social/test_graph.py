"""Facebook Pages and Instagram through the Graph API with the real httpx and Authlib clients against a
local Graph (tests/social/graph_server.py): Facebook Login with PKCE, the long-lived token and Page tokens,
photo posts, Instagram containers that fetch our signed media URLs from the running API, carousels,
status polling, never twice after a lost answer, Graph's error codes, counts and followers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote_plus

import pytest
from sqlmodel import Session, select

from maxbooster import routes
from maxbooster.models.base import utcnow
from maxbooster.models.social import AccountState, SocialAccount, SocialPostVariant, VariantState
from maxbooster.services import storage
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.errors import InvalidInput, PermissionDenied
from maxbooster.services.social import accounts, posts, publishing, views
from maxbooster.settings import get_settings
from tests.social.graph_server import APP_ID, APP_SECRET, IG_ID, PAGE_ID, VERSION, GraphServer
from tests.social.support import callback_uri, connect_network, follow_consent, fresh, run_due, schedule, social_env
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

acct_env, jobs_run, social_env = fx.acct_env, lib.jobs_run, social_env
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40


API = "http://api.maxbooster.test"


@pytest.fixture
def api_url(social_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """API_URL for the signed media URLs; Instagram's fetches of them are answered by our real API app."""
    monkeypatch.setenv("API_URL", API)
    get_settings.cache_clear()
    yield API


def _fetch_from_our_api(url: str) -> tuple[bytes, str]:
    """What Instagram's fetch gets: our API app answering GET <url> (no socket, the same ASGI app)."""
    from fastapi.testclient import TestClient

    from maxbooster.api.app import create_api

    assert url.startswith(API + "/"), url
    response = TestClient(create_api(), base_url=API).get(url.removeprefix(API))
    if response.status_code != 200:
        raise OSError(f"HTTP {response.status_code}")
    return response.content, response.headers["content-type"]


@pytest.fixture
def graph(api_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[GraphServer]:
    with GraphServer(callback_uri("facebook")) as server:
        server.fetch = _fetch_from_our_api
        for name, value in {"FACEBOOK_APP_ID": APP_ID, "FACEBOOK_APP_SECRET": APP_SECRET,
                            "GRAPH_API_BASE": f"{server.url}/{VERSION}",
                            "FACEBOOK_AUTHORIZE_URL": f"{server.url}/{VERSION}/dialog/oauth"}.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        yield server
    get_settings.cache_clear()


def _accounts(session: Session) -> tuple[SocialAccount, SocialAccount, object]:
    user = make_user(session)
    page, ig = connect_network(session, user, "facebook")
    return page, ig, user


def _image(session: Session, user: object, name: str = "cover.jpg", data: bytes = JPEG) -> posts.MediaRef:
    stored = storage.save_upload(session=session, actor=actor_for(user), filename=name, chunks=[data],  # type: ignore[arg-type]
                                 content_type="image/jpeg")
    return posts.MediaRef(stored.id, "")


def test_facebook_login_gives_the_page_and_its_instagram_account(session: Session, graph: GraphServer) -> None:
    page, ig, _ = _accounts(session)
    assert (page.network, page.remote_id, page.display_name, page.followers_count) == ("facebook", PAGE_ID,
                                                                                       "Ava Music", 880)
    assert (ig.network, ig.remote_id, ig.handle, ig.followers_count) == ("instagram", IG_ID, "@ava.music", 2400)
    assert page.token_expires_at is None and page.refresh_token_enc is None  # Page tokens do not expire
    exchange = [r for r in graph.requests if r["query"].get("grant_type") == "fb_exchange_token"]
    assert len(exchange) == 1  # the short-lived user token was traded for a long-lived one
    assert all("appsecret_proof" in r["query"] for r in graph.requests if r["path"].endswith("/me/accounts"))


def test_instagram_without_a_linked_account_or_a_denial_stores_nothing(session: Session, graph: GraphServer) -> None:
    user = make_user(session)
    graph.knobs.no_instagram = True
    graph.redirect_uri = callback_uri("instagram")
    url = accounts.begin_connect(session=session, actor=actor_for(user), network="instagram",
                                 redirect_uri=callback_uri("instagram"))
    with pytest.raises(InvalidInput, match="Instagram professional account linked"):
        accounts.complete_connect(session=session, actor=actor_for(user), network="instagram",
                                  params=follow_consent(url, callback_uri("instagram")))
    graph.knobs.deny_authorization = True
    url = accounts.begin_connect(session=session, actor=actor_for(user), network="instagram",
                                 redirect_uri=callback_uri("instagram"))
    with pytest.raises(PermissionDenied, match="Instagram did not approve"):
        accounts.complete_connect(session=session, actor=actor_for(user), network="instagram",
                                  params=follow_consent(url, callback_uri("instagram")))
    assert session.exec(select(SocialAccount)).all() == []


def test_a_page_post_with_photos_goes_out_once_with_counts_and_reach(
        session: Session, graph: GraphServer, jobs_run: InProcessBroker) -> None:
    page, _, user = _accounts(session)
    variant = schedule(session, user, page, "Two photos from the shoot",
                       media=[_image(session, user), _image(session, user, "b.jpg", b"\xff\xd8second")])
    run_due(session, jobs_run)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHED, row.last_error
    (post,) = graph.posts.values()
    assert post["message"] == "Two photos from the shoot" and post["attached"] == row.remote_media_ids
    assert [graph.photos[p]["data"] for p in post["attached"]] == [JPEG, b"\xff\xd8second"]
    post["counts"].update(likes=12, comments=3, shares=2, reach=450)
    measured = publishing.refresh_metrics(session=session, actor=actor_for(user), variant_id=row.id)
    assert measured.metrics == {"likes": 12, "reposts": 2, "replies": 3, "impressions": 450, "simulated": False}


def test_a_page_post_whose_answer_was_lost_is_found_not_posted_again(
        session: Session, graph: GraphServer, jobs_run: InProcessBroker) -> None:
    page, _, user = _accounts(session)
    variant = schedule(session, user, page, "Only once, please")
    graph.knobs.cut_after_accept = 1
    run_due(session, jobs_run)
    assert fresh(session, variant).state == VariantState.PUBLISHING and len(graph.posts) == 1
    run_due(session, jobs_run, ahead_s=31)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHED and len(graph.posts) == 1 and len(graph.writes("feed")) == 1
    assert row.remote_id == next(iter(graph.posts))


def test_a_page_video_is_fetched_from_our_signed_url_and_posted_once(
        session: Session, graph: GraphServer, jobs_run: InProcessBroker) -> None:
    page, _, user = _accounts(session)
    clip = storage.save_upload(session=session, actor=actor_for(user), filename="audiogram.mp4",
                               chunks=[b"\x00\x00\x00\x18ftypmp42" + b"v" * 3000], content_type="video/mp4")
    variant = schedule(session, user, page, "The audiogram", media=[posts.MediaRef(clip.id, "")])
    graph.knobs.cut_after_accept = 1  # the video post is made, the answer lost
    run_due(session, jobs_run)
    run_due(session, jobs_run, ahead_s=31)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHED, row.last_error
    (video,) = graph.posts.values()
    assert row.remote_id == video["id"] and video["message"] == "The audiogram"
    assert video["video"] == b"\x00\x00\x00\x18ftypmp42" + b"v" * 3000 and video["type"] == "video/mp4"
    assert len(graph.writes("videos")) == 1 and graph.photos == {}


def test_an_instagram_carousel_fetches_our_signed_urls_and_publishes_once(
        session: Session, graph: GraphServer, jobs_run: InProcessBroker, api_url: str) -> None:
    _, ig, user = _accounts(session)
    media = [_image(session, user, f"p{i}.jpg", JPEG + bytes([i])) for i in range(3)]
    variant = schedule(session, user, ig, "Carousel from the studio #newmusic", media=media)
    graph.knobs.cut_after_accept = 1  # media_publish is made, the answer lost
    run_due(session, jobs_run)
    assert fresh(session, variant).state == VariantState.PUBLISHING and len(graph.ig_media) == 1
    run_due(session, jobs_run, ahead_s=31)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHED and len(graph.ig_media) == 1, row.last_error
    (published,) = graph.ig_media.values()
    assert row.remote_id == published["id"] and published["caption"] == "Carousel from the studio #newmusic"
    children = [graph.containers[c] for c in published["children"]]
    assert [c["fetched"] for c in children] == [JPEG + bytes([i]) for i in range(3)]  # the bytes we stored
    assert all(c["type"] == "image/jpeg" for c in children)
    fetched_from = [r for r in graph.writes("media") if "image_url" in r["body"].decode()]
    assert fetched_from and all(f"image_url={api_url}{routes.MEDIA}/" in unquote_plus(r["body"].decode())
                                for r in fetched_from)
    assert len(graph.writes("media_publish")) == 1


def test_an_instagram_post_needs_media_and_is_refused_before_it_is_stored(session: Session,
                                                                           graph: GraphServer) -> None:
    _, ig, user = _accounts(session)
    with pytest.raises(InvalidInput, match="Instagram posts need a photo or a video"):
        schedule(session, user, ig, "Text alone")
    assert session.exec(select(SocialPostVariant)).all() == []


@pytest.mark.parametrize(("error", "outcome"), [
    ({"code": 32, "message": "Page request limit reached"}, "rate"),
    ({"code": 4, "message": "Application request limit reached"}, "rate"),
    ({"code": 2, "message": "Service temporarily unavailable", "status": 503}, "transient"),
    ({"code": 368, "message": "The action attempted has been deemed abusive or is otherwise disallowed"}, "failed"),
    ({"code": 190, "message": "Error validating access token", "subcode": 460}, "reconnect"),
])
def test_graph_error_codes_map_to_wait_retry_fail_or_reconnect(
        session: Session, graph: GraphServer, jobs_run: InProcessBroker, error: dict[str, object],
        outcome: str) -> None:
    page, _, user = _accounts(session)
    variant = schedule(session, user, page, "Error handling")
    graph.knobs.error, graph.knobs.usage_minutes = dict(error), 7
    before = utcnow()
    run_due(session, jobs_run)
    row = fresh(session, variant)
    if outcome == "rate":
        assert row.state == VariantState.PUBLISHING and "rate limit is reached" in row.last_error
        assert row.due_at is not None and timedelta(minutes=6) < row.due_at - before <= timedelta(minutes=8)
    elif outcome == "transient":
        assert row.state == VariantState.PUBLISHING and "temporary problem" in row.last_error
    elif outcome == "failed":
        assert row.state == VariantState.FAILED and row.failure_reason == (
            "Facebook refused the post: The action attempted has been deemed abusive or is otherwise disallowed")
    else:
        assert row.state == VariantState.FAILED and "reconnect" in row.failure_reason
        stored = session.get(SocialAccount, page.id, populate_existing=True)
        assert stored is not None and stored.state == AccountState.RECONNECT
    assert graph.posts == {}


def test_a_500_with_an_html_body_is_retried(session: Session, graph: GraphServer, jobs_run: InProcessBroker) -> None:
    page, _, user = _accounts(session)
    variant = schedule(session, user, page, "After a 500")
    graph.knobs.server_errors = 1
    run_due(session, jobs_run)
    assert "HTTP 500" in fresh(session, variant).last_error
    run_due(session, jobs_run, ahead_s=31)
    assert fresh(session, variant).state == VariantState.PUBLISHED and len(graph.posts) == 1


def test_followers_of_page_and_instagram_are_read_again(session: Session, graph: GraphServer) -> None:
    page, ig, user = _accounts(session)
    assert accounts.refresh_account(session=session, actor=actor_for(user), account_id=page.id).followers_count == 880
    assert accounts.refresh_account(session=session, actor=actor_for(user), account_id=ig.id).handle == "@ava.music"


MP4 = b"\x00\x00\x00\x18ftypmp42" + b"reel" * 1500


def _video(session: Session, user: object, name: str = "reel.mp4", data: bytes = MP4) -> posts.MediaRef:
    stored = storage.save_upload(session=session, actor=actor_for(user), filename=name, chunks=[data],  # type: ignore[arg-type]
                                 content_type="video/mp4")
    return posts.MediaRef(stored.id, "")


def _container_forms(graph: GraphServer) -> list[dict[str, str]]:
    return [{k: v[0] for k, v in parse_qs(r["body"].decode()).items()} for r in graph.writes("media")]


def test_an_instagram_video_goes_out_as_a_reel_once_it_has_finished_processing(
        session: Session, graph: GraphServer, jobs_run: InProcessBroker, api_url: str) -> None:
    _, ig, user = _accounts(session)
    variant = schedule(session, user, ig, "New single, out Friday #reels", media=[_video(session, user)])
    graph.knobs.container_polls = 3  # Instagram is still processing the video for three polls
    run_due(session, jobs_run)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHED, row.last_error
    (form,) = _container_forms(graph)
    assert form["media_type"] == "REELS" and form["caption"] == "New single, out Friday #reels"
    assert form["video_url"].startswith(f"{api_url}{routes.MEDIA}/") and "image_url" not in form
    (container,) = graph.containers.values()
    assert container["fetched"] == MP4 and container["type"] == "video/mp4"  # the bytes we stored, by our URL
    polls = [r for r in graph.requests if r["method"] == "GET" and r["path"].endswith("/" + container["id"])]
    assert len(polls) == 4 and all(p["query"]["fields"] == "status_code,status" for p in polls)
    (published,) = graph.ig_media.values()
    assert row.remote_id == published["id"] and len(graph.writes("media_publish")) == 1


def test_an_instagram_carousel_mixes_a_photo_and_a_video_item(
        session: Session, graph: GraphServer, jobs_run: InProcessBroker, api_url: str) -> None:
    _, ig, user = _accounts(session)
    variant = schedule(session, user, ig, "Cover and teaser", media=[_image(session, user), _video(session, user)])
    run_due(session, jobs_run)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHED, row.last_error
    photo, video, carousel = _container_forms(graph)
    assert "image_url" in photo and "media_type" not in photo and photo["is_carousel_item"] == "true"
    assert video["media_type"] == "VIDEO" and video["is_carousel_item"] == "true" and "video_url" in video
    assert carousel["media_type"] == "CAROUSEL" and carousel["caption"] == "Cover and teaser"
    (published,) = graph.ig_media.values()
    assert [graph.containers[c]["fetched"] for c in published["children"]] == [JPEG, MP4]
    assert [graph.containers[c]["media_type"] for c in published["children"]] == ["IMAGE", "VIDEO"]


@pytest.mark.parametrize("media", ["reel", "carousel"])
def test_a_video_container_in_error_fails_the_post_with_instagrams_reason(
        session: Session, graph: GraphServer, jobs_run: InProcessBroker, api_url: str, media: str) -> None:
    _, ig, user = _accounts(session)
    attached = [_video(session, user)] if media == "reel" else [_image(session, user), _video(session, user)]
    variant = schedule(session, user, ig, "Will not go out", media=attached)
    graph.knobs.container_error = "2207026"  # Instagram: the video's format is not supported
    run_due(session, jobs_run)
    row = fresh(session, variant)
    assert row.state == VariantState.FAILED and row.attempts == 1
    assert row.failure_reason == (
        "Instagram refused the post: it could not use the video (Error: Media upload has failed with error code "
        "2207026). Its format is not supported: export it as MP4 (H.264 video, AAC audio), then attach it again.")
    assert graph.ig_media == {} and graph.writes("media_publish") == []
    (shown,) = [v for p in views.post_rows(session=session, actor=actor_for(user), tz="UTC") for v in p.variants]
    assert shown.state == VariantState.FAILED and shown.reason == row.failure_reason  # what the post card shows
    assert run_due(session, jobs_run, ahead_s=3600) == []  # a permanent error: never tried again
