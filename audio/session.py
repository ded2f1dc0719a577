"""The studio session document: what the UI saves, the mixdown renders and the browser plays.

Parsed into frozen dataclasses. Every validation error names the field path,
e.g. ``tracks[2].clips[0].length_s must be > 0``. ``SESSION_JSON_SCHEMA`` is
the same contract as a JSON Schema (draft 2020-12) document for the UI.

Semantics the browser playback must follow (and ``audio.mix`` implements):
a clip plays ``file[offset_s : offset_s + length_s]`` from sample
``round(start_s * sample_rate)``, times ``gain_db``, with linear fades (gain
``i / k`` over the first ``k`` samples, mirrored at the end). A track is
audible if it is not muted and either no track is soloed or it is. Pan is the
constant-power law applied per channel: left × cos((pan + 1)·π/4), right ×
sin((pan + 1)·π/4), so the centre is −3 dB on each side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from audio.errors import InvalidParameter
from audio.session_schema import INSERT_PARAMS, ROLES, SESSION_JSON_SCHEMA, param_spec

__all__ = ["ROLES", "SESSION_JSON_SCHEMA", "Clip", "Insert", "MasterBus", "Session", "Track"]


def _fail(path: str, message: str) -> InvalidParameter:
    return InvalidParameter(f"{path} {message}")


def _number(d: dict[str, Any], key: str, path: str, *, default: float | None = None,
            low: float | None = None, high: float | None = None, low_open: bool = False) -> float:
    where = f"{path}.{key}" if path else key
    value = d.get(key, default)
    if value is None:
        raise _fail(where, "is required")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(where, f"must be a number, got {value!r}")
    value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise _fail(where, f"must be finite, got {value}")
    if low is not None and (value <= low if low_open else value < low):
        raise _fail(where, f"must be {'>' if low_open else '>='} {low:g}, got {value:g}")
    if high is not None and value > high:
        raise _fail(where, f"must be <= {high:g}, got {value:g}")
    return value


def _text(d: dict[str, Any], key: str, path: str, *, default: str | None = None) -> str:
    value = d.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise _fail(f"{path}.{key}", f"must be a non-empty string, got {value!r}")
    return value


def _flag(d: dict[str, Any], key: str, path: str) -> bool:
    value = d.get(key, False)
    if not isinstance(value, bool):
        raise _fail(f"{path}.{key}", f"must be true or false, got {value!r}")
    return value


def _items(d: dict[str, Any], key: str, path: str) -> list[Any]:
    value = d.get(key, [])
    if not isinstance(value, list):
        raise _fail(f"{path}.{key}" if path else key, f"must be a list, got {type(value).__name__}")
    return value


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(path, f"must be an object, got {type(value).__name__}")
    return value


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
        d = _object(d, path)
        clip = cls(
            id=_text(d, "id", path), file=_text(d, "file", path),
            start_s=_number(d, "start_s", path, low=0.0),
            length_s=_number(d, "length_s", path, low=0.0, low_open=True),
            offset_s=_number(d, "offset_s", path, default=0.0, low=0.0),
            gain_db=_number(d, "gain_db", path, default=0.0, low=-96.0, high=24.0),
            fade_in_s=_number(d, "fade_in_s", path, default=0.0, low=0.0),
            fade_out_s=_number(d, "fade_out_s", path, default=0.0, low=0.0),
        )
        if clip.fade_in_s + clip.fade_out_s > clip.length_s:
            raise _fail(f"{path}.fade_in_s", f"+ fade_out_s ({clip.fade_in_s:g} + {clip.fade_out_s:g} s) "
                        f"must not exceed length_s {clip.length_s:g}")
        return clip

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "file": self.file, "start_s": self.start_s, "offset_s": self.offset_s,
                "length_s": self.length_s, "gain_db": self.gain_db, "fade_in_s": self.fade_in_s,
                "fade_out_s": self.fade_out_s}


@dataclass(frozen=True)
class Insert:
    """An insert effect: ``type`` and its parameters (all defaults filled in)."""

    type: str
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: Any, path: str) -> Insert:
        d = _object(d, path)
        kind = d.get("type")
        if kind not in INSERT_PARAMS:
            raise _fail(f"{path}.type", f"must be one of {', '.join(INSERT_PARAMS)}, got {kind!r}")
        unknown = set(d) - {"type", *INSERT_PARAMS[kind]}
        if unknown:
            raise _fail(f"{path}.{sorted(unknown)[0]}", f"is not a {kind} parameter")
        params: dict[str, Any] = {}
        for name, spec in INSERT_PARAMS[kind].items():
            if name == "bands":
                params[name] = [_eq_band(b, f"{path}.bands[{i}]") for i, b in enumerate(_items(d, name, path))]
            else:
                low, high, default = spec
                params[name] = _number(d, name, path, default=default, low=low, high=high)
        return cls(kind, params)

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, **{k: (list(v) if isinstance(v, list) else v) for k, v in self.params.items()}}


def _eq_band(d: Any, path: str) -> dict[str, Any]:
    d = _object(d, path)
    kinds = param_spec("eq_band_kinds")
    if d.get("kind") not in kinds:
        raise _fail(f"{path}.kind", f"must be one of {', '.join(kinds)}, got {d.get('kind')!r}")
    return {"kind": d["kind"],
            "freq_hz": _number(d, "freq_hz", path, low=10.0, high=22000.0),
            "gain_db": _number(d, "gain_db", path, default=0.0, low=-24.0, high=24.0),
            "q": _number(d, "q", path, default=0.707, low=0.1, high=18.0)}


def _inserts(d: dict[str, Any], path: str) -> tuple[Insert, ...]:
    prefix = f"{path}.inserts" if path else "inserts"
    return tuple(Insert.from_dict(x, f"{prefix}[{i}]") for i, x in enumerate(_items(d, "inserts", path)))


@dataclass(frozen=True)
class Track:
    """One mixer channel: clips, inserts, fader (dB), pan (−1..1), mute/solo."""

    id: str
    name: str
    role: str = "other"
    volume_db: float = 0.0
    pan: float = 0.0
    mute: bool = False
    solo: bool = False
    inserts: tuple[Insert, ...] = ()
    clips: tuple[Clip, ...] = ()

    @classmethod
    def from_dict(cls, d: Any, path: str) -> Track:
        d = _object(d, path)
        role = d.get("role", "other")
        if role not in ROLES:
            raise _fail(f"{path}.role", f"must be one of {'|'.join(ROLES)}, got {role!r}")
        return cls(
            id=_text(d, "id", path), name=_text(d, "name", path, default=d.get("id")), role=role,
            volume_db=_number(d, "volume_db", path, default=0.0, low=-96.0, high=12.0),
            pan=_number(d, "pan", path, default=0.0, low=-1.0, high=1.0),
            mute=_flag(d, "mute", path), solo=_flag(d, "solo", path), inserts=_inserts(d, path),
            clips=tuple(Clip.from_dict(c, f"{path}.clips[{i}]") for i, c in enumerate(_items(d, "clips", path))),
        )

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role, "volume_db": self.volume_db,
                "pan": self.pan, "mute": self.mute, "solo": self.solo,
                "inserts": [i.to_dict() for i in self.inserts], "clips": [c.to_dict() for c in self.clips]}


@dataclass(frozen=True)
class MasterBus:
    """The master bus: inserts, then the master fader (dB)."""

    volume_db: float = 0.0
    inserts: tuple[Insert, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"volume_db": self.volume_db, "inserts": [i.to_dict() for i in self.inserts]}


@dataclass(frozen=True)
class Session:
    """A whole session (``version`` 1); build with :meth:`from_dict`."""

    sample_rate: int
    tracks: tuple[Track, ...]
    master: MasterBus = MasterBus()
    tempo_bpm: float = 120.0
    version: int = 1

    @classmethod
    def from_dict(cls, d: Any) -> Session:
        d = _object(d, "session")
        if d.get("version") != 1:
            raise _fail("version", f"must be 1, got {d.get('version')!r}")
        rate = d.get("sample_rate")
        if isinstance(rate, bool) or not isinstance(rate, int) or not 8000 <= rate <= 384000:
            raise _fail("sample_rate", f"must be an integer 8000..384000, got {rate!r}")
        tracks = tuple(Track.from_dict(t, f"tracks[{i}]") for i, t in enumerate(_items(d, "tracks", "")))
        _check_unique(tracks)
        m = _object(d.get("master", {}), "master")
        master = MasterBus(_number(m, "volume_db", "master", default=0.0, low=-96.0, high=12.0),
                           _inserts(m, "master"))
        tempo = _number(d, "tempo_bpm", "", default=120.0, low=20.0, high=400.0)
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
            raise _fail(f"tracks[{i}].id", f"{t.id!r} duplicates {seen[t.id]}")
        seen[t.id] = f"tracks[{i}]"
    clip_ids: dict[str, str] = {}
    for i, t in enumerate(tracks):
        for j, c in enumerate(t.clips):
            if c.id in clip_ids:
                raise _fail(f"tracks[{i}].clips[{j}].id", f"{c.id!r} duplicates {clip_ids[c.id]}")
            clip_ids[c.id] = f"tracks[{i}].clips[{j}]"
