"""Composer media from the library: a release's cover, an excerpt of a master (or track), an audiogram,
or an uploaded file, each the acting user's. `describe` says what an attachment will be (name, type,
size) without writing anything, so a post is checked against the network's rules first; `materialize`
then gives the stored file that publishing uploads (a cover or excerpt is copied or cut once and
reused by every later post).
"""

from __future__ import annotations

import re
import subprocess  # noqa: S404  (our own ffmpeg binary with arguments we build)
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sqlmodel import Session, SQLModel, col, select

from maxbooster.models.library import Track, TrackStatus
from maxbooster.models.mastering import Master, MasterStatus
from maxbooster.models.releases import Release
from maxbooster.models.social import AudiogramShape, AudiogramStatus, MediaKind
from maxbooster.models.storage import StoredFile
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.services.social import audiogram
from maxbooster.services.social.validation import MediaInfo
from maxbooster.services.storage import get_storage, iter_stream

PREVIEW_KBPS = 192
M = TypeVar("M", bound=SQLModel)


@dataclass(frozen=True)
class MediaRef:
    """One attachment as the composer names it: `file_id` for an upload, or `kind` with the library
    item (`release_id` for artwork; `master_id` or `track_id` with `start_s`/`length_s` for a preview;
    `audiogram_id` with `shape`). `description` is the alt text."""

    file_id: uuid.UUID | None = None
    description: str = ""
    kind: MediaKind = MediaKind.FILE
    release_id: uuid.UUID | None = None
    master_id: uuid.UUID | None = None
    track_id: uuid.UUID | None = None
    audiogram_id: uuid.UUID | None = None
    shape: AudiogramShape = AudiogramShape.VERTICAL
    start_s: float = 0.0
    length_s: float = 30.0


@dataclass(frozen=True)
class MediaChoice:
    """A library item the composer can offer to attach (its `ref` is ready to pass back)."""

    label: str
    mime: str
    ref: MediaRef = field(default_factory=MediaRef)


def _owned(session: Session, actor: Actor, model: type[M], obj_id: uuid.UUID | None, what: str) -> M:
    if obj_id is None:
        raise InvalidInput(f"Choose the {what} to attach.")
    try:
        return get_owned(session=session, model=model, obj_id=obj_id, actor=actor)
    except NotFound:
        raise NotFound(f"That {what} is not in your library; choose one of yours.") from None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "media"


def _cover(session: Session, actor: Actor, ref: MediaRef) -> tuple[Release, str, str]:
    release = _owned(session, actor, Release, ref.release_id, "release")
    if not release.artwork_key:
        raise InvalidInput(f"{release.title} has no cover yet; upload one on the release first.")
    ext = "png" if release.artwork_format.upper() == "PNG" else "jpg"
    return release, ext, "image/png" if ext == "png" else "image/jpeg"


def _preview_source(session: Session, actor: Actor, ref: MediaRef) -> tuple[Track, str, str]:
    """(track, storage key of the audio to cut, name stem) after checking the excerpt."""
    if (ref.master_id is None) == (ref.track_id is None):
        raise InvalidInput("Choose a master or a track for the preview (one of them).")
    if ref.master_id is not None:
        master = _owned(session, actor, Master, ref.master_id, "master")
        key = next((master.files[f] for f in audiogram.MASTER_SOURCES if master.files.get(f)), None)
        if master.status != MasterStatus.READY or key is None:
            raise InvalidInput("That master is not finished yet; wait for it or choose the track itself.")
        track = _owned(session, actor, Track, master.track_id, "track")
        stem = f"{master.id}"
    else:
        track = _owned(session, actor, Track, ref.track_id, "track")
        key, stem = track.working_key or "", f"{track.id}"
    if track.status != TrackStatus.READY or not key or not track.duration_s:
        raise InvalidInput(f"{track.title} is still being processed (or failed); try again when it shows as ready.")
    audiogram.check_excerpt(float(ref.start_s), float(ref.length_s), float(track.duration_s))
    return track, key, f"{stem}-{round(ref.start_s * 1000)}-{round(ref.length_s * 1000)}"


def describe(*, session: Session, actor: Actor, ref: MediaRef) -> MediaInfo:
    """What the attachment will be (name, type, size in bytes) for the network checks; writes nothing."""
    if len(ref.description) > 1500:
        raise InvalidInput("A media description (alt text) is at most 1,500 characters.")
    kind = MediaKind(ref.kind)
    if kind == MediaKind.FILE:
        record = get_owned(session=session, model=StoredFile, obj_id=ref.file_id, actor=actor)
        return MediaInfo(name=record.original_name, mime=record.content_type, size_bytes=record.size_bytes)
    if kind == MediaKind.ARTWORK:
        release, ext, mime = _cover(session, actor, ref)
        return MediaInfo(name=f"{_slug(release.title)}-cover.{ext}", mime=mime, size_bytes=release.artwork_bytes or 0)
    if kind == MediaKind.PREVIEW:
        track, _, _ = _preview_source(session, actor, ref)
        size = int(ref.length_s * PREVIEW_KBPS * 1000 / 8)  # constant bit rate: known before it is cut
        return MediaInfo(name=f"{_slug(track.title)}-preview.mp3", mime="audio/mpeg", size_bytes=size)
    record = audiogram.audiogram_file(session=session, actor=actor, audiogram_id=_need(ref.audiogram_id),
                                      shape=AudiogramShape(ref.shape))
    return MediaInfo(name=record.original_name, mime=record.content_type, size_bytes=record.size_bytes)


def _need(value: uuid.UUID | None) -> uuid.UUID:
    if value is None:
        raise InvalidInput("Choose the audiogram to attach.")
    return value


def materialize(*, session: Session, actor: Actor, ref: MediaRef) -> StoredFile:
    """The stored file to publish for `ref` (made once for a cover or excerpt, then reused). Commits."""
    kind = MediaKind(ref.kind)
    if kind == MediaKind.FILE:
        return get_owned(session=session, model=StoredFile, obj_id=ref.file_id, actor=actor)
    if kind == MediaKind.AUDIOGRAM:
        return audiogram.audiogram_file(session=session, actor=actor, audiogram_id=_need(ref.audiogram_id),
                                        shape=AudiogramShape(ref.shape))
    owner, store = actor.require_user(), get_storage()
    if kind == MediaKind.ARTWORK:
        release, ext, mime = _cover(session, actor, ref)
        key = f"{owner}/social-media/artwork/{release.id}-{(release.artwork_sha256 or 'cover')[:16]}.{ext}"
        name, make = f"{_slug(release.title)}-cover.{ext}", None
        source_key = release.artwork_key
    else:
        track, source_key, stem = _preview_source(session, actor, ref)
        key, name, mime = f"{owner}/social-media/previews/{stem}.mp3", f"{_slug(track.title)}-preview.mp3", "audio/mpeg"
        make = ref
    existing = session.exec(select(StoredFile).where(col(StoredFile.key) == key)).first()
    if existing is not None:
        return existing
    if make is None:
        with store.open(source_key or "") as fh:
            size, sha = store.write(key, iter_stream(fh), max_bytes=200 * 1024 * 1024)
    else:
        size, sha = _cut_preview(source_key or "", make.start_s, make.length_s, key)
    record = StoredFile(owner_id=owner, key=key, original_name=name, content_type=mime, size_bytes=size, sha256=sha)
    session.add(record)
    session.commit()
    session.refresh(record)
    return record


def _cut_preview(source_key: str, start_s: float, length_s: float, key: str) -> tuple[int, str]:
    store = get_storage()
    with store.local_path(source_key) as source, tempfile.TemporaryDirectory(prefix="preview-") as work:
        out = Path(work) / "preview.mp3"
        cmd = [audiogram.ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-ss", f"{start_s:.3f}",
               "-t", f"{length_s:.3f}", "-i", str(source), "-vn", "-c:a", "libmp3lame", "-b:a", f"{PREVIEW_KBPS}k",
               "-ar", "44100", str(out)]
        done = subprocess.run(cmd, capture_output=True, timeout=120, check=False)  # noqa: S603
        if done.returncode != 0 or not out.exists():
            raise InvalidInput("The preview could not be cut from this audio; try another excerpt or master.")
        return store.put_file(key, out)


def library_choices(*, session: Session, actor: Actor) -> list[MediaChoice]:
    """What the composer can attach from the library: covers, finished masters (a 30 s preview from the
    start), ready audiograms (both shapes), newest first within each kind."""
    owner = actor.require_user()
    choices: list[MediaChoice] = []
    for release in session.exec(select(Release).where(col(Release.owner_id) == owner,
                                                      col(Release.artwork_key).is_not(None))
                                .order_by(col(Release.updated_at).desc()).limit(50)).all():
        choices.append(MediaChoice(f"Cover of {release.title}", "image/png" if release.artwork_format.upper() == "PNG"
                                   else "image/jpeg", MediaRef(kind=MediaKind.ARTWORK, release_id=release.id)))
    rows = session.exec(select(Master, Track).join(Track, col(Track.id) == col(Master.track_id))
                        .where(col(Master.owner_id) == owner, col(Master.status) == MasterStatus.READY)
                        .order_by(col(Master.created_at).desc()).limit(50)).all()
    for master, track in rows:
        length = min(30.0, float(track.duration_s or 0))
        if length > 0:
            choices.append(MediaChoice(f"{track.title} (master v{master.version}), first {length:.0f} s",
                                       "audio/mpeg", MediaRef(kind=MediaKind.PREVIEW, master_id=master.id,
                                                              length_s=length)))
    for row in audiogram.list_audiograms(session=session, actor=actor):
        if row.status == AudiogramStatus.READY:
            for shape in AudiogramShape:
                choices.append(MediaChoice(f"Audiogram of {row.title or 'a track'} ({shape.value})", "video/mp4",
                                           MediaRef(kind=MediaKind.AUDIOGRAM, audiogram_id=row.id, shape=shape)))
    return choices
