"""True-peak detection for the limiter: interpolate only where a peak can reach the ceiling.

Two interpolators, both polyphase Kaiser-windowed sincs:

- ``FAST``: 8x with ``scipy.signal.resample_poly(up=8)``'s own prototype (10
  input samples each side, beta 5), as ``audio.truepeak`` reports it. Cheap,
  but its short filter attenuates content near Nyquist, so it under-reads
  bright transients by up to ~0.5 dB (FIELD_NOTES).
- ``ACCURATE``: 16x, 32 input samples each side, beta 8: within a few
  hundredths of a dB of far longer interpolators on music. Used to verify
  and hold mastering ceilings (:mod:`audio.ceiling`).

Envelopes are ``(samples,)`` float32 linear amplitudes, max over channels.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.signal import firwin


@dataclass(frozen=True)
class Interpolator:
    """A polyphase true-peak interpolator: ``oversample`` phases, ``half_taps`` input samples each side."""

    oversample: int
    half_taps: int
    kaiser_beta: float


FAST = Interpolator(8, 10, 5.0)
ACCURATE = Interpolator(16, 64, 8.0)
OVERSAMPLE = FAST.oversample
CANDIDATE_MARGIN_DB = 4.0  # inter-sample overs larger than this need > fs/4 content
INTERNAL_MARGIN_DB = 0.03  # headroom for dither/quantisation after the limiter
BLOCK = 16  # gain-curve decimation (0.36 ms at 44.1 kHz)
_CHUNK = 1 << 17
_PARALLEL_WORK = 1 << 22  # candidates x taps above which two threads pay off


@lru_cache(maxsize=8)
def phase_matrix(design: Interpolator, phases: tuple[int, ...] | None = None) -> np.ndarray:
    """Polyphase interpolation matrix ``(taps, phases)`` float32 (all phases by default).

    Row ``i`` multiplies ``x[n - half_taps + i]``; column ``p`` gives the value at
    ``n + p / oversample``.
    """
    up, half_len = design.oversample, design.half_taps * design.oversample
    proto = firwin(2 * half_len + 1, 1.0 / up, window=("kaiser", design.kaiser_beta)) * up
    taps = -(-proto.size // up)
    padded = np.zeros(taps * up)
    padded[: proto.size] = proto
    matrix = padded.reshape(taps, up)[::-1]
    return np.ascontiguousarray(matrix if phases is None else matrix[:, list(phases)], dtype=np.float32)


def interpolated_peaks(x: np.ndarray, idx: np.ndarray, design: Interpolator = FAST,
                       phases: tuple[int, ...] | None = None) -> np.ndarray:
    """Max |value| over channels at ``idx + p/oversample`` for each phase p; ``idx`` sorted int array.

    ``phases`` picks a subset of the ``design.oversample`` phases (e.g. every
    fourth: a 4x grid of the same interpolator). Samples outside the signal
    count as zeros, as playback (and resample_poly) sees them.
    """
    half = design.half_taps
    n = x.shape[1]
    out = np.zeros(idx.size, dtype=np.float32)
    inner = (idx >= half) & (idx < n - half)
    if inner.any():
        out[inner] = _phase_peaks(x, idx[inner], design, phases)
    if not inner.all():  # near the edges: a small zero-padded copy of each end
        edge = min(n, 2 * half)
        for part, start in ((idx < half, 0), (idx >= n - half, n - edge)):
            sel = idx[part & ~inner]
            if sel.size:
                padded = np.zeros((x.shape[0], edge + 2 * half), dtype=np.float32)
                padded[:, half : half + edge] = x[:, start : start + edge]
                out[np.flatnonzero(part & ~inner)] = _phase_peaks(padded, sel - start + half, design, phases)
    return out


def _phase_peaks(x: np.ndarray, idx: np.ndarray, design: Interpolator,
                 phases: tuple[int, ...] | None) -> np.ndarray:
    """Interpolated peaks at interior ``idx`` (all taps inside ``x``).

    Rows of a sliding-window view are gathered (no index matrix) and
    multiplied by the phase matrix in one BLAS call per chunk; large requests
    run their chunks on two threads (gathers and BLAS release the GIL).
    """
    h = phase_matrix(design, phases)
    out = np.zeros(idx.size, dtype=np.float32)
    step = max(1024, _CHUNK * 21 // h.shape[0])  # gathered windows stay ~11 MB
    windows = [np.lib.stride_tricks.sliding_window_view(channel, h.shape[0]) for channel in x]

    def chunk(start: int) -> None:
        sel = idx[start : start + step] - design.half_taps
        view = out[start : start + sel.size]
        for w in windows:
            rows = w[sel]
            if h.shape[1] >= 8:  # many phases: a (phases, m) product reduces fastest over its first axis
                vals = h.T @ rows.T
                np.abs(vals, out=vals)
                np.maximum(view, vals.max(axis=0), out=view)
            else:
                np.maximum(view, np.abs(rows @ h).max(axis=1), out=view)

    starts = range(0, idx.size, step)
    if idx.size * h.shape[0] < _PARALLEL_WORK:
        for start in starts:
            chunk(start)
    else:
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(chunk, starts))
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
