"""What the studio page needs to open a project: its document, the media of its clips (signed URLs
to each library track's working copy and peaks levels, or why a clip cannot play), the library
tracks that can be dragged in, the effects with their parameters, and the plan's track limit.

Everything bulky travels by URL; the page state holds one JSON string built here, sent once when
the project opens (edits afterwards travel as small acknowledgements).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from audio.effects import describe_effects
from maxbooster.models.accounts import User
from maxbooster.models.library import Track, TrackStatus
from maxbooster.models.studio import Project
from maxbooster.services import plans
from maxbooster.services.actor import Actor
from maxbooster.services.library import views
from maxbooster.services.studio import projects

LIBRARY_LIMIT = 500  # ready tracks offered in the library panel, newest first


@dataclass(frozen=True)
class ProjectRow:
    """One line of the projects list, in plain words."""

    id: str
    name: str
    href: str
    tempo: str
    meter: str
    rate: str
    tracks: str
    edited: str


def ago(when: datetime, now: datetime | None = None) -> str:
    """'just now', '5 minutes ago', '3 hours ago', 'yesterday', '4 days ago', or the date."""
    now = now or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = max(0.0, (now - when).total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        n = int(seconds // 60)
        return f"{n} minute{'' if n == 1 else 's'} ago"
    if seconds < 86400:
        n = int(seconds // 3600)
        return f"{n} hour{'' if n == 1 else 's'} ago"
    days = int(seconds // 86400)
    if days == 1:
        return "yesterday"
    return f"{days} days ago" if days < 14 else when.strftime("%d %b %Y")


def project_rows(*, session: Session, actor: Actor, project_href: str) -> list[ProjectRow]:
    """The user's projects, last edited first; `project_href` has `{id}` where the id goes."""
    rows = []
    for p in projects.list_projects(session=session, actor=actor):
        n = len(p.document.get("tracks", []))
        rows.append(ProjectRow(
            id=str(p.id), name=p.name, href=project_href.replace("{id}", str(p.id)),
            tempo=f"{float(p.document.get('tempo_bpm', 120)):g} BPM", meter=f"{p.beats_per_bar}/{p.beat_unit}",
            rate=f"{p.sample_rate / 1000:g} kHz", tracks="1 track" if n == 1 else f"{n} tracks",
            edited=ago(p.updated_at)))
    return rows


def _media(track: Track) -> dict[str, Any]:
    ready = track.status == TrackStatus.READY
    return {"title": track.title, "artist": track.artist, "duration_s": track.duration_s or 0.0,
            "channels": track.channels or 2, "sample_rate": track.sample_rate or 0,
            "state": "ready" if ready else ("missing" if track.status == TrackStatus.FAILED else "processing"),
            "audio_url": views.audio_url(track) if ready else "",
            "peaks_urls": views.peaks_urls(track)}


def clip_media(*, session: Session, actor: Actor, project: Project) -> dict[str, dict[str, Any]]:
    """file id → its media for every file a clip uses; a file that is gone (or not the owner's)
    maps to {"state": "missing"} so the page draws a 'missing file' clip."""
    names = {c["file"] for t in project.document.get("tracks", []) for c in t.get("clips", [])}
    ids: dict[str, uuid.UUID] = {}
    for name in names:
        try:
            ids[name] = uuid.UUID(str(name))
        except ValueError:
            continue
    found = {str(t.id): t for t in session.exec(
        select(Track).where(col(Track.id).in_(list(ids.values())), col(Track.owner_id) == project.owner_id))
    } if ids else {}
    return {name: _media(found[str(ids[name])]) if name in ids and str(ids[name]) in found
            else {"state": "missing", "title": "Missing file", "audio_url": "", "peaks_urls": {}}
            for name in names}


def library_items(*, session: Session, actor: Actor) -> list[dict[str, Any]]:
    """The user's ready library tracks for the studio's library panel (newest first)."""
    stmt = select(Track).where(col(Track.owner_id) == actor.require_user(), col(Track.status) == TrackStatus.READY) \
        .order_by(col(Track.created_at).desc()).limit(LIBRARY_LIMIT)
    return [{"id": str(t.id), **_media(t)} for t in session.exec(stmt).all()]


def open_project(*, session: Session, actor: Actor, project_id: str) -> dict[str, Any]:
    """Everything the studio page starts from (JSON-ready)."""
    project = projects.require_project(session=session, actor=actor, project_id=project_id)
    user = session.get(User, project.owner_id)
    plan = plans.get_plan(user.plan if user else "free")
    return {
        "project": {"id": str(project.id), "name": project.name, "version": project.version,
                    "beats_per_bar": project.beats_per_bar, "beat_unit": project.beat_unit,
                    "document": project.document},
        "media": clip_media(session=session, actor=actor, project=project),
        "library": library_items(session=session, actor=actor),
        "effects": describe_effects(),
        "limits": {"tracks": plan.tracks_per_project, "plan": plan.name},
    }
