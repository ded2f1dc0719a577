"""The YouTube adapter with the real httpx and Authlib clients against a local Google OAuth + YouTube Data
API (tests/social/youtube_server.py): connecting with offline access and PKCE, the resumable upload that
resumes after a cut connection, publishing through the job that never makes a second video, quota and
rate limits, revoked grants and refresh, statistics and subscribers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from maxbooster.models.base import utcnow
from maxbooster.models.social import AccountState, SocialAccount, SocialPostVariant, VariantState
from maxbooster.services import storage
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.errors import InvalidInput, PermissionDenied
from maxbooster.services.social import accounts, crypto, posts, publishing
from maxbooster.services.social.providers import youtube as yt
from tests.social.support import (
    callback_uri,
    connect_network,
    follow_consent,
    fresh,
    run_due,
    schedule,
    social_env,
    youtube,
)
from tests.social.youtube_server import YouTubeServer
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

acct_env, jobs_run, social_env, youtube = fx.acct_env, lib.jobs_run, social_env, youtube
VIDEO = bytes(range(256)) * 2400  # 614,400 bytes: three chunks of 256 KiB (the last one shorter)



def _video_post(session: Session, server: YouTubeServer, text: str = "Night Drive (official audio)\nOut now.",
                data: bytes = VIDEO) -> tuple[SocialAccount, SocialPostVariant, object]:
    user = make_user(session)
    (account,) = connect_network(session, user, "youtube")
    clip = storage.save_upload(session=session, actor=actor_for(user), filename="night-drive.mp4", chunks=[data],
                               content_type="video/mp4")
    return account, schedule(session, user, account, text, media=[posts.MediaRef(clip.id, "")]), user


def test_connect_asks_for_offline_access_with_pkce_and_reads_the_channel(session: Session,
                                                                         youtube: YouTubeServer) -> None:
    user = make_user(session)
    url = accounts.begin_connect(session=session, actor=actor_for(user), network="youtube",
                                 redirect_uri=callback_uri("youtube"))
    assert "access_type=offline" in url and "code_challenge_method=S256" in url and "youtube.upload" in url
    (account,) = accounts.complete_connect(session=session, actor=actor_for(user), network="youtube",
                                           params=follow_consent(url, callback_uri("youtube")))
    assert (account.handle, account.display_name, account.followers_count) == ("@avamusic", "Ava", 5120)
    assert account.remote_id == youtube.channel["id"] and account.refresh_token_enc
    (token_call,) = youtube.sent("POST", "/token")
    assert b"client_secret=yt-secret" in token_call["body"] and b"code_verifier=" in token_call["body"]


def test_a_google_account_without_a_channel_or_a_denial_stores_nothing(session: Session,
                                                                       youtube: YouTubeServer) -> None:
    user = make_user(session)
    youtube.knobs.no_channel = True
    url = accounts.begin_connect(session=session, actor=actor_for(user), network="youtube",
                                 redirect_uri=callback_uri("youtube"))
    with pytest.raises(InvalidInput, match="has no YouTube channel; create one"):
        accounts.complete_connect(session=session, actor=actor_for(user), network="youtube",
                                  params=follow_consent(url, callback_uri("youtube")))
    youtube.knobs.no_channel, youtube.knobs.deny_authorization = False, True
    url = accounts.begin_connect(session=session, actor=actor_for(user), network="youtube",
                                 redirect_uri=callback_uri("youtube"))
    with pytest.raises(PermissionDenied, match="YouTube did not approve"):
        accounts.complete_connect(session=session, actor=actor_for(user), network="youtube",
                                  params=follow_consent(url, callback_uri("youtube")))
    assert session.exec(select(SocialAccount)).all() == []


def test_a_video_is_uploaded_in_chunks_then_published_once_with_its_title_and_metrics(
        session: Session, youtube: YouTubeServer, jobs_run: InProcessBroker) -> None:
    account, variant, user = _video_post(session, youtube)
    run_due(session, jobs_run)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHED, row.last_error
    (video,) = youtube.videos.values()
    assert row.remote_id == video["id"] and row.remote_url == f"https://www.youtube.com/watch?v={video['id']}"
    assert video["snippet"]["title"] == "Night Drive (official audio)" and video["snippet"]["description"] == "Out now."
    assert video["snippet"]["categoryId"] == "10" and video["status"]["privacyStatus"] == "public"
    assert [r["headers"]["Content-Range"] for r in youtube.chunk_puts()] == [
        "bytes 0-262143/614400", "bytes 262144-524287/614400", "bytes 524288-614399/614400"]
    assert youtube.sessions[next(iter(youtube.sessions))]["data"] == VIDEO
    assert run_due(session, jobs_run, ahead_s=3600) == []

    video["statistics"].update(viewCount="1500", likeCount="120", commentCount="8")
    measured = publishing.refresh_metrics(session=session, actor=actor_for(user), variant_id=row.id)
    assert measured.metrics == {"likes": 120, "reposts": 0, "replies": 8, "impressions": 1500, "simulated": False}
    youtube.channel["subscriberCount"] = "6000"
    assert accounts.refresh_account(session=session, actor=actor_for(user), account_id=account.id).followers_count \
        == 6000


@pytest.mark.parametrize("knob", ["cut_chunks", "chunk_errors"])
def test_an_upload_cut_mid_way_resumes_where_youtube_stands(
        session: Session, youtube: YouTubeServer, jobs_run: InProcessBroker, knob: str) -> None:
    _, variant, _ = _video_post(session, youtube)
    setattr(youtube.knobs, knob, 1)  # the first chunk: kept then cut, or refused with a 503
    run_due(session, jobs_run)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHED and row.attempts == 1, row.last_error
    (upload,) = youtube.sessions.values()
    assert upload["data"] == VIDEO and len(youtube.videos) == 1
    status_queries = [r for r in youtube.sent("PUT", "/upload/youtube/v3/videos") if not r["body"]]
    assert [r["headers"]["Content-Range"] for r in status_queries] == ["bytes */614400"]
    sent = [r["headers"]["Content-Range"] for r in youtube.chunk_puts()]
    # a cut chunk was kept, so the next one follows; a refused chunk is sent again
    expected_next = "bytes 262144-524287/614400" if knob == "cut_chunks" else "bytes 0-262143/614400"
    assert sent[1] == expected_next


def test_the_last_chunks_answer_lost_still_makes_one_video(session: Session, youtube: YouTubeServer,
                                                           jobs_run: InProcessBroker) -> None:
    _, variant, _ = _video_post(session, youtube, data=b"short video")
    youtube.knobs.cut_chunks = 1  # the whole file in one chunk: the video exists, the answer never comes
    run_due(session, jobs_run)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHED and len(youtube.videos) == 1 and len(youtube.sessions) == 1
    assert row.remote_id == next(iter(youtube.videos))


def test_publishing_answer_lost_retries_the_update_and_never_uploads_again(
        session: Session, youtube: YouTubeServer, jobs_run: InProcessBroker) -> None:
    _, variant, _ = _video_post(session, youtube)
    youtube.knobs.cut_after_update = 1  # YouTube made it public; we never heard so
    run_due(session, jobs_run)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHING and "could not be reached" in row.last_error
    assert len(row.remote_media_ids) == 1  # the upload is recorded: a retry only updates
    run_due(session, jobs_run, ahead_s=31)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHED and row.attempts == 2
    (video,) = youtube.videos.values()
    assert video["updates"] == 2 and video["status"]["privacyStatus"] == "public"
    assert len(youtube.sent("POST", "/upload/youtube/v3/videos")) == 1


def test_quota_exceeded_waits_until_midnight_pacific_and_rate_limits_for_retry_after(
        session: Session, youtube: YouTubeServer, jobs_run: InProcessBroker) -> None:
    _, variant, _ = _video_post(session, youtube)
    youtube.knobs.quota_exceeded = 1
    run_due(session, jobs_run)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHING and "daily quota is used up (quotaExceeded)" in row.last_error
    assert row.due_at == yt.quota_reset() and row.due_at.astimezone(yt.PACIFIC).hour == 0
    youtube.knobs.rate_limited = 1
    before = utcnow()
    run_due(session, jobs_run, ahead_s=(row.due_at - utcnow()).total_seconds() + 1)
    row = fresh(session, variant)
    assert "slow down" in row.last_error and row.due_at is not None
    assert timedelta(seconds=88) <= row.due_at - before <= timedelta(seconds=95)
    run_due(session, jobs_run, ahead_s=(row.due_at - utcnow()).total_seconds() + 1)
    assert fresh(session, variant).state == VariantState.PUBLISHED and len(youtube.videos) == 1


def test_quota_reset_is_the_next_pacific_midnight() -> None:
    # 2026-07-01 06:59 UTC is 23:59 PDT (UTC-7): the reset is one minute later
    assert yt.quota_reset(datetime(2026, 7, 1, 6, 59, tzinfo=UTC)) == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)
    # in winter (PST, UTC-8) midnight is 08:00 UTC
    assert yt.quota_reset(datetime(2026, 1, 15, 12, 0, tzinfo=UTC)) == datetime(2026, 1, 16, 8, 0, tzinfo=UTC)


def test_a_revoked_grant_marks_reconnect_and_a_refresh_keeps_googles_refresh_token(
        session: Session, youtube: YouTubeServer, jobs_run: InProcessBroker) -> None:
    youtube.knobs.token_lifetime_s = 120  # inside the refresh margin
    account, variant, user = _video_post(session, youtube)
    refresh_before = account.refresh_token_enc
    run_due(session, jobs_run)
    assert fresh(session, variant).state == VariantState.PUBLISHED
    stored = session.get(SocialAccount, account.id, populate_existing=True)
    assert stored is not None and stored.refresh_token_enc and refresh_before
    assert crypto.decrypt(stored.refresh_token_enc) == crypto.decrypt(refresh_before)  # Google sent no new one
    assert any(b"grant_type=refresh_token" in r["body"] for r in youtube.sent("POST", "/token"))
    youtube.revoke_all()
    clip = storage.save_upload(session=session, actor=actor_for(user), filename="b.mp4", chunks=[b"clip"],
                               content_type="video/mp4")
    later = schedule(session, user, stored, "Second video", media=[posts.MediaRef(clip.id, "")])
    run_due(session, jobs_run)
    assert "connect the account again" in fresh(session, later).failure_reason
    stored = session.get(SocialAccount, account.id, populate_existing=True)
    assert stored is not None and stored.state == AccountState.RECONNECT and stored.access_token_enc is None


def test_a_post_without_a_video_or_title_is_refused_before_it_is_stored(session: Session,
                                                                          youtube: YouTubeServer) -> None:
    user = make_user(session)
    (account,) = connect_network(session, user, "youtube")
    with pytest.raises(InvalidInput, match="YouTube posts are videos"):
        schedule(session, user, account, "A title only")
    clip = storage.save_upload(session=session, actor=actor_for(user), filename="c.mp4", chunks=[b"v"],
                               content_type="video/mp4")
    with pytest.raises(InvalidInput, match="title on the first line"):
        schedule(session, user, account, "\nno title", media=[posts.MediaRef(clip.id, "")])
    assert session.exec(select(SocialPostVariant)).all() == []


def test_an_unreachable_token_endpoint_while_connecting_is_a_clear_error_and_stores_nothing(
        session: Session, youtube: YouTubeServer) -> None:
    from maxbooster.services.errors import NetworkUnavailable

    user = make_user(session)
    url = accounts.begin_connect(session=session, actor=actor_for(user), network="youtube",
                                 redirect_uri=callback_uri("youtube"))
    params = follow_consent(url, callback_uri("youtube"))
    youtube.stop()  # Google's token endpoint is gone when the browser comes back
    with pytest.raises(NetworkUnavailable, match="could not be reached; try again"):
        accounts.complete_connect(session=session, actor=actor_for(user), network="youtube", params=params)
    assert session.exec(select(SocialAccount)).all() == []
