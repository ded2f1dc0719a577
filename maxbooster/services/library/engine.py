"""The library's use of the audio engine: the upload check and the processing steps.

Untrusted bytes are only ever decoded inside the engine's sandbox (a resource-limited child
process); what comes back is checked figures. The working copy is written by us (24-bit or
float WAV at the native rate), so the later steps read trusted PCM.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maxbooster.services.errors import InvalidInput

Progress = Callable[[int, str], None]
PEAK_LEVELS = (64, 256, 1024, 4096, 16384)
SERIES_HOP_S = 1.0


@dataclass(frozen=True)
class UploadInfo:
    format: str
    subtype: str
    sample_rate: int
    channels: int
    duration_s: float


_CLI_HINT = " (raise it with --max-samples or AUDIO_MAX_SAMPLES)"  # advice for the command line only


def _refused(exc: Exception, stored: Path | None = None, shown: str = "") -> InvalidInput:
    """The engine's message for the web: it names the file it read (our storage blob, e.g.
    'original'), so the name the artist uploaded is put in its place, and command-line advice
    becomes advice an artist can follow."""
    text = str(exc)
    if stored is not None and shown and text.startswith(f"{stored.name}: "):
        text = f"{shown}: {text[len(stored.name) + 2:]}"
    if text.endswith(_CLI_HINT):
        text = text[: -len(_CLI_HINT)] + ". Upload a shorter file or one with fewer channels."
    return InvalidInput(f"This file cannot be used: {text}")


# Integer PCM in these containers needs no decode to be trusted: the engine's header checks
# already bound its layout and size, and every bit pattern is a valid sample (no NaN, no +60 dBFS).
_PLAIN_PCM = {"WAV", "AIFF"}
_INTEGER_SUBTYPES = {"PCM_16", "PCM_24", "PCM_32", "PCM_S8", "PCM_U8"}


NOT_YET = ("M4A/AAC files are not supported yet: no decoder we can install handles them safely. "
           "Export the song as WAV, FLAC or MP3 and upload that.")


def _is_mp4(path: Path) -> bool:
    """An MP4/M4A container (an 'ftyp' box first): AAC or ALAC audio we cannot decode yet."""
    with open(path, "rb") as fh:
        head = fh.read(12)
    return len(head) == 12 and head[4:8] == b"ftyp"


def inspect_upload(path: Path, name: str) -> UploadInfo:
    """Header checks, then (unless it is plain integer PCM) a full decode in the sandbox;
    InvalidInput with the engine's message when the file is not audio we can read. The parent
    never holds the samples."""
    from audio.errors import AudioError
    from audio.io import probe
    from audio.sandbox import Sandbox

    if _is_mp4(path):
        raise InvalidInput(NOT_YET)
    try:
        info = probe(path)
        if not (info.format.upper() in _PLAIN_PCM and info.subtype.upper() in _INTEGER_SUBTYPES):
            with Sandbox() as sandbox:
                sandbox.decode(path)
    except AudioError as exc:
        raise _refused(exc, path, name) from exc
    return UploadInfo(format=info.format.lower(), subtype=info.subtype, sample_rate=info.sample_rate,
                      channels=info.channels, duration_s=round(info.frames / info.sample_rate, 3))


@dataclass
class Processed:
    """Everything processing learned about a track; files are in `workdir`."""

    working_copy: Path
    peak_files: dict[int, Path]
    analysis: dict[str, Any]
    readiness: dict[str, Any]
    loudness_series: list[float | None]
    tags: dict[str, str]


def _plain_pcm(info: Any) -> bool:
    return info.format.upper() in _PLAIN_PCM and info.subtype.upper() in _INTEGER_SUBTYPES


def process(original: Path, workdir: Path, progress: Progress,
            peaks_ready: Callable[[dict[int, Path]], None], *, name: str = "") -> Processed:
    """Decode (sandboxed, measuring on the way), working copy, peaks, analysis, readiness, tags.

    The waveform comes first: `peaks_ready` gets the peak files as soon as they exist (for plain
    integer PCM straight from the upload's bytes, before any decoding), so the artist sees the
    waveform while the rest is measured.
    """
    from audio.errors import AudioError
    from audio.io import probe
    from audio.sandbox import Sandbox

    try:
        peaks: dict[int, Path] = {}
        if _plain_pcm(probe(original)):
            progress(3, "Drawing the waveform")
            peaks = _peaks(original, workdir)
            peaks_ready(peaks)
        with Sandbox() as sandbox:
            progress(10, "Reading the file")
            samples, rate, measured = sandbox.decode(original, analyze=True)
            working = _write_working_copy(samples, rate, probe(original), workdir)
            if not peaks:
                progress(30, "Drawing the waveform")
                peaks = _peaks(working, workdir)
                peaks_ready(peaks)
            progress(50, "Measuring loudness over time")
            series = _series(samples, rate)
            del samples
            analysis = measured.to_dict()
            progress(80, "Checking readiness for release")
            readiness = _readiness(original, analysis)
    except AudioError as exc:
        raise _refused(exc, original, name) from exc
    progress(90, "Reading tags")
    return Processed(working, peaks, analysis, readiness, series, read_tags(original))


def _write_working_copy(samples: Any, rate: int, info: Any, workdir: Path) -> Path:
    from audio.io import write_audio

    subtype = "FLOAT" if str(getattr(info, "subtype", "")).upper() in ("FLOAT", "DOUBLE") else "PCM_24"
    path = workdir / "working.wav"
    write_audio(path, samples, rate, subtype=subtype)
    return path


def _peaks(source: Path, workdir: Path) -> dict[int, Path]:
    """One audiowaveform .dat (v2, 16-bit) per level, from plain PCM or our own working copy."""
    from audio.peaks import build_peaks

    written = build_peaks(source, workdir / "peaks", levels=PEAK_LEVELS, json_levels=())
    return {int(path.suffixes[-2].lstrip(".")): path for path in written if path.suffix == ".dat"}


def _series(samples: Any, rate: int) -> list[float | None]:
    """Short-term loudness (LUFS) once per `SERIES_HOP_S`; silence is None."""
    from audio.loudness import short_term_series

    series = short_term_series(samples, rate, hop_s=SERIES_HOP_S)
    return [round(float(v), 2) if math.isfinite(float(v)) else None for v in series]


def _readiness(original: Path, analysis: dict[str, Any]) -> dict[str, Any]:
    """Distribution readiness of the file as uploaded (its format and bit depth count), with the
    figures measured on its decoded samples."""
    from audio.analysis import Analysis
    from audio.check import evaluate
    from audio.io import probe

    report = evaluate(original, probe(original), Analysis.from_dict(analysis))
    result = json.loads(json.dumps(report.to_dict()))
    result.pop("path", None)  # a storage path is nobody's business
    return result


def read_tags(path: Path) -> dict[str, str]:
    """Title and artist from the file's tags (ID3, Vorbis comments, RIFF INFO…); empty when none.

    Tag parsers read untrusted bytes too: any failure just means "no tags".
    """
    try:
        import mutagen

        tags = mutagen.File(path, easy=True)
    except Exception:  # noqa: BLE001  (broken or hostile tags are simply ignored)
        return {}
    if not tags or not getattr(tags, "tags", None):
        return {}
    found: dict[str, str] = {}
    for field in ("title", "artist"):
        values = tags.tags.get(field) if hasattr(tags.tags, "get") else None
        if values:
            text = " ".join(str(values[0]).split())[:200]
            if text.isprintable() and text:
                found[field] = text
    return found
