"""Studio edits as small ops on the arrangement document (design note §2.3–2.4).

An edit is a list of ops addressed by id (never by array index), applied to a copy of the
document, then validated by the audio engine's `Arrangement` (a refusal names the field path).
Applying returns the inverse ops computed from the document before the edit, so undo is simply
the inverse sent as a new edit. Ops:

    track.add     {track: {...}, index?}          track.remove  {id}
    track.move    {id, index}                     track.set     {id, field, value}
    clip.add      {track, clip: {...}, index?}    clip.remove   {id}
    clip.set      {id, field, value}              clip.move_to_track {id, track, index?}
    clip.split    {id, at_s, new_id}              inserts.set   {track ("master" for the bus), inserts: [...]}
    master.set    {field: volume_db, value}       session.set   {field: tempo_bpm, value}

`conflict_keys` names what an edit touches, so an edit made on an older version can be rebased
when nothing it touches changed since, and refused otherwise.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from audio.arrangement import Arrangement
from audio.errors import AudioError
from maxbooster.services.errors import InvalidInput

TRACK_FIELDS = {"name", "role", "volume_db", "pan", "mute", "solo", "color"}
CLIP_FIELDS = {"start_s", "offset_s", "length_s", "gain_db", "fade_in_s", "fade_out_s"}
MAX_OPS = 500  # per edit
Op = dict[str, Any]
Doc = dict[str, Any]


class EditRefused(InvalidInput):
    """An edit that cannot apply: names the op (and the document's field path when validation fails)."""


def empty_document(*, sample_rate: int, tempo_bpm: float) -> Doc:
    return Arrangement.from_dict({"version": 1, "sample_rate": sample_rate, "tempo_bpm": tempo_bpm,
                                  "tracks": [], "master": {"volume_db": 0.0, "inserts": []}}).to_dict()


def validate(doc: Doc) -> Doc:
    """The document as the engine normalises it, or EditRefused naming the field path."""
    try:
        return Arrangement.from_dict(doc).to_dict()
    except AudioError as exc:
        raise EditRefused(f"This change was not saved: {exc}.") from exc


def _track(doc: Doc, track_id: str, where: str) -> tuple[int, dict[str, Any]]:
    for i, t in enumerate(doc["tracks"]):
        if t["id"] == track_id:
            return i, t
    raise EditRefused(f"{where}: there is no track {track_id!r} (it may have been deleted).")


def _clip(doc: Doc, clip_id: str, where: str) -> tuple[dict[str, Any], int, dict[str, Any]]:
    for t in doc["tracks"]:
        for j, c in enumerate(t["clips"]):
            if c["id"] == clip_id:
                return t, j, c
    raise EditRefused(f"{where}: there is no clip {clip_id!r} (it may have been deleted).")


def _field(op: Op, allowed: set[str], where: str) -> str:
    field = op.get("field")
    if field not in allowed:
        raise EditRefused(f"{where}: field must be one of {', '.join(sorted(allowed))}, not {field!r}.")
    return str(field)


def _index(op: Op, size: int) -> int:
    index = op.get("index", size)
    return max(0, min(size, index)) if isinstance(index, int) and not isinstance(index, bool) else size


def _apply_one(doc: Doc, op: Op, where: str) -> list[Op]:
    """Apply `op` to `doc` in place; the ops that undo it (in order)."""
    kind = op.get("op")
    if kind == "track.add":
        track = copy.deepcopy(op.get("track"))
        if not isinstance(track, dict):
            raise EditRefused(f"{where}: track must be an object.")
        track.setdefault("clips", [])
        track.setdefault("inserts", [])
        doc["tracks"].insert(_index(op, len(doc["tracks"])), track)
        return [{"op": "track.remove", "id": track.get("id")}]
    if kind == "track.remove":
        i, track = _track(doc, str(op.get("id")), where)
        del doc["tracks"][i]
        return [{"op": "track.add", "track": track, "index": i}]
    if kind == "track.move":
        i, track = _track(doc, str(op.get("id")), where)
        del doc["tracks"][i]
        doc["tracks"].insert(_index(op, len(doc["tracks"])), track)
        return [{"op": "track.move", "id": track["id"], "index": i}]
    if kind == "track.set":
        _, track = _track(doc, str(op.get("id")), where)
        field = _field(op, TRACK_FIELDS, where)
        old = track.get(field)
        track[field] = op.get("value")
        return [{"op": "track.set", "id": track["id"], "field": field, "value": old}]
    if kind == "clip.add":
        _, track = _track(doc, str(op.get("track")), where)
        clip = copy.deepcopy(op.get("clip"))
        if not isinstance(clip, dict):
            raise EditRefused(f"{where}: clip must be an object.")
        track["clips"].insert(_index(op, len(track["clips"])), clip)
        return [{"op": "clip.remove", "id": clip.get("id")}]
    if kind == "clip.remove":
        track, j, clip = _clip(doc, str(op.get("id")), where)
        del track["clips"][j]
        return [{"op": "clip.add", "track": track["id"], "clip": clip, "index": j}]
    if kind == "clip.set":
        _, _, clip = _clip(doc, str(op.get("id")), where)
        field = _field(op, CLIP_FIELDS, where)
        old = clip.get(field, 0.0)
        clip[field] = op.get("value")
        return [{"op": "clip.set", "id": clip["id"], "field": field, "value": old}]
    if kind == "clip.move_to_track":
        source, j, clip = _clip(doc, str(op.get("id")), where)
        _, target = _track(doc, str(op.get("track")), where)
        del source["clips"][j]
        target["clips"].insert(_index(op, len(target["clips"])), clip)
        return [{"op": "clip.move_to_track", "id": clip["id"], "track": source["id"], "index": j}]
    if kind == "clip.split":
        _, _, clip = _clip(doc, str(op.get("id")), where)
        at = op.get("at_s")
        start, length = float(clip["start_s"]), float(clip["length_s"])
        if not isinstance(at, int | float) or isinstance(at, bool) or not start < at < start + length:
            raise EditRefused(f"{where}: split at_s must fall inside the clip ({start:g}–{start + length:g} s).")
        first = at - start
        second = {**clip, "id": op.get("new_id"), "start_s": at, "offset_s": float(clip.get("offset_s", 0.0)) + first,
                  "length_s": length - first, "fade_in_s": 0.0}
        undo = _apply_one(doc, {"op": "clip.set", "id": clip["id"], "field": "fade_out_s", "value": 0.0}, where)
        undo += _apply_one(doc, {"op": "clip.set", "id": clip["id"], "field": "length_s", "value": first}, where)
        track, j, _ = _clip(doc, clip["id"], where)
        undo += _apply_one(doc, {"op": "clip.add", "track": track["id"], "clip": second, "index": j + 1}, where)
        return list(reversed(undo))
    if kind == "inserts.set":
        where_to = op.get("track")
        owner: dict[str, Any] = doc["master"] if where_to == "master" else _track(doc, str(where_to), where)[1]
        old = owner.get("inserts", [])
        owner["inserts"] = copy.deepcopy(op.get("inserts"))
        return [{"op": "inserts.set", "track": where_to, "inserts": old}]
    if kind == "master.set":
        field = _field(op, {"volume_db"}, where)
        old = doc["master"].get(field)
        doc["master"][field] = op.get("value")
        return [{"op": "master.set", "field": field, "value": old}]
    if kind == "session.set":
        field = _field(op, {"tempo_bpm"}, where)
        old = doc.get(field)
        doc[field] = op.get("value")
        return [{"op": "session.set", "field": field, "value": old}]
    raise EditRefused(f"{where}: unknown change {kind!r}.")


def apply(doc: Doc, ops: list[Op]) -> tuple[Doc, list[Op]]:
    """(the new validated document, the inverse ops that undo this edit); `doc` is not changed."""
    if not isinstance(ops, list) or not ops or len(ops) > MAX_OPS:
        raise EditRefused(f"An edit is a list of 1 to {MAX_OPS} changes.")
    new = copy.deepcopy(doc)
    inverse: list[Op] = []
    for n, op in enumerate(ops):
        if not isinstance(op, dict):
            raise EditRefused(f"Change {n + 1} is not an object.")
        inverse = _apply_one(new, op, f"Change {n + 1} ({op.get('op')})") + inverse
    return validate(new), inverse


def conflict_keys(ops: Iterable[Op]) -> set[tuple[str, str]]:
    """What the ops touch: (entity id, field), with "*" for a whole entity (added, removed, moved)."""
    keys: set[tuple[str, str]] = set()
    for op in ops:
        kind = str(op.get("op", ""))
        if kind in ("track.set", "clip.set"):
            keys.add((str(op.get("id")), str(op.get("field"))))
        elif kind in ("master.set", "session.set"):
            keys.add((kind.split(".")[0], str(op.get("field"))))
        elif kind == "inserts.set":
            keys.add((str(op.get("track")), "inserts"))
        elif kind == "track.add":
            keys.add((str((op.get("track") or {}).get("id")), "*"))
        elif kind == "clip.add":
            keys.add((str((op.get("clip") or {}).get("id")), "*"))
            keys.add((str(op.get("track")), "clips"))
        elif kind == "clip.split":
            keys.update({(str(op.get("id")), "*"), (str(op.get("new_id")), "*")})
        elif kind == "clip.move_to_track":
            keys.update({(str(op.get("id")), "*"), (str(op.get("track")), "clips")})
        else:  # track.remove, track.move, clip.remove
            keys.add((str(op.get("id")), "*"))
    return keys


def conflicts(mine: Iterable[Op], theirs: Iterable[Op]) -> bool:
    """True when two edits touch the same entity field (or one replaces a whole entity the other touches)."""
    a, b = conflict_keys(mine), conflict_keys(theirs)
    ids_a, ids_b = {k[0] for k in a if k[1] == "*"}, {k[0] for k in b if k[1] == "*"}
    return bool(a & b) or any(k[0] in ids_b for k in a) or any(k[0] in ids_a for k in b)
