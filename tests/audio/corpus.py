"""Hostile test material for mastering and an independent true-peak reference meter.

Generators return float32 ``(channels, n)`` arrays, seeded, peak about -1 dBFS.
The reference meter shares no code with ``audio/``: it runs
``scipy.signal.resample_poly`` at 16x over the whole signal with a long
Kaiser-windowed interpolator (64 input samples each side, beta 10), the kind
of meter the independent testers used (issue 7 §3).
"""

from __future__ import annotations

import numpy as np
from scipy import signal

__all__ = ["reference_true_peak_dbtp", "solo_piano", "speech_with_pauses", "sub_bass_transients"]

REFERENCE_OVERSAMPLE = 16
REFERENCE_HALF_TAPS = 64
REFERENCE_KAISER_BETA = 10.0
_CHUNK = 1 << 17


def reference_true_peak_dbtp(x: np.ndarray) -> float:
    """Largest 16x-interpolated |x| over channels, dBTP, computed over every sample (no shortcuts).

    Chunks overlap by more than the filter's reach, so the result equals one
    ``resample_poly`` call over the whole signal.
    """
    up, half = REFERENCE_OVERSAMPLE, REFERENCE_HALF_TAPS
    taps = signal.firwin(2 * half * up + 1, 1.0 / up, window=("kaiser", REFERENCE_KAISER_BETA))
    data = np.asarray(x, dtype=np.float64)
    data = data[np.newaxis, :] if data.ndim == 1 else data
    n, pad, best = data.shape[1], half + 2, 0.0
    for start in range(0, n, _CHUNK):
        lo, hi = max(0, start - pad), min(n, start + _CHUNK + pad)
        out = signal.resample_poly(data[:, lo:hi], up, 1, axis=1, window=taps)
        keep = out[:, (start - lo) * up : (min(n, start + _CHUNK) - lo) * up]
        best = max(best, float(np.abs(keep).max()))
    return 20.0 * np.log10(best) if best > 0 else -np.inf


def _normalise(x: np.ndarray, peak_dbfs: float = -1.0) -> np.ndarray:
    return (x * (10.0 ** (peak_dbfs / 20.0) / np.abs(x).max())).astype(np.float32)


def sub_bass_transients(duration_s: float, sample_rate: int, seed: int = 0) -> np.ndarray:
    """Electronic track: 808 kicks and a sustained 38-50 Hz sub, plus full-band claps and clicks.

    The sub carries most of the energy (the limiter works on long waves) while
    the 2 ms noise claps and 3-sample clicks put energy up to Nyquist, where
    short true-peak interpolators under-read.
    """
    rng = np.random.default_rng(seed)
    n = int(round(duration_s * sample_rate))
    t = np.arange(n) / sample_rate
    sub_hz = rng.uniform(38.0, 50.0)
    out = 0.55 * np.sin(2 * np.pi * sub_hz * t) * (0.7 + 0.3 * np.sin(2 * np.pi * 0.25 * t))
    hit = int(0.45 * sample_rate)
    th = np.arange(hit) / sample_rate
    kick = np.sin(2 * np.pi * (sub_hz * th + 150.0 * 0.03 * (1 - np.exp(-th / 0.03)))) * np.exp(-th / 0.3)
    beat = int(0.5 * sample_rate)
    clap_len = max(4, int(0.002 * sample_rate))
    for start in range(0, n - hit, beat):
        out[start : start + hit] += kick
        clap = start + beat // 2
        if clap + clap_len < n:
            out[clap : clap + clap_len] += rng.uniform(-1.2, 1.2, clap_len)
            out[clap + clap_len : clap + clap_len + 3] += rng.uniform(-1.5, 1.5, 3)  # click
    out += np.diff(rng.standard_normal(n + 1)) * 0.04  # hats: bright noise
    stereo = np.stack([out, 0.95 * np.roll(out, 2)])
    return _normalise(stereo)


def speech_with_pauses(duration_s: float, sample_rate: int, seed: int = 0) -> np.ndarray:
    """Voiced phrases (a 120 Hz pulse train through three formants) of 1-2.5 s, 1.5-4 s pauses, room noise."""
    rng = np.random.default_rng(seed)
    n = int(round(duration_s * sample_rate))
    out = np.zeros(n)
    at_s = 0.3
    while at_s < duration_s - 1.0:
        phrase_s = rng.uniform(1.0, 2.5)
        m = int(phrase_s * sample_rate)
        t = np.arange(m) / sample_rate
        f0 = 120.0 + 30.0 * np.sin(2 * np.pi * 0.7 * t + rng.uniform(0, 6))
        phase = 2 * np.pi * np.cumsum(f0) / sample_rate
        source = sum(np.sin(k * phase) / k for k in range(1, 40)) + 0.3 * rng.standard_normal(m)
        voiced = np.zeros(m)
        for i, formant_hz in enumerate((rng.uniform(500, 800), rng.uniform(1000, 1800), 2500.0)):
            b, a = signal.iirpeak(formant_hz, Q=formant_hz / 100.0, fs=sample_rate)
            voiced += signal.lfilter(b, a, source) * 0.6**i
        syllables = np.clip(np.sin(2 * np.pi * rng.uniform(3, 5) * t), 0, None) ** 0.7
        envelope = syllables * np.minimum(1.0, t / 0.02) * np.minimum(1.0, (phrase_s - t) / 0.05)
        start = int(at_s * sample_rate)
        segment = (voiced * envelope)[: n - start]
        out[start : start + segment.size] += segment
        at_s += phrase_s + rng.uniform(1.5, 4.0)
    out += 1e-4 * rng.standard_normal(n)
    return _normalise(np.stack([out, out]), -6.0)


def solo_piano(duration_s: float, sample_rate: int, seed: int = 0) -> np.ndarray:
    """Solo piano: decaying inharmonic notes, phrases from pp to ff (loudness range ~7 LU), no effects.

    A master of this only needs gain and peak control: its tonal balance is
    already natural and compression would flatten the dynamics that carry it.
    """
    rng = np.random.default_rng(seed)
    n = int(round(duration_s * sample_rate))
    out = np.zeros((2, n))
    note_len = int(2.5 * sample_rate)
    t = np.arange(note_len) / sample_rate
    scale_hz = 220.0 * 2.0 ** (np.array([0, 2, 3, 5, 7, 8, 10, 12, 14, 15]) / 12.0)
    at = 0
    while at < n:
        phrase = int(at / sample_rate / 4.0)
        level = 10.0 ** ((-8.0, -4.0, -6.0, 0.0)[phrase % 4] / 20.0)  # phrases from mp to ff
        f0 = float(rng.choice(scale_hz)) * rng.choice([0.5, 1.0, 1.0, 2.0])
        partials = sum(np.sin(2 * np.pi * f0 * k * np.sqrt(1 + 0.0004 * k * k) * t) / k**1.3
                       * np.exp(-t * (1.2 + 0.5 * k)) for k in range(1, 14))
        note = level * partials * np.minimum(1.0, t / 0.004)
        pan = rng.uniform(0.3, 0.7)
        end = min(n, at + note_len)
        out[0, at:end] += np.sqrt(1 - pan) * note[: end - at]
        out[1, at:end] += np.sqrt(pan) * note[: end - at]
        at += int(rng.choice([0.25, 0.5, 0.5, 1.0]) * sample_rate)
    out += 2e-5 * rng.standard_normal(out.shape)
    return _normalise(out, -3.0)
