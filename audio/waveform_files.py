"""BBC audiowaveform's .dat (v2) and JSON peak files, as waveform-data.js (peaks.js) reads them.

.dat v2 layout (little-endian): int32 version=2, uint32 flags (bit 0 = 8-bit),
int32 sample_rate, int32 samples_per_pixel, uint32 length (pixels), int32
channels, then per pixel per channel: min, max as int8 or int16.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audio.errors import InvalidParameter

__all__ = ["Peaks", "read_dat", "write_dat", "write_json"]

_JSON_CHUNK = 1 << 16
_HEADER = struct.Struct("<iIiiIi")


@dataclass(frozen=True)
class Peaks:
    """One pyramid level: ``data`` int (channels, pixels, 2) holding min, max."""

    sample_rate: int
    samples_per_pixel: int
    bits: int
    data: np.ndarray

    @property
    def channels(self) -> int:
        return int(self.data.shape[0])

    @property
    def length(self) -> int:
        return int(self.data.shape[1])


def write_dat(path: Path, peaks: Peaks) -> Path:
    """Write audiowaveform binary v2 (min/max interleaved per pixel, per channel)."""
    flags = 1 if peaks.bits == 8 else 0
    header = _HEADER.pack(2, flags, peaks.sample_rate, peaks.samples_per_pixel, peaks.length, peaks.channels)
    body = np.ascontiguousarray(peaks.data.transpose(1, 0, 2)).astype("<i2" if peaks.bits == 16 else "i1", copy=False)
    with open(path, "wb") as f:
        f.write(header)
        body.tofile(f)
    return path


def write_json(path: Path, peaks: Peaks) -> Path:
    """Write audiowaveform JSON v2 with the same interleaving as the .dat."""
    meta = {
        "version": 2,
        "channels": peaks.channels,
        "sample_rate": peaks.sample_rate,
        "samples_per_pixel": peaks.samples_per_pixel,
        "bits": peaks.bits,
        "length": peaks.length,
    }
    values = np.ascontiguousarray(peaks.data.transpose(1, 0, 2)).reshape(-1)
    with open(path, "w") as f:
        f.write(json.dumps(meta)[:-1] + ',"data":[')
        for start in range(0, values.size, _JSON_CHUNK):  # chunked: memory stays O(chunk)
            if start:
                f.write(",")
            f.write(",".join(map(str, values[start : start + _JSON_CHUNK].tolist())))
        f.write("]}")
    return path


def read_dat(path: str | Path) -> Peaks:
    """Read an audiowaveform .dat v2 file written by :func:`write_dat`."""
    raw = Path(path).read_bytes()
    if len(raw) < _HEADER.size:
        raise InvalidParameter(f"{Path(path).name}: too short for a .dat header ({len(raw)} bytes)")
    version, flags, rate, spp, length, channels = _HEADER.unpack_from(raw)
    if version != 2 or channels < 1:
        raise InvalidParameter(f"{Path(path).name}: unsupported .dat version {version} / {channels} channels")
    bits = 8 if flags & 1 else 16
    values = np.frombuffer(raw, dtype="i1" if bits == 8 else "<i2", offset=_HEADER.size)
    if values.size != length * channels * 2:
        raise InvalidParameter(f"{Path(path).name}: expected {length * channels * 2} values, got {values.size}")
    data = values.reshape(length, channels, 2).transpose(1, 0, 2)
    return Peaks(rate, spp, bits, np.ascontiguousarray(data))
