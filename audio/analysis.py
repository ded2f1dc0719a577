"""One-call technical analysis of a buffer: loudness, peaks, dynamics, stereo, tone, defects.

Input is float32 ``(channels, n)`` at ``sample_rate`` Hz. Levels are dBFS
(RMS: a full-scale sine reads -3.01 dBFS), loudness LUFS/LU, times seconds.
Digital silence is valid input: its levels are ``-inf`` and serialise to JSON
``null`` through :meth:`Analysis.to_dict`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from audio.io import validate_samples
from audio.loudness import loudness_stats
from audio.truepeak import linear_to_db, true_peaks_linear

__all__ = ["OCTAVE_BANDS_HZ", "Analysis", "analyze"]

OCTAVE_BANDS_HZ = (31.5, 63.0, 125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0, 16000.0)
CLIP_LEVEL = 0.999  # |x| at or above this counts towards clipping
CLIP_RUN_MIN = 3  # a lone full-scale sample is a legal peak; 3+ in a row is a clipped flat top
SILENCE_DBFS = -60.0
_SPECTRUM_FRAME = 16384  # 2.7 Hz bins at 44.1 kHz: enough for the 31.5 Hz band
_SPECTRUM_FRAMES = 48  # frames spread evenly over the file; tonal balance needs no more
_SCAN_CHUNK = 65536


@dataclass(frozen=True)
class Analysis:
    """Measurements of one buffer; see module docstring for units."""

    duration_s: float
    channels: int
    sample_rate: int
    integrated_lufs: float
    momentary_max_lufs: float
    short_term_max_lufs: float
    loudness_range_lu: float
    sample_peak_dbfs: float
    true_peak_dbtp: float
    true_peak_8x_dbtp: float
    rms_dbfs: float
    crest_factor_db: float
    dc_offset: tuple[float, ...]
    stereo_correlation: float | None
    stereo_width: float | None
    tonal_balance_db: dict[str, float | None]
    clipped_samples: int
    silence_start_s: float
    silence_end_s: float

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict; non-finite numbers (silence) become ``None``."""
        return {key: _json_safe(value) for key, value in asdict(self).items()}


def _json_safe(value: object) -> object:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def _db(power: float) -> float:
    return 10.0 * math.log10(power) if power > 0 else -math.inf


def _clipped_samples(x: np.ndarray) -> int:
    """Samples inside runs of >= CLIP_RUN_MIN consecutive |x| >= CLIP_LEVEL, all channels."""
    total = 0
    for channel in x:
        hot = (channel >= CLIP_LEVEL) | (channel <= -CLIP_LEVEL)
        if not hot.any():
            continue
        edges = np.diff(np.concatenate(([0], hot.view(np.int8), [0])))
        lengths = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
        total += int(lengths[lengths >= CLIP_RUN_MIN].sum())
    return total


def _edge_silence_s(x: np.ndarray, sample_rate: int) -> tuple[float, float]:
    """Seconds below SILENCE_DBFS at the start and at the end (scans only the edges)."""
    threshold = 10.0 ** (SILENCE_DBFS / 20.0)
    n = x.shape[1]

    def first_loud(view: np.ndarray) -> int:
        for start in range(0, n, _SCAN_CHUNK):
            loud = (np.abs(view[:, start : start + _SCAN_CHUNK]) > threshold).any(axis=0)
            if loud.any():
                return start + int(np.argmax(loud))
        return n

    head = first_loud(x)
    if head == n:
        return n / sample_rate, n / sample_rate
    tail = first_loud(x[:, ::-1])
    return head / sample_rate, tail / sample_rate


def _tonal_balance(x: np.ndarray, sample_rate: int) -> dict[str, float | None]:
    """Octave-band energy of the channel sum in dB relative to all bands together."""
    mono = x.mean(axis=0, dtype=np.float32) if x.shape[0] > 1 else x[0]
    frame = _SPECTRUM_FRAME
    if mono.size < frame:
        mono = np.pad(mono, (0, frame - mono.size))
    starts = np.linspace(0, mono.size - frame, num=min(_SPECTRUM_FRAMES, mono.size // frame + 1)).astype(int)
    frames = mono[starts[:, np.newaxis] + np.arange(frame)] * np.hanning(frame).astype(np.float32)
    power = (np.abs(np.fft.rfft(frames, axis=1)) ** 2).sum(axis=0)
    freqs = np.fft.rfftfreq(frame, 1.0 / sample_rate)
    bands: dict[str, float | None] = {}
    for centre in OCTAVE_BANDS_HZ:
        if centre >= sample_rate / 2:  # centre above Nyquist: unmeasurable (a band only cut by it is kept)
            bands[f"{centre:g}"] = None
            continue
        mask = (freqs >= centre / math.sqrt(2)) & (freqs < centre * math.sqrt(2))
        bands[f"{centre:g}"] = float(power[mask].sum())
    total = sum(v for v in bands.values() if v)
    return {k: (_db(v / total) if v and total > 0 else None) for k, v in bands.items()}


def _stereo(x: np.ndarray, energies: np.ndarray) -> tuple[float | None, float | None]:
    """(correlation -1..1, side/mid energy ratio) of channels 0/1; None if mono or silent."""
    if x.shape[0] < 2 or energies[0] == 0 or energies[1] == 0:
        return None, None
    cross = float(np.dot(x[0], x[1]))
    correlation = cross / math.sqrt(energies[0] * energies[1])
    mid = energies[0] + energies[1] + 2 * cross
    side = energies[0] + energies[1] - 2 * cross
    return correlation, (side / mid if mid > 0 else math.inf)


def analyze(samples: np.ndarray, sample_rate: int) -> Analysis:
    """Measure ``samples`` (float (channels, n), Hz); raises EmptyAudio/InvalidSamples only."""
    x = validate_samples(samples)
    channels, n = x.shape
    loud = loudness_stats(x, sample_rate)
    energies = np.array([float(np.dot(c, c)) for c in x])
    mean_square = float(energies.sum()) / x.size
    peak_dbfs = _db(float(max(x.max(), -x.min())) ** 2)
    rms = _db(mean_square)
    correlation, width = _stereo(x, energies)
    start_s, end_s = _edge_silence_s(x, sample_rate)
    true_peaks = true_peaks_linear(x, sample_rate, (4, 8))
    return Analysis(
        duration_s=n / sample_rate,
        channels=channels,
        sample_rate=sample_rate,
        integrated_lufs=loud.integrated_lufs,
        momentary_max_lufs=loud.momentary_max_lufs,
        short_term_max_lufs=loud.short_term_max_lufs,
        loudness_range_lu=loud.loudness_range_lu,
        sample_peak_dbfs=peak_dbfs,
        true_peak_dbtp=linear_to_db(float(true_peaks[4].max())),
        true_peak_8x_dbtp=linear_to_db(float(true_peaks[8].max())),
        rms_dbfs=rms,
        crest_factor_db=peak_dbfs - rms if math.isfinite(rms) else math.nan,
        dc_offset=tuple(float(v) for v in x.mean(axis=1, dtype=np.float64)),
        stereo_correlation=correlation,
        stereo_width=width,
        tonal_balance_db=_tonal_balance(x, sample_rate),
        clipped_samples=_clipped_samples(x),
        silence_start_s=start_s,
        silence_end_s=end_s,
    )
