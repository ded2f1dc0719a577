"""Our look-ahead true-peak limiter: the ceiling holds at 8x, and it is transparent below it."""

from __future__ import annotations

import numpy as np
import pytest

from audio.errors import InvalidParameter
from audio.limiter import LimiterSettings, limit
from audio.truepeak import true_peak_dbtp
from tests.audio.signals import make_music, sine

SR = 44100


@pytest.mark.parametrize("drive_db", [0.0, 6.0, 12.0])
@pytest.mark.parametrize("ceiling_dbtp", [-1.0, -0.3])
def test_true_peak_never_exceeds_ceiling(drive_db: float, ceiling_dbtp: float) -> None:
    x = make_music(6.0, SR, seed=2) * np.float32(10 ** (drive_db / 20))
    y = limit(x, SR, LimiterSettings(ceiling_dbtp, 3.0, 80.0)).samples
    # The contract: 8x true peak at or below the ceiling, no tolerance.
    assert true_peak_dbtp(y, SR, oversample=8) <= ceiling_dbtp
    # And not needlessly low: the loudest peak reaches the ceiling (or stays where it
    # was, if it was already under) within 0.2 dB.
    expected = min(true_peak_dbtp(x, SR, oversample=8), ceiling_dbtp)
    assert true_peak_dbtp(y, SR, oversample=8) > expected - 0.2


def test_inter_sample_peaks_are_caught() -> None:
    # fs/4 sine at 45 degrees: samples at 0.707 of the true peak (+3 dB overs).
    x = sine(SR / 4, 1.0, SR, amplitude=1.0, phase_deg=45.0)
    assert true_peak_dbtp(x, SR, oversample=8) > -0.1  # sample peak is -3 dBFS
    y = limit(x, SR, LimiterSettings(-1.0, 3.0, 80.0)).samples
    assert true_peak_dbtp(y, SR, oversample=8) <= -1.0


def test_signal_below_ceiling_passes_unchanged() -> None:
    x = make_music(3.0, SR) * np.float32(10 ** (-6 / 20))  # peak about -7 dBFS
    result = limit(x, SR, LimiterSettings(-1.0, 3.0, 80.0))
    np.testing.assert_array_equal(result.samples, x)
    assert result.max_gain_reduction_db == 0.0


def test_gain_ramps_smoothly_before_a_peak() -> None:
    # A single loud click on a quiet tone: gain falls over the look-ahead, not in one step.
    x = sine(1000.0, 0.5, SR, amplitude=0.1)
    x[:, SR // 4] = 2.0
    y = limit(x, SR, LimiterSettings(-1.0, 3.0, 50.0)).samples
    gain = np.abs(y[0]) / np.maximum(np.abs(x[0]), 1e-9)
    before = gain[SR // 4 - 200 : SR // 4]
    steps = np.abs(np.diff(before[np.abs(x[0, SR // 4 - 200 : SR // 4]) > 0.05]))
    # Attenuation reaches ~7 dB at the click but changes by < 0.5 dB between samples.
    assert gain[SR // 4] < 10 ** (-6.5 / 20)
    assert steps.max() < 1 - 10 ** (-0.5 / 20)
    assert true_peak_dbtp(y, SR, oversample=8) <= -1.0


@pytest.mark.parametrize("kwargs", [{"ceiling_dbtp": 1.0}, {"lookahead_ms": 0.0}, {"release_ms": 0.5}])
def test_settings_are_validated(kwargs: dict[str, float]) -> None:
    base = {"ceiling_dbtp": -1.0, "lookahead_ms": 3.0, "release_ms": 80.0} | kwargs
    with pytest.raises(InvalidParameter, match=next(iter(kwargs))):
        LimiterSettings(**base)


@pytest.mark.parametrize("kind", ["white_noise", "square_5k", "clipped_music"])
def test_ceiling_holds_on_hostile_material(kind: str) -> None:
    # Full-band noise, a naive (aliased) square wave and hard-clipped music have the largest
    # inter-sample overs; the 8x true peak must still be at or below the ceiling.
    rng = np.random.default_rng(5)
    n = 3 * SR
    if kind == "white_noise":
        x = rng.uniform(-1, 1, (2, n)).astype(np.float32) * np.float32(2.0)
    elif kind == "square_5k":
        x = np.tile(np.sign(np.sin(2 * np.pi * 5000 * np.arange(n) / SR)).astype(np.float32), (2, 1))
    else:
        x = np.clip(make_music(3.0, SR, seed=4) * np.float32(6.0), -1, 1) * np.float32(1.5)
    y = limit(x, SR, LimiterSettings(-1.0, 1.5, 30.0)).samples
    assert true_peak_dbtp(y, SR, oversample=8) <= -1.0
