"""Deliveries: one grant per purchased deliverable of a paid order line, and short-lived signed links
to it (re-issued from the order page). Every download is counted; a refund or dispute revokes the
grants, and a link used after that, or past its expiry, is refused with what to do next.

A link is `<grant id>.<expiry unix s>.<HMAC>` keyed from SECRET_KEY; the grant row is checked on
every use, so revoking takes effect at once, even for links already handed out. A beat's MP3
deliverable is the MP3 made from its audio (`mp3`); its WAV is the library track's working copy.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, col

from maxbooster import routes
from maxbooster.models.base import row_values, utcnow
from maxbooster.models.library import Track
from maxbooster.models.marketplace import (
    Deliverable,
    DownloadGrant,
    FileRole,
    LicenseTier,
    ListingFile,
    Order,
    OrderLine,
)
from maxbooster.services import audit
from maxbooster.services.actor import Actor
from maxbooster.services.errors import Conflict, DomainError, ErrorCode, NotFound
from maxbooster.services.marketplace import licenses, mp3
from maxbooster.settings import get_settings

_ROLE = {Deliverable.MP3: FileRole.MAIN, Deliverable.WAV: FileRole.MAIN, Deliverable.STEMS: FileRole.STEMS,
         Deliverable.ZIP: FileRole.ZIP}


class DownloadRevoked(DomainError):
    code = ErrorCode.DOWNLOAD_REVOKED
    http_status = 410


class DownloadExpired(DomainError):
    code = ErrorCode.DOWNLOAD_EXPIRED
    http_status = 410


@dataclass(frozen=True)
class DownloadLink:
    grant_id: uuid.UUID
    deliverable: str
    url: str
    link_expires_at: datetime
    download_count: int


@dataclass(frozen=True)
class DownloadFile:
    filename: str
    content_type: str
    storage_key: str | None  # stored bytes to stream, or
    data: bytes | None  # bytes made on the spot (the license PDF)


def grant_rows(*, session: Session, order: Order, line: OrderLine, tier: LicenseTier | None, now: datetime,
               files: dict[str, uuid.UUID] | None = None) -> list[dict[str, Any]]:
    """The line's grants, as rows for the caller to insert: each deliverable of the tier plus the license PDF
    (`files`, the listing's file per role, is read when not given)."""
    if files is None:
        files = {f.role: f.id for f in session.execute(select(ListingFile).where(
            col(ListingFile.listing_id) == line.listing_id)).scalars()}
    wanted = list(dict.fromkeys([*(tier.deliverables if tier else []), Deliverable.LICENSE_PDF]))
    expires = now + timedelta(days=get_settings().marketplace_download_days)
    rows = []
    for deliverable in wanted:
        role = _ROLE.get(Deliverable(deliverable))
        rows.append(row_values(DownloadGrant, owner_id=order.owner_id, order_line_id=line.id, deliverable=deliverable,
                               listing_file_id=files.get(role) if role else None, expires_at=expires, created_at=now))
    return rows


def revoke(*, session: Session, line_id: uuid.UUID, reason: str) -> None:
    session.execute(update(DownloadGrant).where(col(DownloadGrant.order_line_id) == line_id,
                                                col(DownloadGrant.revoked_at).is_(None))
                    .values(revoked_at=utcnow(), revoke_reason=reason[:300]))


def release_hold(*, session: Session, line_id: uuid.UUID, hold_reason: str, revoke_reason: str | None) -> None:
    """End a hold on the line's grants (those revoked with `hold_reason`): usable again when `revoke_reason`
    is None, else revoked for good with that reason."""
    values: dict[str, Any] = {"revoked_at": None, "revoke_reason": ""} if revoke_reason is None else {
        "revoke_reason": revoke_reason[:300]}
    session.execute(update(DownloadGrant).where(col(DownloadGrant.order_line_id) == line_id,
                                                col(DownloadGrant.revoke_reason) == hold_reason[:300])
                    .values(**values))


def _key() -> bytes:
    return hmac.new(get_settings().secret_key.encode(), b"maxbooster/marketplace-download/v1", hashlib.sha256).digest()


def _sign(grant_id: uuid.UUID, expires: int) -> str:
    body = f"{grant_id.hex}.{expires}"
    return f"{body}.{hmac.new(_key(), body.encode(), hashlib.sha256).hexdigest()[:40]}"


def _usable(row: DownloadGrant, now: datetime) -> None:
    if row.revoked_at is not None and "on hold" in row.revoke_reason:
        raise DownloadRevoked(f"Downloads for this purchase are paused: {row.revoke_reason}. They come back if "
                              "the dispute is settled for the seller.")
    if row.revoked_at is not None:
        raise DownloadRevoked(f"This download was cancelled: {row.revoke_reason or 'the purchase was refunded'}. "
                              "Nothing more can be downloaded for this purchase.")
    if row.expires_at <= now:
        raise DownloadExpired("The download period of this purchase has ended. Contact the seller if you need "
                              "the files again.")


def issue_links(*, session: Session, actor: Actor, order_line_id: uuid.UUID) -> list[DownloadLink]:
    """Fresh links to each deliverable of the buyer's line (each valid MARKETPLACE_LINK_MINUTES)."""
    user_id = actor.require_user()
    rows = session.execute(select(DownloadGrant).where(col(DownloadGrant.order_line_id) == order_line_id)
                           .order_by(col(DownloadGrant.deliverable))).scalars().all()
    if not rows or rows[0].owner_id != user_id:
        if rows:
            audit.record_detached(session=session, actor=actor, action="authz.denied",
                                  target=f"order_line:{order_line_id}")
        raise NotFound("No downloads for that purchase. Downloads appear once the payment is confirmed.")
    now = utcnow()
    for row in rows:
        _usable(row, now)
    expires = int(time.time()) + get_settings().marketplace_link_minutes * 60
    return [DownloadLink(grant_id=r.id, deliverable=r.deliverable,
                         url=routes.V1_MARKETPLACE_DOWNLOAD.format(token=_sign(r.id, expires)),
                         link_expires_at=datetime.fromtimestamp(expires).astimezone(),
                         download_count=r.download_count) for r in rows]


def _read(token: str) -> tuple[uuid.UUID, int]:
    parts = (token or "").split(".")
    if len(parts) != 3 or len(token) > 200:
        raise NotFound("This download link is not valid. Open your order and get a new link.")
    try:
        grant_id, expires = uuid.UUID(hex=parts[0]), int(parts[1])
    except ValueError as exc:
        raise NotFound("This download link is not valid. Open your order and get a new link.") from exc
    if not hmac.compare_digest(_sign(grant_id, expires), token):
        raise NotFound("This download link is not valid. Open your order and get a new link.")
    return grant_id, expires


def open_download(*, session: Session, actor: Actor, token: str) -> DownloadFile:
    """The file behind a link, counted once; refused after a refund, past expiry, or for someone else."""
    grant_id, expires = _read(token)
    if expires <= time.time():
        raise DownloadExpired("This download link has expired. Open your order and get a new link.")
    row = session.get(DownloadGrant, grant_id, populate_existing=True)
    if row is None or row.owner_id != actor.user_id:
        raise NotFound("This download link is not valid. Open your order and get a new link.")
    now = utcnow()
    _usable(row, now)
    line = session.get(OrderLine, row.order_line_id)
    assert line is not None
    stem = "".join(ch if ch.isalnum() or ch in " -_" else "_" for ch in line.listing_title).strip() or "download"
    key = None if row.deliverable == Deliverable.LICENSE_PDF else _stored_key(session, row, line)
    counted = session.execute(update(DownloadGrant).where(
        col(DownloadGrant.id) == row.id, col(DownloadGrant.revoked_at).is_(None))
        .values(download_count=DownloadGrant.download_count + 1, last_downloaded_at=now))
    if counted.rowcount != 1:  # type: ignore[attr-defined]  # revoked between the read and now
        session.rollback()
        raise DownloadRevoked("This download was cancelled because the purchase was refunded.")
    session.commit()
    if key is None:
        data = licenses.pdf(session=session, actor=actor, order_line_id=line.id)
        return DownloadFile(filename=f"{stem} license.pdf", content_type="application/pdf", storage_key=None,
                            data=data)
    ext = key.rsplit(".", 1)[-1].lower() if "." in key.rsplit("/", 1)[-1] else (
        "zip" if row.deliverable in (Deliverable.STEMS, Deliverable.ZIP) else "wav")
    ctype = {"mp3": "audio/mpeg", "wav": "audio/wav", "flac": "audio/flac"}.get(ext, "application/octet-stream")
    return DownloadFile(filename=f"{stem}.{ext}", content_type=ctype, storage_key=key, data=None)


def _stored_key(session: Session, row: DownloadGrant, line: OrderLine) -> str:
    """The storage key of a grant's file: the upload, the library track's WAV, or the beat's MP3."""
    file = session.get(ListingFile, row.listing_file_id) if row.listing_file_id else None
    if file is None:
        raise NotFound("The seller removed this file. Contact the seller; your license stays valid.")
    if file.role != FileRole.MAIN:
        key = file.storage_key
    elif row.deliverable == Deliverable.MP3:  # the MP3 made from the beat's audio
        if file.storage_key:
            return file.storage_key
        mp3.ensure(session=session, listing_id=line.listing_id)  # audio attached before MP3s were made
        made = mp3.state(session=session, listing_id=line.listing_id)
        if made.status == "pending":
            raise Conflict("The MP3 of this beat is still being made. Try again in a few minutes.")
        key = None
    else:  # the WAV: the library track's working copy
        track = session.get(Track, file.track_id) if file.track_id else None
        key = track.working_key or track.original_key if track else None
    if not key:
        raise NotFound("The seller removed this file. Contact the seller; your license stays valid.")
    return key
