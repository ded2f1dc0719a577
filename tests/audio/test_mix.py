"""Arrangement schema and mixdown: sample-accurate placement, pan law, mute/solo, fades, auto-mix."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import resample_poly

from audio.arrangement import ARRANGEMENT_JSON_SCHEMA, Arrangement
from audio.automix import ROLE_TARGET_LUFS, apply_suggestion, suggest_mix, undo_suggestion
from audio.errors import InvalidParameter
from audio.io import read_audio
from audio.loudness import integrated_loudness
from audio.mix import render_arrangement, render_arrangement_file
from tests.audio.signals import make_music, pink_noise, write_wav

SR = 44100


def _session(tracks: list[dict], **extra: object) -> dict:
    return {"version": 1, "sample_rate": SR, "tempo_bpm": 120, "tracks": tracks,
            "master": {"volume_db": 0.0, "inserts": []}, **extra}


def _track(tid: str, clips: list[dict], **kw: object) -> dict:
    return {"id": tid, "name": tid.title(), "role": "other", "volume_db": 0.0, "pan": 0.0,
            "mute": False, "solo": False, "inserts": [], "clips": clips, **kw}


def _clip(cid: str, file: str, start_s: float, length_s: float, **kw: object) -> dict:
    return {"id": cid, "file": file, "start_s": start_s, "offset_s": 0.0, "length_s": length_s,
            "gain_db": 0.0, "fade_in_s": 0.0, "fade_out_s": 0.0, **kw}


def _loader(files: dict[str, np.ndarray], sr: int = SR):
    return lambda name: (files[name], sr)


def _impulse(n: int = SR, at: int = 0) -> np.ndarray:
    x = np.zeros((1, n), dtype=np.float32)
    x[0, at] = 1.0
    return x


FULL = _session([
    _track("vox", [_clip("c1", "vox.wav", 1.5, 2.0, gain_db=-3.0, fade_in_s=0.1, fade_out_s=0.2)],
           role="vocals", pan=-0.25, color="#e0719a", inserts=[
               {"type": "eq", "bands": [{"kind": "highpass", "freq_hz": 80.0, "gain_db": 0.0, "q": 0.707},
                                        {"kind": "peak", "freq_hz": 3000.0, "gain_db": 2.0, "q": 1.0}]},
               {"type": "compressor", "threshold_db": -20.0, "ratio": 3.0, "attack_ms": 5.0, "release_ms": 100.0},
               {"type": "reverb", "room_size": 0.3, "damping": 0.5, "wet_level": 0.2, "dry_level": 0.8, "width": 1.0},
               {"type": "delay", "delay_s": 0.25, "feedback": 0.2, "mix": 0.1},
               {"type": "gate", "threshold_db": -60.0, "ratio": 4.0, "attack_ms": 1.0, "release_ms": 50.0},
               {"type": "gain", "gain_db": -1.0}, {"type": "limiter", "ceiling_dbtp": -1.0, "release_ms": 50.0}]),
], master={"volume_db": -1.0, "inserts": [{"type": "limiter", "ceiling_dbtp": -1.0, "release_ms": 80.0}]})


def test_round_trip_is_lossless() -> None:
    arrangement = Arrangement.from_dict(FULL)
    again = Arrangement.from_dict(json.loads(json.dumps(arrangement.to_dict())))
    assert again == arrangement
    assert again.to_dict() == arrangement.to_dict()
    assert arrangement.to_dict()["tracks"][0]["clips"][0]["fade_out_s"] == 0.2


def test_schema_document_covers_every_field() -> None:
    props = ARRANGEMENT_JSON_SCHEMA["$defs"]["clip"]["properties"]
    assert set(props) == set(FULL["tracks"][0]["clips"][0])
    assert set(ARRANGEMENT_JSON_SCHEMA["$defs"]["track"]["properties"]) == set(FULL["tracks"][0])
    assert ARRANGEMENT_JSON_SCHEMA["$defs"]["track"]["properties"]["role"]["enum"] == [
        "vocals", "drums", "bass", "music", "other"]
    assert json.loads(json.dumps(ARRANGEMENT_JSON_SCHEMA)) == ARRANGEMENT_JSON_SCHEMA  # JSON-ready as is


@pytest.mark.parametrize(("path", "value", "message"), [
    (("tracks", 0, "clips", 0, "length_s"), 0.0, "tracks[0].clips[0].length_s must be > 0"),
    (("tracks", 0, "pan"), 1.5, "tracks[0].pan must be <= 1"),
    (("tracks", 0, "role"), "kazoo", "tracks[0].role must be one of"),
    (("tracks", 0, "inserts", 1, "ratio"), 0.5, "tracks[0].inserts[1].ratio must be >= 1"),
    (("tracks", 0, "inserts", 0, "bands", 1, "kind"), "notch", "tracks[0].inserts[0].bands[1].kind"),
    (("tracks", 0, "clips", 0, "fade_in_s"), 1.9, "tracks[0].clips[0].fade_in_s + fade_out_s"),
    (("version",), 2, "version must be 1"),
    (("tracks", 0, "mute"), "yes", "tracks[0].mute must be true or false"),
])
def test_validation_errors_name_the_field(path: tuple, value: object, message: str) -> None:
    doc = copy.deepcopy(FULL)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(InvalidParameter) as err:
        Arrangement.from_dict(doc)
    assert message in str(err.value)


def test_impulse_lands_on_the_exact_sample() -> None:
    start_s = 0.123457  # round(start_s * 44100) = 5444.45... -> 5444
    doc = _session([_track("a", [_clip("c", "imp", start_s, 0.5, offset_s=100 / SR)])])
    mix = render_arrangement(Arrangement.from_dict(doc), loader=_loader({"imp": _impulse(at=100)}))
    hits = np.flatnonzero(np.abs(mix[0]) > 1e-6)
    assert hits.tolist() == [round(start_s * SR)]  # offset 100 samples skips to the impulse


def test_constant_power_pan_law() -> None:
    ones = np.ones((1, SR), dtype=np.float32)
    def rendered(pan: float) -> np.ndarray:
        doc = _session([_track("a", [_clip("c", "dc", 0.0, 0.5)], pan=pan)])
        return render_arrangement(Arrangement.from_dict(doc), loader=_loader({"dc": ones}))[:, 1000]
    centre = rendered(0.0)
    assert 20 * np.log10(centre) == pytest.approx([-3.01, -3.01], abs=0.01)  # -3 dB each side
    left = rendered(-1.0)
    assert left[0] == pytest.approx(1.0, abs=1e-6) and abs(left[1]) < 1e-6
    half = rendered(0.5)
    assert half[0] ** 2 + half[1] ** 2 == pytest.approx(1.0, abs=1e-5)  # power constant


def test_mute_and_solo() -> None:
    files = {"a": np.full((1, SR), 0.1, np.float32), "b": np.full((1, SR), 0.2, np.float32)}
    base = [_track("a", [_clip("ca", "a", 0, 0.5)], pan=-1.0), _track("b", [_clip("cb", "b", 0, 0.5)], pan=-1.0)]
    def level(tracks: list[dict]) -> float:
        return float(render_arrangement(Arrangement.from_dict(_session(tracks)), loader=_loader(files))[0, 10])
    assert level(base) == pytest.approx(0.3, abs=1e-6)
    muted = copy.deepcopy(base)
    muted[0]["mute"] = True
    assert level(muted) == pytest.approx(0.2, abs=1e-6)
    soloed = copy.deepcopy(base)
    soloed[0]["solo"] = True
    assert level(soloed) == pytest.approx(0.1, abs=1e-6)
    both = copy.deepcopy(soloed)
    both[0]["mute"] = True  # a muted solo stays silent
    assert level(both) == pytest.approx(0.0, abs=1e-6)


def test_linear_fades_and_clip_gain() -> None:
    ones = np.ones((1, SR), dtype=np.float32)
    doc = _session([_track("a", [_clip("c", "dc", 0.0, 1.0, gain_db=-6.0, fade_in_s=0.1, fade_out_s=0.2)],
                           pan=-1.0)])
    y = render_arrangement(Arrangement.from_dict(doc), loader=_loader({"dc": ones}))[0]
    g = 10 ** (-6 / 20)
    k_in, k_out = round(0.1 * SR), round(0.2 * SR)
    assert y[0] == 0.0 and y[k_in // 2] == pytest.approx(0.5 * g, rel=1e-3)
    assert y[k_in] == pytest.approx(g, rel=1e-6)
    assert y[SR - k_out // 2] == pytest.approx(0.5 * g, rel=2e-3)
    assert y[-1] == pytest.approx(0.0, abs=1e-4)


def test_file_rate_is_resampled_and_reads_cached(tmp_path: Path) -> None:
    tone = make_music(2.0, 48000, seed=4)
    write_wav(tmp_path, "t48.wav", tone, 48000)
    doc = _session([_track("a", [_clip("c1", "t48.wav", 0.0, 1.0)]), _track("b", [_clip("c2", "t48.wav", 1.0, 1.0)])])
    (tmp_path / "s.json").write_text(json.dumps(doc))
    summary = render_arrangement_file(tmp_path / "s.json", tmp_path / "mix.wav")
    assert summary["samples"] == 2 * SR and summary["sample_rate"] == SR
    y, sr = read_audio(tmp_path / "mix.wav")
    assert sr == SR
    # Same as resampling by hand (content above 22.05 kHz is gone), minus the -3 dB
    # centre pan; 0.02 LU covers 24-bit rounding.
    expected = integrated_loudness(resample_poly(tone, 147, 160, axis=1)[:, :SR], SR) + 10 * math.log10(0.5)
    assert integrated_loudness(y[:, :SR], SR) == pytest.approx(expected, abs=0.02)
    assert integrated_loudness(y[:, SR:], SR) == pytest.approx(
        integrated_loudness(resample_poly(tone, 147, 160, axis=1)[:, :SR], SR) + 10 * math.log10(0.5), abs=0.02)


def test_auto_mix_sets_role_relation_and_undo() -> None:
    files = {"v": pink_noise(4, SR, seed=1, channels=1, rms_dbfs=-28), "d": pink_noise(4, SR, seed=2, channels=1),
             "b": pink_noise(4, SR, seed=3, channels=1, rms_dbfs=-10), "g1": pink_noise(4, SR, seed=4, channels=1),
             "g2": pink_noise(4, SR, seed=5, channels=1, rms_dbfs=-30)}
    roles = {"v": "vocals", "d": "drums", "b": "bass", "g1": "music", "g2": "music"}
    doc = _session([_track(k, [_clip(f"c{k}", k, 0.0, 4.0)], role=r, volume_db=-5.0) for k, r in roles.items()])
    arrangement = Arrangement.from_dict(doc)
    suggestion = suggest_mix(arrangement, _loader(files))
    assert all(len(s.reason) > 20 for s in suggestion.tracks)
    mixed = apply_suggestion(arrangement, suggestion)
    measured = {}
    for k in roles:  # loudness of each track as it sounds in the mix (solo)
        solo = Arrangement.from_dict({**mixed.to_dict(), "tracks": [
            {**t, "solo": t["id"] == k} for t in mixed.to_dict()["tracks"]]})
        measured[k] = integrated_loudness(render_arrangement(solo, loader=_loader(files)), SR)
    for k, role in roles.items():
        # Each track lands on its role target within 0.5 LU (pan spread changes power slightly).
        assert measured[k] == pytest.approx(ROLE_TARGET_LUFS[role], abs=0.5)
    assert measured["v"] - measured["d"] == pytest.approx(2.0, abs=0.5)
    pans = {s.track_id: s.pan for s in suggestion.tracks}
    assert pans["b"] == 0.0 and pans["g1"] == -pans["g2"] != 0.0
    assert undo_suggestion(mixed, suggestion) == arrangement


@pytest.mark.parametrize(("kind", "freq_hz", "probe_hz", "expected_db"), [
    ("peak", 1000.0, 1000.0, 6.0),        # peak: full gain at the centre
    ("low_shelf", 200.0, 50.0, 6.0),      # shelf: full gain well below the corner
    ("high_shelf", 4000.0, 15000.0, 6.0),
    ("highpass", 1000.0, 1000.0, -3.01),  # q = 0.707: Butterworth, -3 dB at the cutoff
])
def test_eq_insert_is_the_web_audio_biquad(kind: str, freq_hz: float, probe_hz: float, expected_db: float) -> None:
    t = np.arange(2 * SR) / SR
    tone = np.sin(2 * np.pi * probe_hz * t).astype(np.float32)[None, :]
    band = {"kind": kind, "freq_hz": freq_hz, "gain_db": 6.0, "q": 0.7071}
    doc = _session([_track("a", [_clip("c", "tone", 0.0, 2.0)], pan=-1.0, inserts=[{"type": "eq", "bands": [band]}])])
    y = render_arrangement(Arrangement.from_dict(doc), loader=_loader({"tone": tone}))[0, SR:]  # skip the transient
    # Steady-state level within 0.1 dB of the RBJ cookbook response.
    assert 20 * np.log10(np.abs(y).max()) == pytest.approx(expected_db, abs=0.1)


def test_cli_mix_reports_the_bad_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from audio.cli import main

    write_wav(tmp_path, "a.wav", make_music(2.0, SR), SR)
    doc = _session([_track("a", [_clip("c", "a.wav", 0.5, 1.0)])])
    (tmp_path / "s.json").write_text(json.dumps(doc))
    assert main(["mix", str(tmp_path / "s.json"), str(tmp_path / "m.wav"), "--json", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["samples"] == round(1.5 * SR)
    doc["tracks"][0]["clips"][0]["length_s"] = -1
    (tmp_path / "s.json").write_text(json.dumps(doc))
    assert main(["mix", str(tmp_path / "s.json"), str(tmp_path / "m.wav"), "--quiet"]) == 2
    assert "tracks[0].clips[0].length_s must be > 0" in capsys.readouterr().err


def test_compressor_insert_static_curve_and_attack() -> None:
    t = np.arange(2 * SR) / SR
    tone = np.sin(2 * np.pi * 200 * t).astype(np.float32)[None, :]  # peak 0 dBFS
    comp = {"type": "compressor", "threshold_db": -20.0, "ratio": 4.0, "attack_ms": 5.0, "release_ms": 100.0}
    doc = _session([_track("a", [_clip("c", "tone", 0.0, 2.0)], pan=-1.0, inserts=[comp])])
    y = render_arrangement(Arrangement.from_dict(doc), loader=_loader({"tone": tone}))[0]
    # Steady state: (0 - (-20)) * (1 - 1/4) = 15 dB of reduction, within 0.3 dB.
    assert 20 * np.log10(np.abs(y[SR:]).max()) == pytest.approx(-15.0, abs=0.3)
    # Attack 5 ms (one-pole): after 1 ms only ~1 - exp(-1/5) = 18 % of the 15 dB is applied.
    i = SR // 1000
    assert -5.0 < 20 * np.log10(abs(y[i] / tone[0, i])) < -1.5


def test_full_length_stems_shared_by_tracks(tmp_path: Path) -> None:
    # Two tracks play the same full-length file with a gain insert on the first only: the
    # first must not alter the buffer the second reads (decoded buffers are reused in place).
    x = make_music(2.0, SR, seed=9)
    write_wav(tmp_path, "stem.wav", x, SR, subtype="FLOAT")
    clip = {"file": "stem.wav", "start_s": 0.0, "length_s": 2.0}
    doc = _session([_track("a", [_clip("c1", **clip)], pan=-1.0, inserts=[{"type": "gain", "gain_db": -6.0}]),
                    _track("b", [_clip("c2", **clip)], pan=1.0)])
    (tmp_path / "s.json").write_text(json.dumps(doc))
    render_arrangement_file(tmp_path / "s.json", tmp_path / "m.wav", bits=32)
    y, _ = read_audio(tmp_path / "m.wav")
    np.testing.assert_allclose(y[0], x[0] * 10 ** (-6 / 20), atol=1e-6)
    np.testing.assert_allclose(y[1], x[1], atol=1e-6)


def test_reverb_and_delay_tails_are_rendered_not_cut() -> None:
    burst = np.zeros((1, SR), dtype=np.float32)
    burst[0, :2205] = 0.5  # 50 ms burst, then silence
    dry = _session([_track("a", [_clip("c", "b", 0.0, 0.5)])])
    assert render_arrangement(Arrangement.from_dict(dry), loader=_loader({"b": burst})).shape[1] == SR // 2
    delay = {"type": "delay", "delay_s": 0.3, "feedback": 0.5, "mix": 0.5}
    wet = _session([_track("a", [_clip("c", "b", 0.0, 0.5)], inserts=[delay])])
    mix = render_arrangement(Arrangement.from_dict(wet), loader=_loader({"b": burst}))
    # 0.5 feedback needs ceil(log(1e-3)/log(0.5)) = 10 repeats of 0.3 s to fall 60 dB: 3 s of tail
    assert mix.shape[1] == SR // 2 + 3 * SR
    after_clip = mix[:, SR // 2:]
    assert np.abs(after_clip).max() > 0.01  # echoes after the clip ended are in the file
