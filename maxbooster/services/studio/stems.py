"""Stems: one 24-bit WAV per audible track, pre-master, zipped, rendered in the same pass as the mix.

A stem is its track after clips, inserts, fader and pan, without the master bus (no master
inserts, no master fader), as long as the mix (`render_length`, tails included): stems laid side
by side at 0 dB sum to the pre-master mix. Each track is rendered once; it is written as its
stem and added to the bus exactly as `audio.mix.render_arrangement` adds it (same gains, same
`saxpy`, same order), so a bounce with stems is the same mix as one without.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from audio.arrangement import Arrangement, Track
from audio.errors import InvalidParameter
from audio.mix import AudioLoader, FileCache, arrangement_length, audible_tracks, pan_gains, render_length, render_track

STEM_SUBTYPE = "PCM_24"
MAX_NAME_CHARS = 100
# Characters Windows, macOS or Linux refuse in a file name, and names Windows reserves.
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}

TrackProgress = Callable[[int, int, str], None]  # (index, count, track name) before each track


def stem_names(names: Sequence[str]) -> list[str]:
    """Zip member names (`<track name>.wav`): safe on every OS, unique ignoring case, in track order."""
    taken: set[str] = set()
    out = []
    for n, raw in enumerate(names, start=1):
        text = "".join(ch if ch.isprintable() else " " for ch in unicodedata.normalize("NFC", raw or ""))
        text = " ".join(_UNSAFE.sub("-", text).split()).strip(" .-")[:MAX_NAME_CHARS].strip(" .") or f"Track {n}"
        if text.split(".")[0].upper() in _RESERVED:
            text = f"{text} (track)"
        name, k = text, 2
        while name.casefold() in taken:
            name, k = f"{text} ({k})", k + 1
        taken.add(name.casefold())
        out.append(f"{name}.wav")
    return out


def track_gains(track: Track) -> tuple[float, float]:
    """(left, right) linear gains of the track's fader and constant-power pan, as the mixdown uses."""
    left, right = pan_gains(track.pan)
    fader = 10.0 ** (track.volume_db / 20.0)
    return fader * left, fader * right


def render_with_stems(arrangement: Arrangement, *, loader: AudioLoader, zip_path: Path,
                      on_track: TrackProgress | None = None) -> np.ndarray:
    """The master mix ``(2, n)`` float32 (as `render_arrangement`), writing every audible track's
    pre-master stem (24-bit WAV, ``n`` samples) into a new zip at ``zip_path``."""
    from scipy.linalg.blas import saxpy

    from audio.effects import render_chain
    from audio.io import write_audio

    if arrangement_length(arrangement) == 0:
        raise InvalidParameter("arrangement has no clips: nothing to render")
    tracks, rate = audible_tracks(arrangement), arrangement.sample_rate
    n = render_length(arrangement)
    files = FileCache(rate, loader=loader, uses=Counter(c.file for t in tracks for c in t.clips), owned_loads=True)
    bus = np.zeros((2, n), dtype=np.float32)
    # Deflate level 1: cheap, and stems are often long stretches of exact silence.
    with tempfile.TemporaryDirectory(prefix="mb-stems-") as tmp, \
            zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for i, (track, member) in enumerate(zip(tracks, stem_names([t.name for t in tracks]), strict=True)):
            if on_track:
                on_track(i, len(tracks), track.name)
            x = render_track(track, n, files, post_fader=False)
            left, right = track_gains(track)
            saxpy(x[0], bus[0], a=left)  # the mixdown's own accumulation (bit-identical mix)
            saxpy(x[1], bus[1], a=right)
            np.multiply(x[0], np.float32(left), out=x[0])  # the stem: render_track(post_fader=True)
            np.multiply(x[1], np.float32(right), out=x[1])
            stem = Path(tmp) / "stem.wav"
            write_audio(stem, x, rate, subtype=STEM_SUBTYPE)
            del x
            archive.write(stem, arcname=member)
            stem.unlink()
    mix = render_chain(bus, arrangement.master.inserts, rate)
    mix *= np.float32(10.0 ** (arrangement.master.volume_db / 20.0))
    return mix
