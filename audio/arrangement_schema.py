"""The arrangement JSON Schema (draft 2020-12), built from the effects registry: one source of truth."""

from __future__ import annotations

from typing import Any

from audio.effects import EFFECTS, EQ_BAND_KINDS, EqBand, Param

__all__ = ["ARRANGEMENT_JSON_SCHEMA", "ROLES"]

ROLES = ("vocals", "drums", "bass", "music", "other")


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


def _param(p: Param) -> dict[str, Any]:
    return {**_num(p.minimum, p.maximum, p.default), "title": p.label, "x-unit": p.unit}


def _insert_schemas() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    for kind, cls in EFFECTS.items():
        props: dict[str, Any] = {"type": {"const": kind}}
        props |= {p.name: _param(p) for p in cls.PARAMS}
        if kind == "eq":
            props["bands"] = {"type": "array", "items": {"$ref": "#/$defs/eq_band"}}
        defs[f"insert_{kind}"] = {"type": "object", "required": ["type"], "additionalProperties": False,
                                  "title": cls.LABEL, "properties": props}
    return defs


def _build_schema() -> dict[str, Any]:
    clip = {"type": "object", "required": ["id", "file", "start_s", "length_s"],
            "additionalProperties": False,
            "properties": {"id": {"type": "string", "minLength": 1}, "file": {"type": "string", "minLength": 1},
                           "start_s": _num(0.0), "offset_s": _num(0.0, default=0.0),
                           "length_s": _num(0.0, exclusive_low=True),
                           "gain_db": _num(-96.0, 24.0, 0.0), "fade_in_s": _num(0.0, default=0.0),
                           "fade_out_s": _num(0.0, default=0.0)}}
    band_params = {p.name: _param(p) for p in EqBand.PARAMS}
    band_params["freq_hz"].pop("default")
    band = {"type": "object", "required": ["kind", "freq_hz"], "additionalProperties": False,
            "properties": {"kind": {"enum": list(EQ_BAND_KINDS)}, **band_params}}
    inserts = {"type": "array", "items": {"oneOf": [{"$ref": f"#/$defs/insert_{k}"} for k in EFFECTS]}}
    track = {"type": "object", "required": ["id", "name"], "additionalProperties": False,
             "properties": {"id": {"type": "string", "minLength": 1}, "name": {"type": "string", "minLength": 1},
                            "role": {"enum": list(ROLES), "default": "other"},
                            "volume_db": _num(-96.0, 12.0, 0.0), "pan": _num(-1.0, 1.0, 0.0),
                            "mute": {"type": "boolean", "default": False},
                            "solo": {"type": "boolean", "default": False},
                            "color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
                            "inserts": inserts, "clips": {"type": "array", "items": {"$ref": "#/$defs/clip"}}}}
    defs: dict[str, Any] = {"clip": clip, "eq_band": band, "track": track, **_insert_schemas()}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://maxbooster.app/schemas/session-v1.json",
        "title": "Max Booster studio arrangement",
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


ARRANGEMENT_JSON_SCHEMA: dict[str, Any] = _build_schema()
