"""8x true-peak detection for the limiter: interpolate only where a peak can reach the ceiling.

Uses the same polyphase prototype as ``scipy.signal.resample_poly(up=8)`` (and
``audio.truepeak``), so our detector and the meter agree. Envelopes are
``(samples,)`` float32 linear amplitudes, max over channels.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.signal import firwin

OVERSAMPLE = 8
HALF_LEN = 10 * OVERSAMPLE  # same prototype as scipy.signal.resample_poly(up=8)
CANDIDATE_MARGIN_DB = 4.0  # inter-sample overs larger than this need > fs/4 content
INTERNAL_MARGIN_DB = 0.03  # headroom for dither/quantisation after the limiter
BLOCK = 16  # gain-curve decimation (0.36 ms at 44.1 kHz)
_CHUNK = 1 << 17


@lru_cache(maxsize=1)
def _phase_matrix() -> np.ndarray:
    """Polyphase interpolation matrix ``(taps, OVERSAMPLE)`` float32.

    Column ``p`` gives the value at ``n + p / 8`` from ``x[n + 10 - i]``.
    """
    proto = firwin(2 * HALF_LEN + 1, 1.0 / OVERSAMPLE, window=("kaiser", 5.0)) * OVERSAMPLE
    taps = -(-proto.size // OVERSAMPLE)
    padded = np.zeros(taps * OVERSAMPLE)
    padded[: proto.size] = proto
    return padded.reshape(taps, OVERSAMPLE).astype(np.float32)


def interpolated_peaks(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Max |value| over channels at ``idx + p/8``, p = 0..7; ``idx`` sorted int array.

    Samples outside the signal count as zeros, as playback (and resample_poly) sees them.
    """
    half = HALF_LEN // OVERSAMPLE
    n = x.shape[1]
    out = np.zeros(idx.size, dtype=np.float32)
    inner = (idx >= half) & (idx < n - half)
    if inner.any():
        out[inner] = _phase_peaks(x, idx[inner])
    if not inner.all():  # near the edges: a small zero-padded copy of each end
        edge = min(n, 2 * half)
        for part, start in ((idx < half, 0), (idx >= n - half, n - edge)):
            sel = idx[part & ~inner]
            if sel.size:
                padded = np.zeros((x.shape[0], edge + 2 * half), dtype=np.float32)
                padded[:, half : half + edge] = x[:, start : start + edge]
                out[np.flatnonzero(part & ~inner)] = _phase_peaks(padded, sel - start + half)
    return out


def _phase_peaks(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Interpolated peaks at interior ``idx`` (all taps inside ``x``)."""
    h = _phase_matrix()
    offsets = (HALF_LEN // OVERSAMPLE) - np.arange(h.shape[0])
    out = np.zeros(idx.size, dtype=np.float32)
    for start in range(0, idx.size, _CHUNK):
        sel = idx[start : start + _CHUNK]
        gather = sel[:, None] + offsets[None, :]
        best = np.zeros(sel.size, dtype=np.float32)
        for channel in x:
            vals = channel[gather] @ h
            np.maximum(best, np.abs(vals).max(axis=1), out=best)
        out[start : start + sel.size] = best
    return out


def abs_max(x: np.ndarray) -> np.ndarray:
    """max over channels of |x|, ``(samples,)`` float32, without a full-size temporary."""
    out = np.abs(x[0])
    for channel in x[1:]:
        np.maximum(out, np.abs(channel), out=out)
    return out


def candidate_threshold(ceiling_dbtp: float) -> float:
    """Linear sample-peak level above which the 8x interpolation is evaluated."""
    return 10.0 ** ((ceiling_dbtp - INTERNAL_MARGIN_DB - CANDIDATE_MARGIN_DB) / 20.0)


def _levels_from_peaks(level: np.ndarray) -> np.ndarray:
    """max(level[n], level[n + 1]) in place."""
    np.maximum(level[:-1], level[1:], out=level[:-1])
    return level


def candidate_levels(x: np.ndarray) -> np.ndarray:
    """Per sample, the level above which its 8x interpolation is needed, ``(samples,)``.

    That is max(|x[n]|, |x[n + 1]|) over channels: the interval [n, n + 1) can
    only peak above the threshold if one of its ends is within
    ``CANDIDATE_MARGIN_DB`` of it. (Testing only local maxima of |x| is not
    enough: steep edges ring between samples without one.)
    """
    return _levels_from_peaks(abs_max(x))


def peak_envelope(x: np.ndarray, threshold: float) -> np.ndarray:
    """True-peak envelope ``(samples,)`` float32 of ``x`` ``(channels, samples)``.

    Samples next to a local maximum above ``threshold`` (linear) get their 8x
    interpolated maximum; the others keep their sample peak.
    """
    env = abs_max(x)
    idx = np.flatnonzero(_levels_from_peaks(env.copy()) > threshold)
    if idx.size:
        env[idx] = np.maximum(env[idx], interpolated_peaks(x, idx))
    return env


def block_reduce(x: np.ndarray, op: np.ufunc) -> np.ndarray:
    """``op``-reduce each run of ``BLOCK`` samples of ``x`` (length a multiple of BLOCK).

    A pairwise tree over strided views: ~8x faster than ``reshape(-1, 16).max(axis=1)``,
    whose short inner axis numpy loops over slowly.
    """
    m = x.reshape(-1, BLOCK)
    while m.shape[1] > 1:
        m = op(m[:, 0::2], m[:, 1::2])
    return m[:, 0]


def block_peaks(env: np.ndarray) -> np.ndarray:
    """Max of ``env`` ``(samples,)`` per block of ``BLOCK`` samples, plus one empty block."""
    n_blocks = -(-env.size // BLOCK) + 1
    full = env.size // BLOCK
    out = np.zeros(n_blocks, dtype=np.float32)
    out[:full] = block_reduce(env[: full * BLOCK], np.maximum)
    if env.size > full * BLOCK:
        out[full] = env[full * BLOCK :].max()
    return out


class ScaledEnvelope:
    """Block peaks of ``peak_envelope(gain * x)`` for many gains, interpolating each sample once.

    The mastering gain loop limits ``gain * x`` for a few gains. True peak scales
    with gain, so the 8x values are computed lazily: only samples that become
    candidates at a new, larger gain are interpolated.
    """

    def __init__(self, x: np.ndarray, ceiling_dbtp: float) -> None:
        self._x = x
        self._threshold = candidate_threshold(ceiling_dbtp)
        peaks = abs_max(x)
        self._blocks = block_peaks(peaks)
        self._levels = _levels_from_peaks(peaks)
        self._exact_above = np.inf  # block peaks are exact wherever levels > this

    def block_peaks(self, gain_lin: float) -> np.ndarray:
        """Per-block true peak ``(blocks,)`` of ``gain_lin * x``, exact above the threshold."""
        level = self._threshold / gain_lin
        if level < self._exact_above:
            new = (self._levels > level) & (self._levels <= self._exact_above)
            idx = np.flatnonzero(new)
            if idx.size:
                peaks = interpolated_peaks(self._x, idx)
                block = idx // BLOCK
                starts = np.flatnonzero(np.concatenate([[True], block[1:] != block[:-1]]))
                per_block = np.maximum.reduceat(peaks, starts)
                np.maximum(self._blocks[block[starts]], per_block, out=per_block)
                self._blocks[block[starts]] = per_block
            self._exact_above = level
        return self._blocks * np.float32(gain_lin)
