"""Processing runs as a real job: working copy, peaks pyramid, analysis, readiness, tags; a file
the engine refuses fails with its message; deleting a track mid-job leaves no files."""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf
from sqlmodel import Session

from audio.peaks import read_dat
from maxbooster.models.jobs import Job
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.library import tracks
from maxbooster.services.storage import get_storage
from maxbooster.settings import get_settings
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

acct_env, jobs_run, jobs_held = fx.acct_env, lib.jobs_run, lib.jobs_held


def test_upload_becomes_a_ready_track(session: Session, acct_env: Path, jobs_run: InProcessBroker) -> None:
    user = make_user(session)
    data = lib.music_bytes("FLAC", seconds=8)
    track = lib.upload(session, user, data, "My Song.flac").track
    assert jobs_run.wait_idle(120)
    done = lib.fresh(session, track.id)
    assert done is not None and done.status == "ready", done.status_message if done else "gone"
    assert done.title == "My Song" and done.processed_at is not None
    # figures agree with an independent meter (pyloudnorm) on the decoded upload
    x, rate = sf.read(io.BytesIO(data))
    expected = pyloudnorm.Meter(rate).integrated_loudness(x)
    assert done.integrated_lufs is not None and abs(done.integrated_lufs - expected) < 0.2
    assert done.true_peak_dbtp is not None and done.true_peak_dbtp < 0.5
    assert 6 <= len(done.loudness_series) <= 9  # one short-term value per second
    assert done.readiness.get("items"), done.readiness
    store = get_storage()
    assert set(done.peaks) == {"64", "256", "1024", "4096", "16384"}
    with store.local_path(done.peaks["256"]) as path:
        peaks = read_dat(path)
    assert peaks.samples_per_pixel == 256 and peaks.channels == 2
    assert abs(peaks.length - int(np.ceil(8 * lib.RATE / 256))) <= 1
    with store.local_path(done.working_key or "") as path:
        info = sf.info(str(path))
    assert (info.samplerate, info.channels, info.subtype) == (lib.RATE, 2, "PCM_24")
    job = session.get(Job, done.job_id)
    assert job is not None and (job.status, job.progress) == ("succeeded", 100)


def test_tags_become_title_and_artist(session: Session, acct_env: Path, jobs_run: InProcessBroker,
                                      tmp_path: Path) -> None:
    import mutagen.flac

    path = tmp_path / "tagged.flac"
    path.write_bytes(lib.music_bytes("FLAC", seconds=3))
    tagged = mutagen.flac.FLAC(path)
    tagged["title"], tagged["artist"] = "Night Drive", "The Testers"
    tagged.save()
    user = make_user(session)
    track = lib.upload(session, user, path.read_bytes(), "01 - track.flac").track
    assert jobs_run.wait_idle(120)
    done = lib.fresh(session, track.id)
    assert done is not None and (done.title, done.artist) == ("Night Drive", "The Testers")


def test_engine_refusal_fails_the_track_with_its_message(session: Session, acct_env: Path,
                                                         jobs_held: InProcessBroker) -> None:
    user = make_user(session)
    track = lib.upload(session, user, lib.music_bytes("WAV", seconds=3), "ok.wav").track
    # the stored original is damaged before processing reads it (a disk fault, say)
    with get_storage().local_path(track.original_key) as path:
        path.write_bytes(path.read_bytes()[:100])
    jobs_held.start()
    assert jobs_held.wait_idle(120)
    done = lib.fresh(session, track.id)
    assert done is not None and done.status == "failed" and "cannot be used" in done.status_message
    assert "ok.wav" in done.status_message and "original" not in done.status_message  # the artist's name
    job = session.get(Job, done.job_id)
    assert job is not None and job.attempts == 1  # not retried: it would fail again
    listed = tracks.list_tracks(session=session, actor=actor_for(user)).tracks
    assert listed[0].status == "failed"


def test_retry_after_failure(session: Session, acct_env: Path, jobs_held: InProcessBroker) -> None:
    user = make_user(session)
    data = lib.music_bytes("WAV", seconds=3)
    track = lib.upload(session, user, data, "ok.wav").track
    store = get_storage()
    with store.local_path(track.original_key) as path:
        path.write_bytes(data[:100])
    jobs_held.start()
    assert jobs_held.wait_idle(120)
    with store.local_path(track.original_key) as path:
        path.write_bytes(data)  # the fault is repaired
    tracks.retry_processing(session=session, actor=actor_for(user), track_id=track.id)
    assert jobs_held.wait_idle(120)
    done = lib.fresh(session, track.id)
    assert done is not None and done.status == "ready"


def test_deleted_while_processing_ends_quietly_without_files(session: Session, acct_env: Path,
                                                             jobs_run: InProcessBroker) -> None:
    user = make_user(session)
    track = lib.upload(session, user, lib.music_bytes("WAV", seconds=60), "long.wav").track
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until the worker is inside the job
        session.expire_all()
        job = session.get(Job, track.job_id)
        if job is not None and job.status == "running":
            break
        time.sleep(0.05)
    tracks.delete_track(session=session, actor=actor_for(user), track_id=track.id)
    assert jobs_run.wait_idle(120)
    assert lib.blobs(get_settings().storage_dir) == []
    job = session.get(Job, track.job_id)
    assert job is not None and job.status in ("cancelled", "succeeded") and not job.error


@pytest.mark.parametrize("sort", ["newest", "title", "loudest"])
def test_list_search_filter_sort_and_pages(session: Session, acct_env: Path, jobs_run: InProcessBroker,
                                           sort: str) -> None:
    user = make_user(session)
    for i, name in enumerate(["Alpha.wav", "Bravo.wav", "Charlie.wav"]):
        lib.upload(session, user, lib.music_bytes("WAV", seconds=1, seed=i, level=0.1 * (i + 1)), name)
    assert jobs_run.wait_idle(120)
    me = actor_for(user)
    page = tracks.list_tracks(session=session, actor=me, sort=sort, per_page=2)
    assert page.total == 3 and page.pages == 2 and len(page.tracks) == 2
    titles = [t.title for t in tracks.list_tracks(session=session, actor=me, sort=sort).tracks]
    assert titles == {"newest": ["Charlie", "Bravo", "Alpha"], "title": ["Alpha", "Bravo", "Charlie"],
                      "loudest": ["Charlie", "Bravo", "Alpha"]}[sort]
    assert [t.title for t in tracks.list_tracks(session=session, actor=me, query="rav").tracks] == ["Bravo"]
    assert tracks.list_tracks(session=session, actor=me, status="failed").total == 0
    with pytest.raises(Exception, match="Sort by"):
        tracks.list_tracks(session=session, actor=me, sort="random")


def test_edit_and_delete_free_quota(session: Session, acct_env: Path, jobs_run: InProcessBroker) -> None:
    from maxbooster.services import plans
    from maxbooster.services.errors import InvalidInput

    user = make_user(session)
    track = lib.upload(session, user, lib.music_bytes("WAV", seconds=2), "a.wav").track
    assert jobs_run.wait_idle(120)
    me = actor_for(user)
    edited = tracks.update_track(session=session, actor=me, track_id=track.id, title="  New   Title ",
                                 artist="Me")
    assert (edited.title, edited.artist) == ("New Title", "Me")
    for bad in ("", "x" * 201, "tab\x07bell"):
        with pytest.raises(InvalidInput):
            tracks.update_track(session=session, actor=me, track_id=track.id, title=bad)
    tracks.delete_track(session=session, actor=me, track_id=track.id)
    assert plans.usage(session=session, user_id=user.id, resource="storage_bytes") == 0
    assert lib.blobs(get_settings().storage_dir) == []
