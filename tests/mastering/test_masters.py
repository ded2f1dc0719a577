"""Masters as real jobs: each destination a version at its loudness under its ceiling, formats per
plan, masters per month, before/after and reasons, A/B gains, deleting a version frees storage."""

from __future__ import annotations

from pathlib import Path

import pyloudnorm
import pytest
import soundfile as sf
from sqlmodel import Session

from maxbooster.models.mastering import Master
from maxbooster.services import plans
from maxbooster.services.admin import users as admin_users
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.errors import InvalidInput, NotFound, PlanLimitReached
from maxbooster.services.mastering import masters, views
from maxbooster.services.storage import get_storage
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

acct_env, jobs_run = fx.acct_env, lib.jobs_run


def _ready_track(session: Session, user: object, jobs: InProcessBroker, seconds: float = 12.0, seed: int = 3):
    track = lib.upload(session, user, lib.music_bytes("WAV", seconds=seconds, seed=seed, level=0.2), "song.wav").track
    assert jobs.wait_idle(120)
    done = lib.fresh(session, track.id)
    assert done is not None and done.status == "ready"
    return done


def _measure(key: str) -> tuple[float, float]:
    """(integrated LUFS by pyloudnorm, sample peak dBFS) of a stored file."""
    with get_storage().local_path(key) as path:
        x, rate = sf.read(str(path))
    import numpy as np

    return pyloudnorm.Meter(rate).integrated_loudness(x), 20 * float(np.log10(np.max(np.abs(x))))


def test_two_destinations_become_two_versions_on_target(session: Session, acct_env: Path,
                                                        jobs_run: InProcessBroker) -> None:
    user = make_user(session, plan="pro")
    track = _ready_track(session, user, jobs_run)
    made = masters.create_masters(session=session, actor=actor_for(user), track_id=track.id,
                                  presets=["spotify", "apple_music"], strength_pct=80)
    assert [m.version for m in made] == [1, 2]
    assert jobs_run.wait_idle(300)
    for master, target in zip(made, (-14.0, -16.0), strict=True):
        session.expire_all()
        done = session.get(Master, master.id)
        assert done is not None and done.status == "ready", done.status_message if done else "gone"
        assert set(done.files) == {"wav24", "wav16", "flac", "mp3"}
        lufs, peak = _measure(done.files["wav24"])
        assert abs(lufs - target) <= 0.3, lufs  # pyloudnorm, independent of the engine
        assert peak <= -1.0 + 0.01
        view = views.view(session=session, master=done, track=track, allowed=plans.PLANS["pro"].master_formats)
        assert [c.label for c in view.compare][:2] == ["Loudness", "True peak"] and view.reasons
        assert set(view.downloads) == {"wav24", "wav16", "flac", "mp3"} and not view.locked_formats
        # loudness-matched A/B: the louder side is turned down by the difference
        before = float(done.report["before"]["integrated_lufs"])
        after = float(done.report["after"]["integrated_lufs"])
        assert abs((after + view.gain_db_master) - (before + view.gain_db_original)) < 0.01


def test_free_plan_three_masters_a_month_and_mp3_only(session: Session, acct_env: Path,
                                                      jobs_run: InProcessBroker) -> None:
    user = make_user(session)
    track = _ready_track(session, user, jobs_run, seconds=6)
    me = actor_for(user)
    made = masters.create_masters(session=session, actor=me, track_id=track.id, presets=["spotify", "club"])
    made += masters.create_masters(session=session, actor=me, track_id=track.id, presets=["youtube"])
    with pytest.raises(PlanLimitReached, match="masters per month: 3"):
        masters.create_masters(session=session, actor=me, track_id=track.id, presets=["tidal"])
    assert jobs_run.wait_idle(300)
    first = made[0].id
    _, key = masters.download_key(session=session, actor=me, master_id=first, file_format="mp3")
    assert key.endswith(".mp3")
    with pytest.raises(PlanLimitReached, match="MP3 320 kbps downloads"):
        masters.download_key(session=session, actor=me, master_id=first, file_format="wav24")
    boss = make_user(session, "boss@example.com", role="admin")
    admin_users.set_plan(session=session, actor=actor_for(boss), user_id=user.id, plan="pro")
    assert masters.download_key(session=session, actor=me, master_id=first, file_format="wav24")[1]


def test_bad_requests_change_nothing(session: Session, acct_env: Path, jobs_run: InProcessBroker) -> None:
    user = make_user(session, plan="pro")
    track = _ready_track(session, user, jobs_run, seconds=4)
    me = actor_for(user)
    bad = [dict(presets=[]), dict(presets=["moon"]), dict(presets=["spotify"], strength_pct=140),
           dict(presets=["spotify"], genre="polka"), dict(presets=["custom"], target_lufs=-80.0),
           dict(presets=["spotify"], reference_track_id=track.id)]
    for kwargs in bad:
        with pytest.raises(InvalidInput):
            masters.create_masters(session=session, actor=me, track_id=track.id, **kwargs)  # type: ignore[arg-type]
    assert masters.list_masters(session=session, actor=me, track_id=track.id) == []
    other = make_user(session, "other@example.com", plan="pro")
    with pytest.raises(NotFound):
        masters.create_masters(session=session, actor=actor_for(other), track_id=track.id, presets=["spotify"])


def test_reference_and_custom_target(session: Session, acct_env: Path, jobs_run: InProcessBroker) -> None:
    user = make_user(session, plan="pro")
    track = _ready_track(session, user, jobs_run, seconds=8, seed=5)
    ref = _ready_track(session, user, jobs_run, seconds=8, seed=9)
    [master] = masters.create_masters(session=session, actor=actor_for(user), track_id=track.id, presets=["custom"],
                                      target_lufs=-11.0, ceiling_dbtp=-0.5, reference_track_id=ref.id, genre="rock")
    assert jobs_run.wait_idle(300)
    session.expire_all()
    done = session.get(Master, master.id)
    assert done is not None and done.status == "ready" and done.report.get("reference") is True
    lufs, peak = _measure(done.files["wav24"])
    assert abs(lufs + 11.0) <= 0.3 and peak <= -0.5 + 0.01


def test_delete_version_frees_its_storage(session: Session, acct_env: Path, jobs_run: InProcessBroker) -> None:
    user = make_user(session, plan="pro")
    track = _ready_track(session, user, jobs_run, seconds=4)
    me = actor_for(user)
    before = plans.usage(session=session, user_id=user.id, resource="storage_bytes")
    [master] = masters.create_masters(session=session, actor=me, track_id=track.id, presets=["spotify"])
    assert jobs_run.wait_idle(300)
    session.expire_all()
    done = session.get(Master, master.id)
    assert done is not None and done.size_bytes > 0
    assert plans.usage(session=session, user_id=user.id, resource="storage_bytes") == before + done.size_bytes
    masters.delete_master(session=session, actor=me, master_id=master.id)
    assert plans.usage(session=session, user_id=user.id, resource="storage_bytes") == before
    store = get_storage()
    assert not any(store.exists(k) for k in done.files.values())
