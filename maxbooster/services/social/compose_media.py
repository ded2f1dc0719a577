"""What the composer offers besides text: library media as short tokens the page can hold
("artwork:<release>", "preview:<master>:<start>:<length>", "audiogram:<id>:<shape>", "file:<id>"),
the tracks an audiogram can be made from with the covers to put behind it, an audiogram's progress
while its job renders, and the releases whose smart link a post can end with."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import Session, col, select

from maxbooster.models.jobs import Job
from maxbooster.models.library import Track, TrackStatus
from maxbooster.models.releases import Release, SmartLink
from maxbooster.models.social import AudiogramShape, AudiogramStatus, MediaKind
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput
from maxbooster.services.social import attachments, audiogram
from maxbooster.services.social.attachments import MediaRef

LIMIT = 100


def ref_token(ref: MediaRef) -> str:
    """A MediaRef as the short text the composer page keeps (the inverse of `parse_token`)."""
    kind = MediaKind(ref.kind)
    if kind == MediaKind.ARTWORK:
        return f"artwork:{ref.release_id}"
    if kind == MediaKind.PREVIEW:
        source = f"master:{ref.master_id}" if ref.master_id else f"track:{ref.track_id}"
        return f"preview:{source}:{ref.start_s:g}:{ref.length_s:g}"
    if kind == MediaKind.AUDIOGRAM:
        return f"audiogram:{ref.audiogram_id}:{AudiogramShape(ref.shape).value}"
    return f"file:{ref.file_id}"


def choice_id(text: str, what: str = "media item") -> uuid.UUID:
    """An id picked from one of the composer's lists; anything else is refused with what to do."""
    try:
        return uuid.UUID(str(text or "").strip())
    except ValueError:
        raise InvalidInput(f"That {what} is not one of the choices; pick it again from the list.") from None


def _id(text: str) -> uuid.UUID:
    return choice_id(text)


def parse_token(token: str) -> MediaRef:
    """The MediaRef a composer token names; InvalidInput for anything else. A bare id is an uploaded file."""
    parts = str(token or "").strip().split(":")
    try:
        if len(parts) == 1:
            return MediaRef(file_id=_id(parts[0]))
        kind = parts[0]
        if kind == "file" and len(parts) == 2:
            return MediaRef(file_id=_id(parts[1]))
        if kind == MediaKind.ARTWORK and len(parts) == 2:
            return MediaRef(kind=MediaKind.ARTWORK, release_id=_id(parts[1]))
        if kind == MediaKind.AUDIOGRAM and len(parts) == 3:
            return MediaRef(kind=MediaKind.AUDIOGRAM, audiogram_id=_id(parts[1]), shape=AudiogramShape(parts[2]))
        if kind == MediaKind.PREVIEW and len(parts) == 5 and parts[1] in ("master", "track"):
            source = _id(parts[2])
            return MediaRef(kind=MediaKind.PREVIEW, master_id=source if parts[1] == "master" else None,
                            track_id=source if parts[1] == "track" else None, start_s=float(parts[3]),
                            length_s=float(parts[4]))
    except ValueError:
        pass
    raise InvalidInput("That media item is not one of the choices; pick it again from the list.")


@dataclass(frozen=True)
class MediaOption:
    token: str
    label: str
    kind: str  # image | audio | video (the icon)


def media_options(*, session: Session, actor: Actor) -> list[MediaOption]:
    """`attachments.library_choices` as the composer lists them: covers, master previews, audiograms."""
    return [MediaOption(ref_token(c.ref), c.label, c.mime.split("/", 1)[0])
            for c in attachments.library_choices(session=session, actor=actor)]


@dataclass(frozen=True)
class TrackOption:
    id: str
    title: str
    duration_s: float


def audiogram_sources(*, session: Session, actor: Actor) -> tuple[list[TrackOption], list[tuple[str, str]]]:
    """(ready tracks an audiogram can be made from, newest first; releases with a cover: (id, title))."""
    owner = actor.require_user()
    tracks = session.exec(select(Track).where(col(Track.owner_id) == owner, col(Track.status) == TrackStatus.READY,
                                              col(Track.duration_s) > 0)
                          .order_by(col(Track.created_at).desc()).limit(LIMIT)).all()
    covers = session.exec(select(Release).where(col(Release.owner_id) == owner, col(Release.artwork_key).is_not(None))
                          .order_by(col(Release.updated_at).desc()).limit(LIMIT)).all()
    return ([TrackOption(str(t.id), t.title, float(t.duration_s or 0)) for t in tracks],
            [(str(r.id), r.title) for r in covers])


@dataclass(frozen=True)
class AudiogramProgress:
    status: str  # AudiogramStatus
    percent: int
    message: str  # what the job is doing, or why it failed


def audiogram_progress(*, session: Session, actor: Actor, audiogram_id: uuid.UUID) -> AudiogramProgress:
    """How far an audiogram's render is (the job's progress), ready, or why it failed."""
    row = audiogram.get_audiogram(session=session, actor=actor, audiogram_id=audiogram_id)
    session.refresh(row)  # a poller must see the job's news
    if row.status == AudiogramStatus.READY:
        return AudiogramProgress(row.status, 100, "Ready")
    if row.status == AudiogramStatus.FAILED:
        return AudiogramProgress(row.status, 0, row.status_message or "The video could not be made.")
    job = session.get(Job, row.job_id, populate_existing=True) if row.job_id else None
    percent = int(job.progress) if job is not None else 0
    message = (job.message if job is not None and job.message else "Waiting for a worker")
    return AudiogramProgress(row.status, percent, message)


def release_link_choices(*, session: Session, actor: Actor) -> list[tuple[str, str]]:
    """(release id, "Title (/r/slug)") of the user's releases that have a smart link, newest first."""
    rows = session.exec(select(Release, SmartLink).join(SmartLink, col(SmartLink.release_id) == col(Release.id))
                        .where(col(Release.owner_id) == actor.require_user())
                        .order_by(col(Release.updated_at).desc()).limit(LIMIT)).all()
    return [(str(r.id), f"{r.title} (/r/{link.slug})") for r, link in rows]


def _seconds(value: str, what: str) -> float:
    text = str(value or "").strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise InvalidInput(f"Type the {what} in seconds, e.g. 12.5.") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise InvalidInput(f"Type the {what} in seconds, e.g. 12.5.")
    return number


def make_audiogram(*, session: Session, actor: Actor, track_id: str, start: str, length: str,
                   cover_id: str = "") -> uuid.UUID:
    """Start an audiogram from what the composer's form holds (ids and numbers as typed); the new
    audiogram's id. Every refusal says what to change and stores nothing."""
    if not str(track_id or "").strip():
        raise InvalidInput("Choose a track for the audiogram.")
    track = choice_id(track_id, "track")
    cover = choice_id(cover_id, "cover") if str(cover_id or "").strip() else None
    row = audiogram.request_audiogram(session=session, actor=actor, data=audiogram.AudiogramIn(
        track_id=track, start_s=_seconds(start, "start"), length_s=_seconds(length, "length"), release_id=cover))
    return row.id
