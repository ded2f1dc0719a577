"""Studio projects: create/list/rename/duplicate/delete within the plan, edits committed with a
base version (stale but unrelated edits rebase, conflicting ones are refused with a plain message),
resent edits answered once, the plan's track cap, and the stored document equal to what was sent."""

from __future__ import annotations

import copy
import uuid
from pathlib import Path

import pytest
from sqlmodel import Session, select

from maxbooster.models.studio import Project, ProjectEdit
from maxbooster.services import plans
from maxbooster.services.errors import Conflict, InvalidInput, NotFound, PlanLimitReached
from maxbooster.services.studio import ops, projects
from maxbooster.services.studio.ops import EditRefused
from tests.support import accounts as fx
from tests.support.accounts import actor_for, make_user

acct_env = fx.acct_env


def _txn() -> str:
    return uuid.uuid4().hex


def _track(i: int) -> dict:
    return {"op": "track.add", "track": {"id": f"t{i}", "name": f"Track {i}"}}


def test_create_list_rename_duplicate_delete(session: Session, acct_env: Path) -> None:
    alice = make_user(session)
    me = actor_for(alice)
    first = projects.create_project(session=session, actor=me, name="  First   song ", sample_rate=44100,
                                    tempo_bpm=92, beats_per_bar=3, beat_unit=4)
    assert (first.name, first.sample_rate, first.version) == ("First song", 44100, 0)
    assert first.document["tempo_bpm"] == 92 and first.document["tracks"] == []
    second = projects.create_project(session=session, actor=me, name="Second")
    assert [p.name for p in projects.list_projects(session=session, actor=me)] == ["Second", "First song"]
    projects.commit_edit(session=session, actor=me, project_id=first.id, base_version=0, edit=[_track(1)],
                         txn_id=_txn())
    assert [p.name for p in projects.list_projects(session=session, actor=me)] == ["First song", "Second"]

    renamed = projects.update_project(session=session, actor=me, project_id=second.id, name="B-side",
                                      beats_per_bar=6, beat_unit=8)
    assert (renamed.name, renamed.beats_per_bar, renamed.beat_unit) == ("B-side", 6, 8)
    copy_ = projects.duplicate_project(session=session, actor=me, project_id=first.id)
    assert copy_.name == "First song (copy)" and copy_.document == projects.get_project(
        session=session, actor=me, project_id=first.id).document and copy_.version == 0
    assert plans.usage(session=session, user_id=alice.id, resource="projects") == 3
    with pytest.raises(PlanLimitReached, match="studio projects: 3"):  # Free: 3 projects
        projects.create_project(session=session, actor=me, name="Fourth")
    projects.delete_project(session=session, actor=me, project_id=first.id)
    assert session.exec(select(ProjectEdit).where(ProjectEdit.project_id == first.id)).all() == []
    assert plans.usage(session=session, user_id=alice.id, resource="projects") == 2
    assert projects.create_project(session=session, actor=me, name="Fourth").name == "Fourth"


@pytest.mark.parametrize(("kwargs", "says"), [
    ({"name": ""}, "name of 1 to 200"), ({"name": "x" * 201}, "name of 1 to 200"),
    ({"name": "ok", "sample_rate": 96000}, "44.1 kHz or 48 kHz"), ({"name": "ok", "tempo_bpm": 5}, "20 to 400"),
    ({"name": "ok", "beat_unit": 3}, "time signature"), ({"name": "ok", "beats_per_bar": 0}, "time signature"),
])
def test_bad_settings_are_refused_and_nothing_is_stored(session: Session, acct_env: Path, kwargs: dict,
                                                        says: str) -> None:
    alice = make_user(session)
    with pytest.raises(InvalidInput, match=says):
        projects.create_project(session=session, actor=actor_for(alice), **kwargs)
    assert session.exec(select(Project)).all() == []
    assert plans.usage(session=session, user_id=alice.id, resource="projects") == 0


def test_edits_are_stored_with_their_inverse_and_reload_exactly(session: Session, acct_env: Path,
                                                               engine: object) -> None:
    alice = make_user(session)
    me = actor_for(alice)
    project = projects.create_project(session=session, actor=me, name="Song")
    start = copy.deepcopy(project.document)
    expected = start
    edits = [[_track(1)], [{"op": "clip.add", "track": "t1", "clip": {"id": "c1", "file": "a.wav", "start_s": 0,
                                                                      "length_s": 4}}],
             [{"op": "clip.split", "id": "c1", "at_s": 1.5, "new_id": "c2"}],
             [{"op": "track.set", "id": "t1", "field": "volume_db", "value": -4.5}]]
    for version, edit in enumerate(edits, start=1):
        result = projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=version - 1,
                                      edit=edit, txn_id=_txn())
        expected, _ = ops.apply(expected, edit)
        assert (result.version, result.document) == (version, expected)
    with Session(engine) as fresh:  # what a reload reads: exactly the edits committed
        stored = fresh.get(Project, project.id)
        assert stored is not None and stored.document == expected and stored.version == 4
        log = fresh.exec(select(ProjectEdit).where(ProjectEdit.project_id == project.id)
                         .order_by(ProjectEdit.version)).all()
        assert [e.ops for e in log] == edits
    doc = expected
    for e in reversed(log):  # undo everything through the stored inverse ops
        doc, _ = ops.apply(doc, e.inverse)
    assert doc == start


def test_a_resent_edit_is_applied_once(session: Session, acct_env: Path) -> None:
    alice = make_user(session)
    me = actor_for(alice)
    project = projects.create_project(session=session, actor=me, name="Song")
    txn = _txn()
    first = projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=0,
                                 edit=[_track(1)], txn_id=txn)
    again = projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=0,
                                 edit=[_track(1)], txn_id=txn)
    assert again.repeated and again.version == first.version == 1
    assert len(again.document["tracks"]) == 1


def test_stale_edits_rebase_unless_they_touch_the_same_thing(session: Session, acct_env: Path) -> None:
    alice = make_user(session)
    me = actor_for(alice)
    project = projects.create_project(session=session, actor=me, name="Song")
    for i, edit in enumerate([[_track(1), _track(2)]]):
        projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=i, edit=edit,
                             txn_id=_txn())
    # two tabs both at version 1
    projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=1,
                         edit=[{"op": "track.set", "id": "t1", "field": "pan", "value": -0.5}], txn_id=_txn())
    other = projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=1,
                                 edit=[{"op": "track.set", "id": "t2", "field": "mute", "value": True}],
                                 txn_id=_txn())
    assert other.rebased and other.version == 3
    assert [t["pan"] for t in other.document["tracks"]] == [-0.5, 0.0] and other.document["tracks"][1]["mute"]
    with pytest.raises(Conflict, match="Someone changed the same thing"):
        projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=1,
                             edit=[{"op": "track.set", "id": "t1", "field": "pan", "value": 0.7}], txn_id=_txn())
    with pytest.raises(InvalidInput, match="does not exist"):
        projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=9,
                             edit=[_track(3)], txn_id=_txn())
    stored = projects.get_project(session=session, actor=me, project_id=project.id)
    assert stored.version == 3 and stored.document["tracks"][0]["pan"] == -0.5


def test_invalid_edits_and_bad_ids_change_nothing(session: Session, acct_env: Path) -> None:
    alice, mallory = make_user(session), make_user(session, "mallory@example.com")
    me = actor_for(alice)
    project = projects.create_project(session=session, actor=me, name="Song")
    with pytest.raises(EditRefused, match=r"tracks\[0\].volume_db"):
        projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=0,
                             edit=[{"op": "track.add", "track": {"id": "t1", "name": "x", "volume_db": 40}}],
                             txn_id=_txn())
    with pytest.raises(InvalidInput, match="id of 8 to 64"):
        projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=0, edit=[_track(1)],
                             txn_id="x")
    with pytest.raises(NotFound):  # another user's project reads as missing
        projects.commit_edit(session=session, actor=actor_for(mallory), project_id=project.id, base_version=0,
                             edit=[_track(1)], txn_id=_txn())
    with pytest.raises(NotFound):
        projects.require_project(session=session, actor=me, project_id="../../etc")
    stored = projects.get_project(session=session, actor=me, project_id=project.id)
    assert stored.version == 0 and stored.document["tracks"] == []
    assert session.exec(select(ProjectEdit)).all() == []


def test_the_plan_caps_tracks_per_project(session: Session, acct_env: Path) -> None:
    alice = make_user(session)
    me = actor_for(alice)
    project = projects.create_project(session=session, actor=me, name="Song")
    projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=0,
                         edit=[_track(i) for i in range(8)], txn_id=_txn())
    with pytest.raises(PlanLimitReached, match="8 tracks in a project"):
        projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=1, edit=[_track(9)],
                             txn_id=_txn())
    assert projects.get_project(session=session, actor=me, project_id=project.id).version == 1
    assert [plans.PLANS[k].tracks_per_project for k in ("free", "pro", "label")] == [8, 64, 128]


def test_deleting_a_project_removes_the_files_made_for_it_and_gives_back_their_storage(
        session: Session, acct_env: Path, tmp_path: Path) -> None:
    from maxbooster.models.storage import StoredFile
    from maxbooster.services.storage import get_storage
    from maxbooster.services.studio import bounce
    from maxbooster.services.studio.dawproject.export import export_key

    alice = make_user(session)
    me = actor_for(alice)
    keep = projects.create_project(session=session, actor=me, name="Keep")
    gone = projects.create_project(session=session, actor=me, name="Gone")
    made = tmp_path / "stems.zip"
    made.write_bytes(b"z" * 5000)
    for project in (keep, gone):
        bounce.store_export(session=session, owner_id=alice.id, key=f"{projects.files_prefix(alice.id, project.id)}"
                            "bounce-1/stems.zip", path=made, filename="stems.zip", content_type="application/zip")
        get_storage().put_file(export_key(alice.id, project.id), made)
    used = plans.usage(session=session, user_id=alice.id, resource="storage_bytes")
    projects.delete_project(session=session, actor=me, project_id=gone.id)
    assert plans.usage(session=session, user_id=alice.id, resource="storage_bytes") == used - 5000
    keys = [f.key for f in session.exec(select(StoredFile)).all()]
    assert keys == [f"{projects.files_prefix(alice.id, keep.id)}bounce-1/stems.zip"]
    store = get_storage()
    assert not store.exists(export_key(alice.id, gone.id))
    assert store.exists(export_key(alice.id, keep.id)) and store.exists(keys[0])  # the other project's stay
