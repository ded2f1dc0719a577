"""Find the pre-limiter gain that lands the limited output on a loudness target.

The limiter is a time-varying gain ``g[n]``, so the output loudness is a
monotonic, saturating function of the input gain. We solve it with the secant
method on a cheap loudness model: the K-weighted energy of the limiter input
is computed once; the output's K-weighted energy is approximated by
``G² g[n]² e[n]`` (the limiter gain moves slowly compared with the K filter).
``audio.master`` then checks the result with the exact meter.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
from scipy import signal

from audio.limiter import (
    LimiterResult,
    LimiterSettings,
    attenuation_anchors,
    curve_from_anchors,
    internal_ceiling,
    verify_and_finish,
)
from audio.loudness import channel_weights, k_weighting_sos
from audio.peak_detect import BLOCK as _BLOCK
from audio.peak_detect import ScaledEnvelope, block_reduce

_MAX_ITERATIONS = 8
_LOOP_TOLERANCE_LU = 0.03
_MAX_STEP_DB = 24.0
# Pre-limiter gain bound (the chain hands over audio at about -18 LUFS): past this the
# limiter would only be flattening the programme and pushing its noise floor up.
MAX_GAIN_DB = 30.0


class LoudnessModel:
    """BS.1770 gated loudness of ``x`` and of ``gain * x`` for many limiter curves, filtering once.

    ``x`` is ``(channels, samples)``; energies are summed in 100 ms sub-blocks
    so 400 ms gating blocks with 75 % overlap are four consecutive sub-blocks.
    ``dc`` ``(channels,)``: an offset to remove first (its onset would otherwise
    ring through the K-filter and read as programme).
    """

    def __init__(self, x: np.ndarray, sample_rate: int, dc: np.ndarray | None = None) -> None:
        weights = channel_weights(x.shape[0]).astype(np.float32)
        sos = k_weighting_sos(sample_rate).astype(np.float32)
        n = x.shape[1]
        self._sub = int(round(0.1 * sample_rate))
        # Chunks hold whole 16-sample blocks and whole sub-blocks; small buffers, one pass.
        step = math.lcm(_BLOCK, self._sub) * max(1, 65536 // math.lcm(_BLOCK, self._sub))
        self._subs = np.zeros(n // self._sub, dtype=np.float64)
        self._block_energy = np.zeros(-(-n // _BLOCK) + 1, dtype=np.float64)
        zi = np.zeros((sos.shape[0], x.shape[0], 2), dtype=np.float32)
        offset = None if dc is None or not np.any(dc) else np.asarray(dc, dtype=np.float32)[:, None]
        for start in range(0, n, step):
            chunk = x[:, start : start + step] if offset is None else x[:, start : start + step] - offset
            k, zi = signal.sosfilt(sos, chunk, axis=-1, zi=zi)
            np.square(k, out=k)
            energy = k[0] * weights[0] if k.shape[0] == 1 else np.einsum("c,cn->n", weights, k)
            self._add_chunk(start, energy)
        self._block_sub = np.minimum(np.arange(self._block_energy.size) * _BLOCK // self._sub, self._subs.size)

    def _add_chunk(self, start: int, energy: np.ndarray) -> None:
        full = energy.size // _BLOCK
        b0 = start // _BLOCK
        self._block_energy[b0 : b0 + full] = block_reduce(energy[: full * _BLOCK], np.add)
        if energy.size > full * _BLOCK:
            self._block_energy[b0 + full] = energy[full * _BLOCK :].sum()
        s0, count = start // self._sub, min(energy.size // self._sub, self._subs.size - start // self._sub)
        if count > 0:
            self._subs[s0 : s0 + count] = energy[: count * self._sub].reshape(count, self._sub).sum(
                axis=1, dtype=np.float64)

    def loudness_range_lu(self) -> float:
        """EBU Tech 3342 loudness range: 3 s windows every 100 ms, gated, P95 - P10 (LU)."""
        if self._subs.size < 30:
            return 0.0
        csum = np.concatenate([[0.0], np.cumsum(self._subs)])
        energy = (csum[30:] - csum[:-30]) / (30 * self._sub)
        with np.errstate(divide="ignore"):
            level = -0.691 + 10.0 * np.log10(np.maximum(energy, 1e-30))
        loud = energy[level > -70.0]
        if loud.size == 0:
            return 0.0
        gate = -0.691 + 10.0 * math.log10(float(loud.mean())) - 20.0
        kept = level[(level > -70.0) & (level > gate)]
        low, high = np.percentile(kept, [10.0, 95.0])
        return float(high - low)

    def sub_block_energy(self) -> np.ndarray:
        """Channel-weighted K-filtered energy per 100 ms sub-block, ``(m,)`` float64."""
        return self._subs.copy()

    def lufs_blocks(self, anchors: np.ndarray | None, gain_db: float = 0.0) -> float:
        """Fast estimate of ``gain_db`` then a limiter curve given by block anchors (gain constant per block).

        Each 16-sample block counts in the 100 ms sub-block holding its start;
        the exact meter checks the final result. Gating applies to the gained
        signal, as a meter on the output would see it.
        """
        if anchors is None:
            return self._from_subs(self._subs, gain_db)
        gain_sq = np.exp(-(anchors[:-1] + anchors[1:]).astype(np.float64))  # (mean gain)^2
        weights = self._block_energy[:-1] * gain_sq
        subs = np.bincount(self._block_sub[:-1], weights=weights, minlength=self._subs.size + 1)
        return self._from_subs(subs[: self._subs.size], gain_db)

    def lufs(self) -> float:
        """Integrated loudness (LUFS) of ``x`` itself."""
        return self._from_subs(self._subs)

    def _from_subs(self, subs: np.ndarray, gain_db: float = 0.0) -> float:
        if subs.size < 4:
            blocks = np.array([subs.sum() / max(1, subs.size * self._sub)])
        else:
            csum = np.concatenate([[0.0], np.cumsum(subs)])
            blocks = (csum[4:] - csum[:-4]) / (4 * self._sub)
        return _gated(blocks * 10.0 ** (gain_db / 10.0))


def _gated(block_energy: np.ndarray) -> float:
    """Absolute (−70 LUFS) then relative (−10 LU) gating, as BS.1770-4."""
    with np.errstate(divide="ignore"):
        level = -0.691 + 10.0 * np.log10(np.maximum(block_energy, 1e-300))
    kept = block_energy[level > -70.0]
    if kept.size == 0:
        return -math.inf
    relative = -0.691 + 10.0 * math.log10(float(kept.mean())) - 10.0
    kept = block_energy[level > max(-70.0, relative)]
    return -0.691 + 10.0 * math.log10(float(kept.mean()))


@dataclass(frozen=True)
class GainLoopResult:
    """Limited output ``(channels, samples)``, the chosen gain (dB) and the loop history."""

    samples: np.ndarray
    gain_db: float
    iterations: list[dict[str, float]]
    limiter: LimiterResult
    reached: bool = True  # False: the target needs more than MAX_GAIN_DB, or limiting stops adding loudness


def gain_loop(pre: np.ndarray, sample_rate: int, target_lufs: float, settings: LimiterSettings,
              model: LoudnessModel | None = None, *, in_place: bool = False) -> GainLoopResult:
    """Limit ``gain * pre`` with the gain that makes the output measure ``target_lufs``.

    ``in_place=True`` reuses ``pre``'s memory for the output (``pre`` is consumed).
    """
    model = model or LoudnessModel(pre, sample_rate)
    estimate = partial(_estimate, model, ScaledEnvelope(pre, settings.ceiling_dbtp), settings, sample_rate)
    gain_db, anchors, iterations, reached = _search_gain(estimate, target_lufs, model.lufs())
    curve = curve_from_anchors(anchors, pre.shape[1])
    del estimate, model  # the envelopes are large: free them before the output is made
    y = curve.apply(pre, 10.0 ** (gain_db / 20.0), in_place=in_place)
    limited = verify_and_finish(y, sample_rate, settings, curve)
    return GainLoopResult(limited.samples, gain_db, iterations, limited, reached)


def _estimate(model: LoudnessModel, envelopes: ScaledEnvelope, settings: LimiterSettings, sample_rate: int,
              gain_db: float) -> tuple[float, np.ndarray | None]:
    """Estimated output loudness (LUFS) and limiter anchors for ``gain_db`` into the limiter."""
    peaks = envelopes.block_peaks(10.0 ** (gain_db / 20.0))
    anchors = attenuation_anchors(peaks, internal_ceiling(settings.ceiling_dbtp), settings, sample_rate)
    return model.lufs_blocks(anchors, gain_db), anchors


def _search_gain(estimate: Callable[[float], tuple[float, np.ndarray | None]], target_lufs: float,
                 input_lufs: float) -> tuple[float, np.ndarray | None, list[dict[str, float]], bool]:
    """Secant search (bisection when it strays) for the gain whose estimate meets the target.

    Returns the gain (dB), its limiter anchors, the history and whether the target was reached.
    """
    gain_db = float(np.clip(target_lufs - input_lufs, -MAX_GAIN_DB, MAX_GAIN_DB))
    history: list[tuple[float, float, np.ndarray | None]] = []
    low, high = -MAX_GAIN_DB, MAX_GAIN_DB  # bracket on the rising side of loudness(gain)
    for _ in range(_MAX_ITERATIONS):
        lufs, anchors = estimate(gain_db)
        history.append((gain_db, lufs, anchors))
        error = target_lufs - lufs
        if abs(error) <= _LOOP_TOLERANCE_LU:
            break
        # More gain and less loudness means heavy limiting has started to lift quiet
        # passages past the gates: this gain is past the useful range either way.
        best = max(history[:-1], key=lambda h: h[1], default=history[-1])
        past_peak = gain_db > best[0] and lufs < best[1]
        low, high = (gain_db, high) if error > 0 and not past_peak else (low, gain_db)
        slope = 1.0
        if len(history) >= 2 and abs(history[-1][0] - history[-2][0]) > 1e-6:
            slope = (history[-1][1] - history[-2][1]) / (history[-1][0] - history[-2][0])
        # Output loudness rises at most 1 LU per dB of gain, and ever slower when limiting.
        step = float(np.clip(error / float(np.clip(slope, 0.08, 1.0)), -_MAX_STEP_DB, _MAX_STEP_DB))
        if past_peak or not math.isfinite(step) or not low < gain_db + step < high:
            step = 0.5 * (low + high) - gain_db  # secant left the bracket: bisect
        gain_db += step
    iterations = [{"gain_db": round(g, 3), "estimated_lufs": round(v, 3)} for g, v, _ in history]
    if abs(history[-1][1] - target_lufs) > 10 * _LOOP_TOLERANCE_LU:
        # Unreachable: the loudest result seen that is not over the target.
        under = [h for h in history if h[1] <= target_lufs + _LOOP_TOLERANCE_LU] or history
        chosen = max(under, key=lambda h: h[1])
        return chosen[0], chosen[2], iterations, False
    if history[-1][0] == gain_db:
        return gain_db, history[-1][2], iterations, True
    return gain_db, estimate(gain_db)[1], iterations, True
