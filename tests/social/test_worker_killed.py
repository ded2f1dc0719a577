"""Never twice with a real worker process SIGKILLed mid-publish: the network has taken the post (or part of
a video upload) and the worker dies before it hears so. The job's lease runs out, the reaper re-queues it,
and the retry makes no second post: Mastodon answers the same Idempotency-Key with the status it already
has, X's post is found among the account's recent ones, YouTube's upload session is asked what it has."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import Session

from maxbooster.models.jobs import Job, JobStatus
from maxbooster.models.social import VariantState
from maxbooster.services import jobs, storage
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.social import crypto, posts, publishing
from maxbooster.services.social.providers import youtube as yt
from maxbooster.settings import get_settings
from tests.social.mastodon_server import MastodonServer
from tests.social.support import connect_mastodon, connect_network, fresh, mastodon, schedule, social_env, x, youtube
from tests.social.x_server import XServer
from tests.social.youtube_server import YouTubeServer
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

pytestmark = pytest.mark.serial  # real worker processes and many rows: one at a time in the full run

acct_env, jobs_held, social_env, mastodon, x, youtube = fx.acct_env, lib.jobs_held, social_env, mastodon, x, youtube
ROOT = Path(__file__).resolve().parents[2]
LEASE_S = 2


def _wait(predicate: object, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _kill_mid_job(job_id: object, reached: object, prelude: str = "") -> None:
    """Run the job in a real worker process and SIGKILL it once `reached()` (the network holds its answer)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JOB_LEASE_SECONDS": str(LEASE_S)}
    code = f"from maxbooster.services import jobs; import uuid; {prelude}jobs.execute(uuid.UUID('{job_id}'), " \
           "worker_id='victim')"
    victim = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT, start_new_session=True)
    try:
        _wait(reached)
        os.kill(victim.pid, signal.SIGKILL)
    finally:
        victim.wait(10)
    assert victim.returncode == -signal.SIGKILL


def _requeue_and_run(job_id: object, jobs_held: InProcessBroker) -> None:
    """The dead worker's lease runs out, a surviving worker's housekeeping re-queues the job, it runs."""
    time.sleep(LEASE_S + 0.5)
    assert jobs.housekeeping(worker_id="survivor", hostname="test", pid=os.getpid()) == [job_id]
    jobs_held.start()
    assert jobs_held.wait_idle(60)


def test_a_worker_killed_after_the_instance_took_the_post_does_not_post_twice(
        session: Session, social_env: Path, mastodon: MastodonServer, jobs_held: InProcessBroker,
        monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    monkeypatch.setenv("JOB_LEASE_SECONDS", str(LEASE_S))
    get_settings.cache_clear()
    user = make_user(session)
    account = connect_mastodon(session, user, mastodon)
    variant = schedule(session, user, account, "Killed mid-publish")
    (job_id,) = publishing.sweep(session=session)  # queued on the held broker; the victim runs it instead
    mastodon.knobs.hold_after_accept_s = 30

    _kill_mid_job(job_id, lambda: len(mastodon.statuses) == 1)  # the instance has the post; the answer is held
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHING and row.remote_id == "" and row.attempts == 1
    _requeue_and_run(job_id, jobs_held)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHED and row.attempts == 2
    assert len(mastodon.statuses) == 1 and row.remote_id == next(iter(mastodon.statuses))
    sent = mastodon.status_posts()
    assert len(sent) == 2 and {r["headers"]["Idempotency-Key"] for r in sent} == {row.idempotency_key}
    job = session.get(Job, job_id)
    assert job is not None and job.status == JobStatus.SUCCEEDED and job.attempts == 2


def test_a_worker_killed_after_x_took_the_post_does_not_post_twice(
        session: Session, x: XServer, jobs_held: InProcessBroker, monkeypatch: pytest.MonkeyPatch,
        db_url: str) -> None:
    """X has no idempotency keys: the retry after the kill finds the post among the account's recent ones."""
    monkeypatch.setenv("JOB_LEASE_SECONDS", str(LEASE_S))
    get_settings.cache_clear()
    user = make_user(session)
    (account,) = connect_network(session, user, "x")
    variant = schedule(session, user, account, "Killed mid-publish on X https://example.com/r/x")
    (job_id,) = publishing.sweep(session=session)
    x.knobs.late_after_accept_s = 30

    _kill_mid_job(job_id, lambda: len(x.tweets) == 1)  # X has the post; the answer is held back
    _requeue_and_run(job_id, jobs_held)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHED and row.attempts == 2, row.last_error
    assert len(x.tweets) == 1 and len(x.tweet_posts()) == 1 and row.remote_id == next(iter(x.tweets))


@pytest.mark.parametrize("killed_on_chunk", [2, 3])
def test_a_worker_killed_mid_upload_resumes_the_same_youtube_session(
        session: Session, youtube: YouTubeServer, jobs_held: InProcessBroker, monkeypatch: pytest.MonkeyPatch,
        db_url: str, killed_on_chunk: int) -> None:
    """The worker dies after YouTube stored chunk 2 (or the last, 3: the video exists) of three but before
    it heard so: the retry asks the stored session what it has (`bytes */N`), sends only the rest (or
    takes the finished video), and one video exists."""
    chunk, server = yt.CHUNK_BYTES, youtube  # 256 KiB in tests
    video = bytes(range(256)) * 2400  # 614,400 bytes: three chunks (the last one shorter)
    monkeypatch.setenv("JOB_LEASE_SECONDS", str(LEASE_S))
    get_settings.cache_clear()
    user = make_user(session)
    (account,) = connect_network(session, user, "youtube")
    clip = storage.save_upload(session=session, actor=actor_for(user), filename="night-drive.mp4",
                               chunks=[video], content_type="video/mp4")
    variant = schedule(session, user, account, "Night Drive\nOut now.", media=[posts.MediaRef(clip.id, "")])
    (job_id,) = publishing.sweep(session=session)
    server.knobs.hold_chunk = killed_on_chunk

    # killed once YouTube has stored that chunk (its answer is held)
    _kill_mid_job(job_id, lambda: server.stored_bytes() == min(killed_on_chunk * chunk, len(video)),
                  f"from maxbooster.services.social.providers import youtube; youtube.CHUNK_BYTES = {chunk}; ")
    (upload_id,) = server.sessions
    assert len(server.videos) == (1 if killed_on_chunk == 3 else 0)
    row = fresh(session, variant)  # what the dead worker left: the session and the chunks YouTube confirmed
    assert row.state == VariantState.PUBLISHING and row.remote_media_ids == []
    assert row.upload_offset == (killed_on_chunk - 1) * chunk
    assert row.upload_session_enc and upload_id in crypto.decrypt(row.upload_session_enc)
    assert upload_id not in row.upload_session_enc  # the URL accepts bytes without a token: stored encrypted

    _requeue_and_run(job_id, jobs_held)
    row = fresh(session, variant)
    assert row.state == VariantState.PUBLISHED and row.attempts == 2, row.last_error
    (made,) = server.videos.values()
    assert row.remote_id == made["id"] and made["size"] == len(video)
    assert server.sessions[upload_id]["data"] == video
    assert len(server.sent("POST", "/upload/youtube/v3/videos")) == 1  # no second upload was opened
    after_kill = server.sent("PUT", "/upload/youtube/v3/videos")[killed_on_chunk:]
    rest = ["bytes 524288-614399/614400"] if killed_on_chunk == 2 else []  # chunk 3 only when YouTube lacks it
    assert [r["headers"]["Content-Range"] for r in after_kill] == ["bytes */614400", *rest]
    assert row.upload_session_enc is None and row.upload_offset == 0
