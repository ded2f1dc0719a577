"""A release's tracks: add a master from the library, change its metadata, reorder, remove, and
put ISRCs and the release's UPC on them (allocated from the owner's prefixes or typed in)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from maxbooster.models.library import Track
from maxbooster.models.mastering import Master, MasterStatus
from maxbooster.models.releases import ArtistRole, ContributorRole, Release, ReleaseTrack
from maxbooster.services import audit
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.services.releases import codes, lifecycle
from maxbooster.services.releases.releases import UNSET, _text, clean_credits, tracks_of

MAX_TRACKS = 100
MAX_LYRICS = 20_000


@dataclass
class TrackIn:
    """Fields of a release track; in an update, UNSET leaves a field as it is."""

    master_id: Any = UNSET
    title: Any = UNSET
    version: Any = UNSET
    artists: Any = UNSET  # featured artists of this track: [{"name", "role": "featured"}]
    isrc: Any = UNSET  # typed-in ISRC; "" removes it from the track (the code stays the recording's)
    explicit: Any = UNSET
    contributors: Any = UNSET  # [{"name", "role": performer | producer | composer | lyricist | …}]
    lyrics: Any = UNSET
    preview_start_s: Any = UNSET

    def given(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not UNSET}


def _checked(data: TrackIn) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in data.given().items():
        if name == "title":
            out[name] = _text(value, "track title", 200, required=True)
        elif name == "version":
            out[name] = _text(value, "track version", 100)
        elif name == "artists":
            out[name] = clean_credits(value, ArtistRole, "track artists")
        elif name == "contributors":
            out[name] = clean_credits(value, ContributorRole, "contributors", limit=50)
        elif name == "explicit":
            if not isinstance(value, bool):
                raise InvalidInput("Explicit must be true or false.")
            out[name] = value
        elif name == "lyrics":
            text = str(value or "").replace("\r\n", "\n").strip()
            if len(text) > MAX_LYRICS:
                raise InvalidInput(f"Lyrics must be at most {MAX_LYRICS:,} characters.")
            out[name] = text
        elif name == "preview_start_s":
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= float(value) <= 36_000:
                raise InvalidInput("The preview start must be a number of seconds from the start of the track.")
            out[name] = float(value)
        else:
            out[name] = value
    return out


def _ready_master(session: Session, actor: Actor, master_id: Any) -> tuple[Master, Track]:
    try:
        master_uuid = uuid.UUID(str(master_id))
    except ValueError as exc:
        raise InvalidInput("Choose a master from your library.") from exc
    master = get_owned(session=session, model=Master, obj_id=master_uuid, actor=actor)
    track = session.get(Track, master.track_id)
    if master.status != MasterStatus.READY or track is None:
        raise InvalidInput("This master is not ready yet; wait until mastering has finished.")
    return master, track


def _own_track(session: Session, release: Release, track_id: uuid.UUID) -> ReleaseTrack:
    track = session.get(ReleaseTrack, track_id, populate_existing=True)
    if track is None or track.release_id != release.id:
        raise NotFound()
    return track


def add_track(*, session: Session, actor: Actor, release_id: uuid.UUID, data: TrackIn) -> ReleaseTrack:
    """Append a master of the library as the release's next track (title from the library by default)."""
    values = _checked(data)
    release = lifecycle.editable_release(session=session, actor=actor, release_id=release_id)
    if data.master_id is UNSET:
        raise InvalidInput("Choose a master from your library for the track.")
    master, library_track = _ready_master(session, actor, values.pop("master_id"))
    existing = tracks_of(session=session, release_id=release.id)
    if len(existing) >= MAX_TRACKS:
        raise InvalidInput(f"A release can have at most {MAX_TRACKS} tracks.")
    isrc = values.pop("isrc", "")
    values.setdefault("title", _text(library_track.title, "track title", 200) or "Untitled")
    track = ReleaseTrack(release_id=release.id, position=len(existing) + 1, master_id=master.id, **values)
    try:
        if isrc:
            track.isrc = codes.accept_isrc(session=session, actor=actor, text=isrc, recording_id=library_track.id)
        session.add(track)
        lifecycle.edited(session=session, actor=actor, release=release)
        audit.record(session, actor, "release.track.add", target=f"release:{release.id}",
                     details={"track": str(track.id), "master": str(master.id)})
        session.commit()
    except Exception:
        session.rollback()
        raise
    return track


def update_track(*, session: Session, actor: Actor, release_id: uuid.UUID, track_id: uuid.UUID,
                 data: TrackIn) -> ReleaseTrack:
    """Change the given fields of a track; a new master or ISRC is checked like on add."""
    values = _checked(data)
    release = lifecycle.editable_release(session=session, actor=actor, release_id=release_id)
    track = _own_track(session, release, track_id)
    try:
        if "master_id" in values:
            master, _ = _ready_master(session, actor, values.pop("master_id"))
            if master.id != track.master_id:
                track.master_id, track.isrc = master.id, None  # another recording: its own ISRC
        if "isrc" in values:
            text = values.pop("isrc")
            track.isrc = codes.accept_isrc(session=session, actor=actor, text=text, recording_id=codes.recording_of(
                session=session, master_id=track.master_id)) if text else None
        for name, value in values.items():
            setattr(track, name, value)
        session.add(track)
        lifecycle.edited(session=session, actor=actor, release=release)
        audit.record(session, actor, "release.track.update", target=f"release:{release.id}",
                     details={"track": str(track.id), "fields": sorted(data.given())})
        session.commit()
    except Exception:
        session.rollback()
        raise
    return track


def _renumber(session: Session, ordered: list[ReleaseTrack]) -> None:
    """Positions 1..n in this order; moved through negative numbers first so the unique
    (release, position) constraint never sees two tracks on one number."""
    for step in (-1, 1):
        for index, track in enumerate(ordered, start=1):
            session.execute(update(ReleaseTrack).where(col(ReleaseTrack.id) == track.id)
                            .values(position=step * index))
        session.flush()
    session.expire_all()


def reorder_tracks(*, session: Session, actor: Actor, release_id: uuid.UUID,
                   track_ids: list[uuid.UUID]) -> list[ReleaseTrack]:
    """Put the tracks in the given order (every track of the release, each once)."""
    release = lifecycle.editable_release(session=session, actor=actor, release_id=release_id)
    current = {t.id: t for t in tracks_of(session=session, release_id=release.id)}
    if len(track_ids) != len(current) or set(track_ids) != set(current):
        raise InvalidInput("Send every track of the release once, in the new order.")
    try:
        _renumber(session, [current[i] for i in track_ids])
        release = get_owned(session=session, model=Release, obj_id=release_id, actor=actor)
        lifecycle.edited(session=session, actor=actor, release=release)
        audit.record(session, actor, "release.track.reorder", target=f"release:{release.id}")
        session.commit()
    except Exception:
        session.rollback()
        raise
    return tracks_of(session=session, release_id=release.id)


def remove_track(*, session: Session, actor: Actor, release_id: uuid.UUID, track_id: uuid.UUID) -> None:
    """Take a track off the release; the ones after it move up. Its ISRC stays its recording's."""
    release = lifecycle.editable_release(session=session, actor=actor, release_id=release_id)
    track = _own_track(session, release, track_id)
    try:
        session.delete(track)
        session.flush()
        _renumber(session, tracks_of(session=session, release_id=release.id))
        release = get_owned(session=session, model=Release, obj_id=release_id, actor=actor)
        lifecycle.edited(session=session, actor=actor, release=release)
        audit.record(session, actor, "release.track.remove", target=f"release:{release.id}",
                     details={"track": str(track_id)})
        session.commit()
    except Exception:
        session.rollback()
        raise


def allocate_codes(*, session: Session, actor: Actor, release_id: uuid.UUID, isrc: bool = True,
                   upc: bool = True) -> Release:
    """Give every track without an ISRC one (its recording's, or a new one) and the release a UPC when
    it has none; all or nothing."""
    release = lifecycle.editable_release(session=session, actor=actor, release_id=release_id)
    try:
        if upc and not release.upc:
            release.upc = codes.allocate_upc(session=session, actor=actor, release_id=release.id)
        if isrc:
            for track in tracks_of(session=session, release_id=release.id):
                if not track.isrc:
                    recording = codes.recording_of(session=session, master_id=track.master_id)
                    track.isrc = codes.allocate_isrc(session=session, actor=actor, recording_id=recording)
                    session.add(track)
        lifecycle.edited(session=session, actor=actor, release=release)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return release
