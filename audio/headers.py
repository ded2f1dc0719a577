"""Header checks for untrusted audio files, before any decoder touches them.

libsndfile 1.2.2 has known overflow bugs (FIELD_NOTES.md), so we read the
container headers ourselves with bounded reads (:mod:`audio.containers`) and
reject anything outside sane bounds, including a budget on the total number
of samples (frames x channels) so a small file cannot claim hours of audio
that would then be held in memory. Files are opened by :func:`open_regular`:
symlinks, FIFOs, devices and directories are refused by name, and no error
message ever echoes a file's bytes. Used by :func:`audio.io.probe`.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from audio.containers import id3_size, parse_aiff, parse_flac, parse_mp3, parse_ogg, parse_wav, walk_wav
from audio.errors import AudioError, CorruptFile, EmptyAudio, HeaderOutOfBounds, UnreadableFile, UnsupportedFormat

__all__ = ["DEFAULT_MAX_SAMPLES", "AudioInfo", "check_bounds", "open_regular", "read_header", "sniff"]

MIN_SAMPLE_RATE_HZ = 8000
MAX_SAMPLE_RATE_HZ = 384000
MAX_CHANNELS = 8
# Budget on frames x channels for every command: 60 minutes of stereo 96 kHz
# (691.2 M) fits, as do 2 hours of stereo 48 kHz. As float32 that is 2.6 GiB;
# mastering holds a few working copies, analysis streams and holds none.
DEFAULT_MAX_SAMPLES = 700_000_000
_EXTENSIONS = {
    "WAV": {".wav", ".wave", ".bwf", ".rf64"},
    "AIFF": {".aif", ".aiff", ".aifc"},
    "FLAC": {".flac"},
    "OGG": {".ogg", ".oga", ".opus"},
    "MP3": {".mp3"},
}
_PARSERS = {"WAV": parse_wav, "AIFF": parse_aiff, "FLAC": parse_flac, "OGG": parse_ogg, "MP3": parse_mp3}


@dataclass(frozen=True)
class AudioInfo:
    """What a file's header says: container, layout, length (frames, seconds), encoding."""

    format: str
    channels: int
    sample_rate: int
    frames: int
    duration_s: float
    subtype: str


def check_bounds(name: str, channels: int, sample_rate: int, frames: int, max_duration_s: float,
                 max_samples: int = DEFAULT_MAX_SAMPLES) -> None:
    """Raise :class:`HeaderOutOfBounds` when a header field is outside accepted bounds."""
    if not MIN_SAMPLE_RATE_HZ <= sample_rate <= MAX_SAMPLE_RATE_HZ:
        raise HeaderOutOfBounds(
            f"{name}: sample rate {sample_rate} Hz is outside {MIN_SAMPLE_RATE_HZ}-{MAX_SAMPLE_RATE_HZ} Hz"
        )
    if not 1 <= channels <= MAX_CHANNELS:
        raise HeaderOutOfBounds(f"{name}: {channels} channels is outside 1-{MAX_CHANNELS}")
    if frames <= 0:
        raise EmptyAudio(f"{name}: contains no audio frames (zero-length audio)")
    if frames / sample_rate > max_duration_s:
        raise HeaderOutOfBounds(
            f"{name}: duration {frames / sample_rate:.1f} s exceeds the limit of {max_duration_s:.0f} s"
        )
    if frames * channels > max_samples:
        raise HeaderOutOfBounds(
            f"{name}: {frames / sample_rate / 60:.1f} min x {channels} channels at {sample_rate} Hz is "
            f"{frames * channels:,} samples, over the budget of {max_samples:,} "
            "(raise it with --max-samples or AUDIO_MAX_SAMPLES)"
        )


def sniff(head: bytes) -> str | None:
    """Container name from the first bytes (after any ID3v2 tag), or None."""
    if head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return "WAV"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "AIFF"
    if head[:4] == b"fLaC":
        return "FLAC"
    if head[:4] == b"OggS":
        return "OGG"
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "MP3"
    return None


def unreadable(name: str, exc: OSError) -> AudioError:
    """An OSError from opening or reading ``name`` as an AudioError that names the cause."""
    reason = {errno.EACCES: "permission denied", errno.EPERM: "permission denied",
              errno.ENOENT: "file not found", errno.EISDIR: "is a directory",
              errno.ELOOP: "is a symbolic link; refusing to follow it"}.get(exc.errno or 0)
    return UnreadableFile(f"{name}: cannot be read: {reason or exc.strerror or type(exc).__name__}")


def open_regular(path: Path) -> BinaryIO:
    """Open ``path`` for reading if it is a regular file itself (not a symlink, FIFO, device or directory).

    ``O_NOFOLLOW`` and an ``fstat`` of the opened descriptor close the gap between
    the check and the open; ``O_NONBLOCK`` means a FIFO swapped in cannot hang us.
    """
    name = path.name
    try:
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode):
            raise UnreadableFile(f"{name}: is a symbolic link; refusing to follow it")
        if stat.S_ISDIR(mode):
            raise UnreadableFile(f"{name}: is a directory, not an audio file")
        if not stat.S_ISREG(mode):
            raise UnreadableFile(f"{name}: is not a regular file (a FIFO, socket or device); refusing to read it")
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise unreadable(name, exc) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise UnreadableFile(f"{name}: changed while it was opened; refusing to read it")
    return os.fdopen(fd, "rb")


def _identify(f: BinaryIO, name: str, suffix: str) -> str:
    """Container of an open file by content; an ID3v2 tag in front of FLAC or MP3 is skipped.

    A file without an extension (an uploaded blob stored under a generated key) is identified by
    its content alone; a file whose extension names another format is refused.
    """
    head = f.read(12)
    tag = id3_size(head)
    if tag:
        f.seek(tag)
        head = f.read(12)
        kind = sniff(head) or ("MP3" if suffix in (".mp3", "") else None)  # MP3 frames may follow padding
    else:
        kind = sniff(head)
    if kind is None:
        known = not suffix or any(suffix in exts for exts in _EXTENSIONS.values())
        what = "is not audio" if known else f"has unsupported extension {suffix!r}"
        raise (CorruptFile if known else UnsupportedFormat)(
            f"{name}: {what}: its first bytes match no supported format")
    if suffix and suffix not in _EXTENSIONS[kind]:
        raise UnsupportedFormat(f"{name}: content is {kind} but the extension is {suffix!r}")
    return kind


def read_header(path: Path, max_duration_s: float, max_samples: int = DEFAULT_MAX_SAMPLES) -> AudioInfo:
    """Parse and bound-check ``path``'s header (bounded reads only; never decodes)."""
    name = path.name
    with open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        if size == 0:
            raise EmptyAudio(f"{name}: file is empty (0 bytes)")
        try:
            kind = _identify(f, name, path.suffix.lower())
            f.seek(0)
            channels, rate, frames, subtype = _PARSERS[kind](f, name, size)
        except OSError as exc:
            raise unreadable(name, exc) from None
    check_bounds(name, channels, rate, frames, max_duration_s, max_samples)
    return AudioInfo(kind, channels, rate, frames, frames / rate, subtype)


def wav_data_offset(path: Path, max_duration_s: float,
                    max_samples: int = DEFAULT_MAX_SAMPLES) -> tuple[AudioInfo, int]:
    """Header facts plus the byte offset of the PCM data, for raw fast paths (WAV only)."""
    info = read_header(path, max_duration_s, max_samples)
    if info.format != "WAV":
        raise UnsupportedFormat(f"{path.name}: not a WAV file ({info.format})")
    with open_regular(path) as f:
        return info, walk_wav(f, path.name, os.fstat(f.fileno()).st_size)[4]
