"""Helpers for the composer-media tests: a ready library track with a known working copy, a release
with a cover and a smart link, and decoding what ffmpeg wrote (size, rate, audio samples, frames)."""

from __future__ import annotations

import io
import re
import subprocess
import uuid
from pathlib import Path

import numpy as np
import soundfile as sf
from PIL import Image
from sqlmodel import Session

from maxbooster.models.accounts import User
from maxbooster.models.library import Track, TrackStatus
from maxbooster.models.releases import Release
from maxbooster.services.releases import artwork, releases, smartlinks
from maxbooster.services.social.audiogram import ffmpeg_exe
from maxbooster.services.storage import get_storage
from tests.support.accounts import actor_for

RATE = 44100
COVER_RGB = (200, 40, 90)


def signal(seconds: float, seed: int = 5) -> np.ndarray:
    """Mono test audio that no shifted copy of itself resembles: bursts of noise under a rising tone,
    the loudness changing every 0.25 s (so the bars move)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    tone = np.sin(2 * np.pi * (200 + 150 * t) * t)
    steps = rng.uniform(0.1, 1.0, int(seconds * 4) + 1)[(t * 4).astype(int)]
    return (0.25 * steps * (tone + 0.5 * rng.standard_normal(t.size))).astype(np.float32)


def ready_track(session: Session, user: User, *, seconds: float = 12.0, title: str = "Midnight Drive",
                artist: str = "Ava Stone") -> tuple[Track, np.ndarray]:
    """A processed track whose working copy (16-bit stereo WAV) holds `signal`; (track, mono samples)."""
    x = signal(seconds)
    buf = io.BytesIO()
    sf.write(buf, np.stack([x, x]).T, RATE, format="WAV", subtype="PCM_16")
    data = buf.getvalue()
    track = Track(owner_id=user.id, title=title, artist=artist, original_name="song.wav", status=TrackStatus.READY,
                  sha256=uuid.uuid4().hex, size_bytes=len(data), format="wav", subtype="PCM_16", sample_rate=RATE,
                  channels=2, duration_s=seconds, original_key=f"{user.id}/{uuid.uuid4().hex}")
    track.working_key = f"{user.id}/{track.id}/working.wav"
    get_storage().write(track.working_key, [data], max_bytes=len(data))
    session.add(track)
    session.commit()
    quantised = sf.read(io.BytesIO(data), dtype="float32")[0][:, 0]
    return track, quantised


def cover_jpeg(side: int = 1400) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (side, side), COVER_RGB).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def release_with_cover(session: Session, user: User, *, title: str = "Night Drive", genre: str = "House",
                       links: dict[str, str] | None = None) -> Release:
    """A release by Ava Stone with a plain-coloured cover and a smart link to Spotify."""
    actor = actor_for(user)
    release = releases.create_release(session=session, actor=actor, data=releases.ReleaseIn(
        title=title, artists=[{"name": "Ava Stone", "role": "primary"}], genre=genre))
    artwork.upload_artwork(session=session, actor=actor, release_id=release.id, chunks=[cover_jpeg()])
    smartlinks.set_smart_link(session=session, actor=actor, release_id=release.id, data=smartlinks.SmartLinkIn(
        links=links or {"spotify": "https://open.spotify.com/track/abc"}))
    session.refresh(release)
    return release


def probe(path: Path) -> dict[str, str]:
    """What ffmpeg says about a file: video codec, size, fps, audio codec, sample rate."""
    text = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr
    video = re.search(r"Video: (\w+).*?, (\d+)x(\d+).*?, ([\d.]+) fps", text)
    audio = re.search(r"Audio: (\w+).*?, (\d+) Hz", text)
    assert video and audio, text
    return {"vcodec": video.group(1), "size": f"{video.group(2)}x{video.group(3)}", "fps": video.group(4),
            "acodec": audio.group(1), "rate": audio.group(2)}


def decode_audio(path: Path) -> np.ndarray:
    """The file's audio as mono float32 at 44.1 kHz (as decoded by ffmpeg)."""
    raw = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-vn", "-ac", "1", "-ar", str(RATE),
                          "-f", "f32le", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype="<f4")


def frame(path: Path, at_s: float, size: tuple[int, int]) -> np.ndarray:
    """One decoded video frame at `at_s` as an (h, w, 3) uint8 array."""
    raw = subprocess.run([ffmpeg_exe(), "-v", "error", "-ss", f"{at_s}", "-i", str(path), "-frames:v", "1",
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(size[1], size[0], 3)


def video_frames(path: Path) -> int:
    text = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-map", "0:v", "-c", "copy", "-f", "null",
                           "-", "-stats"], capture_output=True, text=True).stderr
    found = re.findall(r"frame=\s*(\d+)", text)
    assert found, text
    return int(found[-1])


def best_lag_correlation(decoded: np.ndarray, source: np.ndarray, max_lag: int = 4096) -> tuple[float, int]:
    """The highest normalised correlation of `decoded` with `source` over lags in ±max_lag samples
    (the encoder's delay is compensated by the MP4's edit list; this allows for a little left over)."""
    from scipy.signal import correlate

    n = min(decoded.size, source.size) - 2 * max_lag
    ref = source[max_lag:max_lag + n].astype(np.float64)
    seg = decoded[:n + 2 * max_lag].astype(np.float64)
    raw = correlate(seg, ref, mode="valid", method="fft")
    energy = np.sqrt(np.convolve(seg ** 2, np.ones(n), mode="valid"))
    scores = raw / (energy * np.linalg.norm(ref) + 1e-12)
    k = int(np.argmax(scores))
    return float(scores[k]), k - max_lag
