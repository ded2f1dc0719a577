"""Engagement ingestion: published posts are read on a tapering cadence into a time series and per-post
figures (simulated and marked on the sandbox; real counts from the local Mastodon server), through the
`social.ingest_metrics` job; a grant revoked mid-ingestion marks the account "reconnect", a 429 defers
the account's posts to the reset time, a 503 defers one post."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from maxbooster.models.base import utcnow
from maxbooster.models.jobs import Job, JobStatus
from maxbooster.models.social import (
    AccountState,
    SocialFollowerSample,
    SocialMetricSample,
    SocialPostStats,
    VariantState,
)
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.social import accounts, ingest
from tests.social.mastodon_server import MastodonServer
from tests.social.support import connect_mastodon, fresh, mastodon, run_due, schedule, social_env
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

acct_env, jobs_run, social_env, mastodon = fx.acct_env, lib.jobs_run, social_env, mastodon


def _samples(session: Session, variant_id: object) -> list[SocialMetricSample]:
    session.expire_all()
    return list(session.exec(select(SocialMetricSample).where(col(SocialMetricSample.variant_id) == variant_id)
                             .order_by(col(SocialMetricSample.taken_at))).all())


def test_sandbox_posts_are_read_hourly_then_daily_then_no_more(session: Session, social_env: Path,
                                                               jobs_run: InProcessBroker) -> None:
    user = make_user(session)
    account = accounts.connect_sandbox(session=session, actor=actor_for(user), handle="ava")
    variant = schedule(session, user, account, "Out now: stream it https://example.com/r/x #newmusic")
    run_due(session, jobs_run)
    variant = fresh(session, variant)
    assert variant.state == VariantState.PUBLISHED and variant.published_at is not None
    t0 = variant.published_at

    first = ingest.ingest_due(session=session, now=t0 + timedelta(minutes=30))
    assert first.read == 1
    stats = session.get(SocialPostStats, variant.id)
    assert stats is not None and stats.simulated and stats.reach > 0 and stats.link_clicks >= 0
    assert stats.interactions == stats.likes + stats.comments + stats.shares + stats.saves
    assert stats.next_read_at == t0 + timedelta(minutes=90)  # hourly while young
    assert ingest.ingest_due(session=session, now=t0 + timedelta(minutes=60)).read == 0  # not due yet
    ingest.ingest_due(session=session, now=t0 + timedelta(hours=6))
    ingest.ingest_due(session=session, now=t0 + timedelta(days=3))  # past two days: daily
    session.expire_all()
    stats = session.get(SocialPostStats, variant.id)
    assert stats is not None and stats.next_read_at == t0 + timedelta(days=4)
    ingest.ingest_due(session=session, now=t0 + timedelta(days=31))  # past 30 days: the last reading
    session.expire_all()
    stats = session.get(SocialPostStats, variant.id)
    assert stats is not None and stats.next_read_at is None and stats.samples == 4
    # a post with a link gets clicks once enough people saw it (the first half hour may have none)
    assert stats.link_clicks > 0
    series = _samples(session, variant.id)
    assert [s.reach for s in series] == sorted(s.reach for s in series)  # reach grows with age
    assert all(s.simulated and s.link_clicks is not None for s in series)
    assert ingest.ingest_due(session=session, now=t0 + timedelta(days=60)).read == 0
    assert len(session.exec(select(SocialFollowerSample)).all()) == 4
    assert [s.id for s in ingest.post_series(session=session, actor=actor_for(user), variant_id=variant.id)] == \
        [s.id for s in series]


def test_the_periodic_start_runs_one_ingest_job(session: Session, social_env: Path,
                                                jobs_run: InProcessBroker) -> None:
    user = make_user(session)
    account = accounts.connect_sandbox(session=session, actor=actor_for(user))
    variants = [schedule(session, user, account, f"Post {i}") for i in range(3)]
    run_due(session, jobs_run)
    job_id = ingest.start_ingest(session=session)
    assert job_id is not None
    assert jobs_run.wait_idle(30)
    session.expire_all()
    job = session.get(Job, job_id)
    assert job is not None and job.status == JobStatus.SUCCEEDED and job.kind == "social.ingest_metrics"
    assert all(session.get(SocialPostStats, v.id) is not None for v in variants)
    assert ingest.start_ingest(session=session) is None  # nothing due: no job


def test_mastodon_counts_are_stored_and_a_revoked_grant_means_reconnect(
        session: Session, social_env: Path, mastodon: MastodonServer, jobs_run: InProcessBroker) -> None:
    user = make_user(session)
    account = connect_mastodon(session, user, mastodon)
    one, two = (schedule(session, user, account, f"Toot {i}") for i in range(2))
    run_due(session, jobs_run)
    one = fresh(session, one)
    mastodon.set_counts(one.remote_id, favourites=7, reblogs=2, replies=3)
    now = one.published_at + timedelta(minutes=20)  # type: ignore[operator]
    assert ingest.ingest_due(session=session, now=now).read == 2
    stats = session.get(SocialPostStats, one.id)
    assert stats is not None and (stats.likes, stats.shares, stats.comments) == (7, 2, 3)
    assert stats.reach == 42 and not stats.simulated  # no reach from Mastodon: followers as the estimate
    (sample, *_) = _samples(session, one.id)
    assert sample.reach is None and sample.impressions is None  # what the network did not report stays unknown

    mastodon.revoke_all()
    report = ingest.ingest_due(session=session, now=now + timedelta(hours=2))
    assert report.reconnect == [account.id] and report.read == 0
    session.expire_all()
    stored = accounts.list_accounts(session=session, actor=actor_for(user))[0]
    assert stored.state == AccountState.RECONNECT and stored.access_token_enc is None
    assert len(_samples(session, one.id)) == 1  # nothing half-stored
    # while it waits for reconnecting, its posts are deferred a day, not retried every pass
    assert ingest.ingest_due(session=session, now=now + timedelta(hours=3)).deferred == 2
    assert ingest.ingest_due(session=session, now=now + timedelta(hours=4)).deferred == 0


def test_a_rate_limit_defers_the_account_and_a_server_error_defers_one_post(
        session: Session, social_env: Path, mastodon: MastodonServer, jobs_run: InProcessBroker) -> None:
    user = make_user(session)
    account = connect_mastodon(session, user, mastodon)
    one, two = (schedule(session, user, account, f"Toot {i}") for i in range(2))
    run_due(session, jobs_run)
    now = fresh(session, one).published_at + timedelta(minutes=5)  # type: ignore[operator]
    mastodon.knobs.rate_limit_reset_s = 600
    mastodon.knobs.rate_limit_reads = 1
    report = ingest.ingest_due(session=session, now=now)
    assert (report.read, report.deferred) == (0, 2)
    session.expire_all()
    for v in (one, two):
        stats = session.get(SocialPostStats, v.id)
        assert stats is not None and stats.samples == 0 and stats.next_read_at is not None
        assert stats.next_read_at >= utcnow() + timedelta(minutes=9) and stats.read_error  # the reset, with why
    later = now + timedelta(minutes=15)
    mastodon.knobs.read_errors = 1
    report = ingest.ingest_due(session=session, now=later)
    assert (report.read, report.deferred) == (1, 1)
    assert ingest.ingest_due(session=session, now=later + timedelta(minutes=16)).read == 1
    assert account.state == AccountState.CONNECTED
