"""Audiograms through the real job and the real ffmpeg (imageio-ffmpeg): two H.264/AAC MP4s of the
right sizes and length whose sound is the excerpt and whose bars move; bad requests change nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlmodel import Session, select

from maxbooster.models.jobs import Job, JobStatus
from maxbooster.models.social import AudiogramShape, AudiogramStatus, SocialAudiogram
from maxbooster.models.storage import StoredFile
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.services.social import audiogram
from maxbooster.services.social.audiogram import AudiogramIn
from maxbooster.services.storage import get_storage
from tests.releases.support import make_master
from tests.social import media_support as ms
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

acct_env, jobs_run, jobs_held = fx.acct_env, lib.jobs_run, lib.jobs_held
START_S, LENGTH_S = 5.0, 4.0


def _render(session: Session, jobs: InProcessBroker, user: object, data: AudiogramIn) -> SocialAudiogram:
    row = audiogram.request_audiogram(session=session, actor=actor_for(user), data=data)  # type: ignore[arg-type]
    assert row.status == AudiogramStatus.RENDERING
    assert jobs.wait_idle(180)
    session.expire_all()
    done = session.get(SocialAudiogram, row.id)
    assert done is not None
    return done


def _path(session: Session, file_id: object) -> Path:
    record = session.get(StoredFile, file_id)
    assert record is not None
    with get_storage().local_path(record.key) as path:
        return path


def test_an_excerpt_becomes_a_vertical_and_a_square_video(session: Session, acct_env: Path,
                                                          jobs_run: InProcessBroker) -> None:
    user = make_user(session)
    track, samples = ms.ready_track(session, user)
    done = _render(session, jobs_run, user, AudiogramIn(track_id=track.id, start_s=START_S, length_s=LENGTH_S))
    assert done.status == AudiogramStatus.READY, done.status_message
    assert (done.title, done.artist) == ("Midnight Drive", "Ava Stone")
    job = session.get(Job, done.job_id)
    assert job is not None and job.status == JobStatus.SUCCEEDED and job.progress == 100 and job.owner_id == user.id
    excerpt = samples[int(START_S * ms.RATE):int((START_S + LENGTH_S) * ms.RATE)]
    for shape, size in ((AudiogramShape.VERTICAL, (1080, 1920)), (AudiogramShape.SQUARE, (1080, 1080))):
        record = audiogram.audiogram_file(session=session, actor=actor_for(user), audiogram_id=done.id, shape=shape)
        assert record.owner_id == user.id and record.content_type == "video/mp4"
        assert record.original_name == f"midnight-drive-{shape.value}.mp4"
        path = _path(session, record.id)
        assert ms.probe(path) == {"vcodec": "h264", "size": f"{size[0]}x{size[1]}", "fps": "30", "acodec": "aac",
                                  "rate": "44100"}
        assert abs(ms.video_frames(path) / 30 - LENGTH_S) <= 0.1
        decoded = ms.decode_audio(path)
        assert abs(decoded.size / ms.RATE - LENGTH_S) <= 0.1, decoded.size / ms.RATE
        score, lag = ms.best_lag_correlation(decoded, excerpt)
        assert score > 0.9 and abs(lag) < 0.01 * ms.RATE, (score, lag)  # the excerpt, not another part
        other = samples[int(1.0 * ms.RATE):int((1.0 + LENGTH_S) * ms.RATE)]
        assert ms.best_lag_correlation(decoded, other)[0] < 0.3
        lay = audiogram.art.layout(shape)
        frames = [ms.frame(path, t, size) for t in (0.6, 1.4, 2.2, 3.0)]
        bars = [f[lay.bars_y:lay.bars_y + lay.bars_h, lay.bars_x:lay.bars_x + lay.bars_w].astype(int) for f in frames]
        moved = [np.abs(a - b).mean() for a, b in zip(bars, bars[1:], strict=False)]
        assert min(moved) > 1.0, moved  # the bars change from frame to frame
        cover = [f[lay.cover_y + 50:lay.cover_y + lay.cover - 50, 300:780].astype(int) for f in frames]
        assert max(np.abs(cover[0] - c).mean() for c in cover[1:]) < 1.0  # the artwork stays still
        assert bars[0].std() > 10  # something is drawn there at all


def test_a_master_over_the_release_cover(session: Session, acct_env: Path, jobs_run: InProcessBroker) -> None:
    user = make_user(session)
    master = make_master(session, user, seconds=31.0, title="Cover Song")
    release = ms.release_with_cover(session, user)
    done = _render(session, jobs_run, user, AudiogramIn(master_id=master.id, start_s=20.0, length_s=3.0,
                                                        release_id=release.id, title="Night Drive", artist="Ava"))
    assert done.status == AudiogramStatus.READY, done.status_message
    path = _path(session, done.square_file_id)
    lay = audiogram.art.layout(AudiogramShape.SQUARE)
    middle = ms.frame(path, 1.0, (1080, 1080))[lay.cover_y + lay.cover // 2, 540].astype(int)
    assert np.abs(middle - np.array(ms.COVER_RGB)).max() < 20, middle  # the cover is what is shown
    assert abs(ms.decode_audio(path).size / ms.RATE - 3.0) <= 0.1


def _counts(session: Session) -> tuple[int, int, int]:
    return (len(session.exec(select(SocialAudiogram)).all()), len(session.exec(select(Job)).all()),
            len(session.exec(select(StoredFile)).all()))


def test_bad_requests_are_refused_and_nothing_is_stored(session: Session, acct_env: Path,
                                                        jobs_held: InProcessBroker) -> None:
    user, other = make_user(session), make_user(session, "bo@example.com")
    track, _ = ms.ready_track(session, user, seconds=12.0)
    theirs, _ = ms.ready_track(session, other, seconds=12.0)
    their_release = ms.release_with_cover(session, other)
    processing, _ = ms.ready_track(session, user, title="Still going")
    processing.status = "processing"
    session.add(processing)
    session.commit()
    before = _counts(session)
    cases: list[tuple[AudiogramIn, type[Exception], str]] = [
        (AudiogramIn(track_id=track.id, start_s=-1, length_s=10), InvalidInput, "start at 0 seconds or later"),
        (AudiogramIn(track_id=track.id, start_s=0, length_s=61), InvalidInput, "at most 60 seconds, not 61"),
        (AudiogramIn(track_id=track.id, start_s=0, length_s=0), InvalidInput, "more than 0"),
        (AudiogramIn(track_id=track.id, start_s=5, length_s=10), InvalidInput,
         r"5–15 s runs past the end of the track \(12.0 s\)"),
        (AudiogramIn(track_id=track.id, start_s=float("nan"), length_s=10), InvalidInput, "start at 0"),
        (AudiogramIn(track_id=theirs.id), NotFound, "That track is not in your library"),
        (AudiogramIn(track_id=track.id, length_s=5, release_id=their_release.id), NotFound,
         "That release is not in your library"),
        (AudiogramIn(track_id=processing.id, length_s=5), InvalidInput, "Still going is still being processed"),
        (AudiogramIn(), InvalidInput, "Choose a track or a master"),
        (AudiogramIn(track_id=track.id, length_s=5, title="x" * 201), InvalidInput, "at most 200 characters"),
    ]
    for data, error, message in cases:
        with pytest.raises(error, match=message):
            audiogram.request_audiogram(session=session, actor=actor_for(user), data=data)
        session.rollback()
        assert _counts(session) == before, message
    with pytest.raises(NotFound):  # and another user's audiogram cannot be attached
        row = audiogram.request_audiogram(session=session, actor=actor_for(other),
                                          data=AudiogramIn(track_id=theirs.id, length_s=5))
        audiogram.audiogram_file(session=session, actor=actor_for(user), audiogram_id=row.id)
    with pytest.raises(InvalidInput, match="still rendering"):
        audiogram.audiogram_file(session=session, actor=actor_for(other), audiogram_id=row.id)


def test_audio_gone_before_the_job_runs_fails_with_a_reason(session: Session, acct_env: Path,
                                                            jobs_held: InProcessBroker) -> None:
    user = make_user(session)
    track, _ = ms.ready_track(session, user, seconds=6.0)
    row = audiogram.request_audiogram(session=session, actor=actor_for(user),
                                      data=AudiogramIn(track_id=track.id, length_s=3.0))
    get_storage().delete(track.working_key or "")
    jobs_held.start()
    assert jobs_held.wait_idle(60)
    session.expire_all()
    done = session.get(SocialAudiogram, row.id)
    assert done is not None and done.status == AudiogramStatus.FAILED
    assert done.status_message.startswith("The audio or artwork is no longer in storage")
    assert done.vertical_file_id is None and session.exec(select(StoredFile)).all() == []
    with pytest.raises(InvalidInput, match="could not be made .*make a new one"):
        audiogram.audiogram_file(session=session, actor=actor_for(user), audiogram_id=row.id)
