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
from dataclasses import dataclass

import numpy as np
from scipy import signal

from audio.limiter import (
    BlockGain,
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

_MAX_ITERATIONS = 5
_LOOP_TOLERANCE_LU = 0.03
_MAX_STEP_DB = 24.0


class LoudnessModel:
    """BS.1770 gated loudness of ``gain[n] * x`` for many gain curves, filtering once.

    ``x`` is ``(channels, samples)``; energies are summed in 100 ms sub-blocks
    so 400 ms gating blocks with 75 % overlap are four consecutive sub-blocks.
    """

    def __init__(self, x: np.ndarray, sample_rate: int) -> None:
        weights = channel_weights(x.shape[0]).astype(np.float32)
        sos = k_weighting_sos(sample_rate).astype(np.float32)
        self._energy = np.zeros(x.shape[1], dtype=np.float32)
        for weight, channel in zip(weights, x, strict=True):  # one channel at a time: less memory
            k = signal.sosfilt(sos, channel)
            np.square(k, out=k)
            k *= weight
            self._energy += k
            del k
        self._sub = int(round(0.1 * sample_rate))
        usable = (self._energy.size // self._sub) * self._sub
        self._subs = self._energy[:usable].reshape(-1, self._sub).sum(axis=1, dtype=np.float64)
        full = self._energy.size // _BLOCK
        n_blocks = -(-self._energy.size // _BLOCK) + 1
        self._block_energy = np.zeros(n_blocks, dtype=np.float64)
        self._block_energy[:full] = block_reduce(self._energy[: full * _BLOCK], np.add)
        self._block_energy[full] = self._energy[full * _BLOCK :].sum()
        self._block_sub = np.minimum(np.arange(n_blocks) * _BLOCK // self._sub, self._subs.size)

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

    def lufs_blocks(self, anchors: np.ndarray | None) -> float:
        """Fast estimate for a limiter curve given by block anchors (gain constant per block).

        Each 16-sample block counts in the 100 ms sub-block holding its start;
        the exact meter checks the final result.
        """
        if anchors is None:
            return self._from_subs(self._subs)
        gain_sq = np.exp(-(anchors[:-1] + anchors[1:]).astype(np.float64))  # (mean gain)^2
        weights = self._block_energy[:-1] * gain_sq
        subs = np.bincount(self._block_sub[:-1], weights=weights, minlength=self._subs.size + 1)
        return self._from_subs(subs[: self._subs.size])

    def lufs(self, curve: BlockGain | None = None) -> float:
        """Integrated loudness (LUFS) of ``curve``-limited ``x`` (unity gain if ``None``)."""
        subs = self._subs
        if curve is not None and curve.is_dense:
            g = curve.dense()[: subs.size * self._sub]
            e = self._energy[: g.size] * (g * g)
            subs = e.reshape(-1, self._sub).sum(axis=1, dtype=np.float64)
        elif curve is not None and curve.blocks.size:
            idx, gains = curve.sample_indices()
            keep = idx < subs.size * self._sub
            idx, gains = idx[keep], gains[keep]
            delta = self._energy[idx] * (gains * gains - 1.0)
            subs = subs + np.bincount(idx // self._sub, weights=delta, minlength=subs.size)
        return self._from_subs(subs)

    def _from_subs(self, subs: np.ndarray) -> float:
        if subs.size < 4:
            blocks = np.array([subs.sum() / max(1, subs.size * self._sub)])
        else:
            csum = np.concatenate([[0.0], np.cumsum(subs)])
            blocks = (csum[4:] - csum[:-4]) / (4 * self._sub)
        return _gated(blocks)


def _gated(block_energy: np.ndarray) -> float:
    """Absolute (−70 LUFS) then relative (−10 LU) gating, as BS.1770-4."""
    with np.errstate(divide="ignore"):
        level = -0.691 + 10.0 * np.log10(np.maximum(block_energy, 1e-30))
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


def gain_loop(pre: np.ndarray, sample_rate: int, target_lufs: float, settings: LimiterSettings,
              model: LoudnessModel | None = None, *, in_place: bool = False) -> GainLoopResult:
    """Limit ``gain * pre`` with the gain that makes the output measure ``target_lufs``.

    ``in_place=True`` reuses ``pre``'s memory for the output (``pre`` is consumed).
    """
    model = model or LoudnessModel(pre, sample_rate)
    envelopes = ScaledEnvelope(pre, settings.ceiling_dbtp)
    ceiling_lin = internal_ceiling(settings.ceiling_dbtp)
    n = pre.shape[1]
    gain_db = target_lufs - model.lufs()
    history: list[tuple[float, float]] = []
    iterations: list[dict[str, float]] = []
    anchors = None
    for _ in range(_MAX_ITERATIONS):
        peaks = envelopes.block_peaks(10.0 ** (gain_db / 20.0))
        anchors = attenuation_anchors(peaks, ceiling_lin, settings, sample_rate)
        estimate = gain_db + model.lufs_blocks(anchors)
        history.append((gain_db, estimate))
        iterations.append({"gain_db": round(gain_db, 3), "estimated_lufs": round(estimate, 3)})
        error = target_lufs - estimate
        if abs(error) <= _LOOP_TOLERANCE_LU:
            break
        slope = 1.0
        if len(history) >= 2 and abs(history[-1][0] - history[-2][0]) > 1e-6:
            slope = (history[-1][1] - history[-2][1]) / (history[-1][0] - history[-2][0])
        # Output loudness rises at most 1 LU per dB of gain, and ever slower when limiting.
        step = float(np.clip(error / float(np.clip(slope, 0.08, 1.0)), -_MAX_STEP_DB, _MAX_STEP_DB))
        gain_db += step
    if history[-1][0] != gain_db:
        peaks = envelopes.block_peaks(10.0 ** (gain_db / 20.0))
        anchors = attenuation_anchors(peaks, ceiling_lin, settings, sample_rate)
    curve = curve_from_anchors(anchors, n)
    del envelopes, model
    y = curve.apply(pre, 10.0 ** (gain_db / 20.0), in_place=in_place)
    limited = verify_and_finish(y, sample_rate, settings, curve)
    return GainLoopResult(limited.samples, gain_db, iterations, limited)
