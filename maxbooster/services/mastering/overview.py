"""The track page in one read: the track's figures and URLs, readiness checks, chart series
(short-term loudness against the target, tonal balance against the genre's curve), every master
version with its before/after, reasons, A/B gains and downloads, and the mastering choices."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from maxbooster.models.jobs import Job, JobStatus
from maxbooster.models.library import TrackStatus
from maxbooster.models.mastering import MasterFormat
from maxbooster.services.actor import Actor
from maxbooster.services.library import tracks, views
from maxbooster.services.library.overview import clock, number
from maxbooster.services.mastering import masters
from maxbooster.services.mastering import views as master_views

BANDS = ("31", "63", "125", "250", "500", "1k", "2k", "4k", "8k", "16k")


@dataclass
class CheckRow:
    status: str
    title: str
    detail: str
    fix: str


@dataclass
class MasterRow:
    id: str
    version: int
    label: str
    status: str
    message: str
    progress: int
    preparing: bool  # its job still runs (e.g. the MP3 and FLAC are being made after the WAV)
    compare: list[dict[str, str]]
    reasons: list[str]
    audio_url: str
    gain_original: float
    gain_master: float
    downloads: list[dict[str, str]]
    locked: str
    created: str


@dataclass
class Snapshot:
    """Everything the page shows, read in one worker-thread call."""

    track: dict[str, Any]
    checks: list[CheckRow]
    loudness: list[dict[str, Any]]
    tonal: list[dict[str, Any]]
    masters: list[MasterRow]
    choices: list[dict[str, str]]
    references: list[dict[str, str]]


CHECK_TITLES = {"container": "File type", "bit_depth": "Bit depth", "sample_rate": "Sample rate",
                "channels": "Channels", "duration": "Length", "edge_silence": "Silence at the start and end",
                "clipping": "Clipping", "true_peak": "True peak", "loudness": "Loudness"}


def _checks(readiness: dict[str, Any]) -> list[CheckRow]:
    """The engine's readiness items with plain titles; status PASS, WARN or FAIL."""
    return [CheckRow(status=str(i.get("status", "")).upper(),
                     title=CHECK_TITLES.get(str(i.get("id", "")), str(i.get("id", "")).replace("_", " ").capitalize()),
                     detail=str(i.get("measured") or ""), fix=str(i.get("fix") or ""))
            for i in readiness.get("items", []) if isinstance(i, dict)]


def _loudness(series: list[float | None], target: float) -> list[dict[str, Any]]:
    step = max(1, len(series) // 400)  # at most ~400 points on the chart
    return [{"t": clock(i), "lufs": v if v is None else round(max(v, -40.0), 1), "target": target}
            for i, v in list(enumerate(series))[::step]]


def _tonal(analysis: dict[str, Any], genre: str) -> list[dict[str, Any]]:
    from audio.presets import get_genre

    curve = get_genre(genre or None).band_levels_db  # the genre's target balance (dB per octave band)
    measured = list((analysis.get("tonal_balance_db") or {}).values())
    return [{"band": band, "track": measured[i] if i < len(measured) else None, "target": curve[i]}
            for i, band in enumerate(BANDS)]


def _master_row(session: Any, master: Any, track: Any, allowed: tuple[str, ...], job: Job | None) -> MasterRow:
    progress = job.progress if job is not None else 0
    preparing = job is not None and JobStatus(job.status).is_active
    v = master_views.view(session=session, master=master, track=track, allowed=allowed)
    label = "Custom" if v.preset == "custom" else next(
        (d.label for d in masters.destinations() if d.preset == v.preset), v.preset)
    return MasterRow(
        id=str(v.id), version=v.version, label=f"{label} · {v.target_lufs:g} LUFS · {v.ceiling_dbtp:g} dBTP",
        status=v.status, message=v.status_message, progress=progress, preparing=preparing,
        compare=[{"label": c.label, "before": c.before, "after": c.after} for c in v.compare],
        reasons=v.reasons, audio_url=v.audio_url, gain_original=v.gain_db_original, gain_master=v.gain_db_master,
        downloads=[{"format": f, "label": masters.FORMAT_LABELS[MasterFormat(f)], "url": u}
                   for f, u in v.downloads.items()],
        locked=", ".join(v.locked_formats), created=v.created_at.strftime("%Y-%m-%d %H:%M"))


def snapshot(*, session: Session, actor: Actor, track_id: uuid.UUID, genre: str = "") -> Snapshot:
    """The whole track page in one read: track, checks, charts, versions, choices."""
    track = tracks.get_track(session=session, actor=actor, track_id=track_id)
    v = views.view(track)
    found = masters.list_masters(session=session, actor=actor, track_id=track_id)
    allowed = masters.allowed_formats(session=session, actor=actor)
    master_jobs = {m.id: session.get(Job, m.job_id) if m.job_id else None for m in found}
    track_job = session.get(Job, track.job_id) if track.job_id else None
    others = tracks.list_tracks(session=session, actor=actor, status=TrackStatus.READY, per_page=200).tracks
    info = {
        "id": str(v.id), "title": v.title, "artist": v.artist, "file": v.original_name, "status": v.status,
        "message": v.status_message, "progress": track_job.progress if track_job else 0,
        "duration": clock(v.duration_s), "duration_s": v.duration_s or 0.0, "lufs": number(v.integrated_lufs, "LUFS"),
        "peak": number(v.true_peak_dbtp, "dBTP"), "lra": number(v.loudness_range_lu, "LU"),
        "format": f"{(v.format or '').upper()} · {v.sample_rate or '–'} Hz · {v.channels or '–'} ch",
        "audio_url": v.audio_url, "original_url": v.original_url, "peaks": json.dumps(v.peaks_urls),
        "correlation": number(track.analysis.get("stereo_correlation"), ""),
        "width": number(track.analysis.get("stereo_width"), ""),
    }
    return Snapshot(
        track=info, checks=_checks(track.readiness), loudness=_loudness(track.loudness_series, -14.0),
        tonal=_tonal(track.analysis, genre) if track.analysis else [],
        masters=[_master_row(session, m, track, allowed, master_jobs[m.id]) for m in found],
        choices=[{"key": d.preset, "label": d.label, "hint": f"{d.target_lufs:g} LUFS · {d.ceiling_dbtp:g} dBTP"}
                 for d in masters.destinations()],
        references=[{"id": str(t.id), "title": t.title} for t in others if t.id != track.id])
