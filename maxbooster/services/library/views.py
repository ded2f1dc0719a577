"""What the pages and the API show of a track: figures in plain units and short-lived media URLs.

Audio and waveform peaks reach the browser only by signed URL (never through state), tied to
the owner and valid for `URL_TTL_S`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from maxbooster.models.library import Track, TrackStatus
from maxbooster.services import media

URL_TTL_S = media.PAGE_TTL_S
_AUDIO_TYPES = {"wav": "audio/wav", "flac": "audio/flac", "aiff": "audio/aiff", "mp3": "audio/mpeg",
                "ogg": "audio/ogg", "opus": "audio/ogg"}


@dataclass(frozen=True)
class TrackView:
    id: uuid.UUID
    title: str
    artist: str
    original_name: str
    status: str
    status_message: str
    job_id: uuid.UUID | None
    format: str
    sample_rate: int | None
    channels: int | None
    duration_s: float | None
    integrated_lufs: float | None
    true_peak_dbtp: float | None
    loudness_range_lu: float | None
    size_bytes: int
    created_at: datetime
    audio_url: str = ""
    original_url: str = ""
    peaks_urls: dict[str, str] = field(default_factory=dict)


def audio_url(track: Track, *, attachment: bool = False) -> str:
    """The playable file: our working copy once processing made it, else nothing."""
    if not track.working_key:
        return ""
    stem = PurePosixPath(track.original_name).stem or "track"
    return media.media_url(owner_id=track.owner_id, key=track.working_key, filename=f"{stem}.wav",
                           content_type="audio/wav", disposition="attachment" if attachment else "inline",
                           expires_s=URL_TTL_S)


def original_url(track: Track) -> str:
    """The file exactly as uploaded, as a download."""
    return media.media_url(owner_id=track.owner_id, key=track.original_key, filename=track.original_name,
                           content_type=_AUDIO_TYPES.get(track.format, "application/octet-stream"),
                           disposition="attachment", expires_s=URL_TTL_S)


def peaks_urls(track: Track) -> dict[str, str]:
    return {level: media.media_url(owner_id=track.owner_id, key=key, filename=f"peaks-{level}.dat",
                                   content_type="application/octet-stream", disposition="inline",
                                   expires_s=URL_TTL_S, cache="private, max-age=3600")
            for level, key in sorted(track.peaks.items(), key=lambda kv: int(kv[0]))}


def view(track: Track, *, urls: bool = True) -> TrackView:
    ready = track.status == TrackStatus.READY
    return TrackView(
        id=track.id, title=track.title, artist=track.artist, original_name=track.original_name,
        status=track.status, status_message=track.status_message, job_id=track.job_id, format=track.format,
        sample_rate=track.sample_rate, channels=track.channels, duration_s=track.duration_s,
        integrated_lufs=track.integrated_lufs, true_peak_dbtp=track.true_peak_dbtp,
        loudness_range_lu=track.loudness_range_lu, size_bytes=track.size_bytes, created_at=track.created_at,
        audio_url=audio_url(track) if urls and ready else "",
        original_url=original_url(track) if urls else "",
        peaks_urls=peaks_urls(track) if urls else {},  # the waveform is shown as soon as it exists
    )


def details(track: Track) -> dict[str, Any]:
    """The analysis and readiness report as stored (for the track page and the API)."""
    return {"analysis": track.analysis, "readiness": track.readiness, "loudness_series": track.loudness_series}
