"""Studio edit ops: every kind applies and its inverse restores the document exactly; invalid edits
are refused with the field path and change nothing; 200 seeded random edits undo to the start and
redo to the end; conflict detection for edits made on an older version."""

from __future__ import annotations

import copy
import random

import pytest

from maxbooster.services.studio import ops
from maxbooster.services.studio.ops import EditRefused


def _doc() -> dict:
    doc = ops.empty_document(sample_rate=48000, tempo_bpm=120.0)
    doc, _ = ops.apply(doc, [
        {"op": "track.add", "track": {"id": "t1", "name": "Drums"}},
        {"op": "track.add", "track": {"id": "t2", "name": "Bass", "role": "bass"}},
        {"op": "clip.add", "track": "t1", "clip": {"id": "c1", "file": "a.wav", "start_s": 0.0, "length_s": 8.0}},
        {"op": "clip.add", "track": "t2", "clip": {"id": "c2", "file": "b.wav", "start_s": 2.0, "length_s": 4.0,
                                                  "fade_in_s": 0.5}},
    ])
    return doc


EVERY_KIND = [
    [{"op": "track.add", "track": {"id": "t3", "name": "Keys"}, "index": 0}],
    [{"op": "track.remove", "id": "t2"}],
    [{"op": "track.move", "id": "t2", "index": 0}],
    [{"op": "track.set", "id": "t1", "field": "volume_db", "value": -6.0}],
    [{"op": "track.set", "id": "t1", "field": "mute", "value": True}],
    [{"op": "track.set", "id": "t1", "field": "color", "value": "#3dbb8a"}],
    [{"op": "clip.add", "track": "t2", "clip": {"id": "c3", "file": "c.wav", "start_s": 9.0, "length_s": 1.0}}],
    [{"op": "clip.remove", "id": "c1"}],
    [{"op": "clip.set", "id": "c1", "field": "start_s", "value": 1.5}],
    [{"op": "clip.set", "id": "c2", "field": "gain_db", "value": -3.0}],
    [{"op": "clip.move_to_track", "id": "c1", "track": "t2"}],
    [{"op": "clip.split", "id": "c2", "at_s": 3.0, "new_id": "c2b"}],
    [{"op": "inserts.set", "track": "t1", "inserts": [{"type": "gain", "gain_db": -2.0}]}],
    [{"op": "inserts.set", "track": "master", "inserts": [{"type": "gain", "gain_db": -1.0}]}],
    [{"op": "master.set", "field": "volume_db", "value": -1.5}],
    [{"op": "session.set", "field": "tempo_bpm", "value": 96.0}],
]


@pytest.mark.parametrize("edit", EVERY_KIND, ids=[e[0]["op"] + str(i) for i, e in enumerate(EVERY_KIND)])
def test_every_kind_applies_and_its_inverse_restores_the_document(edit: list) -> None:
    before = _doc()
    kept = copy.deepcopy(before)
    after, inverse = ops.apply(before, edit)
    assert before == kept  # the input is never changed
    assert after != before
    restored, again = ops.apply(after, inverse)
    assert restored == before
    assert ops.apply(restored, again)[0] == after  # the inverse of the inverse is the edit


def test_split_makes_two_clips_that_play_the_same_audio() -> None:
    after, _ = ops.apply(_doc(), [{"op": "clip.split", "id": "c2", "at_s": 3.0, "new_id": "c2b"}])
    clips = {c["id"]: c for c in after["tracks"][1]["clips"]}
    assert (clips["c2"]["start_s"], clips["c2"]["length_s"]) == (2.0, 1.0)
    assert (clips["c2b"]["start_s"], clips["c2b"]["offset_s"], clips["c2b"]["length_s"]) == (3.0, 1.0, 3.0)
    assert clips["c2"]["fade_in_s"] == 0.5 and clips["c2b"]["fade_in_s"] == 0.0


@pytest.mark.parametrize(("edit", "says"), [
    ([{"op": "clip.set", "id": "c2", "field": "fade_out_s", "value": 9.0}], "tracks[1].clips[0].fade_in_s"),
    ([{"op": "clip.set", "id": "c1", "field": "length_s", "value": 0}], "tracks[0].clips[0].length_s"),
    ([{"op": "track.set", "id": "t1", "field": "pan", "value": 3}], "tracks[0].pan"),
    ([{"op": "track.add", "track": {"id": "t1", "name": "Again"}}], "duplicates"),
    ([{"op": "session.set", "field": "tempo_bpm", "value": 5000}], "tempo_bpm"),
    ([{"op": "clip.set", "id": "nope", "field": "start_s", "value": 1}], "no clip 'nope'"),
    ([{"op": "track.set", "id": "t1", "field": "password", "value": 1}], "field must be one of"),
    ([{"op": "clip.split", "id": "c1", "at_s": 8.0, "new_id": "x"}], "inside the clip"),
    ([{"op": "rm -rf"}], "unknown change"),
    ([], "list of 1 to"),
    (["not an op"], "not an object"),
])
def test_invalid_edits_are_refused_with_the_field_path_and_change_nothing(edit: list, says: str) -> None:
    doc = _doc()
    kept = copy.deepcopy(doc)
    with pytest.raises(EditRefused) as err:
        ops.apply(doc, edit)
    assert says in err.value.message, err.value.message
    assert doc == kept


def _random_inserts(rng: random.Random, doc: dict) -> dict:
    """An inserts.set on a track or the master bus: add an effect, change one parameter, or remove one
    (only the types made here are ever in the document)."""
    owners = [("master", doc["master"])] + [(t["id"], t) for t in doc["tracks"]]
    owner, holder = rng.choice(owners)
    inserts = [dict(fx) for fx in holder.get("inserts", [])]
    action = rng.choice(["add", "set", "set", "remove"]) if inserts else "add"
    if action == "add":
        inserts.insert(rng.randint(0, len(inserts)), rng.choice([
            {"type": "gain", "gain_db": round(rng.uniform(-12, 6), 2)},
            {"type": "compressor", "threshold_db": round(rng.uniform(-40, 0), 1), "ratio": 4.0},
            {"type": "delay", "delay_s": round(rng.uniform(0.05, 1), 3), "feedback": 0.3, "mix": 0.2},
            {"type": "reverb", "room_size": round(rng.random(), 2)}]))
    elif action == "remove":
        inserts.pop(rng.randrange(len(inserts)))
    else:
        fx = rng.choice(inserts)
        param = {"gain": "gain_db", "compressor": "threshold_db", "delay": "mix", "reverb": "wet_level"}[fx["type"]]
        fx[param] = round(rng.uniform(-30, 0), 1) if param.endswith("_db") else round(rng.random(), 2)
    return {"op": "inserts.set", "track": owner, "inserts": inserts}


def _random_edit(rng: random.Random, doc: dict, n: int) -> list:
    tracks = doc["tracks"]
    clips = [c for t in tracks for c in t["clips"]]
    choices = ["track.add", "session.set", "master.set", "inserts.set"]
    if tracks:
        choices += ["track.set", "track.set", "track.move", "clip.add", "inserts.set",
                    "track.remove" if len(tracks) > 2 else "track.set"]
    if clips:
        choices += ["clip.set", "clip.set", "clip.set", "clip.remove", "clip.split", "clip.move_to_track"]
    kind = rng.choice(choices)
    if kind == "inserts.set":
        return [_random_inserts(rng, doc)]
    if kind == "track.add":
        return [{"op": kind, "track": {"id": f"t{n}", "name": f"Track {n}"}, "index": rng.randint(0, len(tracks))}]
    if kind == "session.set":
        return [{"op": kind, "field": "tempo_bpm", "value": rng.choice([90.0, 120.0, 140.0])}]
    if kind == "master.set":
        return [{"op": kind, "field": "volume_db", "value": round(rng.uniform(-12, 0), 2)}]
    track = rng.choice(tracks)
    if kind == "track.set":
        field, value = rng.choice([("volume_db", round(rng.uniform(-20, 6), 2)), ("pan", round(rng.uniform(-1, 1), 2)),
                                   ("mute", rng.random() < 0.5), ("solo", rng.random() < 0.5),
                                   ("color", rng.choice(["#e8a23d", "#3dbb8a", "#e0719a", None])),
                                   ("name", f"Renamed {n}")])
        return [{"op": kind, "id": track["id"], "field": field, "value": value}]
    if kind == "track.move":
        return [{"op": kind, "id": track["id"], "index": rng.randint(0, len(tracks) - 1)}]
    if kind == "track.remove":
        return [{"op": kind, "id": track["id"]}]
    if kind == "clip.add":
        return [{"op": kind, "track": track["id"], "clip": {"id": f"c{n}", "file": "x.wav",
                                                            "start_s": round(rng.uniform(0, 60), 3),
                                                            "length_s": round(rng.uniform(1, 10), 3)}}]
    clip = rng.choice(clips)
    if kind == "clip.set":
        room = clip["length_s"] - clip["fade_in_s"] - clip["fade_out_s"]  # fades fit (a few land beyond: refused)
        field, value = rng.choice([("start_s", round(rng.uniform(0, 60), 3)),
                                   ("gain_db", round(rng.uniform(-12, 6), 2)),
                                   ("length_s", round(rng.uniform(0.5, 10), 3)),
                                   ("fade_in_s", round(rng.uniform(0, 1.1) * min(room, 2.0), 3)),
                                   ("fade_out_s", round(rng.uniform(0, 1.1) * min(room, 2.0), 3)),
                                   ("offset_s", round(rng.uniform(0, 5), 3))])
        return [{"op": kind, "id": clip["id"], "field": field, "value": value}]
    if kind == "clip.remove":
        return [{"op": kind, "id": clip["id"]}]
    if kind == "clip.split":
        at = round(clip["start_s"] + clip["length_s"] * rng.uniform(0.2, 0.8), 3)
        return [{"op": kind, "id": clip["id"], "at_s": at, "new_id": f"c{n}s"}]
    return [{"op": "clip.move_to_track", "id": clip["id"], "track": rng.choice(tracks)["id"]}]


RANDOM_KINDS = {"clip.set fade_out_s", "clip.set fade_in_s", "clip.set length_s", "track.set solo",
                "track.set color", "inserts add", "inserts set", "inserts remove", "master inserts"}


def random_kinds(history: list[tuple[dict, list]]) -> set[str]:
    """What the random edits covered, from (document before, edit) pairs: op and field, and for
    inserts whether an effect was added, changed or removed, and whether the master bus was edited."""
    kinds = set()
    for before, edit in history:
        op = edit[0]
        kinds.add(f"{op['op']} {op.get('field', '')}".strip())
        if op["op"] == "inserts.set":
            owner = before["master"] if op["track"] == "master" else next(
                t for t in before["tracks"] if t["id"] == op["track"])
            old, new = len(owner["inserts"]), len(op["inserts"])
            kinds.add("inserts add" if new > old else "inserts remove" if new < old else "inserts set")
            if op["track"] == "master":
                kinds.add("master inserts")
    return kinds


def test_two_hundred_random_edits_undo_to_the_start_and_redo_to_the_end() -> None:
    rng = random.Random(20261203)
    start = _doc()
    doc, history, covered = start, [], []
    while len(history) < 200:
        edit = _random_edit(rng, doc, len(history))
        try:
            new, inverse = ops.apply(doc, edit)
        except EditRefused:
            continue  # e.g. a fade longer than the clip: refused, nothing changed
        history.append((edit, inverse))
        covered.append((doc, edit))
        doc = new
    assert random_kinds(covered) >= RANDOM_KINDS, RANDOM_KINDS - random_kinds(covered)
    final = doc
    redo = []
    for _edit, inverse in reversed(history):  # undo = the inverse sent as a new edit
        doc, again = ops.apply(doc, inverse)
        redo.append(again)
    assert doc == start
    for again in reversed(redo):
        doc, _ = ops.apply(doc, again)
    assert doc == final


def test_conflicts_are_same_field_or_a_replaced_entity() -> None:
    move = [{"op": "clip.set", "id": "c1", "field": "start_s", "value": 1}]
    assert ops.conflicts(move, [{"op": "clip.set", "id": "c1", "field": "start_s", "value": 2}])
    assert not ops.conflicts(move, [{"op": "clip.set", "id": "c1", "field": "gain_db", "value": -3}])
    assert not ops.conflicts(move, [{"op": "track.set", "id": "t2", "field": "mute", "value": True}])
    assert ops.conflicts(move, [{"op": "clip.remove", "id": "c1"}])
    assert ops.conflicts([{"op": "track.remove", "id": "t1"}], [{"op": "track.set", "id": "t1", "field": "pan",
                                                                "value": 0.5}])


def test_a_track_colour_is_set_and_undone_back_to_none() -> None:
    before = _doc()
    after, inverse = ops.apply(before, [{"op": "track.set", "id": "t1", "field": "color", "value": "#e0719a"}])
    assert after["tracks"][0]["color"] == "#e0719a"
    assert inverse == [{"op": "track.set", "id": "t1", "field": "color", "value": None}]
    restored, _ = ops.apply(after, inverse)
    assert restored == before and "color" not in restored["tracks"][0]
    with pytest.raises(EditRefused, match=r"tracks\[0\]\.color"):
        ops.apply(before, [{"op": "track.set", "id": "t1", "field": "color", "value": "red"}])
