"""Issue 8: one registry of insert effects read by the parser, the schema, the renderer, the chain and the UI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from audio.arrangement import ARRANGEMENT_JSON_SCHEMA, Arrangement
from audio.chain import ChainInputs, plan_chain
from audio.effects import (
    EFFECTS,
    MAX_TAIL_S,
    Compressor,
    Delay,
    Effect,
    Eq,
    EqBand,
    Gain,
    Limiter,
    Reverb,
    chain_tail_s,
    describe_effects,
    effect_from_dict,
    render_chain,
)
from audio.errors import InvalidParameter
from audio.presets import get_preset
from tests.audio.signals import make_music

SR = 44100
UNIT_SUFFIX = {"dB": "_db", "dBTP": "_dbtp", "ms": "_ms", "s": "_s", "Hz": "_hz"}


def test_ui_description_lists_every_effect_and_parameter() -> None:
    described = json.loads(json.dumps(describe_effects()))  # what the browser studio receives
    assert [d["type"] for d in described] == list(EFFECTS) == [
        "eq", "compressor", "reverb", "delay", "gate", "limiter", "gain"]
    for effect in described:
        assert effect["label"]
        for p in effect["params"] + effect.get("bands", {}).get("params", []):
            assert set(p) == {"name", "label", "unit", "min", "max", "default"}
            assert p["min"] <= p["default"] <= p["max"], p
            if p["unit"] in UNIT_SUFFIX:  # units in names
                assert p["name"].endswith(UNIT_SUFFIX[p["unit"]]), p
    eq = next(d for d in described if d["type"] == "eq")
    assert eq["bands"]["kinds"] == ["low_shelf", "high_shelf", "peak", "highpass", "lowpass"]
    compressor = next(d for d in described if d["type"] == "compressor")
    assert compressor["params"][1] == {"name": "ratio", "label": "Ratio", "unit": "ratio", "min": 1.0,
                                       "max": 20.0, "default": 3.0}


def test_schema_is_built_from_the_registry() -> None:
    defs = ARRANGEMENT_JSON_SCHEMA["$defs"]
    for kind, cls in EFFECTS.items():
        props = defs[f"insert_{kind}"]["properties"]
        assert props["type"] == {"const": kind}
        for p in cls.PARAMS:
            assert (props[p.name]["minimum"], props[p.name]["maximum"], props[p.name]["default"]) == (
                p.minimum, p.maximum, p.default)
    assert set(defs["eq_band"]["properties"]) == {"kind", "freq_hz", "gain_db", "q"}


def test_effects_validate_their_parameters() -> None:
    with pytest.raises(InvalidParameter, match=r"^compressor.ratio must be within 1..20 ratio, got 0.5$"):
        Compressor(ratio=0.5)
    with pytest.raises(InvalidParameter, match="limiter.ceiling_dbtp must be within -30..0 dBTP, got 1.0"):
        Limiter(ceiling_dbtp=1.0)
    with pytest.raises(InvalidParameter, match="eq band kind must be one of"):
        EqBand("notch", 1000.0)
    with pytest.raises(InvalidParameter, match=r"^tracks\[0\].inserts\[2\].feedback must be <= 0.95, got 1$"):
        effect_from_dict({"type": "delay", "feedback": 1.0}, "tracks[0].inserts[2]")
    with pytest.raises(InvalidParameter, match=r"inserts\[0\].wet is not a reverb parameter"):
        effect_from_dict({"type": "reverb", "wet": 0.5}, "inserts[0]")
    with pytest.raises(InvalidParameter, match=r"inserts\[0\].type must be one of eq, compressor"):
        effect_from_dict({"type": "chorus"}, "inserts[0]")
    assert effect_from_dict({"type": "gain"}, "x") == Gain(0.0)  # defaults from the registry


def test_tails_come_from_the_effects() -> None:
    assert Reverb(room_size=1.0).tail_s() == pytest.approx(5.0)
    # 0.5 feedback needs ceil(log(1e-3) / log(0.5)) = 10 repeats to fall 60 dB.
    assert Delay(delay_s=0.3, feedback=0.5, mix=0.5).tail_s() == pytest.approx(3.0)
    assert Delay(mix=0.0).tail_s() == 0.0 and Compressor().tail_s() == 0.0
    assert chain_tail_s((Reverb(room_size=1.0), Delay(delay_s=4.0, feedback=0.9, mix=1.0))) == MAX_TAIL_S


def test_json_round_trip_keeps_every_effect() -> None:
    inserts = [e().to_dict() for e in EFFECTS.values()]
    inserts[0] = Eq((EqBand("peak", 3000.0, 2.0, 1.0),)).to_dict()
    doc = {"version": 1, "sample_rate": SR, "tracks": [
        {"id": "a", "name": "A", "inserts": inserts, "clips": [{"id": "c", "file": "a.wav", "start_s": 0,
                                                                  "length_s": 1}]}]}
    arrangement = Arrangement.from_dict(doc)
    assert all(isinstance(e, Effect) for e in arrangement.tracks[0].inserts)
    assert Arrangement.from_dict(json.loads(json.dumps(arrangement.to_dict()))) == arrangement
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(arrangement.to_dict(), ARRANGEMENT_JSON_SCHEMA)
    doc["tracks"][0]["inserts"][1]["ratio"] = 50.0
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, ARRANGEMENT_JSON_SCHEMA)
    with pytest.raises(InvalidParameter, match=r"tracks\[0\].inserts\[1\].ratio must be <= 20"):
        Arrangement.from_dict(doc)


def test_renderer_and_mastering_chain_use_the_same_effects() -> None:
    x = make_music(2.0, SR, seed=2)
    # The registry's compressor renders exactly what the mastering chain plans.
    plan = plan_chain(ChainInputs(-20.0, 16.0, 8.0, 0.0, 0.5, (0.0,) * 10), None, target=get_preset("club"))
    compressor = next(e for e in plan.effects if isinstance(e, Compressor))
    assert compressor.ratio > 1.0
    chained = render_chain(x.copy(), (compressor,), SR)
    direct = compressor.apply(x.copy(), SR)
    np.testing.assert_array_equal(chained, direct)
    # A pedalboard effect and our own in one chain: gain -6 dB then limiter at -1 dBTP.
    y = render_chain(x * np.float32(4.0), (Gain(-6.0), Limiter(-1.0)), SR)
    assert 20 * math.log10(float(np.abs(y).max())) <= -1.0
