"""The Library page's rows: one call returns a page of tracks with their job progress, figures
in plain units and a waveform thumbnail URL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import Session

from maxbooster import routes
from maxbooster.models.jobs import Job
from maxbooster.models.library import TrackStatus
from maxbooster.services.actor import Actor
from maxbooster.services.errors import ErrorCode, NotFound
from maxbooster.services.library import tracks, views

PER_PAGE = 24


@dataclass
class TrackRow:
    id: str
    title: str
    artist: str
    file: str
    status: str
    message: str
    progress: int
    duration: str
    lufs: str
    peak: str
    format: str
    thumb_url: str
    href: str


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def number(value: float | None, unit: str) -> str:
    return "–" if value is None else f"{value:.1f} {unit}"


def _row(v: views.TrackView, progress: dict[str, int]) -> TrackRow:
    thumb = v.peaks_urls.get("4096") or v.peaks_urls.get("16384") or ""
    return TrackRow(id=str(v.id), title=v.title, artist=v.artist, file=v.original_name, status=v.status,
                    message=v.status_message, progress=progress.get(str(v.job_id), 0), duration=clock(v.duration_s),
                    lufs=number(v.integrated_lufs, "LUFS"), peak=number(v.true_peak_dbtp, "dBTP"),
                    format=(v.format or "").upper(), thumb_url=thumb, href=routes.track_page(v.id))


def parse_id(value: str) -> uuid.UUID:
    """An id from the browser; anything malformed reads as 'not found'."""
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise NotFound(code=ErrorCode.NOT_FOUND) from exc


def page_rows(*, session: Session, actor: Actor, query: str = "", status: str = "", sort: str = "newest",
              page: int = 1) -> tuple[list[TrackRow], int, int]:
    """(rows, total tracks, pages) for one page of the Library."""
    found = tracks.list_tracks(session=session, actor=actor, query=query, status=status, sort=sort, page=page,
                               per_page=PER_PAGE)
    job_ids = [t.job_id for t in found.tracks if t.status == TrackStatus.PROCESSING and t.job_id]
    progress = {str(j.id): j.progress for j in (session.get(Job, i) for i in job_ids) if j is not None}
    rows = [_row(views.view(t), progress) for t in found.tracks]
    return rows, found.total, found.pages
