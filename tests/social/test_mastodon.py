"""The Mastodon adapter with the real httpx client against a local Mastodon (tests/social/mastodon_server.py):
connecting through OAuth with state and PKCE, publishing through the job system with an Idempotency-Key,
media, metrics and followers, and every failure the network can answer with."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from maxbooster.models.audit import AuditLog
from maxbooster.models.base import utcnow
from maxbooster.models.social import AccountState, SocialAccount, SocialApp, VariantState
from maxbooster.services import storage
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.errors import InvalidInput, NetworkUnavailable, PermissionDenied
from maxbooster.services.social import accounts, posts, publishing
from maxbooster.settings import get_settings
from tests.social.mastodon_server import MastodonServer
from tests.social.support import REDIRECT, authorize, connect_mastodon, fresh, mastodon, run_due, schedule, social_env
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

acct_env, jobs_run, social_env, mastodon = fx.acct_env, lib.jobs_run, social_env, mastodon


def test_connect_registers_the_app_once_checks_pkce_and_stores_the_account(
        session: Session, social_env: Path, mastodon: MastodonServer) -> None:
    user = make_user(session)
    account = connect_mastodon(session, user, mastodon)
    assert account.state == AccountState.CONNECTED and account.handle == f"@ava@{mastodon.url.split('//')[1]}"
    assert account.remote_id == mastodon.account.id and account.followers_count == 42
    assert account.limits["max_characters"] == 500 and account.limits["max_media_attachments"] == 4
    token_post = next(r for r in mastodon.requests if r["path"] == "/oauth/token")
    assert b"code_verifier=" in token_post["body"]  # the server checked S256(verifier) == challenge
    again = connect_mastodon(session, user, mastodon)  # reconnecting updates the same row, same app
    assert again.id == account.id
    assert len([r for r in mastodon.requests if r["path"] == "/api/v1/apps"]) == 1
    assert len(session.exec(select(SocialApp)).all()) == 1
    actions = session.exec(select(AuditLog.action).where(col(AuditLog.action).startswith("social."))).all()
    assert actions == ["social.account.connect", "social.account.connect"]


def test_a_callback_with_the_wrong_state_or_a_denial_or_another_user_stores_nothing(
        session: Session, social_env: Path, mastodon: MastodonServer) -> None:
    user, other = make_user(session), make_user(session, "mallory@example.com")
    url, transaction = accounts.begin_mastodon_connect(session=session, actor=actor_for(user),
                                                       instance_url=mastodon.url, redirect_uri=REDIRECT)
    params = authorize(url)
    with pytest.raises(InvalidInput, match="state mismatch"):
        accounts.complete_mastodon_connect(session=session, actor=actor_for(user), transaction=transaction,
                                           params={**params, "state": "forged"})
    with pytest.raises(InvalidInput, match="expired or was already used"):
        accounts.complete_mastodon_connect(session=session, actor=actor_for(other), transaction=transaction,
                                           params=params)
    middle = len(transaction) // 2
    tampered = transaction[:middle] + ("A" if transaction[middle] != "A" else "B") + transaction[middle + 1:]
    with pytest.raises(InvalidInput, match="expired or was already used"):
        accounts.complete_mastodon_connect(session=session, actor=actor_for(user), transaction=tampered,
                                           params=params)
    mastodon.knobs.deny_authorization = True
    url, transaction = accounts.begin_mastodon_connect(session=session, actor=actor_for(user),
                                                       instance_url=mastodon.url, redirect_uri=REDIRECT)
    with pytest.raises(PermissionDenied, match="did not approve"):
        accounts.complete_mastodon_connect(session=session, actor=actor_for(user), transaction=transaction,
                                           params=authorize(url))
    assert session.exec(select(SocialAccount)).all() == []


def test_a_wrong_pkce_verifier_is_refused_by_the_instance(session: Session, social_env: Path,
                                                          mastodon: MastodonServer) -> None:
    from maxbooster.services.social import crypto

    user = make_user(session)
    url, transaction = accounts.begin_mastodon_connect(session=session, actor=actor_for(user),
                                                       instance_url=mastodon.url, redirect_uri=REDIRECT)
    data = crypto.unseal("social-connect", transaction, ttl_s=600)
    assert data is not None
    data.pop("p")
    forged = crypto.seal("social-connect", {**data, "cv": "x" * 64})  # not the verifier of the challenge sent
    with pytest.raises(PermissionDenied, match="invalid_grant"):
        accounts.complete_mastodon_connect(session=session, actor=actor_for(user), transaction=forged,
                                           params=authorize(url))
    assert session.exec(select(SocialAccount)).all() == []


@pytest.mark.parametrize("address", ["127.0.0.1", "localhost", "10.1.2.3", "192.168.0.10", "169.254.169.254", "[::1]"])
def test_an_instance_on_a_private_address_is_refused_before_any_request(
        session: Session, acct_env: Path, address: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOCIAL_ALLOW_PRIVATE_INSTANCES", raising=False)
    user = make_user(session)
    with pytest.raises(InvalidInput, match="private or local address"):
        accounts.begin_mastodon_connect(session=session, actor=actor_for(user), instance_url=f"https://{address}",
                                        redirect_uri=REDIRECT)
    with pytest.raises(InvalidInput, match="https"):
        accounts.begin_mastodon_connect(session=session, actor=actor_for(user), instance_url=f"http://{address}",
                                        redirect_uri=REDIRECT)
    assert session.exec(select(SocialApp)).all() == []


def test_a_post_goes_out_once_with_its_idempotency_key_media_and_metrics(
        session: Session, social_env: Path, mastodon: MastodonServer, jobs_run: InProcessBroker) -> None:
    user = make_user(session)
    account = connect_mastodon(session, user, mastodon)
    mastodon.knobs.media_processing_polls = 1  # the upload answers 202; one poll later it is ready
    cover = storage.save_upload(session=session, actor=actor_for(user), filename="cover.png",
                                chunks=[b"\x89PNG fake image bytes"], content_type="image/png")
    variant = schedule(session, user, account, "New single out now https://example.com/" + "x" * 600,
                       media=[posts.MediaRef(cover.id, "The cover: a night road")])
    assert run_due(session, jobs_run)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHED, row.last_error
    (sent,) = mastodon.status_posts()
    assert sent["headers"]["Idempotency-Key"] == row.idempotency_key
    status = mastodon.statuses[row.remote_id]
    assert row.remote_url == status["url"] and status["media_attachments"] == [{"id": row.remote_media_ids[0]}]
    media = mastodon.media[row.remote_media_ids[0]]
    assert media["type"] == "image/png" and media["description"] == "The cover: a night road"
    assert run_due(session, jobs_run) == []  # nothing due any more: no second post

    mastodon.set_counts(row.remote_id, favourites=7, reblogs=3, replies=2)
    measured = publishing.refresh_metrics(session=session, actor=actor_for(user), variant_id=row.id)
    assert measured.metrics == {"likes": 7, "reposts": 3, "replies": 2, "impressions": None, "simulated": False}
    mastodon.account.followers_count = 99
    assert accounts.refresh_account(session=session, actor=actor_for(user), account_id=account.id).followers_count == 99


def test_a_connection_cut_after_the_instance_accepted_does_not_post_twice(
        session: Session, social_env: Path, mastodon: MastodonServer, jobs_run: InProcessBroker) -> None:
    """The worker never hears that the post was made (as if it died then); the retry sends the same key
    and Mastodon answers with the status it already has."""
    user = make_user(session)
    account = connect_mastodon(session, user, mastodon)
    variant = schedule(session, user, account, "Tour dates tonight")
    mastodon.knobs.cut_after_accept = 1
    run_due(session, jobs_run)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHING and row.job_id is None and row.attempts == 1
    assert "could not be reached" in row.last_error and len(mastodon.statuses) == 1
    assert row.due_at is not None and row.due_at >= utcnow() + timedelta(seconds=25)  # back-off: 30 s
    run_due(session, jobs_run, ahead_s=31)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHED and row.attempts == 2
    assert len(mastodon.statuses) == 1 and row.remote_id == next(iter(mastodon.statuses))
    keys = {r["headers"]["Idempotency-Key"] for r in mastodon.status_posts()}
    assert len(mastodon.status_posts()) == 2 and keys == {row.idempotency_key}


def test_429_waits_for_the_reset_time_then_publishes(session: Session, social_env: Path, mastodon: MastodonServer,
                                                     jobs_run: InProcessBroker) -> None:
    user = make_user(session)
    account = connect_mastodon(session, user, mastodon)
    variant = schedule(session, user, account, "Rate limited at first")
    mastodon.knobs.rate_limit_statuses, mastodon.knobs.rate_limit_reset_s = 1, 120
    before = utcnow()
    run_due(session, jobs_run)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHING and "rate limit" in row.last_error
    assert row.due_at is not None and timedelta(seconds=118) <= row.due_at - before <= timedelta(seconds=122)
    assert run_due(session, jobs_run, ahead_s=60) == []  # not before the reset
    run_due(session, jobs_run, ahead_s=121)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHED and len(mastodon.statuses) == 1


@pytest.mark.parametrize("knob", ["server_errors", "malformed"])
def test_5xx_and_unreadable_answers_are_retried_with_the_same_key(
        session: Session, social_env: Path, mastodon: MastodonServer, jobs_run: InProcessBroker, knob: str) -> None:
    user = make_user(session)
    account = connect_mastodon(session, user, mastodon)
    variant = schedule(session, user, account, "Retry me")
    setattr(mastodon.knobs, knob, 1)
    run_due(session, jobs_run)
    assert fresh(session, variant).state == VariantState.PUBLISHING
    run_due(session, jobs_run, ahead_s=31)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHED and len(mastodon.statuses) == 1


def test_422_fails_for_good_with_the_networks_reason(session: Session, social_env: Path, mastodon: MastodonServer,
                                                     jobs_run: InProcessBroker) -> None:
    user = make_user(session)
    account = connect_mastodon(session, user, mastodon)
    variant = schedule(session, user, account, "Refused")
    mastodon.knobs.reject_reason = "Validation failed: Text contains a forbidden word"
    run_due(session, jobs_run)
    row = fresh(session, variant)
    assert row.state == VariantState.FAILED
    assert row.failure_reason == "Mastodon refused the post: Validation failed: Text contains a forbidden word"
    assert run_due(session, jobs_run, ahead_s=3600) == [] and len(mastodon.status_posts()) == 1


def test_a_revoked_grant_marks_the_account_reconnect(session: Session, social_env: Path, mastodon: MastodonServer,
                                                     jobs_run: InProcessBroker) -> None:
    user = make_user(session)
    account = connect_mastodon(session, user, mastodon)
    variant = schedule(session, user, account, "After revocation")
    second = schedule(session, user, account, "Another one")
    mastodon.revoke_all()
    run_due(session, jobs_run)
    row, other = fresh(session, variant), fresh(session, second)
    assert row.state == other.state == VariantState.FAILED and "reconnect" in row.failure_reason
    account_row = session.get(SocialAccount, account.id)
    assert account_row is not None and account_row.state == AccountState.RECONNECT
    assert account_row.access_token_enc is None and mastodon.statuses == {}
    with pytest.raises(InvalidInput, match="must be connected again"):
        schedule(session, user, account_row, "Refused before it is stored")
    assert connect_mastodon(session, user, mastodon).state == AccountState.CONNECTED  # reconnecting mends it


def test_an_expiring_token_is_refreshed_before_it_is_used(session: Session, social_env: Path,
                                                          mastodon: MastodonServer, jobs_run: InProcessBroker) -> None:
    mastodon.knobs.expiring_tokens, mastodon.knobs.token_lifetime_s = True, 120  # inside the 5-minute margin
    user = make_user(session)
    account = connect_mastodon(session, user, mastodon)
    old = account.access_token_enc
    variant = schedule(session, user, account, "Fresh token")
    run_due(session, jobs_run)
    assert fresh(session, variant).state == VariantState.PUBLISHED
    refreshed = session.get(SocialAccount, account.id)
    assert refreshed is not None and refreshed.access_token_enc != old
    grants = [r["body"] for r in mastodon.requests if r["path"] == "/oauth/token"]
    assert b"grant_type=refresh_token" in grants[-1]


def test_disconnect_revokes_and_deletes_the_tokens_and_fails_waiting_posts(
        session: Session, social_env: Path, mastodon: MastodonServer) -> None:
    user = make_user(session)
    account = connect_mastodon(session, user, mastodon)
    token_count = len(mastodon.tokens)
    post = posts.create_post(session=session, actor=actor_for(user), data=posts.PostIn(
        scheduled_at=utcnow() + timedelta(hours=1), variants=[posts.VariantIn(account.id, "later")]))
    accounts.disconnect(session=session, actor=actor_for(user), account_id=account.id)
    assert session.exec(select(SocialAccount)).all() == []
    assert len(mastodon.tokens) == token_count and all(t["revoked"] for t in mastodon.tokens.values())
    (variant,) = posts.variants_of(session=session, actor=actor_for(user), post_id=post.id)
    assert variant.state == VariantState.FAILED and "disconnected" in variant.failure_reason


def test_the_instance_limit_and_link_length_are_checked_before_storing(
        session: Session, social_env: Path, mastodon: MastodonServer) -> None:
    mastodon.max_characters = 100
    user = make_user(session)
    account = connect_mastodon(session, user, mastodon)
    assert account.limits["max_characters"] == 100
    fits = "a" * 77 + " https://example.com/" + "very-long-path/" * 20  # 77 + 1 + 23 = 101 > 100
    check = posts.check_text(session=session, actor=actor_for(user), account_id=account.id, text=fits)
    assert check.length == 101 and check.problems == ("101 characters is over Mastodon's limit of 100 (remove 1).",)
    with pytest.raises(InvalidInput, match="over Mastodon's limit of 100"):
        schedule(session, user, account, fits)
    assert posts.check_text(session=session, actor=actor_for(user), account_id=account.id, text=fits[1:]).ok


@pytest.mark.parametrize(("knob", "posts_sent"), [("cut_after_accept", 1), ("server_errors", 2)])
def test_a_retry_after_mastodon_forgot_the_key_looks_for_the_post_first(
        session: Session, social_env: Path, mastodon: MastodonServer, jobs_run: InProcessBroker, knob: str,
        posts_sent: int) -> None:
    """Mastodon keeps a key for an hour. A retry later than that (a long rate limit) must not rely on it:
    it finds the post the first attempt made (cut connection), or posts when there is none (503)."""
    user = make_user(session)
    account = connect_mastodon(session, user, mastodon)
    other = schedule(session, user, account, "An older post with other words")
    run_due(session, jobs_run)
    variant = schedule(session, user, account, "The same words as posted")
    setattr(mastodon.knobs, knob, 1)
    run_due(session, jobs_run)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHING
    row.first_sent_at = utcnow() - timedelta(hours=2)
    session.add(row)
    session.commit()
    mastodon.forget_idempotency_keys()
    run_due(session, jobs_run, ahead_s=31)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHED and len(mastodon.statuses) == 2
    assert mastodon.sources[row.remote_id] == "The same words as posted"
    assert row.remote_id != fresh(session, other).remote_id
    assert len(mastodon.status_posts()) == 1 + posts_sent


def test_a_timeout_after_the_instance_took_the_post_is_retried_without_a_second_post(
        session: Session, social_env: Path, mastodon: MastodonServer, jobs_run: InProcessBroker,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIAL_HTTP_TIMEOUT", "0.5")
    get_settings.cache_clear()
    user = make_user(session)
    account = connect_mastodon(session, user, mastodon)
    variant = schedule(session, user, account, "Slow instance")
    mastodon.knobs.hold_after_accept_s = 2  # the status exists; the answer comes after our timeout
    run_due(session, jobs_run)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHING and "did not answer in time" in row.last_error
    run_due(session, jobs_run, ahead_s=31)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHED and len(mastodon.statuses) == 1 and len(mastodon.status_posts()) == 2


def test_an_instance_that_does_not_answer_is_a_clear_error(session: Session, social_env: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    user = make_user(session)
    with pytest.raises(NetworkUnavailable, match="could not be reached"):
        accounts.begin_mastodon_connect(session=session, actor=actor_for(user), instance_url=f"http://127.0.0.1:{port}",
                                        redirect_uri=REDIRECT)
    assert session.exec(select(SocialApp)).all() == []


def test_the_generic_connect_flow_works_for_mastodon_too(session: Session, social_env: Path,
                                                         mastodon: MastodonServer) -> None:
    """begin_connect/complete_connect (the attempt kept server-side, used once) with an instance address."""
    from tests.social.support import callback_uri, follow_consent

    user = make_user(session)
    url = accounts.begin_connect(session=session, actor=actor_for(user), network="mastodon",
                                 instance_url=mastodon.url, redirect_uri=callback_uri("mastodon"))
    params = follow_consent(url, callback_uri("mastodon"))
    (account,) = accounts.complete_connect(session=session, actor=actor_for(user), network="mastodon", params=params)
    assert account.network == "mastodon" and account.instance_url == mastodon.url and account.app_id is not None
    assert account.limits["max_characters"] == 500
    with pytest.raises(InvalidInput, match="already used"):
        accounts.complete_connect(session=session, actor=actor_for(user), network="mastodon", params=params)
    assert len(session.exec(select(SocialAccount)).all()) == 1


def test_the_generic_connect_refuses_a_private_instance_before_any_request(
        session: Session, acct_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOCIAL_ALLOW_PRIVATE_INSTANCES", raising=False)
    get_settings.cache_clear()
    user = make_user(session)
    with pytest.raises(InvalidInput, match="private or local address"):
        accounts.begin_connect(session=session, actor=actor_for(user), network="mastodon",
                               instance_url="https://169.254.169.254", redirect_uri=REDIRECT)
    assert session.exec(select(SocialApp)).all() == []
