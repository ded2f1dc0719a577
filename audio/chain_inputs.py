"""What the mastering chain measures on its input before deciding anything (:class:`ChainInputs`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audio.presets import OCTAVE_BANDS_HZ

__all__ = ["ChainInputs", "measure_inputs", "octave_band_levels"]


@dataclass(frozen=True)
class ChainInputs:
    """The measurements the chain depends on (taken from ``audio.analysis``)."""

    integrated_lufs: float
    crest_factor_db: float
    loudness_range_lu: float
    dc_offset: float  # largest absolute per-channel mean, linear
    correlation: float  # L/R correlation, −1..1 (1 for mono)
    band_levels_db: tuple[float, ...]  # per OCTAVE_BANDS_HZ, any common reference
    sample_peak_dbfs: float = 0.0
    infrasonic_db: float = -120.0  # energy below 20 Hz relative to the 250 Hz-2 kHz bands


def _long_term_spectrum(x: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Summed power spectrum of the channel mean (64 Hann frames of 8192 spread over the file) and its bin
    frequencies; each frame's mean is removed first, so DC offset does not leak into the low bins."""
    mono = x.mean(axis=0) if x.shape[0] > 1 else x[0]
    frame = 8192
    mono = np.pad(mono, (0, max(0, frame - mono.size)))
    starts = np.linspace(0, mono.size - frame, num=min(64, mono.size // frame + 1)).astype(np.int64)
    frames = mono[starts[:, None] + np.arange(frame)]
    frames = (frames - frames.mean(axis=1, keepdims=True)) * np.hanning(frame).astype(np.float32)
    power = (np.abs(np.fft.rfft(frames, axis=1)) ** 2).sum(axis=0)
    return power, np.fft.rfftfreq(frame, 1.0 / sample_rate)


def octave_band_levels(x: np.ndarray, sample_rate: int) -> tuple[float, ...]:
    """Octave-band energy (dB, any reference) of the channel mean, per OCTAVE_BANDS_HZ."""
    power, freqs = _long_term_spectrum(x, sample_rate)
    return tuple(_band_db(power, freqs, centre / 2**0.5, centre * 2**0.5) for centre in OCTAVE_BANDS_HZ)


def _band_db(power: np.ndarray, freqs: np.ndarray, low_hz: float, high_hz: float) -> float:
    band = float(power[(freqs >= low_hz) & (freqs < high_hz)].sum())
    return 10.0 * float(np.log10(band)) if band > 0 else -120.0


def measure_inputs(x: np.ndarray, sample_rate: int) -> ChainInputs:
    """The chain's measurements in one K-filter pass (the full report analysis runs beside it)."""
    from audio.gainloop import LoudnessModel

    means = x.mean(axis=1, dtype=np.float64)
    model = LoudnessModel(x, sample_rate, dc=means)  # loudness of the programme, not of its DC offset
    energies = [float(np.dot(c, c)) for c in x]
    rms = float(np.sqrt(sum(energies) / x.size))
    peak = float(max(x.max(), -x.min()))
    correlation = 1.0
    if x.shape[0] == 2 and energies[0] > 0 and energies[1] > 0:
        correlation = float(np.dot(x[0], x[1])) / float(np.sqrt(energies[0] * energies[1]))
    power, freqs = _long_term_spectrum(x, sample_rate)
    bands = tuple(_band_db(power, freqs, c / 2**0.5, c * 2**0.5) for c in OCTAVE_BANDS_HZ)
    mid = [b for b, c in zip(bands, OCTAVE_BANDS_HZ, strict=True) if 250.0 <= c <= 2000.0]
    return ChainInputs(
        integrated_lufs=model.lufs(),
        crest_factor_db=20.0 * float(np.log10(peak / rms)) if rms > 0 else 0.0,
        loudness_range_lu=model.loudness_range_lu(),
        dc_offset=float(np.abs(means).max()),
        correlation=correlation,
        band_levels_db=bands,
        sample_peak_dbfs=20.0 * float(np.log10(peak)) if peak > 0 else -120.0,
        infrasonic_db=_band_db(power, freqs, 1.0, 20.0) - float(np.mean(mid)),
    )
