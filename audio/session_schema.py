"""Session parameter tables and the JSON Schema built from them (one source of truth)."""

from __future__ import annotations

from typing import Any

ROLES = ("vocals", "drums", "bass", "music", "other")
EQ_BAND_KINDS = ("low_shelf", "high_shelf", "peak", "highpass", "lowpass")

# type -> parameter -> (minimum, maximum, default); "bands" is the EQ band list.
INSERT_PARAMS: dict[str, dict[str, Any]] = {
    "eq": {"bands": None},
    "compressor": {"threshold_db": (-60.0, 0.0, -18.0), "ratio": (1.0, 20.0, 3.0),
                   "attack_ms": (0.1, 200.0, 10.0), "release_ms": (5.0, 2000.0, 150.0)},
    "reverb": {"room_size": (0.0, 1.0, 0.5), "damping": (0.0, 1.0, 0.5), "wet_level": (0.0, 1.0, 0.25),
               "dry_level": (0.0, 1.0, 0.75), "width": (0.0, 1.0, 1.0)},
    "delay": {"delay_s": (0.001, 4.0, 0.25), "feedback": (0.0, 0.95, 0.3), "mix": (0.0, 1.0, 0.25)},
    "gate": {"threshold_db": (-100.0, 0.0, -50.0), "ratio": (1.0, 100.0, 10.0),
             "attack_ms": (0.1, 200.0, 1.0), "release_ms": (5.0, 2000.0, 100.0)},
    "limiter": {"ceiling_dbtp": (-30.0, 0.0, -1.0), "release_ms": (1.0, 2000.0, 80.0)},
    "gain": {"gain_db": (-96.0, 24.0, 0.0)},
}


def param_spec(name: str) -> tuple[str, ...]:
    """Named enumerations shared by the parser and the schema."""
    return {"eq_band_kinds": EQ_BAND_KINDS, "roles": ROLES}[name]


def _num(low: float | None = None, high: float | None = None, default: float | None = None,
         exclusive_low: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "number"}
    if low is not None:
        out["exclusiveMinimum" if exclusive_low else "minimum"] = low
    if high is not None:
        out["maximum"] = high
    if default is not None:
        out["default"] = default
    return out


def _insert_schema(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {"type": {"const": kind}}
    for name, spec in params.items():
        if name == "bands":
            props[name] = {"type": "array", "items": {"$ref": "#/$defs/eq_band"}}
        else:
            props[name] = _num(*spec)
    return {"type": "object", "required": ["type"], "additionalProperties": False, "properties": props}


def _build_schema() -> dict[str, Any]:
    clip = {"type": "object", "required": ["id", "file", "start_s", "length_s"],
            "additionalProperties": False,
            "properties": {"id": {"type": "string", "minLength": 1}, "file": {"type": "string", "minLength": 1},
                           "start_s": _num(0.0), "offset_s": _num(0.0, default=0.0),
                           "length_s": _num(0.0, exclusive_low=True),
                           "gain_db": _num(-96.0, 24.0, 0.0), "fade_in_s": _num(0.0, default=0.0),
                           "fade_out_s": _num(0.0, default=0.0)}}
    band = {"type": "object", "required": ["kind", "freq_hz"], "additionalProperties": False,
            "properties": {"kind": {"enum": list(EQ_BAND_KINDS)}, "freq_hz": _num(10.0, 22000.0),
                           "gain_db": _num(-24.0, 24.0, 0.0), "q": _num(0.1, 18.0, 0.707)}}
    inserts = {"type": "array", "items": {"oneOf": [{"$ref": f"#/$defs/insert_{k}"} for k in INSERT_PARAMS]}}
    track = {"type": "object", "required": ["id", "name"], "additionalProperties": False,
             "properties": {"id": {"type": "string", "minLength": 1}, "name": {"type": "string", "minLength": 1},
                            "role": {"enum": list(ROLES), "default": "other"},
                            "volume_db": _num(-96.0, 12.0, 0.0), "pan": _num(-1.0, 1.0, 0.0),
                            "mute": {"type": "boolean", "default": False},
                            "solo": {"type": "boolean", "default": False},
                            "inserts": inserts, "clips": {"type": "array", "items": {"$ref": "#/$defs/clip"}}}}
    defs: dict[str, Any] = {"clip": clip, "eq_band": band, "track": track}
    defs |= {f"insert_{k}": _insert_schema(k, v) for k, v in INSERT_PARAMS.items()}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://maxbooster.app/schemas/session-v1.json",
        "title": "Max Booster studio session",
        "description": "Saved by the studio UI, rendered by audio.mix, played by the browser. "
                       "Times in seconds, levels in dB, pan -1 (left) .. 1 (right), constant-power.",
        "type": "object", "required": ["version", "sample_rate", "tracks"], "additionalProperties": False,
        "properties": {
            "version": {"const": 1}, "sample_rate": {"type": "integer", "minimum": 8000, "maximum": 384000},
            "tempo_bpm": _num(20.0, 400.0, 120.0),
            "tracks": {"type": "array", "items": {"$ref": "#/$defs/track"}},
            "master": {"type": "object", "additionalProperties": False,
                       "properties": {"volume_db": _num(-96.0, 12.0, 0.0), "inserts": inserts}},
        },
        "$defs": defs,
    }


SESSION_JSON_SCHEMA: dict[str, Any] = _build_schema()
