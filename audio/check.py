"""Distribution readiness: does a master meet typical store/DSP intake rules?

Each rule yields a :class:`CheckItem` with status ``pass``/``warn``/``fail``,
the measured value and a plain-language fix. Rules follow FIELD_NOTES.md
(WAV/FLAC, 16/24-bit, >= 44.1 kHz, stereo, <= 10 s edge silence, no clipping,
>= 30 s, true peak <= -1 dBTP advice, loudness advice).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from audio.analysis import Analysis, analyze_file
from audio.io import AudioInfo, probe

__all__ = ["CheckItem", "ReadinessReport", "check", "evaluate"]

MAX_EDGE_SILENCE_S = 10.0
MIN_DURATION_S = 30.0
MIN_SAMPLE_RATE_HZ = 44100
TRUE_PEAK_ADVICE_DBTP = -1.0
STREAMING_TARGET_LUFS = -14.0
CLIP_FAIL_SAMPLES = 100


@dataclass(frozen=True)
class CheckItem:
    """One rule's outcome: ``status`` is "pass", "warn" or "fail"."""

    id: str
    status: str
    measured: str
    fix: str


@dataclass(frozen=True)
class ReadinessReport:
    """All rule outcomes for one file; ``ready`` means no rule failed."""

    path: str
    items: tuple[CheckItem, ...]

    @property
    def ready(self) -> bool:
        return all(item.status != "fail" for item in self.items)

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "ready": self.ready, "items": [asdict(i) for i in self.items]}


def _format_items(info: AudioInfo) -> list[CheckItem]:
    container = {"WAV": "pass", "FLAC": "pass", "AIFF": "warn"}.get(info.format, "fail")
    depth = {"PCM_16": "pass", "PCM_24": "pass", "FLOAT": "warn", "PCM_32": "warn"}.get(info.subtype, "fail")
    rate_ok = info.sample_rate >= MIN_SAMPLE_RATE_HZ
    layout = "pass" if info.channels == 2 else ("warn" if info.channels == 1 else "fail")
    return [
        CheckItem(
            "container",
            container,
            info.format,
            "" if container == "pass" else "Export a WAV or FLAC file; stores reject lossy uploads.",
        ),
        CheckItem(
            "bit_depth", depth, info.subtype, "" if depth == "pass" else "Export 24-bit (or dithered 16-bit) PCM."
        ),
        CheckItem(
            "sample_rate",
            "pass" if rate_ok else "fail",
            f"{info.sample_rate} Hz",
            "" if rate_ok else "Export at 44.1 kHz or higher from the original session.",
        ),
        CheckItem(
            "channels",
            layout,
            f"{info.channels} channel(s)",
            "" if layout == "pass" else "Deliver a stereo (2-channel) mix.",
        ),
        CheckItem(
            "duration",
            "pass" if info.duration_s >= MIN_DURATION_S else "warn",
            f"{info.duration_s:.1f} s",
            "" if info.duration_s >= MIN_DURATION_S else "Tracks under 30 s earn no streaming royalties.",
        ),
    ]


def _silence_item(a: Analysis) -> CheckItem:
    worst = max(a.silence_start_s, a.silence_end_s)
    ok = worst <= MAX_EDGE_SILENCE_S
    return CheckItem(
        "edge_silence",
        "pass" if ok else "fail",
        f"start {a.silence_start_s:.1f} s, end {a.silence_end_s:.1f} s",
        "" if ok else "Trim silence at the start and end to 10 s or less.",
    )


def _clipping_item(a: Analysis) -> CheckItem:
    count = a.clipped_samples
    status = "pass" if count == 0 else ("warn" if count < CLIP_FAIL_SAMPLES else "fail")
    return CheckItem(
        "clipping",
        status,
        f"{count} clipped samples",
        "" if count == 0 else "Lower the master level or use a true-peak limiter; the audio is clipped.",
    )


def _true_peak_item(a: Analysis) -> CheckItem:
    tp = a.true_peak_dbtp
    ok = tp <= TRUE_PEAK_ADVICE_DBTP
    measured = "silent" if tp == -math.inf else f"{tp:.2f} dBTP"
    return CheckItem(
        "true_peak",
        "pass" if ok else "warn",
        measured,
        "" if ok else "Keep true peak at or below -1 dBTP so lossy encoding does not clip.",
    )


def _loudness_item(a: Analysis) -> CheckItem:
    lufs = a.integrated_lufs
    if lufs == -math.inf:
        return CheckItem("loudness", "fail", "silent", "The file is digital silence; export the actual mix.")
    offset_db = lufs - STREAMING_TARGET_LUFS
    if offset_db > 5:
        fix = f"Very loud: streaming services will turn it down by about {offset_db:.0f} dB; consider less limiting."
    elif offset_db < -6:
        fix = f"Quiet: it will play about {-offset_db:.0f} dB below other tracks; master towards -14 LUFS."
    else:
        fix = ""
    return CheckItem("loudness", "warn" if fix else "pass", f"{lufs:.1f} LUFS", fix)


def evaluate(path: str | Path, info: AudioInfo, analysis: Analysis) -> ReadinessReport:
    """Apply every rule to already-measured facts (no I/O)."""
    items = _format_items(info) + [
        _silence_item(analysis),
        _clipping_item(analysis),
        _true_peak_item(analysis),
        _loudness_item(analysis),
    ]
    return ReadinessReport(str(path), tuple(items))


def check(path: str | Path, *, untrusted: bool = True, max_samples: int | None = None,
          progress: Callable[[float], None] | None = None) -> ReadinessReport:
    """Probe, then measure ``path`` block by block (in the sandboxed decoder if ``untrusted``) and check it."""
    info = probe(path, max_samples=max_samples)
    analysis = analyze_file(path, untrusted=untrusted, max_samples=max_samples, progress=progress)
    return evaluate(path, info, analysis)
