"""Marketplace previews: an excerpt with fades and an audible watermark, written as MP3.

The excerpt is the loudest ``length_s`` window (K-weighted energy, the same
weighting as loudness) unless ``start_s`` is given. The watermark is a short
synthesised voice-like tag (a two-syllable buzz through vowel formants) or a
user tag file, mixed every ``watermark_every_s`` seconds with its peak at
``watermark_db`` dBFS. Our true-peak limiter then keeps the result at −1 dBTP
so the MP3 encoder has headroom.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import signal

from audio.errors import InvalidParameter, SilentAudio
from audio.gainloop import LoudnessModel
from audio.limiter import LimiterSettings, limit

_TAG_CEILING_DBTP = -1.0


@dataclass(frozen=True)
class PreviewSettings:
    """Excerpt and watermark parameters (seconds, dBFS)."""

    length_s: float = 30.0
    start_s: float | None = None
    fade_s: float = 1.0
    watermark_every_s: float | None = 10.0  # None or 0: no watermark
    watermark_db: float = -18.0  # tag peak level, dBFS

    def __post_init__(self) -> None:
        if not 1.0 <= self.length_s <= 600.0:
            raise InvalidParameter(f"length_s {self.length_s} must be within 1..600 s")
        if self.start_s is not None and self.start_s < 0:
            raise InvalidParameter(f"start_s {self.start_s} must be >= 0")
        if not 0.0 <= self.fade_s <= self.length_s / 2:
            raise InvalidParameter(f"fade_s {self.fade_s} must be within 0..length_s/2 ({self.length_s / 2:g})")
        if self.watermark_every_s is not None and self.watermark_every_s != 0 and self.watermark_every_s < 2.0:
            raise InvalidParameter(f"watermark_every_s {self.watermark_every_s} must be >= 2 s (or 0 for none)")
        if not -60.0 <= self.watermark_db <= 0.0:
            raise InvalidParameter(f"watermark_db {self.watermark_db} must be within -60..0 dBFS")


def voice_tag(sample_rate: int) -> np.ndarray:
    """A 0.8 s voice-like tag, mono ``(1, n)`` float32 with peak 1.0.

    Two syllables: a glottal-like pulse train (harmonics of 190 Hz falling to
    150 Hz) through "ah" then "oh" formants, with syllable envelopes.
    """
    out = []
    for f0_start, f0_end, formants in ((190.0, 175.0, (730.0, 1090.0, 2440.0)), (165.0, 150.0, (570.0, 840.0, 2410.0))):
        n = int(0.36 * sample_rate)
        t = np.arange(n) / sample_rate
        f0 = np.linspace(f0_start, f0_end, n)
        phase = 2 * np.pi * np.cumsum(f0) / sample_rate
        harmonics = int(4000 / f0_start)
        source = sum(np.sin(k * phase) / k for k in range(1, harmonics + 1))
        voiced = np.zeros(n)
        for i, freq in enumerate(formants):
            b, a = signal.iirpeak(freq, Q=freq / 90.0, fs=sample_rate)
            voiced += signal.lfilter(b, a, source) * (0.5**i)
        envelope = np.sin(np.pi * np.minimum(t / t[-1], 1.0)) ** 0.6
        out += [voiced * envelope, np.zeros(int(0.04 * sample_rate))]
    tag = np.concatenate(out)
    return (tag / np.abs(tag).max()).astype(np.float32)[np.newaxis, :]


def loudest_start(x: np.ndarray, sample_rate: int, length_s: float) -> float:
    """Start (s, on a 100 ms grid) of the ``length_s`` window with the most K-weighted energy."""
    model = LoudnessModel(x, sample_rate)
    subs = model.sub_block_energy()
    window = max(1, int(round(length_s / 0.1)))
    if subs.size <= window:
        return 0.0
    csum = np.concatenate([[0.0], np.cumsum(subs)])
    return float(np.argmax(csum[window:] - csum[:-window])) * 0.1


def _fade(x: np.ndarray, sample_rate: int, fade_s: float) -> None:
    k = min(int(round(fade_s * sample_rate)), x.shape[1] // 2)
    if k:
        ramp = np.arange(k, dtype=np.float32) / k
        x[:, :k] *= ramp
        x[:, -k:] *= ramp[::-1]


def tag_positions_s(length_s: float, every_s: float, tag_s: float) -> list[float]:
    """Where tags start: the middle of each ``every_s`` interval that fits a whole tag."""
    return [p for p in np.arange(every_s / 2, length_s, every_s).tolist() if p + tag_s <= length_s]


def render_preview(x: np.ndarray, sample_rate: int, settings: PreviewSettings,
                   tag: np.ndarray | None = None) -> tuple[np.ndarray, dict[str, object]]:
    """Excerpt, fades, watermark and limiter for ``x`` ``(channels, n)``; returns audio and a summary."""
    if not np.any(x):
        raise SilentAudio("input is digital silence; a preview would be silent")
    total_s = x.shape[1] / sample_rate
    length_s = min(settings.length_s, total_s)
    if settings.start_s is None:
        start_s, how = loudest_start(x, sample_rate, length_s), "loudest section"
    else:
        if settings.start_s >= total_s:
            raise InvalidParameter(f"start_s {settings.start_s} is past the end of the audio ({total_s:.2f} s)")
        start_s, how = settings.start_s, "given start"
        length_s = min(length_s, total_s - start_s)
    start = int(round(start_s * sample_rate))
    y = np.array(x[:, start : start + int(round(length_s * sample_rate))], dtype=np.float32)
    _fade(y, sample_rate, settings.fade_s)
    positions: list[float] = []
    if settings.watermark_every_s:
        tag = voice_tag(sample_rate) if tag is None else tag
        positions = tag_positions_s(length_s, settings.watermark_every_s, tag.shape[1] / sample_rate)
        scaled = tag * np.float32(10.0 ** (settings.watermark_db / 20.0) / max(float(np.abs(tag).max()), 1e-12))
        for p in positions:
            i = int(round(p * sample_rate))
            y[:, i : i + scaled.shape[1]] += scaled[:, : y.shape[1] - i]
    y = limit(y, sample_rate, LimiterSettings(_TAG_CEILING_DBTP, 3.0, 80.0)).samples
    return y, {"start_s": round(start_s, 3), "length_s": round(length_s, 3), "excerpt": how,
               "watermark_at_s": [round(p, 3) for p in positions], "watermark_db": settings.watermark_db}


def make_preview(in_path: str | Path, out_path: str | Path, *, start_s: float | None = None,
                 length_s: float = 30.0, fade_s: float = 1.0, watermark_every_s: float | None = 10.0,
                 watermark_db: float = -18.0, tag_path: str | Path | None = None, untrusted: bool = True,
                 max_samples: int | None = None) -> dict[str, object]:
    """Write a watermarked preview of ``in_path`` to ``out_path`` (.mp3, or any audio.io format).

    ``untrusted`` (the default) decodes the input and the tag in the sandboxed child.
    """
    from audio.io import write_audio
    from audio.sandbox import file_reader

    settings = PreviewSettings(length_s, start_s, fade_s, watermark_every_s, watermark_db)
    with file_reader(untrusted=untrusted, max_samples=max_samples) as read:
        x, sr = read(in_path)
        tag_read = read(tag_path) if tag_path is not None else None
    tag = None
    if tag_read is not None:
        tag, tag_sr = tag_read
        if tag_sr != sr:
            g = math.gcd(int(tag_sr), int(sr))
            tag = signal.resample_poly(tag, sr // g, tag_sr // g, axis=1).astype(np.float32)
        if tag.shape[0] != x.shape[0]:
            tag = np.repeat(tag.mean(axis=0, keepdims=True), x.shape[0], axis=0)
        if not np.any(tag):
            raise SilentAudio(f"tag file {tag_path} is silent")
    y, summary = render_preview(x, sr, settings, tag)
    write_audio(out_path, y, sr)
    return {**summary, "output": str(out_path), "sample_rate": sr,
            "tag": str(tag_path) if tag_path is not None else "synthesised voice tag"}
