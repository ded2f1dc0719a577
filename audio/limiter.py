"""Look-ahead true-peak limiter that never clips.

The gain is computed offline from an 8x-oversampled peak envelope, so the
output's true peak (measured at 8x, BS.1770-style polyphase interpolation) stays
at or below the ceiling. pedalboard's ``Limiter`` clips and must never be used
as a ceiling (FIELD_NOTES).

Algorithm, all vectorised (no per-sample Python loop):

1. ``env[n]``: the largest |x| over channels at sample ``n`` and at the 7
   interpolated points between ``n`` and ``n + 1``. Interpolation is done only
   for *candidate* samples (sample peak within ``_CANDIDATE_MARGIN_DB`` of the
   ceiling), which keeps it cheap.
2. Required attenuation ``a_req = max(0, ln(env / ceiling))`` in nepers.
3. Look-ahead: forward running maximum over ``L + 1`` samples.
4. Release: exponential decay of the attenuation, via the closed form
   ``a[n] = exp(cummax(ln a_hold[k] + k/tau) - n/tau)`` (one ``cummax``).
5. Attack: backward moving average over ``L + 1`` samples. Every value in that
   window is >= ``a_req`` at the peak, so the average is too: the ceiling holds
   by construction, and the gain ramps smoothly across the look-ahead.

A verification pass re-measures the output at 8x and limits again where
residual overs remain (the gain modulation itself slightly changes the
inter-sample values).

The 8x detector's short filter under-reads content near Nyquist by up to
~0.5 dB; mastering therefore holds its ceiling with :mod:`audio.ceiling`
(16x, long filter, on the delivered samples) after this limiter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import maximum_filter1d, uniform_filter1d

from audio.errors import InvalidParameter
from audio.peak_detect import (
    BLOCK,
    INTERNAL_MARGIN_DB,
    ScaledEnvelope,
    block_peaks,
    candidate_levels,
    candidate_threshold,
    interpolated_peaks,
    peak_envelope,
)

__all__ = ["BlockGain", "LimiterResult", "LimiterSettings", "ScaledEnvelope", "gain_curve", "limit",
           "peak_envelope", "verify_and_finish"]

_BLOCK = BLOCK
_LIMITED_GAIN = 10.0 ** (-0.5 / 20.0)  # "limited" means more than 0.5 dB of gain reduction


@dataclass(frozen=True)
class LimiterSettings:
    """Limiter parameters: ceiling in dBTP, look-ahead and release in ms."""

    ceiling_dbtp: float = -1.0
    lookahead_ms: float = 3.0
    release_ms: float = 80.0

    def __post_init__(self) -> None:
        if not -30.0 <= self.ceiling_dbtp <= 0.0:
            raise InvalidParameter(f"ceiling_dbtp {self.ceiling_dbtp} must be within -30..0 dBTP")
        if not 0.5 <= self.lookahead_ms <= 20.0:
            raise InvalidParameter(f"lookahead_ms {self.lookahead_ms} must be within 0.5..20 ms")
        if not 1.0 <= self.release_ms <= 2000.0:
            raise InvalidParameter(f"release_ms {self.release_ms} must be within 1..2000 ms")


@dataclass(frozen=True)
class LimiterResult:
    """Limited audio ``(channels, samples)`` float32 and what the limiter did."""

    samples: np.ndarray
    max_gain_reduction_db: float
    limited_fraction: float  # share of 16-sample blocks with more than 0.5 dB gain reduction
    true_peak_8x_dbtp: float
    passes: int


@dataclass(frozen=True)
class BlockGain:
    """A limiter gain curve stored sparsely: blocks not listed have gain 1.

    ``gains[i]`` ``(_BLOCK,)`` float32 applies to samples
    ``blocks[i] * _BLOCK ...`` of a signal ``n`` samples long.
    """

    n: int
    blocks: np.ndarray
    gains: np.ndarray

    def apply(self, x: np.ndarray, scale: float = 1.0, *, in_place: bool = False) -> np.ndarray:
        """``scale * gain * x`` for ``x`` ``(channels, n)`` float32 (new array unless ``in_place``)."""
        if in_place:
            y = x
            y *= np.float32(scale)
        else:
            y = np.multiply(x, np.float32(scale), dtype=np.float32)
        if self.is_dense:  # one multiply is cheaper than scattered updates
            gain = self.dense()
            for channel in y:
                channel *= gain
        elif self.blocks.size:
            cols, g = self.sample_indices()
            for channel in y:
                channel[cols] *= g
        return y

    def dense(self) -> np.ndarray:
        """The gain for every sample, ``(n,)`` float32."""
        n_blocks = -(-self.n // _BLOCK) + 1
        gain = np.ones((n_blocks, _BLOCK), dtype=np.float32)
        gain[self.blocks] = self.gains
        return gain.reshape(-1)[: self.n]

    def sample_indices(self) -> tuple[np.ndarray, np.ndarray]:
        """Sample indices inside the signal and their gains, both flat."""
        idx = self.blocks[:, None] * _BLOCK + np.arange(_BLOCK)[None, :]
        inside = idx < self.n
        return idx[inside], self.gains[inside]

    def blocks_below(self, gain: float) -> np.ndarray:
        """Indices of blocks whose gain dips below ``gain`` (linear)."""
        if not self.blocks.size:
            return self.blocks
        return self.blocks[self.gains.min(axis=1) < gain]

    @property
    def is_dense(self) -> bool:
        """True when more than a quarter of the signal is limited."""
        return self.blocks.size * _BLOCK > self.n // 4

    @property
    def min_gain(self) -> float:
        return float(self.gains.min()) if self.gains.size else 1.0


def attenuation_anchors(env_block_peak: np.ndarray, ceiling_lin: float,
                        settings: LimiterSettings, sample_rate: int) -> np.ndarray | None:
    """Attenuation (nepers) at each block start, ``(blocks,)``; ``None`` if nothing is over.

    Hold, release and attack smoothing run at block rate. Each block's
    requirement is dilated onto the next block, so both anchors around any
    sample cover it and the guarantee survives linear interpolation.
    """
    over = env_block_peak > ceiling_lin
    if not over.any():
        return None
    need = np.zeros(env_block_peak.size, dtype=np.float64)
    need[over] = np.log(env_block_peak[over] / ceiling_lin)
    need[1:] = np.maximum(need[1:], need[:-1])
    anchors = _smooth_attenuation(need, settings, sample_rate / _BLOCK).astype(np.float32)
    # The release decays forever; below 1e-5 Np (0.0001 dB, far inside the
    # internal margin) call it unity so the curve stays sparse.
    anchors[anchors < 1e-5] = 0.0
    return anchors


def curve_from_anchors(anchors: np.ndarray | None, n: int) -> BlockGain:
    """Per-sample gain: attenuation interpolated linearly between block starts."""
    if anchors is None:
        return BlockGain(n, np.zeros(0, dtype=np.int64), np.zeros((0, _BLOCK), dtype=np.float32))
    active = np.flatnonzero((anchors[:-1] > 0) | (anchors[1:] > 0))
    frac = (np.arange(_BLOCK, dtype=np.float32) / _BLOCK)[None, :]
    start = anchors[active]
    gains = np.empty((active.size, _BLOCK), dtype=np.float32)
    np.multiply((anchors[active + 1] - start)[:, None], frac, out=gains)
    gains += start[:, None]
    np.negative(gains, out=gains)
    np.exp(gains, out=gains)
    return BlockGain(n, active, gains)


def gain_curve(env_block_peak: np.ndarray, n: int, ceiling_lin: float,
               settings: LimiterSettings, sample_rate: int) -> BlockGain:
    """Gain so that ``gain * env <= ceiling_lin``, from per-block peaks (see ``block_peaks``)."""
    anchors = attenuation_anchors(env_block_peak, ceiling_lin, settings, sample_rate)
    return curve_from_anchors(anchors, n)


def _smooth_attenuation(need: np.ndarray, settings: LimiterSettings,
                        rate_hz: float) -> np.ndarray:
    """Look-ahead hold, exponential release, look-ahead moving average (nepers)."""
    window = max(1, int(np.ceil(settings.lookahead_ms * 1e-3 * rate_hz)))
    size = window + 1
    # A centred window of ``size`` at n + size//2 is the forward window [n, n + window].
    extended = np.concatenate([need, np.zeros(size)])
    hold = maximum_filter1d(extended, size=size, mode="constant")[size // 2 : size // 2 + need.size]
    tau = max(1.0, settings.release_ms * 1e-3 * rate_hz)
    ramp = np.arange(need.size, dtype=np.float64) / tau
    with np.errstate(divide="ignore"):
        log_hold = np.log(hold)
    released = np.exp(np.maximum.accumulate(log_hold + ramp) - ramp)
    np.maximum(released, hold, out=released)
    # Backward moving average over [n - window, n]; "nearest" repeats
    # released[0] = hold[0], which already covers every peak in [0, window].
    return uniform_filter1d(released, size=size, mode="nearest", origin=(size - 1) // 2)


def limit(x: np.ndarray, sample_rate: int, settings: LimiterSettings,
          *, max_passes: int = 4) -> LimiterResult:
    """Limit ``x`` ``(channels, samples)`` float32 to ``settings.ceiling_dbtp`` (8x true peak)."""
    if x.ndim != 2 or x.shape[1] == 0:
        raise InvalidParameter(f"limiter input must be (channels, samples), got shape {x.shape}")
    y = np.ascontiguousarray(x, dtype=np.float32)
    env = peak_envelope(y, candidate_threshold(settings.ceiling_dbtp))
    curve = gain_curve(block_peaks(env), y.shape[1], internal_ceiling(settings.ceiling_dbtp),
                       settings, sample_rate)
    return verify_and_finish(curve.apply(y), sample_rate, settings, curve, max_passes=max_passes)


def internal_ceiling(ceiling_dbtp: float) -> float:
    """Linear level the gain curve aims at: the ceiling minus the internal margin."""
    return 10.0 ** ((ceiling_dbtp - INTERNAL_MARGIN_DB) / 20.0)


def _changed_envelope(y: np.ndarray, curve: BlockGain, threshold: float) -> np.ndarray:
    """True-peak envelope of ``y``, re-measured only near blocks whose gain changed.

    Elsewhere ``y`` equals the already-measured input, so its block peaks are
    known to be under the ceiling and are reported as 0.
    """
    env = np.zeros(y.shape[1], dtype=np.float32)
    if curve.blocks.size == 0:
        return env
    if curve.is_dense:
        return peak_envelope(y, threshold)
    mark = np.zeros(-(-y.shape[1] // _BLOCK) + 2, dtype=bool)
    for shift in (0, 1, 2):  # the changed blocks and one neighbour on each side
        mark[curve.blocks + shift] = True
    near = np.flatnonzero(mark[1:-1])
    idx = (near[:, None] * _BLOCK + np.arange(_BLOCK)[None, :]).ravel()
    idx = idx[(idx >= 0) & (idx < y.shape[1])]
    sub = y[:, idx]
    local = np.abs(sub).max(axis=0)
    levels = candidate_levels(sub)
    gap = np.flatnonzero(np.diff(idx) != 1)  # runs are not adjacent: keep each edge's own level
    levels[gap] = local[gap]
    cand = idx[levels > threshold]
    env[idx] = local
    if cand.size:
        env[cand] = np.maximum(env[cand], interpolated_peaks(y, cand))
    return env


def verify_and_finish(y: np.ndarray, sample_rate: int, settings: LimiterSettings,
                      curve: BlockGain, *, max_passes: int = 4) -> LimiterResult:
    """Re-measure limited ``y`` at 8x where the gain moved and limit residual overs."""
    ceiling_lin = internal_ceiling(settings.ceiling_dbtp)
    # Residual overs smaller than a third of the margin are float32 rounding noise.
    accept_lin = 10.0 ** ((settings.ceiling_dbtp - INTERNAL_MARGIN_DB / 3) / 20.0)
    threshold = candidate_threshold(settings.ceiling_dbtp)
    min_gain, limited = curve.min_gain, curve.blocks_below(_LIMITED_GAIN)
    peak, passes = 0.0, 0
    for _ in range(max_passes):
        passes += 1
        env = _changed_envelope(y, curve, threshold)
        peak = float(env.max()) if env.size else 0.0
        if peak <= accept_lin:
            break
        curve = gain_curve(block_peaks(env), y.shape[1], ceiling_lin, settings, sample_rate)
        y = curve.apply(y, in_place=True)
        min_gain *= curve.min_gain
        limited = np.union1d(limited, curve.blocks_below(_LIMITED_GAIN))
    if peak > accept_lin:  # last resort: never leave an over behind
        y *= np.float32(ceiling_lin / peak)
        min_gain *= ceiling_lin / peak
    n_blocks = max(1, -(-y.shape[1] // _BLOCK))
    measured = max(float(np.abs(y).max()), min(peak, ceiling_lin))
    return LimiterResult(
        samples=y,
        max_gain_reduction_db=float(-20.0 * np.log10(max(min_gain, 1e-12))),
        limited_fraction=min(1.0, limited.size / n_blocks),
        true_peak_8x_dbtp=float(20.0 * np.log10(max(measured, 1e-12))),
        passes=passes,
    )


