"""The X adapter with the real httpx and Authlib clients against a local X (tests/social/x_server.py):
OAuth 2.0 with PKCE and offline access (connect attempts kept server-side, used once), publishing through
the job system with chunked media, never twice when an answer is lost (X has no idempotency keys: the
retry finds the post), rate limits, errors, refresh, revocation, metrics and the profile."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from maxbooster.models.base import utcnow
from maxbooster.models.social import AccountState, SocialAccount, SocialConnect, VariantState
from maxbooster.services import storage
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.errors import InvalidInput, NetworkUnavailable, PermissionDenied
from maxbooster.services.social import accounts, posts, publishing
from maxbooster.settings import get_settings
from tests.social.support import callback_uri, connect_network, follow_consent, fresh, run_due, schedule, social_env, x
from tests.social.x_server import XServer
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

acct_env, jobs_run, social_env, x = fx.acct_env, lib.jobs_run, social_env, x



def _connect(session: Session, server: XServer) -> tuple[SocialAccount, object]:
    user = make_user(session)
    (account,) = connect_network(session, user, "x")
    return account, user


def test_connect_uses_pkce_basic_auth_and_offline_access_and_stores_tokens_encrypted(
        session: Session, x: XServer) -> None:
    user = make_user(session)
    assert "x" in accounts.offered_networks()
    url = accounts.begin_connect(session=session, actor=actor_for(user), network="x", redirect_uri=callback_uri("x"))
    assert "code_challenge_method=S256" in url and "offline.access" in url
    (attempt,) = session.exec(select(SocialConnect)).all()
    params = follow_consent(url, callback_uri("x"))
    assert attempt.state_hash != params["state"] and params["code"] not in attempt.code_verifier_enc
    (account,) = accounts.complete_connect(session=session, actor=actor_for(user), network="x", params=params)
    assert (account.network, account.handle, account.remote_id) == ("x", "@ava_music", x.user.id)
    assert account.followers_count == 1234 and account.state == AccountState.CONNECTED
    assert account.token_expires_at is not None and account.refresh_token_enc
    stored = session.get(SocialAccount, account.id)
    assert stored is not None and stored.access_token_enc not in x.tokens  # encrypted at rest
    (token_call,) = x.sent("POST", "/2/oauth2/token")
    assert token_call["headers"]["Authorization"].startswith("Basic ") and b"code_verifier=" in token_call["body"]
    assert session.exec(select(SocialConnect)).all() == []  # the attempt is used up
    with pytest.raises(InvalidInput, match="already used"):  # the same callback again (a replay)
        accounts.complete_connect(session=session, actor=actor_for(user), network="x", params=params)
    assert len(x.sent("POST", "/2/oauth2/token")) == 1


def test_wrong_state_another_owner_denial_and_no_offline_access_store_nothing(session: Session, x: XServer) -> None:
    user, other = make_user(session), make_user(session, "mallory@example.com")
    url = accounts.begin_connect(session=session, actor=actor_for(user), network="x", redirect_uri=callback_uri("x"))
    params = follow_consent(url, callback_uri("x"))
    for actor, given in ((actor_for(user), {**params, "state": "forged"}), (actor_for(other), params),
                         (actor_for(user), {"code": params["code"]})):
        with pytest.raises(InvalidInput, match="unknown, expired or was already used"):
            accounts.complete_connect(session=session, actor=actor, network="x", params=given)
    with pytest.raises(InvalidInput, match="unknown, expired"):  # a state of X's attempt at another network
        accounts.complete_connect(session=session, actor=actor_for(user), network="youtube", params=params)
    x.knobs.deny_authorization = True
    url = accounts.begin_connect(session=session, actor=actor_for(user), network="x", redirect_uri=callback_uri("x"))
    with pytest.raises(PermissionDenied, match="did not approve"):
        accounts.complete_connect(session=session, actor=actor_for(user), network="x",
                                  params=follow_consent(url, callback_uri("x")))
    x.knobs.deny_authorization, x.knobs.no_offline_access = False, True
    url = accounts.begin_connect(session=session, actor=actor_for(user), network="x", redirect_uri=callback_uri("x"))
    with pytest.raises(PermissionDenied, match="offline.access"):
        accounts.complete_connect(session=session, actor=actor_for(user), network="x",
                                  params=follow_consent(url, callback_uri("x")))
    assert session.exec(select(SocialAccount)).all() == []
    assert x.sent("POST", "/2/oauth2/token") and not x.sent("GET", "/2/users/me")


def test_an_expired_attempt_is_refused(session: Session, x: XServer) -> None:
    user = make_user(session)
    url = accounts.begin_connect(session=session, actor=actor_for(user), network="x", redirect_uri=callback_uri("x"))
    attempt = session.exec(select(SocialConnect)).one()
    attempt.expires_at = utcnow() - timedelta(seconds=1)
    session.add(attempt)
    session.commit()
    with pytest.raises(InvalidInput, match="expired"):
        accounts.complete_connect(session=session, actor=actor_for(user), network="x",
                                  params=follow_consent(url, callback_uri("x")))
    assert session.exec(select(SocialAccount)).all() == [] and not x.sent("POST", "/2/oauth2/token")


def test_x_is_not_offered_without_credentials(session: Session, social_env: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("X_CLIENT_ID", raising=False)
    get_settings.cache_clear()
    user = make_user(session)
    assert "x" not in accounts.offered_networks() and "mastodon" in accounts.offered_networks()
    with pytest.raises(NetworkUnavailable, match="X is not set up on this server"):
        accounts.begin_connect(session=session, actor=actor_for(user), network="x", redirect_uri=callback_uri("x"))
    with pytest.raises(InvalidInput, match="not a network"):
        accounts.begin_connect(session=session, actor=actor_for(user), network="myspace", redirect_uri="http://x/cb")
    assert session.exec(select(SocialConnect)).all() == []


def test_a_post_with_an_image_goes_out_once_then_metrics_and_followers(
        session: Session, x: XServer, jobs_run: InProcessBroker) -> None:
    account, user = _connect(session, x)
    cover = storage.save_upload(session=session, actor=actor_for(user), filename="cover.png",
                                chunks=[b"\x89PNG" + b"p" * 5000], content_type="image/png")
    text = "New single out now & everywhere: https://example.com/r/night-drive?utm_source=x"
    variant = schedule(session, user, account, text, media=[posts.MediaRef(cover.id, "The cover")])
    run_due(session, jobs_run)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHED, row.last_error
    (sent,) = x.tweet_posts()
    tweet = x.tweets[row.remote_id]
    assert tweet["source"] == text and tweet["attachments"]["media_keys"] == [f"3_{row.remote_media_ids[0]}"]
    media = x.media[row.remote_media_ids[0]]
    assert media["category"] == "tweet_image" and media["finalized"] and b"".join(media["chunks"].values()) \
        == b"\x89PNG" + b"p" * 5000
    assert row.remote_url == f"https://x.com/i/web/status/{row.remote_id}"
    assert run_due(session, jobs_run) == [] and len(x.tweet_posts()) == 1

    tweet["public_metrics"].update(like_count=9, retweet_count=2, quote_count=1, reply_count=4)
    tweet["non_public_metrics"]["impression_count"] = 321
    measured = publishing.refresh_metrics(session=session, actor=actor_for(user), variant_id=row.id)
    assert measured.metrics == {"likes": 9, "reposts": 3, "replies": 4, "impressions": 321, "simulated": False}
    x.user.followers_count = 2000
    assert accounts.refresh_account(session=session, actor=actor_for(user), account_id=account.id).followers_count \
        == 2000


def test_a_video_is_uploaded_in_chunks_and_waits_for_processing(
        session: Session, x: XServer, jobs_run: InProcessBroker, monkeypatch: pytest.MonkeyPatch) -> None:
    from maxbooster.services.social.providers import x as x_adapter

    monkeypatch.setattr(x_adapter, "CHUNK_BYTES", 1000)  # a small file still takes several APPENDs
    x.knobs.media_processing_polls = 2
    account, user = _connect(session, x)
    clip = storage.save_upload(session=session, actor=actor_for(user), filename="clip.mp4",
                               chunks=[b"v" * 2500], content_type="video/mp4")
    variant = schedule(session, user, account, "Audiogram", media=[posts.MediaRef(clip.id, "")])
    run_due(session, jobs_run)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHED, row.last_error
    media = x.media[row.remote_media_ids[0]]
    assert sorted(media["chunks"]) == [0, 1, 2] and media["category"] == "tweet_video"
    assert len([r for r in x.requests if r["query"].get("command") == "STATUS"]) == 2


@pytest.mark.parametrize("knob", ["cut_after_accept", "malformed_after_accept", "late_after_accept_s"])
def test_an_answer_lost_after_x_accepted_never_posts_twice(
        session: Session, x: XServer, jobs_run: InProcessBroker, monkeypatch: pytest.MonkeyPatch, knob: str) -> None:
    """X took the post but we never heard so (cut connection, unreadable answer, too late): the retry looks
    through the account's recent posts, finds it (t.co links expanded back) and records it."""
    monkeypatch.setenv("SOCIAL_HTTP_TIMEOUT", "1")
    get_settings.cache_clear()
    account, user = _connect(session, x)
    earlier = schedule(session, user, account, "An earlier post https://example.com/a")
    run_due(session, jobs_run)
    text = "Tour dates & tickets: https://example.com/tour?utm_source=x"
    variant = schedule(session, user, account, text)
    setattr(x.knobs, knob, 2 if knob == "late_after_accept_s" else 1)
    run_due(session, jobs_run)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHING and row.job_id is None and row.attempts == 1 and row.last_error
    assert len(x.tweets) == 2
    run_due(session, jobs_run, ahead_s=31)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHED and row.attempts == 2
    assert len(x.tweets) == 2 and len(x.tweet_posts()) == 2  # the earlier post, and this one once
    assert x.tweets[row.remote_id]["source"] == text and row.remote_id != fresh(session, earlier).remote_id
    assert run_due(session, jobs_run, ahead_s=3600) == []


def test_429_waits_until_x_rate_limit_reset(session: Session, x: XServer, jobs_run: InProcessBroker) -> None:
    account, user = _connect(session, x)
    variant = schedule(session, user, account, "Rate limited first")
    x.knobs.rate_limit, x.knobs.rate_limit_reset_s = 1, 120
    before = utcnow()
    run_due(session, jobs_run)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHING and "X's rate limit is reached" in row.last_error
    assert row.due_at is not None and timedelta(seconds=118) <= row.due_at - before <= timedelta(seconds=122)
    assert run_due(session, jobs_run, ahead_s=60) == []
    run_due(session, jobs_run, ahead_s=122)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHED and len(x.tweets) == 1


def test_a_503_is_retried_and_posts_once(session: Session, x: XServer, jobs_run: InProcessBroker) -> None:
    account, user = _connect(session, x)
    variant = schedule(session, user, account, "Over capacity first")
    x.knobs.server_errors = 1
    run_due(session, jobs_run)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHING and "HTTP 503" in row.last_error and x.tweets == {}
    run_due(session, jobs_run, ahead_s=31)
    assert fresh(session, variant).state == VariantState.PUBLISHED and len(x.tweets) == 1


def test_a_refusal_fails_with_xs_reason(session: Session, x: XServer, jobs_run: InProcessBroker) -> None:
    account, user = _connect(session, x)
    variant = schedule(session, user, account, "Refused")
    x.knobs.forbidden = "You are not permitted to perform this action."
    run_due(session, jobs_run)
    row = fresh(session, variant)
    assert row.state == VariantState.FAILED
    assert row.failure_reason == "X refused the post: You are not permitted to perform this action."
    assert run_due(session, jobs_run, ahead_s=3600) == [] and x.tweets == {}


def test_a_too_long_post_is_refused_before_it_is_stored(session: Session, x: XServer) -> None:
    account, user = _connect(session, x)
    with pytest.raises(InvalidInput, match="over X's limit of 280"):
        schedule(session, user, account, "日本語" * 47)  # 282 weighted
    check = posts.check_text(session=session, actor=actor_for(user), account_id=account.id,
                             text="a" * 256 + " https://example.com/" + "x" * 100)
    assert check.ok and check.length == 280  # the link counts 23 whatever its length


def test_a_revoked_grant_marks_the_account_reconnect(session: Session, x: XServer, jobs_run: InProcessBroker) -> None:
    account, user = _connect(session, x)
    variant = schedule(session, user, account, "After revocation")
    x.revoke_all()
    run_due(session, jobs_run)
    row = fresh(session, variant)
    assert row.state == VariantState.FAILED and "reconnect" in row.failure_reason
    stored = session.get(SocialAccount, account.id)
    assert stored is not None and stored.state == AccountState.RECONNECT and stored.access_token_enc is None
    assert x.tweets == {}
    assert connect_network(session, user, "x")[0].state == AccountState.CONNECTED


def test_an_expiring_token_is_refreshed_and_x_rotates_the_refresh_token(
        session: Session, x: XServer, jobs_run: InProcessBroker) -> None:
    x.knobs.token_lifetime_s = 120  # inside the 5-minute margin
    account, user = _connect(session, x)
    old_access, old_refresh = account.access_token_enc, account.refresh_token_enc
    variant = schedule(session, user, account, "Fresh token")
    run_due(session, jobs_run)
    assert fresh(session, variant).state == VariantState.PUBLISHED
    stored = session.get(SocialAccount, account.id)
    assert stored is not None and stored.access_token_enc != old_access and stored.refresh_token_enc != old_refresh
    (refresh_call,) = [r for r in x.sent("POST", "/2/oauth2/token") if b"grant_type=refresh_token" in r["body"]]
    assert refresh_call["headers"]["Authorization"].startswith("Basic ")
    x.revoke_all()  # the refresh token too: the next refresh is refused → reconnect
    stored.token_expires_at = utcnow()
    session.add(stored)
    session.commit()
    later = schedule(session, user, stored, "After the refresh token died")
    run_due(session, jobs_run)
    assert "connect the account again" in fresh(session, later).failure_reason
    stored = session.get(SocialAccount, account.id, populate_existing=True)
    assert stored is not None and stored.state == AccountState.RECONNECT


def test_disconnect_revokes_the_token_at_x(session: Session, x: XServer) -> None:
    account, user = _connect(session, x)
    accounts.disconnect(session=session, actor=actor_for(user), account_id=account.id)
    assert session.exec(select(SocialAccount)).all() == []
    (revoke,) = x.sent("POST", "/2/oauth2/revoke")
    assert revoke["headers"]["Authorization"].startswith("Basic ")
    assert all(t["revoked"] for t in x.tokens.values())
