"""A listing's files: audio from the seller's library (by track id), uploaded ZIPs (packs, presets,
plugins, stems) checked before they are kept, the cover image and the voice tag for previews."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlmodel import Session, col

from maxbooster.models.base import utcnow
from maxbooster.models.library import Track, TrackStatus
from maxbooster.models.marketplace import (
    FileRole,
    FileSource,
    Listing,
    ListingFile,
    ListingKind,
    PreviewStatus,
    WatermarkKind,
)
from maxbooster.services import audit
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.errors import Conflict, InvalidInput
from maxbooster.services.library import engine
from maxbooster.services.marketplace import mp3, zipcheck
from maxbooster.services.marketplace.listings import _editable, get_listing
from maxbooster.services.storage import clean_filename, get_storage
from maxbooster.settings import get_settings

COVER_MAX_BYTES = 10 * 1024 * 1024
COVER_MIN_PX = 300
TAG_MAX_BYTES = 5 * 1024 * 1024
TAG_MAX_SECONDS = 5.0
COVER_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


def _prefix(listing: Listing) -> str:
    return f"{listing.owner_id}/marketplace/{listing.id}/"


def list_files(*, session: Session, listing_id: uuid.UUID) -> list[ListingFile]:
    return list(session.execute(select(ListingFile).where(col(ListingFile.listing_id) == listing_id)
                                .order_by(col(ListingFile.role))).scalars())


def _replace(session: Session, listing: Listing, row: ListingFile) -> str | None:
    """Put `row` in place of the listing's file of the same role; the old upload's key to delete, if any."""
    old = session.execute(select(ListingFile).where(col(ListingFile.listing_id) == listing.id,
                                                    col(ListingFile.role) == row.role)).scalar_one_or_none()
    old_key = old.storage_key if old is not None else None
    if old is not None:
        session.delete(old)
        session.flush()
    session.add(row)
    if row.role in (FileRole.MAIN, FileRole.PREVIEW):  # the preview was made from other audio
        _forget_preview(listing)
    listing.updated_at = utcnow()
    session.add(listing)
    return old_key


def _forget_preview(listing: Listing) -> None:
    if listing.preview_status != PreviewStatus.NOT_MADE:
        listing.preview_status = PreviewStatus.NOT_MADE
        listing.preview_error = ""


def attach_track(*, session: Session, actor: Actor, listing_id: uuid.UUID, track_id: uuid.UUID,
                 role: str = FileRole.MAIN) -> ListingFile:
    """Use a ready track of your library as the beat's audio (main) or as the preview's source. The main
    audio's MP3 (what every tier delivers as its MP3) is made in the background from then on."""
    listing = get_listing(session=session, actor=actor, listing_id=listing_id)
    _editable(listing)
    if role not in (FileRole.MAIN, FileRole.PREVIEW):
        raise InvalidInput("Library tracks can be the main audio or the preview's source; upload stems and packs "
                           "as a ZIP.")
    track = get_owned(session=session, model=Track, obj_id=track_id, actor=actor)
    if track.status != TrackStatus.READY or not track.working_key:
        raise Conflict(f"{track.title!r} is still being processed or failed; use a track that is ready.")
    row = ListingFile(listing_id=listing.id, role=role, source=FileSource.LIBRARY, track_id=track.id,
                      original_name=track.original_name, content_type="audio/wav", size_bytes=track.size_bytes,
                      sha256=track.sha256)
    old_key = _replace(session, listing, row)
    audit.record(session, actor, "marketplace.file_attached", target=f"listing:{listing.id}",
                 details={"role": role, "track_id": str(track.id)})
    session.commit()
    if old_key:
        get_storage().delete(old_key)
    if role == FileRole.MAIN:
        mp3.ensure(session=session, listing_id=listing.id)
    session.refresh(row)
    return row


def attach_zip(*, session: Session, actor: Actor, listing_id: uuid.UUID, filename: str, chunks: Iterable[bytes],
               role: str = FileRole.ZIP) -> ListingFile:
    """Upload the ZIP sold with a pack/preset/plugin (role zip) or a beat's stems (role stems). It is checked
    before it is kept (ZipRefused with the reason, nothing stored); executables inside are flagged for buyers."""
    listing = get_listing(session=session, actor=actor, listing_id=listing_id)
    _editable(listing)
    if role not in (FileRole.ZIP, FileRole.STEMS):
        raise InvalidInput("Upload a ZIP as the pack itself (zip) or as a beat's stems (stems).")
    if role == FileRole.STEMS and listing.kind != ListingKind.BEAT:
        raise InvalidInput("Stems belong to beats; upload a pack, preset bank or plugin as zip.")
    name = clean_filename(filename)
    if not name.lower().endswith(".zip"):
        raise InvalidInput(f"{name!r} is not a .zip file; pack the files as a ZIP and upload that.")
    settings, store = get_settings(), get_storage()
    key = _prefix(listing) + f"{role}-{secrets.token_hex(8)}.zip"
    size, sha = store.write(key, chunks, max_bytes=settings.upload_max_bytes)
    try:
        with store.local_path(key) as path:
            report = zipcheck.inspect_zip(path, max_bytes=settings.marketplace_zip_max_bytes,
                                          max_ratio=settings.marketplace_zip_max_ratio,
                                          max_entries=settings.marketplace_zip_max_entries)
        row = ListingFile(listing_id=listing.id, role=role, source=FileSource.UPLOAD, storage_key=key,
                          original_name=name, content_type="application/zip", size_bytes=size, sha256=sha,
                          findings=report.findings, entry_count=report.entries,
                          uncompressed_bytes=report.uncompressed_bytes)
        old_key = _replace(session, listing, row)
        audit.record(session, actor, "marketplace.file_uploaded", target=f"listing:{listing.id}",
                     details={"role": role, "findings": len(report.findings)})
        session.commit()
    except Exception:
        session.rollback()
        store.delete(key)
        raise
    if old_key:
        store.delete(old_key)
    session.refresh(row)
    return row


def set_cover(*, session: Session, actor: Actor, listing_id: uuid.UUID, chunks: Iterable[bytes]) -> Listing:
    """The listing's cover: a PNG, JPEG or WebP image at least 300 × 300 px, up to 10 MB."""
    listing = get_listing(session=session, actor=actor, listing_id=listing_id)
    _editable(listing)
    store = get_storage()
    key = _prefix(listing) + f"cover-{secrets.token_hex(8)}"
    store.write(key, chunks, max_bytes=COVER_MAX_BYTES)
    try:
        with store.local_path(key) as path:
            try:
                with Image.open(path) as img:
                    fmt, (width, height) = img.format, img.size
                    img.verify()
            except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
                raise InvalidInput("The cover is not an image we can read; upload a PNG, JPEG or WebP.") from exc
        if fmt not in COVER_TYPES:
            raise InvalidInput(f"The cover is a {fmt} image; upload a PNG, JPEG or WebP.")
        if min(width, height) < COVER_MIN_PX:
            raise InvalidInput(f"The cover is {width} × {height} px; use at least {COVER_MIN_PX} × {COVER_MIN_PX}.")
        old = listing.cover_key
        listing.cover_key, listing.updated_at = key, utcnow()
        session.add(listing)
        audit.record(session, actor, "marketplace.cover_set", target=f"listing:{listing.id}")
        session.commit()
    except Exception:
        session.rollback()
        store.delete(key)
        raise
    if old:
        store.delete(old)
    session.refresh(listing)
    return listing


def _check_tag(key: str, name: str) -> None:
    """The stored voice tag must be audio the engine reads (by content, not by name) and short."""
    with get_storage().local_path(key) as path:
        info = engine.inspect_upload(path, name)
    if info.duration_s > TAG_MAX_SECONDS:
        raise InvalidInput(f"Your voice tag is {info.duration_s:.1f} s long; keep it to {TAG_MAX_SECONDS:g} s or "
                           "less (it plays every 10 s of the preview).")


def set_watermark(*, session: Session, actor: Actor, listing_id: uuid.UUID, watermark: str,
                  tag_chunks: Iterable[bytes] | None = None, tag_name: str = "") -> Listing:
    """How previews are marked: a generated tone, or your voice tag (an audio file up to 5 MB and
    `TAG_MAX_SECONDS` long, checked by content before it is kept). A new choice means the preview is made
    again; a refused file changes nothing."""
    listing = get_listing(session=session, actor=actor, listing_id=listing_id)
    _editable(listing)
    if watermark not in {w.value for w in WatermarkKind}:
        raise InvalidInput("Choose the watermark: tone or voice_tag.")
    store, new_key, old_key = get_storage(), None, listing.voice_tag_key
    if watermark == WatermarkKind.VOICE_TAG:
        if tag_chunks is None:
            raise InvalidInput("Upload your voice tag (a short audio file) to use it as the watermark.")
        new_key = _prefix(listing) + f"voice-tag-{secrets.token_hex(8)}"
        store.write(new_key, tag_chunks, max_bytes=TAG_MAX_BYTES)
        try:
            _check_tag(new_key, tag_name or "voice tag")
        except InvalidInput:
            store.delete(new_key)
            raise
    listing.watermark, listing.voice_tag_key = watermark, new_key
    _forget_preview(listing)
    listing.updated_at = utcnow()
    session.add(listing)
    audit.record(session, actor, "marketplace.watermark_set", target=f"listing:{listing.id}",
                 details={"watermark": watermark})
    session.commit()
    if old_key:
        store.delete(old_key)
    session.refresh(listing)
    return listing
