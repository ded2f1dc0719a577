"""True peak: EBU Tech 3341 cases 15-19 and exactness of the candidate search."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import signal

from audio.errors import InvalidParameter
from audio.truepeak import oversampling_filter, sample_peak_dbfs, true_peak_dbtp, true_peak_linear
from tests.audio.signals import make_music, sine

SR = 48000
TP_LOW, TP_HIGH = 0.4, 0.2  # EBU Tech 3341: true peak within +0.2 / -0.4 dB


def _faded_sine(freq_hz: float, amplitude: float, phase_deg: float) -> np.ndarray:
    # 10 ms raised-cosine fades: an abrupt start would add a Gibbs overshoot
    # that is not part of the steady-state test tone.
    x = sine(freq_hz, 2.0, SR, amplitude=amplitude, phase_deg=phase_deg)
    n = SR // 100
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, n))
    x[:, :n] *= ramp
    x[:, -n:] *= ramp[::-1]
    return x


@pytest.mark.parametrize(
    ("case", "freq_hz", "amplitude", "phase_deg", "expected_dbtp"),
    [
        (15, SR / 4, 0.50, 0.0, -6.0),
        (16, SR / 4, 0.50, 45.0, -6.0),
        (17, SR / 6, 0.50, 60.0, -6.0),
        (18, SR / 8, 0.50, 67.5, -6.0),
        (19, SR / 4, 1.41, 45.0, 3.0),
    ],
)
@pytest.mark.parametrize("oversample", [4, 8])
def test_tech3341_true_peak_cases(
    case: int, freq_hz: float, amplitude: float, phase_deg: float, expected_dbtp: float, oversample: int
) -> None:
    tp = true_peak_dbtp(_faded_sine(freq_hz, amplitude, phase_deg), SR, oversample=oversample)
    assert expected_dbtp - TP_LOW <= tp <= expected_dbtp + TP_HIGH, f"case {case}: {tp:.3f} dBTP"


def test_case16_sample_peak_under_reads_by_3db() -> None:
    # fs/4 at 45°: samples sit at ±0.354 (-9.0 dBFS) while the waveform peaks at 0.5.
    x = _faded_sine(SR / 4, 0.5, 45.0)
    assert sample_peak_dbfs(x) == pytest.approx(-9.03, abs=0.05)
    assert true_peak_dbtp(x, SR) - sample_peak_dbfs(x) == pytest.approx(3.0, abs=0.1)


@pytest.mark.parametrize("oversample", [4, 8])
def test_candidate_search_equals_full_oversampling(oversample: int) -> None:
    # The pruned search must return exactly what oversampling everything returns.
    x = make_music(12.0, 44100, seed=5)
    taps, _ = oversampling_filter(oversample)
    full = np.abs(signal.resample_poly(x.astype(np.float64), oversample, 1, axis=1, window=taps)).max(axis=1)
    ours = true_peak_linear(x, 44100, oversample=oversample)
    np.testing.assert_allclose(ours, full, rtol=1e-5)


def test_isolated_intersample_peak_between_quiet_blocks() -> None:
    # A lone Nyquist-ish burst whose samples are small but whose reconstruction is not.
    rng = np.random.default_rng(0)
    x = (0.05 * rng.standard_normal((2, 44100))).astype(np.float32)
    burst = 0.6 * np.array([1, -1, 1, -1, -1, 1, -1, 1], dtype=np.float32)
    x[1, 30000:30008] = burst
    taps, _ = oversampling_filter(4)
    full = np.abs(signal.resample_poly(x.astype(np.float64), 4, 1, axis=1, window=taps)).max(axis=1)
    np.testing.assert_allclose(true_peak_linear(x, 44100), full, rtol=1e-5)
    assert full[1] > 0.6 * 1.2  # the burst really does overshoot its samples


def test_true_peak_is_never_below_sample_peak() -> None:
    x = make_music(5.0, 44100, seed=1)
    assert true_peak_dbtp(x, 44100) >= sample_peak_dbfs(x)


def test_silence_and_empty() -> None:
    assert true_peak_dbtp(np.zeros((2, 1000), np.float32), SR) == -math.inf
    assert sample_peak_dbfs(np.zeros((2, 0), np.float32)) == -math.inf
    assert true_peak_dbtp(np.ones((1, 1), np.float32), SR) >= 0.0  # a single sample works


def test_rejects_bad_oversample() -> None:
    with pytest.raises(InvalidParameter, match="oversample"):
        true_peak_dbtp(np.zeros((2, 10), np.float32), SR, oversample=0)
