"""Bounce: a project whose clips use library tracks is rendered by a real job with the engine's
mixdown and lands in the library as a new, processed track; missing or unready files are refused
before any job starts; another user's tracks cannot be used."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from sqlmodel import Session, select

from audio.arrangement import Arrangement
from audio.io import read_audio
from audio.mix import render_arrangement
from maxbooster.models.jobs import Job
from maxbooster.models.library import Track
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.errors import InvalidInput
from maxbooster.services.storage import get_storage
from maxbooster.services.studio import bounce, projects
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

acct_env, jobs_run = fx.acct_env, lib.jobs_run


def _ready(session: Session, user: object, seed: int, seconds: float, jobs: InProcessBroker) -> Track:
    track = lib.upload(session, user, lib.music_bytes("WAV", seconds=seconds, seed=seed, level=0.2),
                       f"part {seed}.wav").track
    assert jobs.wait_idle(120)
    done = lib.fresh(session, track.id)
    assert done is not None and done.status == "ready"
    return done


def test_bounce_renders_the_arrangement_into_a_new_library_track(session: Session, acct_env: Path,
                                                                 jobs_run: InProcessBroker) -> None:
    alice = make_user(session)
    me = actor_for(alice)
    drums, bass = _ready(session, alice, 1, 4, jobs_run), _ready(session, alice, 2, 3, jobs_run)
    project = projects.create_project(session=session, actor=me, name="Night Drive", sample_rate=44100)
    edit = [{"op": "track.add", "track": {"id": "t1", "name": "Drums", "volume_db": -3}},
            {"op": "track.add", "track": {"id": "t2", "name": "Bass", "pan": -0.4}},
            {"op": "clip.add", "track": "t1", "clip": {"id": "c1", "file": str(drums.id), "start_s": 0,
                                                       "length_s": 4, "fade_out_s": 0.5}},
            {"op": "clip.add", "track": "t2", "clip": {"id": "c2", "file": str(bass.id), "start_s": 1.5,
                                                       "offset_s": 0.5, "length_s": 2, "gain_db": -2}}]
    done = projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=0, edit=edit,
                                txn_id=uuid.uuid4().hex)
    job = bounce.start_bounce(session=session, actor=me, project_id=project.id)
    assert jobs_run.wait_idle(180)
    session.expire_all()
    finished = session.get(Job, job.id)
    assert finished is not None and finished.status == "succeeded", finished.error if finished else None
    made = session.exec(select(Track).where(Track.title == "Night Drive (bounce)")).one()
    assert made.status == "ready" and made.owner_id == alice.id and finished.result_ref == f"track:{made.id}"

    # what was stored is the engine's render of the same arrangement from the same working copies
    store = get_storage()
    with store.local_path(drums.working_key) as d, store.local_path(bass.working_key) as b, \
            store.local_path(made.original_key) as bounced:
        files = {str(drums.id): d, str(bass.id): b}
        expected = render_arrangement(Arrangement.from_dict(done.document), loader=lambda f: read_audio(files[f]))
        got, rate = sf.read(str(bounced), dtype="float32", always_2d=True)
    assert rate == 44100 and sf.info(str(bounced)).subtype == "PCM_24"
    assert got.T.shape == expected.shape
    assert np.max(np.abs(got.T - np.clip(expected, -1, 1))) < 2.0 ** -22  # equal within 24-bit quantisation


def test_missing_or_unready_files_are_refused_before_any_job(session: Session, acct_env: Path,
                                                             jobs_run: InProcessBroker) -> None:
    alice, mallory = make_user(session), make_user(session, "mallory@example.com")
    me = actor_for(alice)
    theirs = _ready(session, mallory, 3, 2, jobs_run)
    project = projects.create_project(session=session, actor=me, name="Song")
    with pytest.raises(InvalidInput, match="nothing to bounce"):
        bounce.start_bounce(session=session, actor=me, project_id=project.id)
    for n, file in enumerate((str(uuid.uuid4()), "../../etc/passwd", str(theirs.id))):
        projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=2 * n,
                             edit=[{"op": "track.add", "track": {"id": f"t{n}", "name": "x"}},
                                   {"op": "clip.add", "track": f"t{n}", "clip": {"id": f"c{n}", "file": file,
                                                                               "start_s": 0, "length_s": 1}}],
                             txn_id=uuid.uuid4().hex)
        with pytest.raises(InvalidInput, match="missing or still processing"):
            bounce.start_bounce(session=session, actor=me, project_id=project.id)
        projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=2 * n + 1,
                             edit=[{"op": "track.remove", "id": f"t{n}"}], txn_id=uuid.uuid4().hex)
    assert session.exec(select(Job).where(Job.kind == bounce.BOUNCE_KIND)).all() == []


def test_a_deleted_track_makes_its_clips_missing_not_the_project_broken(session: Session, acct_env: Path,
                                                                        jobs_run: InProcessBroker) -> None:
    from maxbooster.services.library import tracks

    alice = make_user(session)
    me = actor_for(alice)
    keep, gone = _ready(session, alice, 4, 2, jobs_run), _ready(session, alice, 5, 2, jobs_run)
    project = projects.create_project(session=session, actor=me, name="Song")
    projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=0, txn_id=uuid.uuid4().hex,
                         edit=[{"op": "track.add", "track": {"id": "t1", "name": "A"}},
                               {"op": "clip.add", "track": "t1", "clip": {"id": "c1", "file": str(keep.id),
                                                                          "start_s": 0, "length_s": 1}},
                               {"op": "clip.add", "track": "t1", "clip": {"id": "c2", "file": str(gone.id),
                                                                          "start_s": 1, "length_s": 1}},
                               {"op": "clip.add", "track": "t1", "clip": {"id": "c3", "file": "not-a-track",
                                                                          "start_s": 2, "length_s": 1}}])
    stored = projects.get_project(session=session, actor=me, project_id=project.id)
    assert bounce.clip_media(session=session, project=stored) == {"c3": "missing"}
    tracks.delete_track(session=session, actor=me, track_id=gone.id)
    stored = projects.get_project(session=session, actor=me, project_id=project.id)
    assert bounce.clip_media(session=session, project=stored) == {"c2": "missing", "c3": "missing"}
    with pytest.raises(InvalidInput, match="missing or still processing"):
        bounce.start_bounce(session=session, actor=me, project_id=project.id)
    # the project still opens and edits: the missing clip can be removed
    after = projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=1,
                                 txn_id=uuid.uuid4().hex, edit=[{"op": "clip.remove", "id": "c2"},
                                                                {"op": "clip.remove", "id": "c3"}])
    assert after.version == 2
    assert bounce.clip_media(session=session, project=projects.get_project(
        session=session, actor=me, project_id=project.id)) == {}
