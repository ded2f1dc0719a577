"""Waveform peak pyramids in BBC audiowaveform's .dat (v2) and JSON formats.

One streaming pass: the file is read in blocks of ``_BLOCK_FRAMES`` frames
(a multiple of every level), block min/max at the finest level come from a
contiguous ``(channels, pixels, spp)`` reshape, and each coarser level is
reduced from the one below it. Memory is O(block + output), independent of
file length. WAV PCM is reduced straight from its bytes (no float
conversion, two worker threads); other formats are decoded by libsndfile to
int16. waveform-data.js (peaks.js) reads both outputs unchanged; it can only
make scales coarser, so ship the fine levels too.

The file formats are in :mod:`audio.waveform_files`.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import soundfile as sf

from audio.errors import InvalidParameter
from audio.headers import open_regular, wav_data_offset
from audio.io import DEFAULT_MAX_DURATION_S, DEFAULT_MAX_SAMPLES, AudioInfo, probe
from audio.waveform_files import Peaks, read_dat, write_dat, write_json

__all__ = ["DEFAULT_LEVELS", "Peaks", "build_peaks", "read_dat", "write_dat", "write_json"]

DEFAULT_LEVELS = (64, 256, 1024, 4096, 16384)
DEFAULT_JSON_LEVELS = (1024, 4096, 16384)  # JSON of fine levels is large; browsers fetch .dat
_BLOCK_FRAMES = 1 << 17  # 128 Ki frames: block + int16 copy stay cache-resident
_IN_FLIGHT = 4  # blocks queued or being reduced at once


def _check_levels(levels: Sequence[int], bits: int) -> tuple[int, ...]:
    ordered = tuple(sorted(set(levels)))
    if not ordered or ordered[0] < 2:
        raise InvalidParameter(f"levels must be samples-per-pixel values >= 2, got {levels}")
    for finer, coarser in zip(ordered, ordered[1:], strict=False):
        if coarser % finer:
            raise InvalidParameter(f"level {coarser} is not a multiple of level {finer}")
    if _BLOCK_FRAMES % ordered[-1]:
        raise InvalidParameter(f"coarsest level {ordered[-1]} must divide {_BLOCK_FRAMES}")
    if bits not in (8, 16):
        raise InvalidParameter(f"bits must be 8 or 16, got {bits}")
    return ordered


def _reduce(mins: np.ndarray, maxs: np.ndarray, factor: int) -> tuple[np.ndarray, np.ndarray]:
    """Group ``factor`` columns of (channels, m) min/max arrays; edge-pads a partial group."""
    remainder = mins.shape[1] % factor
    if remainder:
        pad = ((0, 0), (0, factor - remainder))
        mins, maxs = np.pad(mins, pad, mode="edge"), np.pad(maxs, pad, mode="edge")
    shape = (mins.shape[0], -1, factor)
    return mins.reshape(shape).min(axis=2), maxs.reshape(shape).max(axis=2)


def _quantize(values: np.ndarray, bits: int) -> np.ndarray:
    """Samples to output integers: int16 = floor(x·32768) (the top 16 bits of PCM, as
    libsndfile/audiowaveform read it), int8 = int16 >> 8. int16 input passes through."""
    q = values
    if values.dtype != np.int16:
        q = np.clip(np.floor(values * 32768.0), -32768, 32767).astype(np.int16)
    return (q >> 8).astype(np.int8) if bits == 8 else q


class _LevelBuffer:
    """Output of one level stored as (pixels, channels, 2), the .dat body order."""

    def __init__(self, pixels: int, channels: int, bits: int):
        self.data = np.empty((max(pixels, 1), channels, 2), dtype=np.int8 if bits == 8 else np.int16)
        self.length = 0

    def append(self, mins: np.ndarray, maxs: np.ndarray) -> None:
        count = mins.shape[1]
        if self.length + count > self.data.shape[0]:  # header under-estimated (lossy formats)
            grown = np.empty((2 * (self.length + count),) + self.data.shape[1:], self.data.dtype)
            grown[: self.length] = self.data[: self.length]
            self.data = grown
        view = self.data[self.length : self.length + count]
        view[:, :, 0], view[:, :, 1] = mins.T, maxs.T
        self.length += count

    def result(self) -> np.ndarray:
        """(channels, pixels, 2) view of the filled part (no copy)."""
        return self.data[: self.length].transpose(1, 0, 2)


_LevelBlock = list[tuple[np.ndarray, np.ndarray]]  # per level: quantized (channels, pixels) mins, maxs


def _block_levels(block: np.ndarray, levels: tuple[int, ...], bits: int) -> _LevelBlock:
    """Reduce one (channels, n) block to every level; coarser levels from finer ones."""
    mins, maxs = _reduce(block, block, levels[0])
    previous, out = levels[0], []
    for spp in levels:
        if spp != previous:
            mins, maxs = _reduce(mins, maxs, spp // previous)
            previous = spp
        out.append((_quantize(mins, bits), _quantize(maxs, bits)))
    return out


class _PcmReader:
    """Reads block ``index`` of raw WAV PCM_16/PCM_24/FLOAT as contiguous (channels, n) int16/float32.

    24-bit samples keep their top two bytes (a strided view, one gather copy),
    which is exactly what a 16-bit peak needs and skips float conversion. Each
    thread reuses its own raw and output buffers, so reading allocates nothing.
    """

    def __init__(self, fd: int, info: AudioInfo, offset: int):
        self.fd, self.info, self.offset = fd, info, offset
        self.width = {"PCM_16": 2, "PCM_24": 3, "FLOAT": 4}[info.subtype]
        self.frame_bytes = self.width * info.channels
        self.local = threading.local()

    def read(self, index: int) -> np.ndarray:
        if not hasattr(self.local, "raw"):
            self.local.raw = bytearray(_BLOCK_FRAMES * self.frame_bytes)
            out_dtype = np.float32 if self.width == 4 else np.int16
            self.local.out = np.empty((self.info.channels, _BLOCK_FRAMES), dtype=out_dtype)
        frames = min(_BLOCK_FRAMES, self.info.frames - index * _BLOCK_FRAMES)
        chunk = memoryview(self.local.raw)[: frames * self.frame_bytes]
        got = os.preadv(self.fd, [chunk], self.offset + index * _BLOCK_FRAMES * self.frame_bytes)
        got //= self.frame_bytes
        dtype, start = ("<f4", 0) if self.width == 4 else ("<i2", self.width - 2)
        view = np.ndarray(
            (self.info.channels, got),
            dtype=dtype,
            buffer=self.local.raw,
            offset=start,
            strides=(self.width, self.frame_bytes),
        )
        out = self.local.out[:, :got]
        np.copyto(out, view)
        return out


def _pcm_levels(path: Path, info: AudioInfo, levels: tuple[int, ...], bits: int,
                max_samples: int | None = None) -> Iterator[_LevelBlock]:
    """Per-block level results for raw WAV PCM, in order, from two worker threads.

    pread and numpy reductions release the GIL, so blocks overlap on two cores;
    at most ``_IN_FLIGHT`` blocks are held, keeping memory bounded.
    """
    offset = wav_data_offset(path, DEFAULT_MAX_DURATION_S, max_samples or DEFAULT_MAX_SAMPLES)[1]
    count = -(-info.frames // _BLOCK_FRAMES)
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            reader = _PcmReader(fd, info, offset)

            def work(index: int) -> _LevelBlock:
                return _block_levels(reader.read(index), levels, bits)

            pending: deque[Future[_LevelBlock]] = deque()
            for index in range(count):
                pending.append(pool.submit(work, index))
                if len(pending) >= _IN_FLIGHT:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
    finally:
        os.close(fd)


def _decoded_levels(path: Path, levels: tuple[int, ...], bits: int) -> Iterator[_LevelBlock]:
    """Per-block level results for every other format, decoded by libsndfile to int16.

    Read as left-justified int32 and keep the top 16 bits (floor), exactly as
    the raw WAV path does; libsndfile's own int16 conversion rounds for some
    codecs, and pedalboard scales by 1/32767 (positive peaks one step high).
    """
    with open_regular(path) as source, sf.SoundFile(source.fileno(), closefd=False) as f:
        while True:
            block = f.read(_BLOCK_FRAMES, dtype="int32", always_2d=True)
            if block.shape[0] == 0:
                return
            yield _block_levels(np.ascontiguousarray((block >> 16).astype(np.int16).T), levels, bits)


def _raw_pcm(info: AudioInfo) -> bool:
    """WAV data we reduce straight from its bytes (no decoder library involved)."""
    return info.format == "WAV" and info.subtype in ("PCM_16", "PCM_24", "FLOAT")


def _stream_levels(
    path: Path, levels: tuple[int, ...], bits: int, progress: Callable[[float], None] | None,
    max_samples: int | None = None,
) -> tuple[int, list[np.ndarray]]:
    """One pass over ``path``; returns the sample rate and (channels, pixels, 2) per level."""
    info = probe(path, max_samples=max_samples)  # bounds-check the header before any decoder sees the file
    if _raw_pcm(info):
        results = _pcm_levels(path, info, levels, bits, max_samples)
    else:
        results = _decoded_levels(path, levels, bits)
    buffers = [_LevelBuffer(-(-info.frames // spp), info.channels, bits) for spp in levels]
    blocks_total = max(-(-info.frames // _BLOCK_FRAMES), 1)
    for done, result in enumerate(results, start=1):
        for buffer, (mins, maxs) in zip(buffers, result, strict=True):
            buffer.append(mins, maxs)
        if progress is not None:
            progress(min(done / blocks_total, 1.0))
    if progress is not None:
        progress(1.0)
    return info.sample_rate, [b.result() for b in buffers]


def build_peaks(
    path_in: str | Path,
    out_dir: str | Path,
    *,
    levels: Sequence[int] = DEFAULT_LEVELS,
    bits: int = 16,
    json_levels: Sequence[int] = DEFAULT_JSON_LEVELS,
    progress: Callable[[float], None] | None = None,
    max_samples: int | None = None,
    untrusted: bool = True,
) -> list[Path]:
    """Build the pyramid for ``path_in`` and write ``<stem>.<spp>.dat`` (+ ``.json``) files.

    ``progress`` gets the fraction read (0..1); ``max_samples`` bounds frames x
    channels. ``untrusted`` (files from users, the default): formats that need
    a third-party decoder are processed in the sandboxed child
    (:class:`audio.sandbox.Sandbox`); WAV PCM never meets one (our header
    parser, then raw reads), so it stays in-process. Returns the written
    paths, finest level first.
    """
    ordered = _check_levels(levels, bits)
    if untrusted and not _raw_pcm(probe(path_in, max_samples=max_samples)):
        from audio.sandbox import Sandbox

        with Sandbox(max_samples=max_samples, progress=progress) as sandbox:
            return sandbox.peaks(path_in, out_dir, levels=list(ordered), bits=bits, json_levels=list(json_levels))
    source, target = Path(path_in), Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    rate, arrays = _stream_levels(source, ordered, bits, progress, max_samples)
    written = []
    for spp, data in zip(ordered, arrays, strict=True):
        peaks = Peaks(rate, spp, bits, data)
        written.append(write_dat(target / f"{source.stem}.{spp}.dat", peaks))
        if spp in json_levels:
            written.append(write_json(target / f"{source.stem}.{spp}.json", peaks))
    return written
