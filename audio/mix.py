"""Render an :class:`audio.arrangement.Arrangement` to stereo, sample-accurately.

Per track: clips placed at ``round(start_s * sr)``, clip gain and linear fades,
then the insert effects (:mod:`audio.effects`: EQ with the Web Audio biquads,
our compressor and true-peak limiter, pedalboard reverb, delay, gate, gain),
the fader and the constant-power pan. Tracks render in two
threads (all of these release the GIL). Then the master bus inserts and fader.
Files are read once per path, resampled to the arrangement rate if theirs
differs, and dropped after their last clip.
"""

from __future__ import annotations

import json
import math
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from scipy.linalg.blas import saxpy
from scipy.signal import resample_poly

from audio.arrangement import Arrangement, Clip, Track
from audio.effects import MAX_TAIL_S, chain_tail_s, render_chain
from audio.errors import InvalidParameter

AudioLoader = Callable[[str], tuple[np.ndarray, int]]


class FileCache:
    """Reads each file once, float32 ``(channels <= 2, n)`` at ``sample_rate`` (thread-safe).

    With ``uses`` (file -> number of clips), a file is dropped after its last
    clip is placed, so a long arrangement never holds every file at once.
    """

    def __init__(self, sample_rate: int, base_dir: str | Path | None = None,
                 loader: AudioLoader | None = None, uses: Counter[str] | None = None,
                 owned_loads: bool = False) -> None:
        self.sample_rate = sample_rate
        self._base = Path(base_dir) if base_dir is not None else None
        self._loader = loader
        self._owned = loader is None or owned_loads  # may buffers from the loader be modified?
        self._cache: dict[str, np.ndarray] = {}
        self._uses = uses
        self._lock = threading.Lock()

    def _load(self, name: str) -> tuple[np.ndarray, int]:
        if self._loader is not None:
            return self._loader(name)
        from audio.io import read_audio

        path = Path(name)
        if self._base is not None and not path.is_absolute():
            path = self._base / path
        return read_audio(path)

    def get(self, name: str) -> np.ndarray:
        with self._lock:
            cached = self._cache.get(name)
        if cached is not None:
            return cached
        x, sr = self._load(name)
        x = np.asarray(x, dtype=np.float32)
        x = x[:2] if x.shape[0] > 2 else x
        if sr != self.sample_rate:
            g = math.gcd(int(sr), self.sample_rate)
            x = resample_poly(x, self.sample_rate // g, int(sr) // g, axis=1).astype(np.float32)
        with self._lock:
            return self._cache.setdefault(name, np.ascontiguousarray(x))

    def take(self, name: str) -> np.ndarray:
        """The decoded file for the caller to modify: no copy if this is its last use."""
        x = self.get(name)
        with self._lock:
            # A custom loader's arrays belong to the caller: never modify those.
            if self._owned and self._uses is not None and self._uses[name] <= 1:
                self._uses[name] = 0
                self._cache.pop(name, None)
                return x
        return x.copy()

    def release(self, name: str) -> None:
        """One clip using ``name`` is done; forget the file after its last use."""
        if self._uses is None:
            return
        with self._lock:
            self._uses[name] -= 1
            if self._uses[name] <= 0:
                self._cache.pop(name, None)


def arrangement_length(arrangement: Arrangement) -> int:
    """Samples from 0 to the end of the last clip."""
    ends = [round(c.start_s * arrangement.sample_rate) + round(c.length_s * arrangement.sample_rate)
            for t in arrangement.tracks for c in t.clips]
    return max(ends, default=0)


def render_length(arrangement: Arrangement) -> int:
    """Samples to render: the last clip's end plus the longest effect tail, so tails are not cut."""
    tracks = audible_tracks(arrangement)
    track_tail = max((chain_tail_s(t.inserts) for t in tracks), default=0.0)
    tail_s = min(track_tail + chain_tail_s(arrangement.master.inserts), MAX_TAIL_S)
    return arrangement_length(arrangement) + (round(tail_s * arrangement.sample_rate) if tail_s else 0)


def _fades(n: int, fade_in: int, fade_out: int) -> np.ndarray | None:
    if fade_in == 0 and fade_out == 0:
        return None
    env = np.ones(n, dtype=np.float32)
    if fade_in:
        env[:fade_in] = np.arange(fade_in, dtype=np.float32) / fade_in
    if fade_out:
        env[n - fade_out :] *= np.arange(fade_out - 1, -1, -1, dtype=np.float32) / fade_out
    return env


def place_clip(out: np.ndarray, clip: Clip, source: np.ndarray, sample_rate: int) -> None:
    """Add ``clip`` (cut from ``source`` ``(channels, m)``) into ``out`` at its exact sample."""
    start, length = round(clip.start_s * sample_rate), round(clip.length_s * sample_rate)
    offset = round(clip.offset_s * sample_rate)
    source = source[:, offset : offset + length]
    end = min(start + source.shape[1], out.shape[1])
    if end <= start:
        return
    env = _fades(length, round(clip.fade_in_s * sample_rate), round(clip.fade_out_s * sample_rate))
    target = out[:, start:end]
    if env is None and clip.gain_db == 0.0:  # common case: no temporary copy
        target += source[:, : end - start]
        return
    segment = source[:, : end - start] * np.float32(10.0 ** (clip.gain_db / 20.0))
    if env is not None:
        segment *= env[: end - start]
    target += segment


def pan_gains(pan: float) -> tuple[float, float]:
    """Constant-power (left, right) gains for ``pan`` −1..1; centre is −3 dB each."""
    theta = (pan + 1.0) * math.pi / 4.0
    return math.cos(theta), math.sin(theta)


def _fills_timeline(clip: Clip, n: int, files: FileCache) -> bool:
    """True if ``clip`` is a whole file placed unchanged over the whole timeline."""
    sr = files.sample_rate
    if (clip.start_s, clip.offset_s, clip.gain_db, clip.fade_in_s, clip.fade_out_s) != (0, 0, 0, 0, 0):
        return False
    return round(clip.length_s * sr) >= n and files.get(clip.file).shape[1] == n


def _track_signal(track: Track, n: int, files: FileCache) -> np.ndarray:
    """Clips and inserts of one track, ``(channels, n)``; mono if all its clips are mono."""
    if len(track.clips) == 1 and _fills_timeline(track.clips[0], n, files):
        x = files.take(track.clips[0].file)  # a full-length stem: use the decoded buffer as is
        return render_chain(x, track.inserts, files.sample_rate) if track.inserts else x
    sources = [files.get(c.file) for c in track.clips]
    channels = max((s.shape[0] for s in sources), default=1)
    x = np.zeros((channels, n), dtype=np.float32)
    for clip, source in zip(track.clips, sources, strict=True):
        place_clip(x, clip, source, files.sample_rate)
        files.release(clip.file)
    del sources
    return render_chain(x, track.inserts, files.sample_rate) if track.inserts else x


def _channel_gains(track: Track) -> tuple[float, float]:
    left, right = pan_gains(track.pan)
    fader = 10.0 ** (track.volume_db / 20.0)
    return fader * left, fader * right


def render_track(track: Track, n: int, files: FileCache, *, post_fader: bool = True) -> np.ndarray:
    """One track, ``(2, n)`` float32: clips, inserts, then (optionally) fader and pan.

    A track whose clips are all mono is processed in mono (half the work) and
    becomes stereo at the pan, which is the same as panning a dual-mono signal.
    """
    x = _track_signal(track, n, files)
    left, right = _channel_gains(track) if post_fader else (1.0, 1.0)
    out = np.empty((2, n), dtype=np.float32)
    np.multiply(x[0], np.float32(left), out=out[0])
    np.multiply(x[-1], np.float32(right), out=out[1])
    return out


def audible_tracks(arrangement: Arrangement) -> list[Track]:
    """Mute/solo: not muted, and soloed if any track is soloed."""
    soloing = any(t.solo for t in arrangement.tracks)
    return [t for t in arrangement.tracks if not t.mute and (t.solo or not soloing)]


def render_arrangement(arrangement: Arrangement, *, base_dir: str | Path | None = None,
                   loader: AudioLoader | None = None,
                   progress: Callable[[float, str], None] | None = None, owned_loads: bool = False) -> np.ndarray:
    """Mixdown ``(2, n)`` float32 at ``arrangement.sample_rate``.

    ``owned_loads``: each ``loader`` call returns a fresh buffer the mixdown may modify.
    """
    tracks = audible_tracks(arrangement)
    uses = Counter(c.file for t in tracks for c in t.clips)
    files = FileCache(arrangement.sample_rate, base_dir, loader, uses, owned_loads)
    if arrangement_length(arrangement) == 0:
        raise InvalidParameter("arrangement has no clips: nothing to render")
    n = render_length(arrangement)
    mix = np.zeros((2, n), dtype=np.float32)
    with ThreadPoolExecutor(max_workers=2) as pool:
        for i, (track, x) in enumerate(zip(tracks, pool.map(lambda t: _track_signal(t, n, files), tracks),
                                           strict=True)):
            left, right = _channel_gains(track)
            saxpy(x[0], mix[0], a=left)  # mix += gain * x in place, no temporary
            saxpy(x[-1], mix[1], a=right)
            del x
            if progress:
                progress((i + 1) / (len(tracks) + 1), f"track {i + 1}/{len(tracks)}")
    mix = render_chain(mix, arrangement.master.inserts, arrangement.sample_rate)
    mix *= np.float32(10.0 ** (arrangement.master.volume_db / 20.0))
    if progress:
        progress(1.0, "master bus")
    return mix


def load_arrangement(path: str | Path) -> Arrangement:
    """Parse an arrangement (session) JSON file (``InvalidParameter`` on bad JSON or fields)."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise InvalidParameter(f"{path}: cannot read arrangement JSON ({exc})") from exc
    return Arrangement.from_dict(data)


def render_arrangement_file(arrangement_path: str | Path, out_path: str | Path, *, bits: int = 24,
                        progress: Callable[[float, str], None] | None = None, untrusted: bool = True,
                        max_samples: int | None = None) -> dict[str, object]:
    """Render an arrangement (session) JSON file next to its audio files; returns a small summary.

    ``untrusted`` (the default) decodes its audio files in sandboxed children.
    """
    from audio.io import write_audio
    from audio.sandbox import file_reader

    subtypes = {16: "PCM_16", 24: "PCM_24", 32: "FLOAT"}
    if bits not in subtypes:
        raise InvalidParameter(f"bits {bits} must be 16, 24 or 32")
    arrangement = load_arrangement(arrangement_path)
    base = Path(arrangement_path).parent
    with file_reader(untrusted=untrusted, max_samples=max_samples) as read:
        def loader(name: str) -> tuple[np.ndarray, int]:
            path = Path(name)
            return read(path if path.is_absolute() else base / path)

        mix = render_arrangement(arrangement, loader=loader, progress=progress, owned_loads=True)
    write_audio(out_path, mix, arrangement.sample_rate, subtype=subtypes[bits])
    return {"output": str(out_path), "sample_rate": arrangement.sample_rate, "samples": int(mix.shape[1]),
            "duration_s": mix.shape[1] / arrangement.sample_rate, "tracks": len(audible_tracks(arrangement))}


def suggest_mix(arrangement: Arrangement, audio_loader: AudioLoader | None = None) -> object:
    """Auto-mix suggestion (see :mod:`audio.automix`)."""
    from audio.automix import suggest_mix as _suggest

    return _suggest(arrangement, audio_loader)


def apply_suggestion(arrangement: Arrangement, suggestion: object) -> Arrangement:
    """Apply an auto-mix suggestion (see :mod:`audio.automix`)."""
    from audio.automix import apply_suggestion as _apply

    return _apply(arrangement, suggestion)  # type: ignore[arg-type]
