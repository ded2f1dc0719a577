"""analyze(): each measurement against a signal whose answer is known."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from audio.analysis import analyze
from audio.errors import EmptyAudio, InvalidSamples
from audio.loudness import integrated_loudness
from tests.audio.signals import make_music, pink_noise, sine

SR = 44100


def test_sine_levels() -> None:
    # 1 kHz at -6 dBFS peak: RMS -9.03 dBFS, crest 3.01 dB, I = -6.0 LUFS (stereo).
    x = sine(1000, 5.0, SR, amplitude=0.5)
    a = analyze(x, SR)
    assert a.sample_peak_dbfs == pytest.approx(-6.02, abs=0.01)
    assert a.rms_dbfs == pytest.approx(-9.03, abs=0.01)
    assert a.crest_factor_db == pytest.approx(3.01, abs=0.02)
    assert a.integrated_lufs == pytest.approx(-6.02, abs=0.1)
    assert a.duration_s == pytest.approx(5.0) and a.channels == 2 and a.sample_rate == SR
    assert a.true_peak_dbtp >= a.sample_peak_dbfs and a.true_peak_8x_dbtp >= a.sample_peak_dbfs - 0.01


def test_stereo_correlation_and_width() -> None:
    mono = sine(440, 2.0, SR, amplitude=0.3)
    a = analyze(mono, SR)
    assert a.stereo_correlation == pytest.approx(1.0, abs=1e-4) and a.stereo_width == pytest.approx(0.0, abs=1e-4)
    flipped = mono.copy()
    flipped[1] *= -1
    b = analyze(flipped, SR)
    assert b.stereo_correlation == pytest.approx(-1.0, abs=1e-4) and b.stereo_width > 1e6
    noise = np.random.default_rng(4).standard_normal((2, SR * 2)).astype(np.float32) * 0.1
    c = analyze(noise, SR)  # independent white channels: |r| ~ 1/sqrt(n)
    assert abs(c.stereo_correlation) < 0.01 and c.stereo_width == pytest.approx(1.0, abs=0.1)
    assert analyze(mono[:1], SR).stereo_correlation is None


def test_dc_offset_per_channel() -> None:
    x = sine(1000, 1.0, SR, amplitude=0.1)
    x[0] += 0.05
    a = analyze(x, SR)
    assert a.dc_offset[0] == pytest.approx(0.05, abs=1e-4) and a.dc_offset[1] == pytest.approx(0.0, abs=1e-4)


def test_tonal_balance_puts_a_tone_in_its_octave() -> None:
    a = analyze(sine(1000, 3.0, SR, amplitude=0.5), SR)
    bands = a.tonal_balance_db
    assert bands["1000"] == pytest.approx(0.0, abs=0.1)  # ~all energy in the 1 kHz band
    assert all(v is None or v < -30 for k, v in bands.items() if k != "1000")
    low = analyze(sine(60, 3.0, SR, amplitude=0.5), SR).tonal_balance_db
    assert max(low, key=lambda k: low[k] if low[k] is not None else -math.inf) == "63"
    assert bands["16000"] is not None  # cut by Nyquist at 44.1 kHz but still measured
    hiss = analyze(pink_noise(3.0, SR, seed=1), SR).tonal_balance_db
    # Pink noise has equal energy per octave: every full band within ±1.5 dB of the others.
    full = [hiss[k] for k in ("63", "125", "250", "500", "1000", "2000", "4000", "8000")]
    assert max(full) - min(full) < 1.5


def test_clipping_counts_runs_not_single_peaks() -> None:
    x = np.zeros((2, 1000), np.float32)
    x[0, 100] = 1.0  # a lone full-scale sample: a legal peak
    x[0, 200:205] = 1.0  # 5-sample flat top
    x[1, 300:303] = -1.0  # 3-sample flat bottom
    assert analyze(x, SR).clipped_samples == 8


def test_edge_silence() -> None:
    x = np.zeros((2, SR * 6), np.float32)
    x[:, SR * 2 : SR * 5] = sine(500, 3.0, SR, amplitude=0.2)
    a = analyze(x, SR)
    assert a.silence_start_s == pytest.approx(2.0, abs=0.001)
    assert a.silence_end_s == pytest.approx(1.0, abs=0.001)


def test_digital_silence_serialises_to_null() -> None:
    a = analyze(np.zeros((2, SR * 2), np.float32), SR)
    d = json.loads(json.dumps(a.to_dict(), allow_nan=False))  # must be strict JSON
    assert d["integrated_lufs"] is None and d["true_peak_dbtp"] is None and d["crest_factor_db"] is None
    assert d["silence_start_s"] == pytest.approx(2.0)


def test_music_matches_standalone_loudness() -> None:
    x = make_music(10.0, SR, seed=7)
    a = analyze(x, SR)
    assert a.integrated_lufs == pytest.approx(integrated_loudness(x, SR), abs=1e-9)
    assert a.short_term_max_lufs >= a.integrated_lufs
    assert a.momentary_max_lufs >= a.short_term_max_lufs - 1e-9  # 400 ms max >= 3 s max
    assert 0 < a.loudness_range_lu < 20


def test_bad_buffers() -> None:
    with pytest.raises(EmptyAudio):
        analyze(np.zeros((2, 0), np.float32), SR)
    x = np.zeros((2, 100), np.float32)
    x[0, 5] = np.nan
    with pytest.raises(InvalidSamples, match="NaN"):
        analyze(x, SR)
