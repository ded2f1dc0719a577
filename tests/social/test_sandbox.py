"""The sandbox network end to end through the job system: connect, compose, schedule, publish at the due
minute and once only, simulated engagement that is deterministic and marked; bad input changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from maxbooster.models.base import utcnow
from maxbooster.models.jobs import Job, JobStatus
from maxbooster.models.social import SandboxPost, SocialPost, SocialPostVariant, VariantState
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.errors import Conflict, InvalidInput, NotFound
from maxbooster.services.social import accounts, posts, publishing
from maxbooster.services.social.providers.sandbox import SandboxProvider, simulate
from tests.social.support import fresh, run_due, schedule, social_env
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

acct_env, jobs_run, jobs_held, social_env = fx.acct_env, lib.jobs_run, lib.jobs_held, social_env


def test_a_scheduled_post_goes_out_at_its_minute_and_only_once(session: Session, social_env: Path,
                                                               jobs_run: InProcessBroker) -> None:
    user = make_user(session)
    account = accounts.connect_sandbox(session=session, actor=actor_for(user), handle="ava")
    assert account.handle == "@ava@sandbox" and account.followers_count and account.access_token_enc is None
    when = utcnow() + timedelta(minutes=10)
    post = posts.create_post(session=session, actor=actor_for(user), data=posts.PostIn(
        scheduled_at=when, variants=[posts.VariantIn(account.id, "Out at ten past")]))
    assert run_due(session, jobs_run, ahead_s=9 * 60) == []  # not yet
    assert session.exec(select(SandboxPost)).all() == []
    assert len(run_due(session, jobs_run, ahead_s=10 * 60 + 1)) == 1
    (variant,) = posts.variants_of(session=session, actor=actor_for(user), post_id=post.id)
    assert variant.state == VariantState.PUBLISHED and variant.attempts == 1
    (stored,) = session.exec(select(SandboxPost)).all()
    assert variant.remote_id == str(stored.id) and variant.remote_url == f"sandbox://posts/{stored.id}"
    assert run_due(session, jobs_run, ahead_s=3600) == []
    job = session.exec(select(Job).where(Job.kind == "social.publish")).one()
    assert job.status == JobStatus.SUCCEEDED and job.owner_id == user.id


def test_two_sweeps_at_once_start_one_job_per_post(session: Session, social_env: Path,
                                                   jobs_held: InProcessBroker) -> None:
    user = make_user(session)
    account = accounts.connect_sandbox(session=session, actor=actor_for(user))
    for i in range(5):
        schedule(session, user, account, f"post {i}")
    first = publishing.sweep(session=session)
    second = publishing.sweep(session=session)  # another worker's housekeeping a moment later
    assert len(first) == 5 and second == []
    jobs_held.start()
    assert jobs_held.wait_idle(60)
    session.expire_all()
    assert len(session.exec(select(SandboxPost)).all()) == 5
    assert {v.state for v in session.exec(select(SocialPostVariant)).all()} == {VariantState.PUBLISHED}


def test_a_variant_whose_job_gave_up_is_published_again_with_the_same_key(
        session: Session, social_env: Path, jobs_held: InProcessBroker) -> None:
    """A worker that died mid-publish (job failed after its attempts, variant left in publishing) is
    picked up by the next sweep; the sandbox, like Mastodon, answers the same key with the same post."""
    user = make_user(session)
    account = accounts.connect_sandbox(session=session, actor=actor_for(user))
    variant = schedule(session, user, account, "half done")
    (job_id,) = publishing.sweep(session=session)
    provider = SandboxProvider(session)
    access = accounts.access_for(session=session, account=account)
    made = provider.publish(access, text="half done", media_ids=[], idempotency_key=variant.idempotency_key)
    row = fresh(session, variant)  # the network took it; the worker died before storing the answer
    row.state, row.attempts = VariantState.PUBLISHING, 1
    session.add(row)
    job = session.get(Job, job_id)
    assert job is not None
    job.status = JobStatus.FAILED
    session.add(job)
    session.commit()
    jobs_held.start()
    (again,) = publishing.sweep(session=session)
    assert again != job_id and jobs_held.wait_idle(60)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHED and row.remote_id == made.remote_id and row.attempts == 2
    assert len(session.exec(select(SandboxPost)).all()) == 1


def test_engagement_is_simulated_deterministically_and_marked(session: Session, social_env: Path,
                                                              jobs_run: InProcessBroker) -> None:
    base = dict(text="New single tonight #synthwave", media_count=1, hour_utc=19, followers=2000, age_hours=24.0)
    first = simulate(**base)  # type: ignore[arg-type]
    assert first == simulate(**base) and first.simulated and first.impressions  # type: ignore[arg-type]
    assert simulate(**{**base, "hour_utc": 4}).impressions < first.impressions  # type: ignore[arg-type,operator]
    assert simulate(**{**base, "media_count": 0}).likes < first.likes  # type: ignore[arg-type]
    assert simulate(**{**base, "age_hours": 1.0}).impressions < first.impressions  # type: ignore[arg-type,operator]
    assert simulate(**{**base, "text": base["text"] + "?"}).replies > first.replies  # type: ignore[arg-type,operator]

    user = make_user(session)
    account = accounts.connect_sandbox(session=session, actor=actor_for(user))
    variant = schedule(session, user, account, "Does this count?")
    run_due(session, jobs_run)
    measured = publishing.refresh_metrics(session=session, actor=actor_for(user), variant_id=variant.id)
    again = publishing.refresh_metrics(session=session, actor=actor_for(user), variant_id=variant.id)
    assert measured.metrics["simulated"] is True and set(measured.metrics) == {
        "likes", "reposts", "replies", "impressions", "simulated", "reach", "saves", "video_views", "link_clicks",
        "follows"}
    assert again.metrics["impressions"] >= measured.metrics["impressions"]  # only grows with age
    fixed = datetime(2026, 12, 4, 19, 0, tzinfo=UTC)
    clocked = SandboxProvider(session, clock=lambda: fixed + timedelta(hours=30))
    stored = session.exec(select(SandboxPost)).one()
    stored.created_at = fixed
    session.add(stored)
    session.commit()
    access = accounts.access_for(session=session, account=account)
    assert clocked.metrics(access, remote_id=str(stored.id)) == clocked.metrics(access, remote_id=str(stored.id))


def test_bad_input_is_refused_and_nothing_is_stored(session: Session, social_env: Path) -> None:
    user, other = make_user(session), make_user(session, "mallory@example.com")
    account = accounts.connect_sandbox(session=session, actor=actor_for(user))
    theirs = accounts.connect_sandbox(session=session, actor=actor_for(other))
    now = utcnow()
    cases: list[tuple[posts.PostIn, type[Exception], str]] = [
        (posts.PostIn(now - timedelta(minutes=5), [posts.VariantIn(account.id, "late")]), InvalidInput, "in the past"),
        (posts.PostIn(now.replace(tzinfo=None), [posts.VariantIn(account.id, "naive")]), InvalidInput, "time zone"),
        (posts.PostIn(now, []), InvalidInput, "at least one account"),
        (posts.PostIn(now, [posts.VariantIn(account.id, "a"), posts.VariantIn(account.id, "b")]), InvalidInput, "once"),
        (posts.PostIn(now, [posts.VariantIn(account.id, "x" * 1001)]), InvalidInput, "over the sandbox's limit"),
        (posts.PostIn(now, [posts.VariantIn(account.id, "   ")]), InvalidInput, "Write something"),
        (posts.PostIn(now, [posts.VariantIn(theirs.id, "not mine")]), NotFound, "could not find"),
        (posts.PostIn(now, [posts.VariantIn(account.id, "x", [posts.MediaRef(theirs.id)])]), NotFound,
         "could not find"),
    ]
    for data, error, message in cases:
        with pytest.raises(error, match=message):
            posts.create_post(session=session, actor=actor_for(user), data=data)
    assert session.exec(select(SocialPost)).all() == [] and session.exec(select(SocialPostVariant)).all() == []
    with pytest.raises(InvalidInput, match="sandbox handle"):
        accounts.connect_sandbox(session=session, actor=actor_for(user), handle="<script>")


def test_reschedule_and_delete_only_while_nothing_is_on_its_way(session: Session, social_env: Path,
                                                               jobs_held: InProcessBroker) -> None:
    user = make_user(session)
    account = accounts.connect_sandbox(session=session, actor=actor_for(user))
    variant = schedule(session, user, account, "move me")
    later = utcnow() + timedelta(hours=2)
    posts.reschedule_post(session=session, actor=actor_for(user), post_id=variant.post_id, scheduled_at=later)
    assert fresh(session, variant).due_at == later and publishing.sweep(session=session) == []
    publishing.sweep(session=session, now=later + timedelta(seconds=1))  # claimed by a job, not yet run
    with pytest.raises(Conflict):
        posts.reschedule_post(session=session, actor=actor_for(user), post_id=variant.post_id,
                              scheduled_at=later + timedelta(hours=1))
    with pytest.raises(Conflict):
        posts.delete_post(session=session, actor=actor_for(user), post_id=variant.post_id)
    assert fresh(session, variant).state == VariantState.SCHEDULED
    jobs_held.start()
    assert jobs_held.wait_idle(60)
    posts.delete_post(session=session, actor=actor_for(user), post_id=variant.post_id)  # published: the record goes
    assert session.exec(select(SocialPost)).all() == [] and len(session.exec(select(SandboxPost)).all()) == 1


def test_a_workers_housekeeping_pass_runs_the_sweep(session: Session, social_env: Path,
                                                   jobs_run: InProcessBroker) -> None:
    """No caller sweeps by hand in production: each worker's heartbeat pass does (jobs.periodic)."""
    import os

    from maxbooster.services import jobs

    user = make_user(session)
    account = accounts.connect_sandbox(session=session, actor=actor_for(user))
    variant = schedule(session, user, account, "Sent by the heartbeat")
    assert "social.sweep" in jobs.PERIODIC
    jobs.housekeeping(worker_id="w1", hostname="test", pid=os.getpid())
    assert jobs_run.wait_idle(60)
    assert fresh(session, variant).state == VariantState.PUBLISHED


def test_an_attached_file_gone_from_storage_fails_the_post_saying_so(session: Session, social_env: Path,
                                                                    jobs_run: InProcessBroker) -> None:
    from maxbooster.services import storage

    user = make_user(session)
    account = accounts.connect_sandbox(session=session, actor=actor_for(user))
    cover = storage.save_upload(session=session, actor=actor_for(user), filename="cover.png", chunks=[b"png"],
                                content_type="image/png")
    variant = schedule(session, user, account, "with a cover", media=[posts.MediaRef(cover.id)])
    storage.get_storage().delete(cover.key)  # the file is gone from storage; its record is not
    run_due(session, jobs_run)
    row = fresh(session, variant)
    assert row.state == VariantState.FAILED and row.attempts == 1
    assert row.failure_reason == "cover.png is no longer in storage; attach it again."
    assert session.exec(select(SandboxPost)).all() == []


def test_a_variant_whose_workers_keep_dying_fails_at_the_attempt_limit(session: Session, social_env: Path,
                                                                      jobs_run: InProcessBroker) -> None:
    from maxbooster.settings import get_settings

    user = make_user(session)
    account = accounts.connect_sandbox(session=session, actor=actor_for(user))
    variant = schedule(session, user, account, "never gets through")
    row = fresh(session, variant)
    row.state, row.attempts = VariantState.PUBLISHING, get_settings().social_publish_attempts  # each one killed
    session.add(row)
    session.commit()
    run_due(session, jobs_run)
    row = fresh(session, variant)
    assert row.state == VariantState.FAILED
    assert row.failure_reason == "Gave up after 8 attempts: the worker publishing it stopped each time"
    assert session.exec(select(SandboxPost)).all() == []
