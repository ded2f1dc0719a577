"""Deterministic test signals shared by the audio tests and benchmarks.

Everything returns float32 arrays shaped ``(channels, n)``. Generators are
seeded so a failing test reproduces exactly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

__all__ = [
    "make_music",
    "pink_noise",
    "sine",
    "stereo_sine_dbfs",
    "write_music_streaming",
    "write_wav",
]

_TEMPO_BEAT_S = 0.5  # 120 bpm
_BAR_S = 4 * _TEMPO_BEAT_S
_LOOP_S = 4 * _BAR_S  # four-bar chord progression
_CHORDS_HZ = (
    (220.00, 261.63, 329.63),  # A minor
    (174.61, 220.00, 261.63),  # F major
    (196.00, 246.94, 293.66),  # G major
    (164.81, 207.65, 246.94),  # E major
)
_BASS_HZ = (55.0, 43.65, 49.0, 41.2)


def sine(
    freq_hz: float,
    duration_s: float,
    sample_rate: int,
    *,
    amplitude: float = 1.0,
    phase_deg: float = 0.0,
    channels: int = 2,
) -> np.ndarray:
    """Sine of peak ``amplitude`` on every channel, shape (channels, n)."""
    t = np.arange(int(round(duration_s * sample_rate))) / sample_rate
    x = amplitude * np.sin(2 * np.pi * freq_hz * t + np.deg2rad(phase_deg))
    return np.tile(x.astype(np.float32), (channels, 1))


def stereo_sine_dbfs(
    level_dbfs: float, duration_s: float, sample_rate: int = 48000, freq_hz: float = 1000.0, channels: int = 2
) -> np.ndarray:
    """EBU test tone: 1 kHz sine whose peak is ``level_dbfs`` on each channel."""
    return sine(freq_hz, duration_s, sample_rate, amplitude=10 ** (level_dbfs / 20), channels=channels)


def pink_noise(
    duration_s: float, sample_rate: int, *, seed: int = 0, channels: int = 2, rms_dbfs: float = -20.0
) -> np.ndarray:
    """Pink-ish noise (1/f power via FFT shaping) at ``rms_dbfs`` RMS."""
    rng = np.random.default_rng(seed)
    n = int(round(duration_s * sample_rate))
    spectrum = np.fft.rfft(rng.standard_normal((channels, n)), axis=-1)
    freqs = np.fft.rfftfreq(n, 1.0 / sample_rate)
    spectrum[:, 1:] /= np.sqrt(freqs[1:])
    spectrum[:, 0] = 0.0
    x = np.fft.irfft(spectrum, n=n, axis=-1)
    x *= 10 ** (rms_dbfs / 20) / np.sqrt(np.mean(x**2))
    return x.astype(np.float32)


def _decay(n: int, sample_rate: int, tau_s: float) -> np.ndarray:
    return np.exp(-np.arange(n) / (tau_s * sample_rate))


def _drum_loop(sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """Kick on 1 and 3, snare on 2 and 4, eighth-note hats over one loop (mono)."""
    n = int(_LOOP_S * sample_rate)
    out = np.zeros(n)
    hit = int(0.3 * sample_rate)
    t = np.arange(hit) / sample_rate
    kick = np.sin(2 * np.pi * (50 * t + 60 * 0.05 * (1 - np.exp(-t / 0.05)))) * _decay(hit, sample_rate, 0.12)
    snare = rng.standard_normal(hit) * _decay(hit, sample_rate, 0.05) * 0.5
    snare += 0.3 * np.sin(2 * np.pi * 190 * t) * _decay(hit, sample_rate, 0.04)
    hat_noise = np.diff(rng.standard_normal(hit + 1)) * _decay(hit, sample_rate, 0.015) * 0.15
    beat = int(_TEMPO_BEAT_S * sample_rate)
    for b in range(int(_LOOP_S / _TEMPO_BEAT_S)):
        start = b * beat
        out[start : start + hit] += kick if b % 2 == 0 else snare
        for half in (0, beat // 2):
            out[start + half : start + half + hit] += hat_noise[: n - start - half]
    return out


def _tonal_loop(sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Bass (saw-ish) and chord pad over one loop, each mono."""
    bar = int(_BAR_S * sample_rate)
    t = np.arange(bar) / sample_rate
    bass_parts, chord_parts = [], []
    for root_hz, chord in zip(_BASS_HZ, _CHORDS_HZ, strict=True):
        saw = sum(np.sin(2 * np.pi * root_hz * k * t) / k for k in range(1, 8))
        bass_parts.append(0.35 * saw * (0.6 + 0.4 * np.exp(-(t % _TEMPO_BEAT_S) / 0.15)))
        pad = sum(np.sin(2 * np.pi * f * t) + 0.3 * np.sin(4 * np.pi * f * t) for f in chord)
        chord_parts.append(0.12 * pad * np.minimum(1.0, t / 0.05))
    return np.concatenate(bass_parts), np.concatenate(chord_parts)


def make_music(duration_s: float, sample_rate: int, seed: int = 0) -> np.ndarray:
    """Music-like stereo material (drums, bass, chords), float32 (2, n), peak ≈ −1 dBFS.

    A four-bar loop is tiled to length, then shaped by a slow seeded level
    envelope (sections ±6 dB) and a little noise, so loudness and LRA are
    realistic while generation stays cheap.
    """
    rng = np.random.default_rng(seed)
    n = int(round(duration_s * sample_rate))
    drums = _drum_loop(sample_rate, rng)
    bass, chords = _tonal_loop(sample_rate)
    reps = n // drums.size + 1
    left = np.tile(drums + bass + 0.8 * chords, reps)[:n]
    right = np.tile(0.9 * drums + bass + np.roll(chords, 441), reps)[:n]
    x = np.stack([left, right])
    sections = rng.uniform(-6.0, 0.0, size=int(duration_s / _LOOP_S) + 2)
    env_db = np.interp(np.arange(n) / sample_rate, np.arange(sections.size) * _LOOP_S, sections)
    x *= 10 ** (env_db / 20)
    x += 0.003 * rng.standard_normal(x.shape)
    peak = np.max(np.abs(x))
    return (x * (10 ** (-1 / 20) / peak if peak > 0 else 1.0)).astype(np.float32)


def write_wav(tmp_path: Path, name: str, x: np.ndarray, sr: int, subtype: str = "PCM_24") -> Path:
    """Write (channels, n) float samples to ``tmp_path/name`` as WAV; returns the path."""
    path = Path(tmp_path) / name
    sf.write(str(path), np.ascontiguousarray(np.asarray(x).T), sr, subtype=subtype, format="WAV")
    return path


def write_music_streaming(
    path: Path, duration_s: float, sample_rate: int, *, chunk_s: float = 32.0, subtype: str = "PCM_16"
) -> Path:
    """Write long music-like audio chunk by chunk, so memory stays O(chunk)."""
    chunk = make_music(chunk_s, sample_rate, seed=1).T.copy()
    frames_total = int(round(duration_s * sample_rate))
    with sf.SoundFile(str(path), "w", sample_rate, 2, subtype=subtype, format="WAV") as f:
        written = 0
        while written < frames_total:
            part = chunk[: frames_total - written]
            f.write(part * (0.5 + 0.5 * ((written // chunk.shape[0]) % 2)))
            written += part.shape[0]
    return Path(path)
