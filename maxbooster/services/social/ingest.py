"""Engagement ingestion: the `social.ingest_metrics` job reads each published post's counts from its
network and stores them as a time series (`social_metric_samples`), keeps the newest figures per post
(`social_post_stats`, what best time and campaigns aggregate) and samples each account's followers.

Reading tapers with the post's age: hourly for its first 2 days, daily until it is 30 days old, then
never again. A grant the network revoked marks the account "reconnect" (its posts wait; nothing
crashes); a 429 defers the account's posts to the network's reset time; a 5xx or timeout defers that
post by 15 minutes; a post the network no longer has stops being read, with the reason kept.
Every worker's housekeeping starts one ingest job when readings are due and none is running.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from maxbooster.db import session_scope
from maxbooster.models.base import utcnow
from maxbooster.models.jobs import Job, JobStatus
from maxbooster.models.social import (
    AccountState,
    SocialAccount,
    SocialFollowerSample,
    SocialMetricSample,
    SocialPostStats,
    SocialPostVariant,
    VariantState,
)
from maxbooster.services import jobs
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.jobs import JobContext, job_handler
from maxbooster.services.social import accounts
from maxbooster.services.social.providers import (
    GrantRevoked,
    Metrics,
    ProviderError,
    RateLimited,
    Rejected,
    provider_for,
)

INGEST_KIND = "social.ingest_metrics"
HOURLY_FOR = timedelta(days=2)
DAILY_FOR = timedelta(days=30)
TRANSIENT_DEFER = timedelta(minutes=15)
FOLLOWERS_EVERY = timedelta(minutes=55)
BATCH = 500
V, S = SocialPostVariant, SocialPostStats


@dataclass
class IngestReport:
    """What one pass did: posts read, deferred (429/5xx), stopped (gone), accounts needing reconnecting."""

    read: int = 0
    deferred: int = 0
    stopped: int = 0
    reconnect: list[uuid.UUID] = field(default_factory=list)


def next_read(published_at: datetime, now: datetime) -> datetime | None:
    """When to read a post published at `published_at` again: hourly, then daily, then never."""
    age = now - published_at
    if age < HOURLY_FOR:
        return now + timedelta(hours=1)
    if age < DAILY_FOR:
        return now + timedelta(days=1)
    return None


def _due(session: Session, now: datetime, limit: int) -> list[tuple[uuid.UUID, uuid.UUID, str, str, datetime]]:
    """(variant, account, network, remote id, published at) of posts whose reading is due, by account."""
    query = (sa_select(col(V.id), col(V.account_id), col(V.network), col(V.remote_id), col(V.published_at))
             .outerjoin(S, col(S.variant_id) == col(V.id))
             .where(col(V.state) == VariantState.PUBLISHED, col(V.remote_id) != "", col(V.account_id).is_not(None),
                    col(V.published_at).is_not(None),
                    or_(and_(col(S.variant_id).is_(None), col(V.published_at) >= now - DAILY_FOR),
                        col(S.next_read_at) <= now))
             .order_by(col(V.account_id)).limit(limit))
    return [(a, b, c, d, e) for a, b, c, d, e in session.execute(query).all()]


def ingest_due(*, session: Session, now: datetime | None = None, limit: int = BATCH) -> IngestReport:
    """Read every post whose reading is due (up to `limit`), account by account; one commit per account."""
    now = now or utcnow()
    report = IngestReport()
    by_account: dict[uuid.UUID, list[tuple[uuid.UUID, str, str, datetime]]] = {}
    for variant_id, account_id, network, remote_id, published_at in _due(session, now, limit):
        by_account.setdefault(account_id, []).append((variant_id, network, remote_id, published_at))
    for account_id, posts in by_account.items():
        _ingest_account(session, account_id, posts, now, report)
    return report


def _ingest_account(session: Session, account_id: uuid.UUID, posts: list[tuple[uuid.UUID, str, str, datetime]],
                    now: datetime, report: IngestReport) -> None:
    account = session.get(SocialAccount, account_id)
    if account is None:
        return
    if account.state != AccountState.CONNECTED:  # waits for the owner to reconnect; looked at again daily
        _defer(session, posts, now + timedelta(days=1), account.state_message or accounts.RECONNECT, report)
        session.commit()
        return
    provider = provider_for(account.network, session=session, clock=lambda: now)
    try:
        access = accounts.access_for(session=session, account=account)
        for index, (variant_id, _network, remote_id, published_at) in enumerate(posts):
            try:
                metrics = provider.metrics(access, remote_id=remote_id)
            except RateLimited as exc:
                _defer(session, posts[index:], max(exc.retry_at, now + timedelta(seconds=5)), str(exc), report)
                break
            except Rejected as exc:  # the network no longer has the post: stop reading it
                _stats(session, variant_id, account_id, published_at).next_read_at = None
                _stats(session, variant_id, account_id, published_at).read_error = exc.reason[:500]
                report.stopped += 1
                continue
            except GrantRevoked:
                raise
            except ProviderError as exc:  # 5xx, timeout, an answer we cannot read
                _defer(session, [posts[index]], now + TRANSIENT_DEFER, str(exc), report)
                continue
            record(session=session, variant_id=variant_id, account_id=account_id, published_at=published_at,
                   metrics=metrics, now=now, followers=account.followers_count or 0)
            report.read += 1
        _sample_followers(session, provider, access, account, now)
    except GrantRevoked as exc:
        session.rollback()
        account = session.get(SocialAccount, account_id)
        if account is not None and account.state == AccountState.CONNECTED:
            accounts.mark_reconnect(session=session, account=account, reason=str(exc))
        report.reconnect.append(account_id)
        return
    session.commit()


def _sample_followers(session: Session, provider: object, access: object, account: SocialAccount,
                      now: datetime) -> None:
    last = session.exec(select(SocialFollowerSample.taken_at).where(col(SocialFollowerSample.account_id) == account.id)
                        .order_by(col(SocialFollowerSample.taken_at).desc()).limit(1)).first()
    if last is not None and now - last < FOLLOWERS_EVERY:
        return
    try:
        profile = provider.profile(access)  # type: ignore[attr-defined]
    except GrantRevoked:
        raise
    except ProviderError:
        return  # the next pass tries again
    session.add(SocialFollowerSample(account_id=account.id, taken_at=now, followers=profile.followers_count))
    account.followers_count, account.updated_at = profile.followers_count, now
    session.add(account)


def _stats(session: Session, variant_id: uuid.UUID, account_id: uuid.UUID, published_at: datetime) -> SocialPostStats:
    stats = session.get(S, variant_id)
    if stats is None:
        stats = S(variant_id=variant_id, account_id=account_id, published_at=published_at)
        session.add(stats)
    return stats


def _defer(session: Session, posts: Iterable[tuple[uuid.UUID, str, str, datetime]], until: datetime, why: str,
           report: IngestReport) -> None:
    for variant_id, _network, _remote, published_at in posts:
        variant = session.get(V, variant_id)
        if variant is None or variant.account_id is None:
            continue
        stats = _stats(session, variant_id, variant.account_id, published_at)
        stats.next_read_at, stats.read_error = until, why[:500]
        report.deferred += 1


def record(*, session: Session, variant_id: uuid.UUID, account_id: uuid.UUID, published_at: datetime,
           metrics: Metrics, now: datetime, followers: int = 0) -> SocialPostStats:
    """Store one reading: a sample row, the post's newest figures and its next reading (not committed).
    A network that reports no reach nor impressions (Mastodon) gets the account's followers as its
    reach estimate in the stats (the sample keeps None: not reported)."""
    reach = metrics.reach if metrics.reach is not None else (metrics.impressions or followers)
    session.add(SocialMetricSample(variant_id=variant_id, taken_at=now, impressions=metrics.impressions,
                                   reach=metrics.reach, likes=metrics.likes, comments=metrics.replies,
                                   shares=metrics.reposts, saves=metrics.saves, video_views=metrics.video_views,
                                   link_clicks=metrics.link_clicks, follows=metrics.follows,
                                   simulated=metrics.simulated))
    stats = _stats(session, variant_id, account_id, published_at)
    stats.impressions, stats.reach = metrics.impressions or 0, max(0, reach)
    stats.likes, stats.comments, stats.shares = metrics.likes, metrics.replies, metrics.reposts
    stats.saves, stats.video_views = metrics.saves or 0, metrics.video_views or 0
    stats.link_clicks, stats.follows = metrics.link_clicks or 0, metrics.follows or 0
    stats.interactions = stats.likes + stats.comments + stats.shares + stats.saves
    stats.samples, stats.simulated = stats.samples + 1, metrics.simulated
    stats.last_read_at, stats.next_read_at, stats.read_error = now, next_read(published_at, now), ""
    variant = session.get(V, variant_id)
    if variant is not None:  # the post's own card shows the newest figures too
        variant.metrics, variant.metrics_at = metrics.as_dict(), now
        session.add(variant)
    return stats


def post_series(*, session: Session, actor: Actor, variant_id: uuid.UUID) -> list[SocialMetricSample]:
    """Every reading of one of the actor's published posts (a variant), oldest first: chart data."""
    variant = get_owned(session=session, model=V, obj_id=variant_id, actor=actor)
    query = select(SocialMetricSample).where(col(SocialMetricSample.variant_id) == variant.id)
    return list(session.exec(query.order_by(col(SocialMetricSample.taken_at))).all())


# --- the job and its periodic start ---------------------------------------------------------------

@job_handler(INGEST_KIND)
def ingest_job(ctx: JobContext) -> str:
    """Read everything due, in batches, until nothing is due (at most 40 batches per job)."""
    total = IngestReport()
    for _ in range(40):
        with session_scope() as session:
            report = ingest_due(session=session)
        total.read, total.deferred, total.stopped = (total.read + report.read, total.deferred + report.deferred,
                                                     total.stopped + report.stopped)
        total.reconnect += report.reconnect
        if report.read + report.deferred + report.stopped < BATCH // 2:
            break
    return f"social:ingest:read={total.read}:deferred={total.deferred}:reconnect={len(total.reconnect)}"


def start_ingest(*, session: Session, now: datetime | None = None) -> uuid.UUID | None:
    """Enqueue one `social.ingest_metrics` job when a reading is due and no such job is waiting or running."""
    now = now or utcnow()
    running = session.exec(select(Job.id).where(col(Job.kind) == INGEST_KIND,
                                                col(Job.status).in_([JobStatus.PENDING, JobStatus.RUNNING]))).first()
    if running is not None or not _due(session, now, 1):
        return None
    return jobs.enqueue(session=session, kind=INGEST_KIND, owner_id=None).id


@jobs.periodic("social.ingest")
def _periodic_ingest() -> None:
    with session_scope() as session:
        start_ingest(session=session)
