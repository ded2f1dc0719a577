"""Header parsing for untrusted audio files, before any decoder touches them.

libsndfile 1.2.2 has known overflow bugs (FIELD_NOTES.md), so we read the
container headers ourselves with bounded reads and reject anything outside
sane bounds: WAV (RIFF/RF64/BW64 chunks), AIFF/AIFC, FLAC STREAMINFO, and
light checks for Ogg (Vorbis/Opus) and MP3. Used by :func:`audio.io.probe`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from audio.errors import CorruptFile, EmptyAudio, HeaderOutOfBounds, UnsupportedFormat

MIN_SAMPLE_RATE_HZ = 8000
MAX_SAMPLE_RATE_HZ = 384000
MAX_CHANNELS = 8
_MAX_CHUNKS = 256  # stop walking chunk lists after this many (no hangs on crafted files)
_EXTENSIONS = {
    "WAV": {".wav", ".wave", ".bwf", ".rf64"},
    "AIFF": {".aif", ".aiff", ".aifc"},
    "FLAC": {".flac"},
    "OGG": {".ogg", ".oga", ".opus"},
    "MP3": {".mp3"},
}
_WAV_SUBTYPES = {
    (1, 8): "PCM_U8",
    (1, 16): "PCM_16",
    (1, 24): "PCM_24",
    (1, 32): "PCM_32",
    (3, 32): "FLOAT",
    (3, 64): "DOUBLE",
}


@dataclass(frozen=True)
class AudioInfo:
    """What a file's header says: container, layout, length (frames, seconds), encoding."""

    format: str
    channels: int
    sample_rate: int
    frames: int
    duration_s: float
    subtype: str


def check_bounds(name: str, channels: int, sample_rate: int, frames: int, max_duration_s: float) -> None:
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


def sniff(head: bytes) -> str | None:
    """Container name from the first bytes, or None."""
    if head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return "WAV"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "AIFF"
    if head[:4] == b"fLaC":
        return "FLAC"
    if head[:4] == b"OggS":
        return "OGG"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "MP3"
    return None


def _read_exact(f: BinaryIO, n: int, name: str, what: str) -> bytes:
    data = f.read(n)
    if len(data) < n:
        raise CorruptFile(f"{name}: truncated while reading the {what}")
    return data


def _parse_wav(f: BinaryIO, name: str, file_size: int) -> tuple[int, int, int, str]:
    return _walk_wav(f, name, file_size)[:4]


def _walk_wav(f: BinaryIO, name: str, file_size: int) -> tuple[int, int, int, str, int]:
    """(channels, rate, frames, subtype, data_offset) from the RIFF/RF64 chunk list."""
    riff = _read_exact(f, 12, name, "RIFF header")[:4]
    fmt: tuple[int, int, int, int, int] | None = None
    ds64_data_size: int | None = None
    for _ in range(_MAX_CHUNKS):
        head = f.read(8)
        if len(head) < 8:
            break
        chunk_id, size = head[:4], struct.unpack("<I", head[4:])[0]
        start = f.tell()
        if chunk_id == b"ds64":
            ds64_data_size = struct.unpack("<QQ", _read_exact(f, 16, name, "ds64 chunk"))[1]
        elif chunk_id == b"fmt ":
            raw = _read_exact(f, min(size, 40), name, "fmt chunk")
            if len(raw) < 16:
                raise CorruptFile(f"{name}: fmt chunk of {size} bytes is too short")
            tag, channels, rate, _, align, bits = struct.unpack("<HHIIHH", raw[:16])
            if tag == 0xFFFE and len(raw) >= 26:
                tag = struct.unpack("<H", raw[24:26])[0]  # sub-format GUID starts with the tag
            fmt = (tag, channels, rate, align, bits)
        elif chunk_id == b"data":
            if fmt is None:
                raise CorruptFile(f"{name}: data chunk before fmt chunk")
            if size == 0xFFFFFFFF and riff != b"RIFF" and ds64_data_size is not None:
                size = ds64_data_size
            return (*_wav_layout(name, fmt, size, file_size - start), start)
        f.seek(start + size + (size & 1))
    raise CorruptFile(f"{name}: no {'data' if fmt else 'fmt'} chunk found (truncated or not a WAV file)")


def _wav_layout(
    name: str, fmt: tuple[int, int, int, int, int], data_size: int, remaining: int
) -> tuple[int, int, int, str]:
    tag, channels, rate, align, bits = fmt
    subtype = _WAV_SUBTYPES.get((tag, bits))
    if subtype is None:
        raise UnsupportedFormat(f"{name}: WAV encoding tag {tag} with {bits} bits is not supported")
    if channels < 1 or channels > 64 or align != channels * bits // 8:
        raise HeaderOutOfBounds(f"{name}: {channels} channels with block align {align} is inconsistent")
    if data_size == 0xFFFFFFFF:
        raise HeaderOutOfBounds(f"{name}: data chunk size 0xFFFFFFFF (unknown length) in a RIFF file")
    if data_size > remaining:
        raise CorruptFile(f"{name}: truncated: header promises {data_size} bytes of audio, file holds {remaining}")
    return channels, rate, data_size // align, subtype


def _extended_to_float(raw: bytes) -> float:
    """IEEE 754 80-bit extended (AIFF sample rate) to float."""
    exponent = struct.unpack(">H", raw[:2])[0] & 0x7FFF
    mantissa = struct.unpack(">Q", raw[2:10])[0]
    if exponent == 0 and mantissa == 0:
        return 0.0
    return mantissa * 2.0 ** (exponent - 16383 - 63)


def _parse_aiff(f: BinaryIO, name: str, file_size: int) -> tuple[int, int, int, str]:
    form = _read_exact(f, 12, name, "FORM header")[8:12]
    comm: tuple[int, int, int, float] | None = None
    for _ in range(_MAX_CHUNKS):
        head = f.read(8)
        if len(head) < 8:
            break
        chunk_id, size = head[:4], struct.unpack(">I", head[4:])[0]
        start = f.tell()
        if chunk_id == b"COMM":
            raw = _read_exact(f, 18, name, "COMM chunk")
            channels, frames, bits = struct.unpack(">hIh", raw[:8])
            comm = (channels, frames, bits, _extended_to_float(raw[8:18]))
        elif chunk_id == b"SSND":
            if comm is None:
                raise CorruptFile(f"{name}: SSND chunk before COMM chunk")
            channels, frames, bits, rate = comm
            needed = frames * max(channels, 1) * ((bits + 7) // 8)
            if needed > min(size, file_size - start) - 8:
                raise CorruptFile(f"{name}: truncated: {frames} frames need {needed} bytes of sound data")
            subtype = f"PCM_{bits}" if form == b"AIFF" else "AIFC"
            return channels, int(round(rate)), frames, subtype
        f.seek(start + size + (size & 1))
    raise CorruptFile(f"{name}: no COMM/SSND chunk found (truncated or not an AIFF file)")


def _skip_id3(f: BinaryIO) -> None:
    head = f.read(10)
    if head[:3] == b"ID3" and len(head) == 10:
        size = 0
        for byte in head[6:10]:
            size = (size << 7) | (byte & 0x7F)  # synchsafe integer
        f.seek(10 + size)
    else:
        f.seek(0)


def _parse_flac(f: BinaryIO, name: str, file_size: int) -> tuple[int, int, int, str]:
    _skip_id3(f)
    if f.read(4) != b"fLaC":
        raise CorruptFile(f"{name}: missing fLaC marker")
    head = _read_exact(f, 4, name, "metadata block header")
    if head[0] & 0x7F != 0:
        raise CorruptFile(f"{name}: first FLAC metadata block is not STREAMINFO")
    info = _read_exact(f, 34, name, "STREAMINFO")
    packed = int.from_bytes(info[10:18], "big")
    rate, channels = packed >> 44, ((packed >> 41) & 0x7) + 1
    bits, frames = ((packed >> 36) & 0x1F) + 1, packed & 0xFFFFFFFFF
    last = bool(head[0] & 0x80)
    for _ in range(_MAX_CHUNKS):  # walk the remaining metadata blocks to find the audio
        if last:
            break
        head = _read_exact(f, 4, name, "metadata block header")
        last = bool(head[0] & 0x80)
        f.seek(int.from_bytes(head[1:4], "big"), 1)
    if f.tell() >= file_size:
        raise CorruptFile(f"{name}: truncated: no audio frames after the FLAC metadata")
    if frames == 0:
        raise UnsupportedFormat(f"{name}: FLAC header does not declare its length (total samples 0); re-encode it")
    return channels, rate, frames, f"PCM_{bits}" if bits in (8, 16, 24) else f"FLAC_{bits}"


def _parse_ogg(f: BinaryIO, name: str, file_size: int) -> tuple[int, int, int, str]:
    page = _read_exact(f, 27, name, "Ogg page header")
    segments = _read_exact(f, page[26], name, "Ogg segment table")
    packet = f.read(min(sum(segments), 64))
    if packet[:7] == b"\x01vorbis" and len(packet) >= 16:
        channels, rate = packet[11], struct.unpack("<I", packet[12:16])[0]
        codec, pre_skip = "VORBIS", 0
    elif packet[:8] == b"OpusHead" and len(packet) >= 12:
        channels, rate = packet[9], 48000  # Opus always decodes at 48 kHz
        codec, pre_skip = "OPUS", struct.unpack("<H", packet[10:12])[0]
    else:
        raise UnsupportedFormat(f"{name}: Ogg stream is neither Vorbis nor Opus")
    f.seek(max(0, file_size - 65536))
    tail = f.read()
    last = tail.rfind(b"OggS")
    if last < 0 or last + 14 > len(tail):
        raise CorruptFile(f"{name}: truncated: no final Ogg page")
    granule = struct.unpack("<q", tail[last + 6 : last + 14])[0]
    return channels, rate, max(granule - pre_skip, 0), codec


_MP3_BITRATES_KBPS = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MP3_RATES_HZ = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mp3_frame(buf: bytes, i: int) -> tuple[int, int, int, int] | None:
    """(sample_rate, channels, bitrate_bps, frame_bytes) of an MPEG layer III header at i."""
    if i + 4 > len(buf) or buf[i] != 0xFF or buf[i + 1] & 0xE0 != 0xE0:
        return None
    version, layer = (buf[i + 1] >> 3) & 3, (buf[i + 1] >> 1) & 3
    rate_idx, bitrate_idx = (buf[i + 2] >> 2) & 3, buf[i + 2] >> 4
    if version == 1 or layer != 1 or rate_idx == 3 or bitrate_idx in (0, 15):
        return None
    bitrate = _MP3_BITRATES_KBPS[1 if version == 3 else 2][bitrate_idx] * 1000
    rate = _MP3_RATES_HZ[version][rate_idx]
    frame_bytes = (144 if version == 3 else 72) * bitrate // rate + ((buf[i + 2] >> 1) & 1)
    return rate, 1 if buf[i + 3] >> 6 == 3 else 2, bitrate, frame_bytes


def _parse_mp3(f: BinaryIO, name: str, file_size: int) -> tuple[int, int, int, str]:
    _skip_id3(f)
    offset = f.tell()
    buf = f.read(65536)
    for i in range(max(len(buf) - 4, 0)):
        frame = _mp3_frame(buf, i)
        # A real stream has a second frame header right after the first.
        if frame and (i + frame[3] + 4 > len(buf) or _mp3_frame(buf, i + frame[3])):
            rate, channels, bitrate, frame_bytes = frame
            per_frame = 1152 if rate >= 32000 else 576
            xing = max(buf.find(b"Xing", i, i + frame_bytes), buf.find(b"Info", i, i + frame_bytes))
            if xing > 0 and buf[xing + 7] & 1:
                frames = struct.unpack(">I", buf[xing + 8 : xing + 12])[0] * per_frame
            else:
                frames = int((file_size - offset - i) * 8 / bitrate * rate)
            return channels, rate, frames, "MPEG_LAYER_III"
    raise CorruptFile(f"{name}: no MPEG layer III frame found (not an MP3 or truncated)")


_PARSERS = {"WAV": _parse_wav, "AIFF": _parse_aiff, "FLAC": _parse_flac, "OGG": _parse_ogg, "MP3": _parse_mp3}


def read_header(path: Path, max_duration_s: float) -> AudioInfo:
    """Parse and bound-check ``path``'s header (bounded reads only; never decodes)."""
    name = path.name
    if not path.is_file():
        raise UnsupportedFormat(f"{name}: file not found (or not a regular file)")
    size = path.stat().st_size
    if size == 0:
        raise EmptyAudio(f"{name}: file is empty (0 bytes)")
    with path.open("rb") as f:
        head = f.read(12)
        kind = sniff(head)
        suffix = path.suffix.lower()
        if kind is None:
            known = any(suffix in exts for exts in _EXTENSIONS.values())
            what = "is not audio" if known else f"has unsupported extension {suffix!r}"
            raise (CorruptFile if known else UnsupportedFormat)(
                f"{name}: {what}: first bytes {head[:8]!r} match no supported format"
            )
        if suffix not in _EXTENSIONS[kind]:
            raise UnsupportedFormat(f"{name}: content is {kind} but the extension is {suffix!r}")
        f.seek(0)
        channels, rate, frames, subtype = _PARSERS[kind](f, name, size)
    check_bounds(name, channels, rate, frames, max_duration_s)
    return AudioInfo(kind, channels, rate, frames, frames / rate, subtype)


def wav_data_offset(path: Path, max_duration_s: float) -> tuple[AudioInfo, int]:
    """Header facts plus the byte offset of the PCM data, for raw fast paths (WAV only)."""
    info = read_header(path, max_duration_s)
    if info.format != "WAV":
        raise UnsupportedFormat(f"{path.name}: not a WAV file ({info.format})")
    with path.open("rb") as f:
        return info, _walk_wav(f, path.name, path.stat().st_size)[4]
