"""Sample peak and true peak (ITU-R BS.1770-4 Annex 2 style oversampling).

Samples are float arrays shaped ``(channels, n)``; levels are dBFS / dBTP
(``-inf`` for silence).

True peak is the maximum of the signal interpolated ``oversample`` times with a
linear-phase low-pass FIR (the same Kaiser-windowed sinc that
``scipy.signal.resample_poly`` designs). Oversampling a whole file is the
costly part, so we only oversample where it can matter: the interpolated value
near a block is at most ``bound × max|x|`` over that block and its neighbours,
where ``bound`` is the largest absolute tap sum of any polyphase branch. Blocks
are visited loudest first; once a block's bound cannot beat the running
maximum, no later block can either. The result equals the full
``resample_poly`` maximum (to float rounding), at a fraction of the cost.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy import signal

from audio.errors import InvalidParameter
from audio.loudness import as_channels_first

__all__ = [
    "oversampling_filter",
    "sample_peak_dbfs",
    "true_peak_dbtp",
    "true_peak_linear",
    "true_peaks_linear",
]

_BLOCK = 256  # input samples per candidate block
_HALF_TAPS = 10  # filter half-length in input samples (resample_poly's default design)
_FIRST_BATCH = 8
_MAX_BATCH = 512


def _to_db(linear: float) -> float:
    return 20.0 * math.log10(linear) if linear > 0 else -math.inf


def linear_to_db(linear: float) -> float:
    """20·log10 of an amplitude; ``-inf`` for zero."""
    return _to_db(linear)


def sample_peak_dbfs(samples: np.ndarray) -> float:
    """Largest absolute sample over all channels in dBFS; ``-inf`` if silent or empty."""
    x = as_channels_first(samples)
    if x.size == 0:
        return -math.inf
    return _to_db(float(max(x.max(), -x.min())))


@lru_cache(maxsize=8)
def oversampling_filter(oversample: int) -> tuple[np.ndarray, float]:
    """FIR taps (unscaled, as ``resample_poly(window=...)`` takes them) and the gain bound.

    Same design as ``resample_poly``'s default, so results are comparable. The
    bound is the largest absolute tap sum of a polyphase branch.
    """
    if oversample < 1 or oversample > 32:
        raise InvalidParameter(f"oversample must be 1-32, got {oversample}")
    taps = signal.firwin(2 * _HALF_TAPS * oversample + 1, 1.0 / oversample, window=("kaiser", 5.0))
    scaled = taps * oversample
    bound = max(float(np.abs(scaled[p::oversample]).sum()) for p in range(oversample))
    return taps, bound


@lru_cache(maxsize=8)
def _polyphase_matrix(oversample: int) -> np.ndarray:
    """Taps rearranged so ``window(x[k-10 .. k+10]) @ M`` gives the ``oversample`` outputs at k.

    Output ``k*up + p`` of ``resample_poly`` is ``sum_d h[d*up + p + half] * x[k - d]``
    for ``d`` in −10..10; row ``t`` of M holds the tap for ``x[k - 10 + t]``.
    """
    taps, _ = oversampling_filter(oversample)
    scaled = taps * oversample
    half = _HALF_TAPS * oversample
    width = 2 * _HALF_TAPS + 1
    matrix = np.zeros((width, oversample))
    for t in range(width):
        d = _HALF_TAPS - t
        for p in range(oversample):
            j = d * oversample + p + half
            if 0 <= j < scaled.size:
                matrix[t, p] = scaled[j]
    return matrix


def _block_peaks(x: np.ndarray) -> np.ndarray:
    """Max |x| per block of ``_BLOCK`` samples, widened to the neighbours, (channels, blocks)."""
    channels, n = x.shape
    blocks = -(-n // _BLOCK)
    body = x[:, : (n // _BLOCK) * _BLOCK].reshape(channels, -1, _BLOCK)
    peaks = np.maximum(body.max(axis=2), -body.min(axis=2))
    if peaks.shape[1] < blocks:
        tail = x[:, peaks.shape[1] * _BLOCK :]
        peaks = np.concatenate([peaks, np.abs(tail).max(axis=1, keepdims=True)], axis=1)
    widened = peaks.copy()
    widened[:, 1:] = np.maximum(widened[:, 1:], peaks[:, :-1])
    widened[:, :-1] = np.maximum(widened[:, :-1], peaks[:, 1:])
    return widened


def _oversampled_block_max(
    padded: np.ndarray, n: int, chans: np.ndarray, blocks: np.ndarray, oversample: int
) -> np.ndarray:
    """Max |interpolated| inside each (channel, block) pair, shape (len(blocks),).

    ``padded`` is the signal with ``_HALF_TAPS`` zeros in front, so block b's
    context window starts at ``b * _BLOCK`` in it.
    """
    width = 2 * _HALF_TAPS + 1
    idx = (blocks * _BLOCK)[:, np.newaxis] + np.arange(_BLOCK + width - 1)
    segments = padded[chans[:, np.newaxis], idx]
    windows = np.lib.stride_tricks.sliding_window_view(segments, width, axis=1)
    interpolated = windows @ _polyphase_matrix(oversample).astype(padded.dtype)  # (m, _BLOCK, up)
    flat = interpolated.reshape(len(blocks), -1)
    peaks = np.maximum(flat.max(axis=1), -flat.min(axis=1))
    last = (blocks + 1) * _BLOCK > n  # only the final block reaches past the signal
    if last.any():
        valid = n - blocks[last] * _BLOCK  # samples of that block inside the signal
        tail = np.abs(interpolated[last])
        peaks[last] = [tail[i, : valid[i]].max() for i in range(len(valid))]
    return peaks


def _search(padded: np.ndarray, n: int, widened: np.ndarray, oversample: int,
            floor: np.ndarray | None = None) -> np.ndarray:
    """Loudest-first candidate search for one oversampling factor; per-channel peaks (at least ``floor``)."""
    _, bound = oversampling_filter(oversample)
    samples = padded[:, _HALF_TAPS : _HALF_TAPS + n]
    best = np.maximum(samples.max(axis=1), -samples.min(axis=1)).astype(np.float64)  # phase 0 is exact
    if floor is not None:
        best = np.maximum(best, floor)
    if oversample == 1:
        return best
    order = np.argsort(-widened, axis=None, kind="stable")
    chans, blocks = np.unravel_index(order, widened.shape)
    ceilings = widened.ravel()[order] * bound
    pos, batch = 0, _FIRST_BATCH
    while pos < order.size and ceilings[pos] > best.min():
        sel = slice(pos, pos + batch)
        live = ceilings[sel] > best[chans[sel]]
        if live.any():
            c, b = chans[sel][live], blocks[sel][live]
            np.maximum.at(best, c, _oversampled_block_max(padded, n, c, b, oversample))
        pos, batch = pos + batch, min(batch * 2, _MAX_BATCH)
    return best


def true_peaks_linear(
    samples: np.ndarray, sample_rate: int, oversamples: tuple[int, ...] = (4, 8), *,
    context: tuple[np.ndarray | None, np.ndarray | None] = (None, None),
    floor: dict[int, np.ndarray] | None = None,
) -> dict[int, np.ndarray]:
    """Per-channel true peak (linear) for several factors, sharing the block scan.

    ``sample_rate`` (Hz) is validated only; the interpolation is relative.
    ``context``: up to ``_HALF_TAPS`` samples ``(channels, k)`` just before and
    after ``samples`` when they are one block of a longer stream (silence
    otherwise); only points from the first sample of ``samples`` up to (not
    including) the first sample after them are measured. ``floor``: per factor,
    peaks already found elsewhere ``(channels,)``; blocks that cannot beat them
    are skipped (the result is then at least the floor).
    """
    if sample_rate <= 0:
        raise InvalidParameter(f"sample_rate must be positive, got {sample_rate}")
    for factor in oversamples:
        oversampling_filter(factor)  # validates the factor
    x = as_channels_first(samples)
    channels, n = x.shape
    if n == 0:
        return {factor: np.zeros(channels) for factor in oversamples}
    widened = _block_peaks(x)
    padded = np.zeros((channels, widened.shape[1] * _BLOCK + 2 * _HALF_TAPS), dtype=x.dtype)
    padded[:, _HALF_TAPS : _HALF_TAPS + n] = x
    left, right = context
    if left is not None and left.shape[1]:
        left = left[:, -_HALF_TAPS:]
        padded[:, _HALF_TAPS - left.shape[1] : _HALF_TAPS] = left
        widened[:, 0] = np.maximum(widened[:, 0], np.abs(left).max(axis=1))
    if right is not None and right.shape[1]:
        right = right[:, :_HALF_TAPS]
        padded[:, _HALF_TAPS + n : _HALF_TAPS + n + right.shape[1]] = right
        widened[:, -1] = np.maximum(widened[:, -1], np.abs(right).max(axis=1))
    return {factor: _search(padded, n, widened, factor, (floor or {}).get(factor)) for factor in oversamples}


def true_peak_linear(samples: np.ndarray, sample_rate: int, *, oversample: int = 4) -> np.ndarray:
    """Per-channel true peak as linear amplitude, shape (channels,)."""
    return true_peaks_linear(samples, sample_rate, (oversample,))[oversample]


def true_peak_dbtp(samples: np.ndarray, sample_rate: int, *, oversample: int = 4) -> float:
    """Maximum true peak over channels in dBTP (4× is the BS.1770 meter; use 8× for ceilings)."""
    peaks = true_peak_linear(samples, sample_rate, oversample=oversample)
    return _to_db(float(peaks.max())) if peaks.size else -math.inf
