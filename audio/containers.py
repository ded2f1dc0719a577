"""Bounded parsers for the container headers we accept: WAV (RIFF/RF64/BW64), AIFF/AIFC, FLAC, Ogg, MP3.

Each ``parse_*(f, name, file_size)`` reads a few bounded pieces of an open
binary file and returns ``(channels, sample_rate, frames, subtype)``, raising
:class:`audio.errors.AudioError` subclasses whose messages name the file and
the bad field. Nothing here decodes audio, and no message echoes file bytes.
Used by :mod:`audio.headers`.
"""

from __future__ import annotations

import math
import struct
from typing import BinaryIO

from audio.errors import CorruptFile, HeaderOutOfBounds, UnsupportedFormat

__all__ = ["id3_size", "parse_aiff", "parse_flac", "parse_mp3", "parse_ogg", "parse_wav", "walk_wav"]

# Chunks walked before the audio data. Each step moves at least 8 bytes, so the
# walk is bounded by the file size; this cap only stops pathological files early.
MAX_CHUNKS = 65536
MP3_MIN_FRAMES = 3  # a real stream is a chain of frames, each header right after the previous frame
_WAV_SUBTYPES = {
    (1, 8): "PCM_U8",
    (1, 16): "PCM_16",
    (1, 24): "PCM_24",
    (1, 32): "PCM_32",
    (3, 32): "FLOAT",
    (3, 64): "DOUBLE",
}


def _read_exact(f: BinaryIO, n: int, name: str, what: str) -> bytes:
    data = f.read(n)
    if len(data) < n:
        raise CorruptFile(f"{name}: truncated while reading the {what}")
    return data


def parse_wav(f: BinaryIO, name: str, file_size: int) -> tuple[int, int, int, str]:
    return walk_wav(f, name, file_size)[:4]


def walk_wav(f: BinaryIO, name: str, file_size: int) -> tuple[int, int, int, str, int]:
    """(channels, rate, frames, subtype, data_offset) from the RIFF/RF64 chunk list."""
    riff = _read_exact(f, 12, name, "RIFF header")[:4]
    fmt: tuple[int, int, int, int, int] | None = None
    ds64_data_size: int | None = None
    for _ in range(MAX_CHUNKS):
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
    else:
        raise CorruptFile(f"{name}: more than {MAX_CHUNKS} chunks before the audio data")
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
    """IEEE 754 80-bit extended (AIFF sample rate) to float; ``inf`` when beyond any float."""
    exponent = struct.unpack(">H", raw[:2])[0] & 0x7FFF
    mantissa = struct.unpack(">Q", raw[2:10])[0]
    if mantissa == 0:
        return 0.0
    if exponent == 0x7FFF or exponent - 16383 > 1023:
        return math.inf
    return math.ldexp(float(mantissa), exponent - 16383 - 63)


def parse_aiff(f: BinaryIO, name: str, file_size: int) -> tuple[int, int, int, str]:
    form = _read_exact(f, 12, name, "FORM header")[8:12]
    comm: tuple[int, int, int, float] | None = None
    for _ in range(MAX_CHUNKS):
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
            if not 1.0 <= rate <= 1e7:  # before rounding: an absurd exponent must not print 300 digits
                raise HeaderOutOfBounds(f"{name}: sample rate {rate:.4g} Hz in the COMM chunk is absurd")
            needed = frames * max(channels, 1) * ((bits + 7) // 8)
            if needed > min(size, file_size - start) - 8:
                raise CorruptFile(f"{name}: truncated: {frames} frames need {needed} bytes of sound data")
            subtype = f"PCM_{bits}" if form == b"AIFF" else "AIFC"
            return channels, int(round(rate)), frames, subtype
        f.seek(start + size + (size & 1))
    raise CorruptFile(f"{name}: no COMM/SSND chunk found (truncated or not an AIFF file)")


def id3_size(head: bytes) -> int:
    """Bytes taken by an ID3v2 tag starting ``head`` (header + footer included), 0 if none."""
    if len(head) < 10 or head[:3] != b"ID3":
        return 0
    size = 0
    for byte in head[6:10]:
        size = (size << 7) | (byte & 0x7F)  # synchsafe integer
    return 10 + size + (10 if head[5] & 0x10 else 0)


def _skip_id3(f: BinaryIO) -> None:
    f.seek(id3_size(f.read(10)))


def parse_flac(f: BinaryIO, name: str, file_size: int) -> tuple[int, int, int, str]:
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
    for _ in range(MAX_CHUNKS):  # walk the remaining metadata blocks to find the audio
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


def parse_ogg(f: BinaryIO, name: str, file_size: int) -> tuple[int, int, int, str]:
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


def _chain_length(buf: bytes, i: int, first: tuple[int, int, int, int]) -> int:
    """Consecutive frame headers from ``i``, each where the previous frame ends, same rate and channels."""
    count = 0
    while i + 4 <= len(buf):
        frame = _mp3_frame(buf, i)
        if frame is None or frame[:2] != first[:2]:
            break
        count += 1
        i += frame[3]
    return count


def parse_mp3(f: BinaryIO, name: str, file_size: int) -> tuple[int, int, int, str]:
    _skip_id3(f)
    offset = f.tell()
    buf = f.read(65536)
    for i in range(max(len(buf) - 4, 0)):
        frame = _mp3_frame(buf, i)
        if frame is None or _chain_length(buf, i, frame) < MP3_MIN_FRAMES:
            continue  # a lone sync pattern in random bytes is not a stream
        rate, channels, bitrate, frame_bytes = frame
        per_frame = 1152 if rate >= 32000 else 576
        xing = max(buf.find(b"Xing", i, i + frame_bytes), buf.find(b"Info", i, i + frame_bytes))
        if xing > 0 and xing + 12 <= len(buf) and buf[xing + 7] & 1:
            frames = struct.unpack(">I", buf[xing + 8 : xing + 12])[0] * per_frame
        else:
            frames = int((file_size - offset - i) * 8 / bitrate * rate)
        return channels, rate, frames, "MPEG_LAYER_III"
    raise CorruptFile(f"{name}: no run of {MP3_MIN_FRAMES} consecutive MPEG layer III frames "
                      "(not an MP3, damaged or truncated)")
