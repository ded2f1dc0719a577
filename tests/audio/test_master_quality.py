"""Issue 7 §3.2: a master that only needs gain and peak control gets only that, and says so.

Independent testing found a solo piano's loudness range falling from 6.7 to
2.6 LU at Spotify's -14 LUFS, and the default genre EQ changing the spectrum
of material that needed none by 1.6-3.6 dB RMS.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from audio.biquad import apply_eq, eq_sos
from audio.chain import ChainInputs, plan_chain
from audio.loudness import loudness_range
from audio.master import master
from audio.presets import OCTAVE_BANDS_HZ, get_genre, get_preset
from tests.audio.corpus import solo_piano
from tests.audio.signals import pink_noise

SR = 44100


@cache
def _piano() -> np.ndarray:
    return solo_piano(30.0, SR, seed=1)


def _band_db(x: np.ndarray) -> np.ndarray:
    """Octave-band energy of the channel mean (dB), 63 Hz-8 kHz, from one long FFT (independent of audio/)."""
    mono = x.astype(np.float64).mean(axis=0)
    power = np.abs(np.fft.rfft(mono * np.hanning(mono.size))) ** 2
    freqs = np.fft.rfftfreq(mono.size, 1.0 / SR)
    centres = [c for c in OCTAVE_BANDS_HZ if 63.0 <= c <= 8000.0]
    return np.array([10 * np.log10(power[(freqs >= c / 2**0.5) & (freqs < c * 2**0.5)].sum()) for c in centres])


def _spectral_change_db(before: np.ndarray, after: np.ndarray) -> float:
    """RMS over octave bands of the level change, after removing the overall gain (dB)."""
    change = _band_db(after) - _band_db(before)
    return float(np.sqrt(np.mean((change - change.mean()) ** 2)))


@pytest.mark.parametrize("preset", ["spotify", "apple_music", "ebu_r128"])
def test_piano_keeps_its_dynamics_and_tone(preset: str) -> None:
    x = _piano()
    lra_in = loudness_range(x, SR)
    assert 6.0 < lra_in < 8.5  # a dynamic piano, as in the report (6.7 LU)
    result = master(x, SR, preset=preset)
    # Loudness range within 1 LU (EBU Tech 3342 meter, checked against the spec in test_loudness).
    assert abs(loudness_range(result.samples, SR) - lra_in) <= 1.0
    # Tone untouched: octave-band balance changes by < 0.3 dB RMS (the old default EQ: 1.6-3.6 dB).
    assert _spectral_change_db(x, result.samples) < 0.3
    steps = {p["name"]: p for p in result.report["parameters"]}
    assert steps["compressor"]["value"] == "bypassed"
    assert "no compression" in steps["compressor"]["reason"] and "loudness range" in steps["compressor"]["reason"]
    assert steps["eq"]["value"] == "none" and "no EQ" in steps["eq"]["reason"]
    assert steps["highpass_hz"]["value"] is None and "no high-pass" in steps["highpass_hz"]["reason"]
    assert not any(name.startswith("eq_") for name in steps)


def test_loud_target_on_dynamic_material_compresses_and_says_why() -> None:
    # Club (-8 LUFS, -0.3 dBTP) is not reachable by peak limiting alone on a piano.
    result = master(_piano(), SR, preset="club")
    compressor = next(p for p in result.report["parameters"] if p["name"] == "compressor")
    assert compressor["value"] != "bypassed"
    assert "would otherwise need" in compressor["reason"] and "peak limiting" in compressor["reason"]


def test_boomy_mix_still_gets_corrective_eq() -> None:
    # Pink noise (a flat octave balance) with +15 dB of low shelf at 150 Hz: far outside any
    # commercial balance, so the default (no genre) cuts it, and says where and why.
    x = pink_noise(20.0, SR, seed=4)
    boomy = apply_eq(x.copy(), eq_sos([{"kind": "low_shelf", "freq_hz": 150.0, "gain_db": 15.0}], SR))
    result = master(boomy, SR, preset="spotify")
    cuts = [p for p in result.report["parameters"] if p["name"].startswith("eq_low_shelf")]
    assert cuts and cuts[0]["value"] < -1.0 and "louder than" in cuts[0]["reason"]
    change = _band_db(result.samples) - _band_db(boomy)
    assert change[0] - change[3:6].mean() < -1.0  # 63 Hz octave down vs 500 Hz-2 kHz by > 1 dB


def test_genre_eq_only_outside_its_tolerance() -> None:
    # With a genre asked for, regions within 2 dB of its curve are left; farther ones are corrected.
    rock = get_genre("rock")
    mid = [i for i, f in enumerate(OCTAVE_BANDS_HZ) if 250.0 <= f <= 2000.0]
    on_curve = np.asarray(rock.band_levels_db) - np.mean(np.asarray(rock.band_levels_db)[mid])
    inputs = ChainInputs(-16.0, 12.0, 6.0, 0.0, 0.5, tuple(on_curve + 1.5 * (np.arange(10) % 2)))
    plan = plan_chain(inputs, rock, target=get_preset("spotify"))
    eq = next(d for d in plan.decisions if d.name.startswith("eq"))
    assert eq.name == "eq" and "within 2 dB of the rock target" in eq.reason
    bright = on_curve.copy()
    bright[8:] += 6.0  # 8 and 16 kHz 6 dB over the curve
    plan = plan_chain(ChainInputs(-16.0, 12.0, 6.0, 0.0, 0.5, tuple(bright)), rock, target=get_preset("spotify"))
    shelf = next(d for d in plan.decisions if d.name == "eq_high_shelf_9000hz_db")
    assert shelf.value == pytest.approx(-3.0, abs=0.3) and "above the rock target" in shelf.reason
