"""Reference matching: loudness, mid/side balance and width of the reference, target's rate."""

from __future__ import annotations

import numpy as np
import pedalboard
import pytest

from audio.errors import SilentAudio
from audio.loudness import integrated_loudness
from audio.master import master
from audio.reference import FFT_SIZE, average_spectrum
from audio.truepeak import true_peak_dbtp
from tests.audio.signals import make_music

SR = 44100


def _band_db(x: np.ndarray, sr: int, lo_hz: float, hi_hz: float) -> float:
    """Mid-channel energy between lo and hi relative to 200-800 Hz (dB)."""
    mid = 0.5 * (x[0] + x[1])
    power = average_spectrum(mid)
    f = np.fft.rfftfreq(FFT_SIZE, 1 / sr)
    band = power[(f >= lo_hz) & (f < hi_hz)].sum()
    ref = power[(f >= 200) & (f < 800)].sum()
    return float(10 * np.log10(band / ref))


def _width_db(x: np.ndarray) -> float:
    mid, side = 0.5 * (x[0] + x[1]), 0.5 * (x[0] - x[1])
    return float(10 * np.log10(np.sum(side.astype(np.float64) ** 2) / np.sum(mid.astype(np.float64) ** 2)))


@pytest.fixture(scope="module")
def pair() -> tuple[np.ndarray, np.ndarray]:
    target = make_music(20, SR, seed=0)
    # Reference: different material, brighter (+6 dB shelf at 5 kHz), wider, louder, at 48 kHz.
    ref = make_music(20, 48000, seed=5)
    ref = pedalboard.Pedalboard([pedalboard.HighShelfFilter(5000, 6.0, 0.7)])(ref, 48000)
    mid, side = 0.5 * (ref[0] + ref[1]), 0.5 * (ref[0] - ref[1])
    ref = np.stack([mid + 2.0 * side, mid - 2.0 * side]).astype(np.float32) * np.float32(0.5)
    return target, ref


def test_matches_loudness_tone_and_width_at_target_rate(pair: tuple[np.ndarray, np.ndarray]) -> None:
    target, ref = pair
    result = master(target, SR, reference=ref, reference_sample_rate=48000)
    y = result.samples
    ref_lufs = integrated_loudness(ref, 48000)
    assert result.sample_rate == SR and y.shape == target.shape  # the target is never resampled
    # Reference loudness measured at its own 48 kHz rate; ±0.3 LU is the promise (aim 0.1).
    assert integrated_loudness(y, SR) == pytest.approx(ref_lufs, abs=0.3)
    assert result.report["preset"]["target_lufs"] == pytest.approx(ref_lufs, abs=0.01)
    assert true_peak_dbtp(y, SR, oversample=8) <= -1.0
    # Brightness (5-12 kHz vs 200-800 Hz) moves to within 1.5 dB of the reference's.
    before, goal, after = (_band_db(a, r, 5000, 12000) for a, r in ((target, SR), (ref, 48000), (y, SR)))
    assert abs(after - goal) < 1.5 < abs(before - goal)
    # Width (side/mid energy) within 1.5 dB of the reference's.
    assert abs(_width_db(y) - _width_db(ref)) < 1.5 < abs(_width_db(target) - _width_db(ref))
    names = [p["name"] for p in result.report["parameters"]]
    assert "reference_mid_eq" in names and "eq_low_shelf_100hz_db" not in names


def test_silent_reference_is_a_clear_error(pair: tuple[np.ndarray, np.ndarray]) -> None:
    with pytest.raises(SilentAudio, match="reference"):
        master(pair[0], SR, reference=np.zeros((2, SR), np.float32), reference_sample_rate=SR)
