"""The mix assistant on a real project: it listens to the clips' library audio and suggests a fader
per track that brings its loudness before the fader to its kind's target (and spreads pans of the
same kind); a quiet track is raised, a loud one lowered; applying the suggestion is an ordinary
edit whose inverse restores the mix; a project whose clip lost its file is refused plainly."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from audio.automix import ROLE_TARGET_LUFS
from maxbooster.db import get_engine
from maxbooster.services.errors import InvalidInput
from maxbooster.services.studio import assistant, projects
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

acct_env, jobs_run = fx.acct_env, lib.jobs_run


def _clip(cid: str, file: str) -> dict:
    return {"id": cid, "file": file, "start_s": 0.0, "offset_s": 0.0, "length_s": 4.0, "gain_db": 0.0,
            "fade_in_s": 0.0, "fade_out_s": 0.0}


def test_suggestions_move_each_track_to_its_target_and_apply_as_an_undoable_edit(acct_env, jobs_run) -> None:  # type: ignore[no-untyped-def]
    with Session(get_engine()) as session:
        alice = make_user(session)
        me = actor_for(alice)
        quiet = lib.upload(session, alice, lib.music_bytes(seconds=5, seed=7, level=0.02), "quiet keys.wav").track
        loud = lib.upload(session, alice, lib.music_bytes(seconds=5, seed=8, level=0.5), "loud drums.wav").track
        other = lib.upload(session, alice, lib.music_bytes(seconds=5, seed=9, level=0.1), "more drums.wav").track
        assert jobs_run.wait_idle(120)
        project = projects.create_project(session=session, actor=me, name="Mix")
        projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=0, txn_id="txn-mix-1",
                             edit=[
            {"op": "track.add", "track": {"id": "keys", "name": "Keys", "role": "music"}},
            {"op": "track.add", "track": {"id": "d1", "name": "Drums 1", "role": "drums"}},
            {"op": "track.add", "track": {"id": "d2", "name": "Drums 2", "role": "drums"}},
            {"op": "clip.add", "track": "keys", "clip": _clip("c1", str(quiet.id))},
            {"op": "clip.add", "track": "d1", "clip": _clip("c2", str(loud.id))},
            {"op": "clip.add", "track": "d2", "clip": _clip("c3", str(other.id))}])
        found = {s.track_id: s for s in assistant.suggest(session=session, actor=me, project_id=project.id)}
        assert set(found) == {"keys", "d1", "d2"}
        assert found["keys"].volume_db > 6 and found["d1"].volume_db < found["d2"].volume_db  # quiet up, loud down
        assert found["d1"].pan == -found["d2"].pan != 0  # two drum tracks spread apart
        assert found["keys"].pan == 0.0 and "LUFS" in found["keys"].reason
        assert str(ROLE_TARGET_LUFS["music"]).rstrip("0").rstrip(".") in found["keys"].reason
        edit = [{"op": "track.set", "id": s.track_id, "field": f, "value": getattr(s, f)}
                for s in found.values() for f in ("volume_db", "pan")]
        before = projects.get_project(session=session, actor=me, project_id=project.id).document
        done = projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=1,
                                    txn_id="txn-mix-2", edit=edit)
        assert {t["id"]: t["volume_db"] for t in done.document["tracks"]} == {k: s.volume_db for k, s in found.items()}
        again = assistant.suggest(session=session, actor=me, project_id=project.id)
        assert again == []  # applied: nothing left to suggest
        undone = projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=2,
                                      txn_id="txn-mix-3", edit=done.inverse)
        assert undone.document == before


def test_a_clip_without_its_file_is_refused_plainly(acct_env) -> None:  # type: ignore[no-untyped-def]
    with Session(get_engine()) as session:
        alice = make_user(session)
        me = actor_for(alice)
        project = projects.create_project(session=session, actor=me, name="Mix")
        with pytest.raises(InvalidInput, match="add a clip"):
            assistant.suggest(session=session, actor=me, project_id=project.id)
        projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=0, txn_id="txn-mix-4",
                             edit=[
            {"op": "track.add", "track": {"id": "t", "name": "T"}},
            {"op": "clip.add", "track": "t", "clip": _clip("c", "3f0c8a8e-0000-4000-8000-000000000000")}])
        with pytest.raises(InvalidInput, match="missing or still processing"):
            assistant.suggest(session=session, actor=me, project_id=project.id)
