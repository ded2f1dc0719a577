"""Reference matching: the reference's loudness, mid/side spectral balance and width.

Matchering's method in our own code: average mid and side spectra (FFT 4096,
Hann, frames spread over the file) of target and reference at equal loudness,
ratio reference/target per bin, smoothed on a log-frequency grid (1/3 octave),
made into a linear-phase FIR per mid and side and applied by overlap-add
convolution. Matching the side spectrum separately also matches the width.
The result goes through our limiter and gain loop to the reference loudness
(capped to the −40…−5 LUFS preset range) at the preset ceiling. Everything
runs at the target's sample rate: a reference at another rate is resampled,
the target never is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import signal

from audio.chain import Decision
from audio.errors import InvalidParameter, SilentAudio
from audio.presets import TARGET_LUFS_RANGE, MasterPreset

FFT_SIZE = 4096
_MAX_FRAMES = 384  # frames averaged per spectrum; spread over the whole file
_MAX_CORRECTION_DB = 12.0
_SMOOTH_OCTAVES = 1.0 / 3.0


@dataclass(frozen=True)
class ReferenceMatch:
    """Matched audio ``(2, n)`` (before limiting), the preset to limit to, and the decisions."""

    samples: np.ndarray
    preset: MasterPreset
    decisions: tuple[Decision, ...]
    width_db: dict[str, float]


def _mid_side(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if x.shape[0] == 1:
        return x[0], np.zeros_like(x[0])
    return 0.5 * (x[0] + x[1]), 0.5 * (x[0] - x[1])


def average_spectrum(x: np.ndarray) -> np.ndarray:
    """Mean power spectrum ``(FFT_SIZE // 2 + 1,)`` of mono ``x`` over Hann frames."""
    if x.size < FFT_SIZE:
        x = np.pad(x, (0, FFT_SIZE - x.size))
    count = min(_MAX_FRAMES, (x.size - FFT_SIZE) // (FFT_SIZE // 2) + 1)
    starts = np.linspace(0, x.size - FFT_SIZE, count).astype(np.int64)
    frames = x[starts[:, None] + np.arange(FFT_SIZE)] * np.hanning(FFT_SIZE).astype(np.float32)
    return (np.abs(np.fft.rfft(frames, axis=1)) ** 2).mean(axis=0) + 1e-20


def smoothed_ratio_db(ref_power: np.ndarray, target_power: np.ndarray, sample_rate: int) -> np.ndarray:
    """Reference/target level per bin (dB), smoothed over 1/3 octave, clamped to ±12 dB."""
    freqs = np.fft.rfftfreq(FFT_SIZE, 1.0 / sample_rate)
    ratio_db = 10.0 * np.log10(ref_power / target_power)
    grid = np.geomspace(20.0, sample_rate / 2, 240)
    on_grid = np.interp(grid, freqs, ratio_db)
    width = max(1, int(round(_SMOOTH_OCTAVES / math.log2(grid[1] / grid[0]))))
    smooth = np.convolve(np.pad(on_grid, width, mode="edge"), np.ones(2 * width + 1) / (2 * width + 1), "same")
    smooth = smooth[width:-width]
    return np.clip(np.interp(freqs, grid, smooth), -_MAX_CORRECTION_DB, _MAX_CORRECTION_DB)


def linear_phase_fir(gain_db: np.ndarray) -> np.ndarray:
    """Symmetric FIR ``(FFT_SIZE - 1,)`` with the given magnitude per rfft bin."""
    impulse = np.fft.irfft(10.0 ** (gain_db / 20.0), n=FFT_SIZE)
    impulse = np.roll(impulse, FFT_SIZE // 2)[1:]
    return (impulse * np.hanning(FFT_SIZE - 1)).astype(np.float32)


def _filter(x: np.ndarray, fir: np.ndarray) -> np.ndarray:
    delay = (fir.size - 1) // 2
    return signal.oaconvolve(x, fir)[delay : delay + x.size].astype(np.float32)


def _prepare_reference(reference: np.ndarray, reference_sample_rate: int, sample_rate: int) -> np.ndarray:
    from audio.io import validate_samples

    ref = np.asarray(validate_samples(reference), dtype=np.float32)
    if not np.any(ref):
        raise SilentAudio("reference is digital silence; nothing to match")
    if reference_sample_rate != sample_rate:
        g = math.gcd(int(reference_sample_rate), int(sample_rate))
        ref = signal.resample_poly(ref, sample_rate // g, reference_sample_rate // g, axis=1).astype(np.float32)
    return ref


def _width_db(x: np.ndarray) -> float:
    mid, side = _mid_side(x)
    return 10.0 * math.log10(max(float(np.dot(side, side)), 1e-20) / max(float(np.dot(mid, mid)), 1e-20))


def match_reference(target: np.ndarray, sample_rate: int, reference: np.ndarray,
                    reference_sample_rate: int, *, ceiling_dbtp: float = -1.0) -> ReferenceMatch:
    """EQ ``target`` ``(channels, n)`` toward ``reference`` per mid and side; see module doc."""
    from audio.loudness import integrated_loudness

    ref = _prepare_reference(reference, int(reference_sample_rate), int(sample_rate))
    # Loudness at the reference's own rate: resampling drops content above the
    # new Nyquist, which K-weighting counts (+4 dB shelf).
    ref_lufs = integrated_loudness(np.asarray(reference, dtype=np.float32), int(reference_sample_rate))
    target_lufs = integrated_loudness(target, sample_rate)
    if not math.isfinite(ref_lufs):
        raise SilentAudio("reference loudness is below the -70 LUFS gate; nothing to match")
    if not math.isfinite(target_lufs):
        raise SilentAudio("target loudness is below the -70 LUFS gate; nothing to match")
    # Compare spectra at equal loudness so the FIRs only reshape, not re-level.
    level = np.float32(10.0 ** ((target_lufs - integrated_loudness(ref, sample_rate)) / 20.0))
    ref_mid, ref_side = _mid_side(ref * level)
    mid, side = _mid_side(target)
    mid_db = smoothed_ratio_db(average_spectrum(ref_mid), average_spectrum(mid), sample_rate)
    out_mid = _filter(mid, linear_phase_fir(mid_db))
    if target.shape[0] == 2 and np.any(side) and np.any(ref_side):
        side_db = smoothed_ratio_db(average_spectrum(ref_side), average_spectrum(side), sample_rate)
        out_side = _filter(side, linear_phase_fir(side_db))
        out = np.stack([out_mid + out_side, out_mid - out_side])
    else:
        side_db = np.zeros_like(mid_db)
        out = np.stack([out_mid, out_mid]) if target.shape[0] == 2 else out_mid[None, :]
    goal = float(np.clip(ref_lufs, *TARGET_LUFS_RANGE))
    preset = MasterPreset("reference", goal, ceiling_dbtp, f"Match reference at {ref_lufs:.1f} LUFS")
    widths = {"target": _width_db(target), "reference": _width_db(ref), "matched": _width_db(out)}
    return ReferenceMatch(out, preset, tuple(_decisions(ref_lufs, goal, mid_db, side_db, sample_rate, widths)),
                          {k: round(v, 2) for k, v in widths.items()})


def _band_summary(gain_db: np.ndarray, sample_rate: int) -> str:
    freqs = np.fft.rfftfreq(FFT_SIZE, 1.0 / sample_rate)
    parts = [f"{f:g} Hz {np.interp(f, freqs, gain_db):+.1f} dB" for f in (60, 250, 1000, 4000, 12000)]
    return ", ".join(parts)


def _decisions(ref_lufs: float, goal: float, mid_db: np.ndarray, side_db: np.ndarray, sample_rate: int,
               widths: dict[str, float]) -> list[Decision]:
    if not np.isfinite(mid_db).all():
        raise InvalidParameter("reference spectrum could not be measured")
    loud = f"Reference measures {ref_lufs:.1f} LUFS, so the master targets {goal:.1f} LUFS"
    if goal != ref_lufs:
        loud += f" (the nearest level our presets allow, {TARGET_LUFS_RANGE[0]:g}..{TARGET_LUFS_RANGE[1]:g})"
    return [
        Decision("reference_target_lufs", round(goal, 2), loud),
        Decision("reference_mid_eq", _band_summary(mid_db, sample_rate),
                 "Mid spectrum matched to the reference with a linear-phase FIR "
                 "(FFT 4096, 1/3-octave smoothing, clamped to ±12 dB)"),
        Decision("reference_side_eq", _band_summary(side_db, sample_rate),
                 f"Side spectrum matched separately: width (side/mid energy) {widths['target']:.1f} dB → "
                 f"{widths['matched']:.1f} dB, reference {widths['reference']:.1f} dB"),
    ]
