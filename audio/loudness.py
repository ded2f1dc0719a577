"""Loudness per ITU-R BS.1770-4 / EBU R128 (Tech 3341, Tech 3342).

All functions take float ``samples`` shaped ``(channels, n)`` and an integer
``sample_rate`` in Hz. Loudness is in LUFS, ranges in LU. Digital silence gives
``-math.inf`` instead of raising, so callers decide what silence means.

Implementation: the K-weighting filter is designed for the actual sample rate
(bilinear transform of the analogue prototype, the constants libebur128 uses,
which reproduce the BS.1770 48 kHz table), applied once to the whole buffer.
Channel-weighted squared samples are summed cumulatively, so every window
energy (400 ms momentary, 3 s short-term, gating blocks) is a difference of two
cumulative sums: one vectorised pass, no per-block Python loop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import signal

from audio.errors import InvalidParameter, InvalidSamples

__all__ = [
    "GranuleMeter",
    "LoudnessStats",
    "channel_weights",
    "integrated_loudness",
    "k_weighting_sos",
    "loudness_range",
    "loudness_stats",
    "momentary_series",
    "short_term_series",
]

ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
LRA_RELATIVE_GATE_LU = -20.0
MOMENTARY_WINDOW_S = 0.4
SHORT_TERM_WINDOW_S = 3.0
GATING_HOP_S = 0.1  # 75 % overlap of 400 ms blocks
MAX_SEARCH_HOP_S = 0.001  # 1 ms resolution when searching momentary/short-term maxima
_OFFSET_DB = -0.691  # BS.1770 constant that makes a 1 kHz 0 dBFS sine read 0 LUFS/channel
_SURROUND_WEIGHT = 1.41  # +1.5 dB for surround channels


@dataclass(frozen=True)
class LoudnessStats:
    """Summary loudness of a programme (LUFS / LU; ``-inf`` for silence)."""

    integrated_lufs: float
    momentary_max_lufs: float
    short_term_max_lufs: float
    loudness_range_lu: float


def k_weighting_sos(sample_rate: int) -> np.ndarray:
    """K-weighting (pre-filter shelf + RLB high-pass) as SOS, shape (2, 6)."""
    if sample_rate <= 0:
        raise InvalidParameter(f"sample_rate must be positive, got {sample_rate}")
    # Stage 1: high shelf, +4 dB above ~1.7 kHz (head diffraction model).
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / sample_rate)
    vh = 10.0 ** (gain_db / 20.0)
    vb = vh**0.4996667741545416
    a0 = 1.0 + k / q + k * k
    shelf = [
        (vh + vb * k / q + k * k) / a0,
        2.0 * (k * k - vh) / a0,
        (vh - vb * k / q + k * k) / a0,
        1.0,
        2.0 * (k * k - 1.0) / a0,
        (1.0 - k / q + k * k) / a0,
    ]
    # Stage 2: RLB high-pass at ~38 Hz.
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / sample_rate)
    a0 = 1.0 + k / q + k * k
    highpass = [1.0, -2.0, 1.0, 1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0]
    return np.array([shelf, highpass], dtype=np.float64)


def channel_weights(channels: int) -> np.ndarray:
    """BS.1770 weights G_i for common layouts, shape (channels,).

    1–5 channels: L, R, C, Ls, Rs (surrounds 1.41). 6: 5.1 as L, R, C, LFE,
    Ls, Rs (LFE excluded). 7/8: 6.1/7.1 with LFE fourth, the rest surround.
    """
    if not 1 <= channels <= 8:
        raise InvalidParameter(f"loudness supports 1-8 channels, got {channels}")
    if channels <= 5:
        weights = [1.0, 1.0, 1.0, _SURROUND_WEIGHT, _SURROUND_WEIGHT][:channels]
    else:
        weights = [1.0, 1.0, 1.0, 0.0] + [_SURROUND_WEIGHT] * (channels - 4)
    return np.array(weights, dtype=np.float64)


def as_channels_first(samples: np.ndarray) -> np.ndarray:
    """View `samples` as (channels, n) float32/float64 (1-D means mono); other shapes are refused."""
    x = np.asarray(samples)
    if x.ndim == 1:
        x = x[np.newaxis, :]
    if x.ndim != 2:
        raise InvalidSamples(f"expected samples shaped (channels, n), got shape {x.shape}")
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float32)
    return x


STREAM_BLOCK = 1 << 16  # samples per block everywhere loudness is computed, so streamed and in-memory agree


class GranuleMeter:
    """K-weighted, channel-weighted energy per ~1 ms granule, fed ``(channels, m)`` blocks in order.

    Granule edges sit at ``round(k * sample_rate / 1000)``, so 100 ms hops and
    400 ms / 3 s windows fall exactly on them. The filter state carries across
    blocks and a granule split by a block edge is summed once the rest arrives,
    so the result is bit-identical however the signal is cut into blocks.
    """

    def __init__(self, channels: int, sample_rate: int, dtype: np.dtype | type = np.float32) -> None:
        self.sample_rate = sample_rate
        self._sos: np.ndarray = k_weighting_sos(sample_rate).astype(dtype)
        self._zi: np.ndarray = np.zeros((self._sos.shape[0], channels, 2), dtype=dtype)
        self._weights = channel_weights(channels)
        self._pending: np.ndarray = np.zeros((channels, 0), dtype=dtype)  # squared samples of the open granule
        self._pending_start = 0  # absolute index of _pending[:, 0]
        self._next_k = 1  # index of the next granule edge
        self._energies: list[np.ndarray] = []
        self.samples = 0

    def feed(self, block: np.ndarray) -> None:
        """Add the next ``(channels, m)`` samples."""
        y, self._zi = signal.sosfilt(self._sos, block, axis=-1, zi=self._zi)
        np.square(y, out=y)
        self.samples += block.shape[1]
        data = np.concatenate([self._pending, y], axis=1) if self._pending.shape[1] else y
        end = self._pending_start + data.shape[1]
        last_k = int(np.floor(end * 1000.0 / self.sample_rate)) + 1
        edges = np.round(np.arange(self._next_k, last_k + 1, dtype=np.float64) * self.sample_rate / 1000.0)
        edges = edges[edges <= end].astype(np.int64)  # granules that are complete now
        if edges.size:
            starts = np.concatenate([[self._pending_start], edges[:-1]]) - self._pending_start
            granules = np.add.reduceat(data[:, : edges[-1] - self._pending_start], starts, axis=1)
            self._energies.append(self._weights @ granules.astype(np.float64))
            self._next_k += edges.size
            self._pending, self._pending_start = data[:, edges[-1] - self._pending_start :], int(edges[-1])
        else:
            self._pending = data

    def cumulative(self) -> tuple[np.ndarray, np.ndarray]:
        """``(cumsum, bounds)``: ``cumsum[k]`` is the energy of samples ``[0, bounds[k])``, both (g + 1,)."""
        energies = list(self._energies)
        if self._pending.shape[1]:
            energies.append(self._weights @ self._pending.sum(axis=1).astype(np.float64)[:, None])
        energy = np.concatenate(energies) if energies else np.zeros(0)
        n = self.samples
        bounds = np.round(np.arange(0, energy.size, dtype=np.float64) * self.sample_rate / 1000.0).astype(np.int64)
        return np.concatenate(([0.0], np.cumsum(energy))), np.append(bounds, n)


def _energy_cumsum(samples: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative channel-weighted K-filtered energy at ~1 ms granules (see :class:`GranuleMeter`)."""
    x = as_channels_first(samples)
    meter = GranuleMeter(x.shape[0], sample_rate, x.dtype)
    for start in range(0, x.shape[1], STREAM_BLOCK):
        meter.feed(x[:, start : start + STREAM_BLOCK])
    return meter.cumulative()


def _to_lufs(mean_energy: np.ndarray | float) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return _OFFSET_DB + 10.0 * np.log10(np.maximum(mean_energy, 0.0))


def _window_energies(cum: tuple[np.ndarray, np.ndarray], window_s: float, hop_s: float) -> np.ndarray:
    """Mean energy of ``window_s`` windows starting every ``hop_s`` seconds.

    Hops and windows are whole numbers of 1 ms granules. A signal shorter than
    one window yields a single (partial) window, so a short sound still has a
    finite loudness.
    """
    cumsum, bounds = cum
    n = int(bounds[-1])
    window, hop = int(round(window_s * 1000)), max(1, int(round(hop_s * 1000)))
    granules = cumsum.size - 1
    if granules < window:
        return np.array([cumsum[-1] / max(n, 1)])
    starts = np.arange(0, granules - window + 1, hop)
    return (cumsum[starts + window] - cumsum[starts]) / (bounds[starts + window] - bounds[starts])


def _gated_mean(block_energy: np.ndarray, relative_gate_lu: float) -> float:
    """Energy mean after absolute (-70 LUFS) then relative gating; 0.0 if none pass."""
    loud = block_energy[_to_lufs(block_energy) > ABSOLUTE_GATE_LUFS]
    if loud.size == 0:
        return 0.0
    threshold_lufs = float(_to_lufs(loud.mean())) + relative_gate_lu
    gated = loud[_to_lufs(loud) > threshold_lufs]
    return float(gated.mean()) if gated.size else 0.0


def _integrated_from_cumsum(cum: tuple[np.ndarray, np.ndarray]) -> float:
    blocks = _window_energies(cum, MOMENTARY_WINDOW_S, GATING_HOP_S)
    return float(_to_lufs(_gated_mean(blocks, RELATIVE_GATE_LU)))


def _lra_from_cumsum(cum: tuple[np.ndarray, np.ndarray]) -> float:
    """EBU Tech 3342: short-term values at 10 Hz, gated, P95 − P10."""
    energies = _window_energies(cum, SHORT_TERM_WINDOW_S, GATING_HOP_S)
    loud = energies[_to_lufs(energies) > ABSOLUTE_GATE_LUFS]
    if loud.size == 0:
        return 0.0
    threshold_lufs = float(_to_lufs(loud.mean())) + LRA_RELATIVE_GATE_LU
    levels = _to_lufs(loud)
    levels = levels[levels > threshold_lufs]
    if levels.size == 0:
        return 0.0
    low, high = np.percentile(levels, [10.0, 95.0])
    return float(high - low)


def _max_from_cumsum(cum: tuple[np.ndarray, np.ndarray], window_s: float) -> float:
    return float(_to_lufs(_window_energies(cum, window_s, MAX_SEARCH_HOP_S).max()))


def integrated_loudness(samples: np.ndarray, sample_rate: int) -> float:
    """Gated integrated loudness in LUFS (BS.1770-4); ``-inf`` for silence."""
    return _integrated_from_cumsum(_energy_cumsum(samples, sample_rate))


def loudness_range(samples: np.ndarray, sample_rate: int) -> float:
    """Loudness range in LU (EBU Tech 3342); 0.0 when nothing passes the gates."""
    return _lra_from_cumsum(_energy_cumsum(samples, sample_rate))


def momentary_series(samples: np.ndarray, sample_rate: int, *, hop_s: float = 0.1) -> np.ndarray:
    """Momentary loudness (400 ms windows) every ``hop_s`` s (whole ms), LUFS, shape (m,)."""
    if hop_s <= 0:
        raise InvalidParameter(f"hop_s must be positive, got {hop_s}")
    return _to_lufs(_window_energies(_energy_cumsum(samples, sample_rate), MOMENTARY_WINDOW_S, hop_s))


def short_term_series(samples: np.ndarray, sample_rate: int, *, hop_s: float = 0.1) -> np.ndarray:
    """Short-term loudness (3 s windows) every ``hop_s`` s (whole ms), LUFS, shape (m,)."""
    if hop_s <= 0:
        raise InvalidParameter(f"hop_s must be positive, got {hop_s}")
    return _to_lufs(_window_energies(_energy_cumsum(samples, sample_rate), SHORT_TERM_WINDOW_S, hop_s))


def loudness_stats(samples: np.ndarray, sample_rate: int) -> LoudnessStats:
    """Integrated, max momentary, max short-term (1 ms search) and LRA in one pass."""
    return stats_from_cumulative(_energy_cumsum(samples, sample_rate))


def stats_from_cumulative(cum: tuple[np.ndarray, np.ndarray]) -> LoudnessStats:
    """:class:`LoudnessStats` from :meth:`GranuleMeter.cumulative` (streamed measurement)."""
    return LoudnessStats(
        integrated_lufs=_integrated_from_cumsum(cum),
        momentary_max_lufs=_max_from_cumsum(cum, MOMENTARY_WINDOW_S),
        short_term_max_lufs=_max_from_cumsum(cum, SHORT_TERM_WINDOW_S),
        loudness_range_lu=_lra_from_cumsum(cum),
    )
