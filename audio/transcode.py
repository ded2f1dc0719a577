"""Lossy copies of finished audio: a constant-bitrate MP3 for MP3 leases.

Streams blocks from the source to LAME (through pedalboard.io), so memory stays flat
whatever the length. MP3 only holds 32, 44.1 or 48 kHz: other rates are resampled on the
way (multiples of 11.025 kHz to 44.1 kHz, the rest to 48 kHz). MP3 holds one or two
channels: a file with more keeps its front left/right pair (WAV's first two channels).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from pedalboard.io import AudioFile

from audio.errors import CorruptFile, InvalidParameter
from audio.io import probe

MP3_RATES_HZ = (32000, 44100, 48000)
MP3_BITRATES_KBPS = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)  # MPEG-1 layer III
BLOCK_FRAMES = 1 << 16


def mp3_rate_for(sample_rate: int) -> int:
    """The MP3 sample rate a source rate is written at (Hz)."""
    if sample_rate in MP3_RATES_HZ:
        return sample_rate
    return 44100 if sample_rate % 11025 == 0 else 48000


def transcode_mp3(in_path: str | Path, out_path: str | Path, *, bitrate_kbps: int = 320,
                  progress: Callable[[float], None] | None = None) -> dict[str, float | int]:
    """Encode ``in_path`` (WAV/FLAC/AIFF) as a CBR MP3 at ``out_path``.

    ``progress`` gets the done fraction (0..1) after each block. Returns the written
    ``sample_rate`` (Hz), ``channels``, ``bitrate_kbps`` and ``length_s``.
    """
    if bitrate_kbps not in MP3_BITRATES_KBPS:
        raise InvalidParameter(f"bitrate_kbps {bitrate_kbps} is not an MP3 bitrate; use one of {MP3_BITRATES_KBPS}")
    info = probe(in_path)
    rate, channels = mp3_rate_for(info.sample_rate), min(info.channels, 2)
    written = 0
    with AudioFile(str(in_path)) as raw, raw.resampled_to(rate) as src, \
            AudioFile(str(out_path), "w", rate, channels, quality=bitrate_kbps) as out:
        total = max(1, src.frames)
        while src.tell() < src.frames:
            block = src.read(BLOCK_FRAMES)
            if block.shape[1] == 0:
                break
            out.write(np.ascontiguousarray(block[:channels], dtype=np.float32))
            written += block.shape[1]
            if progress is not None:
                progress(min(1.0, written / total))
    if written == 0:
        raise CorruptFile(f"{Path(in_path).name}: no audio could be read to make the MP3")
    return {"sample_rate": rate, "channels": channels, "bitrate_kbps": bitrate_kbps, "length_s": written / rate}
