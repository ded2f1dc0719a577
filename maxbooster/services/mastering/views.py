"""What the pages and the API show of a master: before/after figures, the engine's reasons in
plain words, loudness-matching gains for A/B listening, and download links per format."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from sqlmodel import Session

from maxbooster.models.jobs import Job, JobStatus
from maxbooster.models.library import Track
from maxbooster.models.mastering import Master, MasterFormat, MasterStatus
from maxbooster.services import media
from maxbooster.services.mastering.masters import FORMAT_LABELS

URL_TTL_S = media.PAGE_TTL_S
_EXT = {MasterFormat.WAV24: "wav", MasterFormat.WAV16: "wav", MasterFormat.FLAC: "flac", MasterFormat.MP3: "mp3"}
_TYPES = {"wav": "audio/wav", "flac": "audio/flac", "mp3": "audio/mpeg"}
# (label, report key, unit) rows of the before/after table
COMPARE = (("Loudness", "integrated_lufs", "LUFS"), ("True peak", "true_peak_dbtp", "dBTP"),
           ("Loudness range", "loudness_range_lu", "LU"), ("Crest factor", "crest_factor_db", "dB"),
           ("Stereo width", "stereo_width", ""))


@dataclass(frozen=True)
class CompareRow:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class MasterView:
    id: uuid.UUID
    track_id: uuid.UUID
    version: int
    preset: str
    target_lufs: float
    ceiling_dbtp: float
    strength_pct: int
    genre: str
    status: str
    status_message: str
    job_id: uuid.UUID | None
    created_at: datetime
    compare: list[CompareRow] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    audio_url: str = ""
    gain_db_original: float = 0.0  # turn the louder of the two down so A/B is loudness-matched
    gain_db_master: float = 0.0
    downloads: dict[str, str] = field(default_factory=dict)  # format → URL (allowed and rendered)
    locked_formats: list[str] = field(default_factory=list)  # formats the plan does not include


def _fmt(value: Any, unit: str) -> str:
    if value is None:
        return "–"
    return f"{float(value):.2f} {unit}".strip() if unit else f"{float(value):.2f}"


def reasons(report: dict[str, Any]) -> list[str]:
    """The engine's decisions as sentences (its own wording, one per processing step)."""
    said = []
    for item in report.get("parameters", []) or []:
        text = str(item.get("reason") or "").strip() if isinstance(item, dict) else ""
        if text and text not in said:
            said.append(text if text.endswith(".") else text + ".")
    return said


def effective_status(*, session: Session, master: Master) -> tuple[str, str]:
    if master.status == MasterStatus.PROCESSING and master.job_id:
        job = session.get(Job, master.job_id)
        if job is not None and job.status in (JobStatus.FAILED, JobStatus.CANCELLED):
            return MasterStatus.FAILED, (job.error or "Mastering stopped.")[:500]
    return master.status, master.status_message


def view(*, session: Session, master: Master, track: Track, allowed: tuple[str, ...]) -> MasterView:
    status, message = effective_status(session=session, master=master)
    report = master.report or {}
    before, after = report.get("before") or {}, report.get("after") or {}
    compare = [CompareRow(label, _fmt(before.get(key), unit), _fmt(after.get(key), unit))
               for label, key, unit in COMPARE] if report else []
    gain_o = gain_m = 0.0
    lo, lm = before.get("integrated_lufs"), after.get("integrated_lufs")
    if lo is not None and lm is not None:
        diff = float(lm) - float(lo)
        gain_m, gain_o = (-diff, 0.0) if diff > 0 else (0.0, diff)
    stem = PurePosixPath(track.original_name).stem or "track"
    downloads: dict[str, str] = {}
    for fmt in MasterFormat:
        key = master.files.get(fmt)
        if key and fmt in allowed:
            ext = _EXT[fmt]
            name = f"{stem} (master v{master.version}, {master.preset}, {fmt.value}).{ext}"
            downloads[fmt.value] = media.media_url(owner_id=master.owner_id, key=key, filename=name,
                                                   content_type=_TYPES[ext], disposition="attachment",
                                                   expires_s=URL_TTL_S)
    wav = master.files.get(MasterFormat.WAV24)
    audio = media.media_url(owner_id=master.owner_id, key=wav, filename="master.wav", content_type="audio/wav",
                            disposition="inline", expires_s=URL_TTL_S) if wav else ""
    return MasterView(
        id=master.id, track_id=master.track_id, version=master.version, preset=master.preset,
        target_lufs=master.target_lufs, ceiling_dbtp=master.ceiling_dbtp, strength_pct=master.strength_pct,
        genre=master.genre, status=status, status_message=message, job_id=master.job_id,
        created_at=master.created_at, compare=compare, reasons=reasons(report), audio_url=audio,
        gain_db_original=round(gain_o, 2), gain_db_master=round(gain_m, 2), downloads=downloads,
        locked_formats=[FORMAT_LABELS[f] for f in MasterFormat if f not in allowed])
