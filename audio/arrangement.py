"""The studio arrangement: what the UI saves, the mixdown renders and the browser plays.

(Called ``Session`` before; renamed so it never clashes with ``sqlmodel.Session``.
The JSON document is unchanged: ``version`` 1 files read as before.)

Parsed into frozen dataclasses. Every validation error names the field path,
e.g. ``tracks[2].clips[0].length_s must be > 0``. ``ARRANGEMENT_JSON_SCHEMA``
is the same contract as a JSON Schema (draft 2020-12) document for the UI;
insert effects and their parameters come from :mod:`audio.effects`.

Semantics the browser playback must follow (and ``audio.mix`` implements):
a clip plays ``file[offset_s : offset_s + length_s]`` from sample
``round(start_s * sample_rate)``, times ``gain_db``, with linear fades (gain
``i / k`` over the first ``k`` samples, mirrored at the end). A track is
audible if it is not muted and either no track is soloed or it is. Pan is the
constant-power law applied per channel: left × cos((pan + 1)·π/4), right ×
sin((pan + 1)·π/4), so the centre is −3 dB on each side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from audio.arrangement_schema import ARRANGEMENT_JSON_SCHEMA, ROLES
from audio.effects import Effect, effect_from_dict
from audio.errors import InvalidParameter
from audio.fields import fail, flag, items, number, obj, text

__all__ = ["ARRANGEMENT_JSON_SCHEMA", "ROLES", "Arrangement", "Clip", "MasterBus", "Track"]

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Clip:
    """A region of an audio file placed on the timeline (seconds, dB)."""

    id: str
    file: str
    start_s: float
    length_s: float
    offset_s: float = 0.0
    gain_db: float = 0.0
    fade_in_s: float = 0.0
    fade_out_s: float = 0.0

    @classmethod
    def from_dict(cls, d: Any, path: str) -> Clip:
        d = obj(d, path)
        clip = cls(
            id=text(d, "id", path), file=text(d, "file", path),
            start_s=number(d, "start_s", path, low=0.0),
            length_s=number(d, "length_s", path, low=0.0, low_open=True),
            offset_s=number(d, "offset_s", path, default=0.0, low=0.0),
            gain_db=number(d, "gain_db", path, default=0.0, low=-96.0, high=24.0),
            fade_in_s=number(d, "fade_in_s", path, default=0.0, low=0.0),
            fade_out_s=number(d, "fade_out_s", path, default=0.0, low=0.0),
        )
        if clip.fade_in_s + clip.fade_out_s > clip.length_s:
            raise fail(f"{path}.fade_in_s", f"+ fade_out_s ({clip.fade_in_s:g} + {clip.fade_out_s:g} s) "
                       f"must not exceed length_s {clip.length_s:g}")
        return clip

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "file": self.file, "start_s": self.start_s, "offset_s": self.offset_s,
                "length_s": self.length_s, "gain_db": self.gain_db, "fade_in_s": self.fade_in_s,
                "fade_out_s": self.fade_out_s}


def _inserts(d: dict[str, Any], path: str) -> tuple[Effect, ...]:
    prefix = f"{path}.inserts" if path else "inserts"
    return tuple(effect_from_dict(x, f"{prefix}[{i}]") for i, x in enumerate(items(d, "inserts", path)))


@dataclass(frozen=True)
class Track:
    """One mixer channel: clips, insert effects, fader (dB), pan (−1..1), mute/solo."""

    id: str
    name: str
    role: str = "other"
    volume_db: float = 0.0
    pan: float = 0.0
    mute: bool = False
    solo: bool = False
    inserts: tuple[Effect, ...] = ()
    clips: tuple[Clip, ...] = ()
    color: str = ""  # "#rrggbb" chosen in the studio, or "" for the role's colour

    @classmethod
    def from_dict(cls, d: Any, path: str) -> Track:
        d = obj(d, path)
        role = d.get("role", "other")
        if role not in ROLES:
            raise fail(f"{path}.role", f"must be one of {'|'.join(ROLES)}, got {role!r}")
        color = d.get("color") or ""  # absent, null (an undo back to no colour) or ""
        if not isinstance(color, str) or (color and not _COLOR.match(color)):
            raise fail(f"{path}.color", f"must be a colour like #3d8bfd, got {color!r}")
        return cls(color=color,
            id=text(d, "id", path), name=text(d, "name", path, default=d.get("id")), role=role,
            volume_db=number(d, "volume_db", path, default=0.0, low=-96.0, high=12.0),
            pan=number(d, "pan", path, default=0.0, low=-1.0, high=1.0),
            mute=flag(d, "mute", path), solo=flag(d, "solo", path), inserts=_inserts(d, path),
            clips=tuple(Clip.from_dict(c, f"{path}.clips[{i}]") for i, c in enumerate(items(d, "clips", path))),
        )

    def to_dict(self) -> dict[str, Any]:
        d = {"id": self.id, "name": self.name, "role": self.role, "volume_db": self.volume_db,
             "pan": self.pan, "mute": self.mute, "solo": self.solo,
             "inserts": [i.to_dict() for i in self.inserts], "clips": [c.to_dict() for c in self.clips]}
        if self.color:  # only when chosen: documents from before colours read back unchanged
            d["color"] = self.color
        return d


@dataclass(frozen=True)
class MasterBus:
    """The master bus: insert effects, then the master fader (dB)."""

    volume_db: float = 0.0
    inserts: tuple[Effect, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"volume_db": self.volume_db, "inserts": [i.to_dict() for i in self.inserts]}


@dataclass(frozen=True)
class Arrangement:
    """A whole arrangement (``version`` 1); build with :meth:`from_dict`."""

    sample_rate: int
    tracks: tuple[Track, ...]
    master: MasterBus = MasterBus()
    tempo_bpm: float = 120.0
    version: int = 1

    @classmethod
    def from_dict(cls, d: Any) -> Arrangement:
        d = obj(d, "arrangement")
        if d.get("version") != 1:
            raise fail("version", f"must be 1, got {d.get('version')!r}")
        rate = d.get("sample_rate")
        if isinstance(rate, bool) or not isinstance(rate, int) or not 8000 <= rate <= 384000:
            raise fail("sample_rate", f"must be an integer 8000..384000, got {rate!r}")
        tracks = tuple(Track.from_dict(t, f"tracks[{i}]") for i, t in enumerate(items(d, "tracks", "")))
        _check_unique(tracks)
        m = obj(d.get("master", {}), "master")
        master = MasterBus(number(m, "volume_db", "master", default=0.0, low=-96.0, high=12.0),
                           _inserts(m, "master"))
        tempo = number(d, "tempo_bpm", "", default=120.0, low=20.0, high=400.0)
        return cls(sample_rate=rate, tracks=tracks, master=master, tempo_bpm=tempo)

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "sample_rate": self.sample_rate, "tempo_bpm": self.tempo_bpm,
                "tracks": [t.to_dict() for t in self.tracks], "master": self.master.to_dict()}

    def track(self, track_id: str) -> Track:
        for t in self.tracks:
            if t.id == track_id:
                return t
        raise InvalidParameter(f"no track with id {track_id!r}")


def _check_unique(tracks: tuple[Track, ...]) -> None:
    seen: dict[str, str] = {}
    for i, t in enumerate(tracks):
        if t.id in seen:
            raise fail(f"tracks[{i}].id", f"{t.id!r} duplicates {seen[t.id]}")
        seen[t.id] = f"tracks[{i}]"
    clip_ids: dict[str, str] = {}
    for i, t in enumerate(tracks):
        for j, c in enumerate(t.clips):
            if c.id in clip_ids:
                raise fail(f"tracks[{i}].clips[{j}].id", f"{c.id!r} duplicates {clip_ids[c.id]}")
            clip_ids[c.id] = f"tracks[{i}].clips[{j}]"
