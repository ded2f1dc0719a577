"""One-call technical analysis: loudness, peaks, dynamics, stereo, tone, defects.

Input is float32 ``(channels, n)`` at ``sample_rate`` Hz (:func:`analyze`) or
a file (:func:`analyze_file`, streamed block by block in bounded memory, by
default in the sandboxed decoder). Levels are dBFS (RMS: a full-scale sine
reads -3.01 dBFS), loudness LUFS/LU, times seconds. Digital silence is valid
input: its levels are ``-inf`` and serialise to JSON ``null`` through
:meth:`Analysis.to_dict`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from audio.analyzer import Analyzer
from audio.io import validate_samples
from audio.truepeak import linear_to_db

__all__ = ["OCTAVE_BANDS_HZ", "Analysis", "analyze", "analyze_file", "measure"]

OCTAVE_BANDS_HZ = (31.5, 63.0, 125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0, 16000.0)


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


    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Analysis:
        """Inverse of :meth:`to_dict` (``None`` levels are silence); for results from the sandbox."""
        values: dict[str, object] = {}
        for f in fields(cls):
            value = data[f.name]
            if f.name in ("channels", "sample_rate", "clipped_samples"):
                values[f.name] = int(value)  # type: ignore[call-overload]
            elif f.name == "dc_offset":
                values[f.name] = tuple(float(v) for v in value)  # type: ignore[attr-defined]
            elif f.name == "tonal_balance_db":
                values[f.name] = {str(k): None if v is None else float(v) for k, v in value.items()}  # type: ignore[attr-defined]
            elif f.name in ("stereo_correlation", "stereo_width"):
                values[f.name] = None if value is None else float(value)  # type: ignore[arg-type]
            else:
                missing = math.nan if f.name == "crest_factor_db" else -math.inf
                values[f.name] = missing if value is None else float(value)  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]


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


def _tonal_balance(power: np.ndarray | None, freqs: np.ndarray, sample_rate: int) -> dict[str, float | None]:
    """Octave-band energy of the channel sum in dB relative to all bands together."""
    bands: dict[str, float | None] = {}
    for centre in OCTAVE_BANDS_HZ:
        if centre >= sample_rate / 2 or power is None:  # above Nyquist: unmeasurable (cut by it: kept)
            bands[f"{centre:g}"] = None
            continue
        mask = (freqs >= centre / math.sqrt(2)) & (freqs < centre * math.sqrt(2))
        bands[f"{centre:g}"] = float(power[mask].sum())
    total = sum(v for v in bands.values() if v)
    return {k: (_db(v / total) if v and total > 0 else None) for k, v in bands.items()}


def _stereo(m: Analyzer) -> tuple[float | None, float | None]:
    """(correlation -1..1, side/mid energy ratio) of channels 0/1; None if mono or silent."""
    energies = m.energy
    if m.channels < 2 or energies[0] == 0 or energies[1] == 0:
        return None, None
    correlation = m.cross / math.sqrt(energies[0] * energies[1])
    mid = energies[0] + energies[1] + 2 * m.cross
    side = energies[0] + energies[1] - 2 * m.cross
    return correlation, (side / mid if mid > 0 else math.inf)


def measure(m: Analyzer) -> Analysis:
    """The :class:`Analysis` of everything an :class:`audio.analyzer.Analyzer` was fed (after ``finish``)."""
    n, sample_rate = m.frames, m.sample_rate
    integrated, momentary, short_term, lra = m.loudness()
    peak_dbfs = m.peak_dbfs()
    rms = _db(float(m.energy.sum()) / (n * m.channels)) if n else -math.inf
    correlation, width = _stereo(m)
    start_s, end_s = m.edge_silence_s()
    return Analysis(
        duration_s=n / sample_rate,
        channels=m.channels,
        sample_rate=sample_rate,
        integrated_lufs=integrated,
        momentary_max_lufs=momentary,
        short_term_max_lufs=short_term,
        loudness_range_lu=lra,
        sample_peak_dbfs=peak_dbfs,
        true_peak_dbtp=linear_to_db(float(m.true_peak[4].max())),
        true_peak_8x_dbtp=linear_to_db(float(m.true_peak[8].max())),
        rms_dbfs=rms,
        crest_factor_db=peak_dbfs - rms if math.isfinite(rms) else math.nan,
        dc_offset=tuple(float(v) / n for v in m.sums),
        stereo_correlation=correlation,
        stereo_width=width,
        tonal_balance_db=_tonal_balance(*m.spectrum(), sample_rate),
        clipped_samples=m.clipped,
        silence_start_s=start_s,
        silence_end_s=end_s,
    )


def analyze(samples: np.ndarray, sample_rate: int) -> Analysis:
    """Measure ``samples`` (float (channels, n), Hz); raises EmptyAudio/InvalidSamples only."""
    x = validate_samples(samples)
    m = Analyzer(x.shape[0], sample_rate, x.shape[1])
    m.feed(x)
    return measure(m.finish())


def analyze_file(path: str | Path, *, untrusted: bool = True, max_samples: int | None = None,
                 progress: Callable[[float], None] | None = None) -> Analysis:
    """Measure a file block by block (memory stays a few blocks, whatever its length).

    ``untrusted=True`` (files from users) decodes and measures in the sandboxed
    child process (:mod:`audio.sandbox`); ``max_samples`` bounds frames x channels.
    """
    from audio.io import probe, stream_file

    p = Path(path)
    if untrusted:
        from audio.sandbox import Sandbox

        with Sandbox(max_samples=max_samples, progress=progress) as sandbox:
            return sandbox.analyze(p)
    info = probe(p, max_samples=max_samples)
    m = Analyzer(info.channels, info.sample_rate, info.frames)
    for block in stream_file(p, info, max_samples=max_samples):
        m.feed(block)
        if progress:
            progress(min(1.0, m.frames / info.frames))
    return measure(m.finish())
