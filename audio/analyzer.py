"""Streaming measurement: :class:`Analyzer` takes blocks in order and holds no more than a block.

Used for whole buffers (:func:`audio.analysis.analyze`) and for files read
block by block (:func:`audio.analysis.analyze_file`), so a long file is
measured in bounded memory and both paths give the same figures. Blocks are
re-cut to ``STREAM_BLOCK`` samples first; loudness is bit-identical to
:mod:`audio.loudness`, true peak to :mod:`audio.truepeak` (each block is
interpolated with its neighbours' samples as context).
"""

from __future__ import annotations

import math

import numpy as np

from audio.loudness import STREAM_BLOCK, GranuleMeter, stats_from_cumulative
from audio.truepeak import true_peaks_linear

__all__ = ["CLIP_LEVEL", "CLIP_RUN_MIN", "SILENCE_DBFS", "Analyzer"]

CLIP_LEVEL = 0.999  # |x| at or above this counts towards clipping
CLIP_RUN_MIN = 3  # a lone full-scale sample is a legal peak; 3+ in a row is a clipped flat top
SILENCE_DBFS = -60.0
SPECTRUM_FRAME = 16384  # 2.7 Hz bins at 44.1 kHz: enough for the 31.5 Hz band
SPECTRUM_FRAMES = 48  # frames spread evenly over the file; tonal balance needs no more
_TP_CONTEXT = 10  # samples either side a true-peak block needs (audio.truepeak's filter half-length)


class _Rebuffer:
    """Cuts an incoming block stream into blocks of exactly ``size`` samples (the last may be shorter)."""

    def __init__(self, size: int) -> None:
        self.size, self._count = size, 0
        self._parts: list[np.ndarray] = []

    def push(self, block: np.ndarray) -> list[np.ndarray]:
        out: list[np.ndarray] = []
        start = 0
        if self._parts:
            need = self.size - self._count
            self._parts.append(block[:, :need])
            self._count += min(need, block.shape[1])
            start = need
            if self._count < self.size:
                return out
            out.append(np.concatenate(self._parts, axis=1))
            self._parts, self._count = [], 0
        while block.shape[1] - start >= self.size:
            out.append(block[:, start : start + self.size])
            start += self.size
        if start < block.shape[1]:
            self._parts, self._count = [block[:, start:]], block.shape[1] - start
        return out

    def flush(self) -> list[np.ndarray]:
        rest = [np.concatenate(self._parts, axis=1)] if self._parts else []
        self._parts, self._count = [], 0
        return rest


class _Spectrum:
    """Octave-band input: ``SPECTRUM_FRAMES`` Hann frames of the channel mean at fixed positions."""

    def __init__(self, expected_frames: int) -> None:
        frame = SPECTRUM_FRAME
        count = min(SPECTRUM_FRAMES, max(expected_frames, frame) // frame + 1) if expected_frames >= frame else 1
        self._starts = np.linspace(0, max(expected_frames - frame, 0), num=count).astype(np.int64).tolist()
        self._tail = np.zeros(0, dtype=np.float32)  # the last frame - 1 mono samples seen
        self._seen = 0
        self.power: np.ndarray | None = None
        self._window = np.hanning(frame).astype(np.float32)

    def feed(self, mono: np.ndarray) -> None:
        frame = SPECTRUM_FRAME
        buf = np.concatenate([self._tail, mono]) if self._tail.size else mono
        buf_start = self._seen - self._tail.size
        self._seen += mono.size
        while self._starts and self._starts[0] + frame <= self._seen:
            at = self._starts.pop(0) - buf_start
            self._add(buf[at : at + frame])
        self._tail = buf[-(frame - 1) :].copy() if frame > 1 else buf[:0]

    def finish(self) -> None:
        if self.power is None and self._seen:  # shorter than one frame: one zero-padded frame
            tail = self._tail[-self._seen :]
            self._add(np.pad(tail, (0, SPECTRUM_FRAME - tail.size)))

    def _add(self, frame: np.ndarray) -> None:
        power = np.abs(np.fft.rfft(frame * self._window)) ** 2
        self.power = power if self.power is None else self.power + power


class Analyzer:
    """Accumulates every measurement of :class:`audio.analysis.Analysis` over blocks ``(channels, m)``."""

    def __init__(self, channels: int, sample_rate: int, expected_frames: int) -> None:
        self.channels, self.sample_rate = channels, sample_rate
        self._blocks = _Rebuffer(STREAM_BLOCK)
        self._loudness = GranuleMeter(channels, sample_rate)
        self._spectrum = _Spectrum(expected_frames)
        self.frames = 0
        self.energy = np.zeros(channels)
        self.sums = np.zeros(channels)
        self.cross = 0.0
        self.peak = 0.0
        self.true_peak = {4: np.zeros(channels), 8: np.zeros(channels)}
        self._tp_left: np.ndarray | None = None
        self._tp_pending: np.ndarray | None = None
        self._clip_run = np.zeros(channels, dtype=np.int64)
        self.clipped = 0
        self.first_loud: int | None = None
        self.last_loud: int | None = None

    def feed(self, block: np.ndarray) -> None:
        """Measure the next ``(channels, m)`` float32 samples."""
        for part in self._blocks.push(block):
            self._measure(part)

    def finish(self) -> Analyzer:
        """Measure what is still buffered; returns ``self`` (read the results with :meth:`results`)."""
        for part in self._blocks.flush():
            self._measure(part)
        if self._tp_pending is not None:
            self._true_peak(self._tp_pending, None)
        self._close_clip_runs(np.zeros(self.channels, dtype=bool))
        self._spectrum.finish()
        return self

    def _measure(self, x: np.ndarray) -> None:
        self._loudness.feed(x)
        self._spectrum.feed(x.mean(axis=0, dtype=np.float32) if self.channels > 1 else x[0])
        for c, channel in enumerate(x):
            self.energy[c] += float(np.dot(channel, channel))
            self.sums[c] += float(channel.sum(dtype=np.float64))
        if self.channels > 1:
            self.cross += float(np.dot(x[0], x[1]))
        self.peak = max(self.peak, float(x.max()), float(-x.min()))
        self._clipping(x)
        self._silence(x)
        if self._tp_pending is not None:
            self._true_peak(self._tp_pending, x[:, :_TP_CONTEXT])
        self._tp_pending = x
        self.frames += x.shape[1]

    def _true_peak(self, block: np.ndarray, right: np.ndarray | None) -> None:
        found = true_peaks_linear(block, self.sample_rate, (4, 8), context=(self._tp_left, right),
                                  floor=self.true_peak)
        self.true_peak = {factor: np.maximum(self.true_peak[factor], peaks) for factor, peaks in found.items()}
        self._tp_left = block[:, -_TP_CONTEXT:].copy()

    def _clipping(self, x: np.ndarray) -> None:
        hot = np.abs(x) >= CLIP_LEVEL
        for c in range(self.channels):
            row = hot[c]
            if not row.any():
                self._close_clip_runs(np.arange(self.channels) == c)
                continue
            edges = np.diff(np.concatenate(([0], row.view(np.int8), [0])))
            starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
            lengths = ends - starts
            if starts[0] == 0:
                lengths[0] += self._clip_run[c]
            elif self._clip_run[c] >= CLIP_RUN_MIN:
                self.clipped += int(self._clip_run[c])
            self._clip_run[c] = 0
            if ends[-1] == row.size:  # a run still open at the block's end
                self._clip_run[c], lengths = lengths[-1], lengths[:-1]
            self.clipped += int(lengths[lengths >= CLIP_RUN_MIN].sum())

    def _close_clip_runs(self, which: np.ndarray) -> None:
        for c in np.flatnonzero(which):
            if self._clip_run[c] >= CLIP_RUN_MIN:
                self.clipped += int(self._clip_run[c])
            self._clip_run[c] = 0

    def _silence(self, x: np.ndarray) -> None:
        loud = np.flatnonzero((np.abs(x) > 10.0 ** (SILENCE_DBFS / 20.0)).any(axis=0))
        if loud.size:
            if self.first_loud is None:
                self.first_loud = self.frames + int(loud[0])
            self.last_loud = self.frames + int(loud[-1])

    def loudness(self) -> tuple[float, float, float, float]:
        """(integrated LUFS, momentary max LUFS, short-term max LUFS, loudness range LU)."""
        stats = stats_from_cumulative(self._loudness.cumulative())
        return stats.integrated_lufs, stats.momentary_max_lufs, stats.short_term_max_lufs, stats.loudness_range_lu

    def spectrum(self) -> tuple[np.ndarray | None, np.ndarray]:
        """Summed power of the tonal-balance frames and their bin frequencies (Hz)."""
        return self._spectrum.power, np.fft.rfftfreq(SPECTRUM_FRAME, 1.0 / self.sample_rate)

    def edge_silence_s(self) -> tuple[float, float]:
        """Seconds below SILENCE_DBFS at the start and at the end."""
        if self.first_loud is None or self.last_loud is None:
            return self.frames / self.sample_rate, self.frames / self.sample_rate
        return self.first_loud / self.sample_rate, (self.frames - 1 - self.last_loud) / self.sample_rate

    def peak_dbfs(self) -> float:
        return 20.0 * math.log10(self.peak) if self.peak > 0 else -math.inf
