"""Hold a true-peak ceiling on the samples as delivered, measured with the accurate 16x interpolator.

The limiter's fast 8x detector has a short filter that under-reads bright
material by up to ~0.5 dB (FIELD_NOTES: a "−1.03 dBTP" master measured
−0.49 dBTP on a 16x meter). :func:`hold_ceiling` therefore quantises the
limited signal exactly as it will be stored (dither included), measures it
with :data:`audio.peak_detect.ACCURATE` (16x, 65-tap polyphase branches) and
lets the limiter's own gain-curve machinery take out what is still over,
re-measuring only where the gain moved, until the stored samples are under
the ceiling. :func:`true_peak_16x_dbtp` is the same meter for reports.

The meter interpolates the intervals with a sample within ``CANDIDATE_MARGIN_DB``
(6 dB) of the level that matters, first on a 4x grid of the same filter and
then, within ``_GRID4_DB`` of the top, at all 16 phases; a larger inter-sample
over needs a pathological signal, and the test corpus checks the result
against an independent whole-signal 16x reference.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.fft as sfft

from audio.limiter import LimiterSettings, gain_curve
from audio.peak_detect import ACCURATE, BLOCK, abs_max, block_peaks, interpolated_peaks, phase_matrix

__all__ = ["ACCURATE_MARGIN_DB", "HeldCeiling", "accurate_envelope", "hold_ceiling", "true_peak_16x_dbtp"]

# The delivered true peak aims this far under the ceiling: room for longer
# interpolators than ours (they read up to ~0.1 dB higher on bright transients).
ACCURATE_MARGIN_DB = 0.12
_ACCEPT_DB = 0.08  # residual overs above ceiling - this are taken out; below, kept
_MAX_PASSES = 6
# The residual overs are a few tenths of a dB on single peaks: a short release keeps the
# correction local (inaudible, and only those blocks need measuring again).
_RELEASE_MS = 20.0
_REMEASURE_BELOW = 10.0 ** (-0.5 / 20.0)
CANDIDATE_MARGIN_DB = 6.0  # intervals whose 4 nearest samples are all this far under the level are skipped
# A 4x grid of a band-limited signal reads at most 0.69 dB (1/cos(pi/8)) under
# its peak; intervals whose 4x value is within this of the level get all 16 phases.
_GRID4_DB = 0.9
_GRID4_PHASES = (0, 4, 8, 12)
_SEGMENT = 8192  # samples per FFT segment of the 4x grid
_DENSE_FRACTION = 0.08  # a segment with more candidates than this is filtered whole

Quantize = Callable[[np.ndarray, "np.ndarray | None"], np.ndarray]


@dataclass(frozen=True)
class HeldCeiling:
    """Delivered samples ``(channels, n)`` float32, their 16x true peak (dBTP) and the extra work done."""

    samples: np.ndarray
    true_peak_16x_dbtp: float
    passes: int
    extra_reduction_db: float  # largest gain reduction added on top of the fast limiter


def _to_db(linear: float) -> float:
    return 20.0 * math.log10(linear) if linear > 0 else -math.inf


def _window_levels(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(|x| max over channels, its max over samples n-1..n+3), both ``(samples,)``.

    The accurate interpolator rings more than the fast one, so an interval is
    a candidate when any sample near it is loud, not only its ends.
    """
    local = abs_max(x)
    n = local.size
    pairs = np.maximum(local[:-1], local[1:])  # a[i..i+1]
    level = np.empty(n, dtype=local.dtype)
    level[0] = local[: min(n, 4)].max()
    quads = np.maximum(pairs[:-2], pairs[2:]) if n > 3 else pairs[:0]  # a[i..i+3]
    if quads.size > 1:
        np.maximum(quads[:-1], local[4:], out=level[1 : quads.size])  # level[i] = a[i-1..i+3]
    for i in range(max(1, quads.size), n):  # the last few samples: windows cut by the end
        level[i] = local[i - 1 : i + 4].max()
    return local, level


@lru_cache(maxsize=2)
def _grid4_spectra(nfft: int) -> np.ndarray:
    """rfft of the 4x-grid phase filters (time-reversed, so products are correlations), ``(4, nfft//2+1)``."""
    h = phase_matrix(ACCURATE, _GRID4_PHASES)
    return sfft.rfft(h[::-1].T, nfft, axis=1)


def _grid4_segment(x: np.ndarray, start: int, length: int) -> np.ndarray:
    """Max over channels and the 4x grid of samples ``start .. start + length`` via FFT, ``(length,)``."""
    half = ACCURATE.half_taps
    taps = 2 * half + 1
    n = x.shape[1]
    lo, hi = start - half, start + length + half
    seg = x[:, max(lo, 0) : min(hi, n)]
    if lo < 0 or hi > n:  # outside the signal is silence, as playback sees it
        seg = np.pad(seg, ((0, 0), (max(0, -lo), max(0, hi - n))))
    nfft = sfft.next_fast_len(length + taps - 1, real=True)
    spectra = sfft.rfft(seg, nfft, axis=1)[:, None, :] * _grid4_spectra(nfft)[None, :, :]
    phases = sfft.irfft(spectra, nfft, axis=2)[:, :, taps - 1 : taps - 1 + length]
    np.abs(phases, out=phases)
    return phases.max(axis=(0, 1))


def _grid4(x: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """Max over channels of the accurate interpolator's 4x grid at ``cand`` (sorted sample indices).

    Stretches dense with candidates are filtered whole by FFT (several times
    cheaper per sample than gathering windows); sparse candidates use the
    polyphase matrix directly.
    """
    n = x.shape[1]
    out = np.empty(cand.size, dtype=np.float32)
    seg = cand // _SEGMENT
    counts = np.bincount(seg)
    dense = counts[seg] > _DENSE_FRACTION * _SEGMENT
    if not dense.all():
        out[~dense] = interpolated_peaks(x, cand[~dense], ACCURATE, _GRID4_PHASES)
    if dense.any():
        for first in np.flatnonzero(np.concatenate([[True], seg[1:] != seg[:-1]]) & dense):
            s = int(seg[first])
            last = first + int(counts[s])
            values = _grid4_segment(x, s * _SEGMENT, min(_SEGMENT, n - s * _SEGMENT))
            out[first:last] = values[cand[first:last] - s * _SEGMENT]
    return out


def _refine(env: np.ndarray, x: np.ndarray, idx: np.ndarray | None, level: np.ndarray, threshold: float,
            cap: float) -> None:
    """Interpolated peaks into ``env[idx]`` where ``level`` exceeds ``threshold``.

    Every candidate gets the 4x grid of the accurate interpolator; only those
    within ``_GRID4_DB`` of min(``cap``, the loudest 4x value) get all 16 phases.
    """
    cand = np.flatnonzero(level > threshold) if idx is None else idx[level > threshold]
    if not cand.size:
        return
    coarse = _grid4(x, cand)
    np.maximum(env[cand], coarse, out=coarse)
    env[cand] = coarse
    near = cand[coarse > min(cap, float(coarse.max())) * 10.0 ** (-_GRID4_DB / 20.0)]
    if near.size:
        env[near] = np.maximum(env[near], interpolated_peaks(x, near, ACCURATE))


def accurate_envelope(x: np.ndarray, threshold: float, cap: float = math.inf) -> np.ndarray:
    """16x true-peak envelope ``(samples,)`` of ``x``: exact within ``_GRID4_DB`` of min(``cap``, its peak).

    Intervals whose neighbourhood stays under ``threshold`` keep their sample peak.
    """
    env, level = _window_levels(x)
    _refine(env, x, None, level, threshold, cap)
    return env


def _remeasure(env: np.ndarray, x: np.ndarray, blocks: np.ndarray, threshold: float, cap: float) -> None:
    """Re-measure ``env`` in place over ``blocks`` (16-sample blocks) and one block either side."""
    n = x.shape[1]
    mark = np.zeros(-(-n // BLOCK) + 2, dtype=bool)
    for shift in (0, 1, 2):
        mark[blocks + shift] = True
    near = np.flatnonzero(mark[1:-1])
    idx = (near[:, None] * BLOCK + np.arange(BLOCK)[None, :]).ravel()
    idx = idx[idx < n]
    if idx.size > n // 8:
        local, level = _window_levels(x)
        local, level = local[idx], level[idx]
    else:  # few samples: gather their neighbourhoods instead of scanning everything
        local = abs_max(x[:, idx])
        level = local.copy()
        for shift in (-1, 1, 2, 3):
            np.maximum(level, abs_max(x[:, np.clip(idx + shift, 0, n - 1)]), out=level)
    env[idx] = local
    _refine(env, x, idx, level, threshold, cap)


def true_peak_16x_dbtp(x: np.ndarray) -> float:
    """Largest 16x true peak over channels of ``x`` ``(channels, n)``, dBTP (``-inf`` if silent)."""
    peak = float(abs_max(x).max()) if x.size else 0.0
    if peak == 0.0:
        return -math.inf
    return _to_db(float(accurate_envelope(x, peak * 10.0 ** (-CANDIDATE_MARGIN_DB / 20.0)).max()))


def hold_ceiling(y: np.ndarray, sample_rate: int, settings: LimiterSettings, quantize: Quantize) -> HeldCeiling:
    """Quantise ``y`` in place with ``quantize(y, cols)`` and hold ``settings.ceiling_dbtp`` on the result.

    ``quantize(y, None)`` rounds all of ``y`` to the stored grid (identity for
    float output); ``quantize(y, cols)`` only those sample columns. Overs left
    by the fast limiter are removed with its gain curve (look-ahead attack,
    release) aimed ``ACCURATE_MARGIN_DB`` under the ceiling; a last uniform
    gain step guarantees the result if the passes run out.
    """
    n = y.shape[1]
    settings = LimiterSettings(settings.ceiling_dbtp, settings.lookahead_ms, min(settings.release_ms, _RELEASE_MS))
    aim = settings.ceiling_dbtp - ACCURATE_MARGIN_DB
    aim_lin, accept_lin = 10.0 ** (aim / 20.0), 10.0 ** ((settings.ceiling_dbtp - _ACCEPT_DB) / 20.0)
    q = quantize(y, None)
    sample_peak = max(float(q.max()), -float(q.min()))
    # Candidates relative to the ceiling, or to the sample peak when that is lower (the report needs it).
    threshold = min(aim_lin, sample_peak) * 10.0 ** (-CANDIDATE_MARGIN_DB / 20.0)
    env = accurate_envelope(q, threshold, aim_lin)
    passes, min_gain = 1, 1.0
    while float(env.max()) > accept_lin and passes < _MAX_PASSES:
        peaks = block_peaks(env)
        curve = gain_curve(peaks, n, aim_lin, settings, sample_rate)
        curve.apply(q, in_place=True)
        cols, _ = curve.sample_indices()
        quantize(q, cols)
        # The gain only ever falls, so elsewhere the old envelope stays an upper bound:
        # only blocks that were over, or within _REMEASURE_DB of it, are measured again.
        _remeasure(env, q, np.flatnonzero(peaks > accept_lin * _REMEASURE_BELOW), threshold, aim_lin)
        min_gain *= curve.min_gain
        passes += 1
    peak = float(env.max())
    if peak > accept_lin:  # last resort: never deliver an over
        q *= np.float32(aim_lin / peak)
        quantize(q, None)
        min_gain *= aim_lin / peak
        peak = float(accurate_envelope(q, threshold, aim_lin).max())
    return HeldCeiling(q, _to_db(peak), passes, -_to_db(min_gain) if min_gain < 1.0 else 0.0)
