"""A release package: the batch folder handed to a provider.

    <batch id>/                                 batch id = UTC YYYYMMDDhhmmssnnn (DDEX choreography)
        <UPC>/<UPC>.xml                         the ERN message (NewRelease or Purge)
        <UPC>/resources/<UPC>_01_<nnn>.flac     audio (first delivery only; updates reuse what was sent)
        <UPC>/resources/<UPC>_front.jpg         front cover
        manifest.json                           every file with size and SHA-256, the action, schema check
        BatchComplete_<batch id>.xml            completion marker, written last

The message is checked before anything is written out: XSD (when installed), references, profile
rules. Resource hashes are computed while the files are copied (or read, for updates without binaries).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO

from sqlmodel import Session

from maxbooster.models.base import utcnow
from maxbooster.models.library import Track
from maxbooster.models.mastering import Master
from maxbooster.models.releases import Delivery, Release
from maxbooster.services.errors import InvalidInput
from maxbooster.services.releases import codes, ern, ern_check
from maxbooster.services.releases.providers import LOCAL_DPID, DestinationProfile
from maxbooster.services.releases.providers.folder import marker_name
from maxbooster.services.releases.releases import tracks_of
from maxbooster.services.storage import CHUNK, get_storage

_HASHES = {"MD5": "md5", "SHA1": "sha1", "SHA-256": "sha256"}
_CODECS = {"flac": ("FLAC", "flac"), "wav24": ("PCM", "wav"), "wav16": ("PCM", "wav")}
_BITS = {"flac": 24, "wav24": 24, "wav16": 16}


@dataclass(frozen=True)
class Package:
    batch_id: str
    folder: Path
    message_file: str
    schema_validated: bool


def new_batch_id() -> str:
    now = utcnow()
    return f"{now:%Y%m%d%H%M%S}{now.microsecond // 1000:03d}"


def _copy(src: IO[bytes], dest: Path | None, algorithm: str) -> tuple[str, str, int]:
    """Stream `src` (to `dest` when given); (DDEX hash, sha256, size)."""
    ddex, sha, size = hashlib.new(_HASHES[algorithm]), hashlib.sha256(), 0
    out = open(dest, "wb") if dest is not None else None  # noqa: SIM115  (closed below)
    try:
        while chunk := src.read(CHUNK):
            ddex.update(chunk)
            sha.update(chunk)
            size += len(chunk)
            if out is not None:
                out.write(chunk)
    finally:
        if out is not None:
            out.close()
    return ddex.hexdigest(), sha.hexdigest(), size


class _Writer:
    """Files of one package: copied (or only hashed) from storage, listed for the manifest."""

    def __init__(self, folder: Path, upc: str, algorithm: str, include: bool) -> None:
        self.folder, self.upc, self.algorithm, self.include = folder, upc, algorithm, include
        self.files: list[dict[str, object]] = []
        (folder / upc / ("resources" if include else "")).mkdir(parents=True, exist_ok=True)

    def resource(self, key: str, name: str) -> ern.FileRef:
        rel = f"resources/{name}"
        dest = self.folder / self.upc / rel if self.include else None
        with get_storage().open(key) as src:
            ddex_hash, sha, size = _copy(src, dest, self.algorithm)
        if self.include:
            self.files.append({"path": f"{self.upc}/{rel}", "bytes": size, "sha256": sha})
        return ern.FileRef(rel, self.algorithm, ddex_hash, size)

    def text(self, rel: str, data: bytes) -> None:
        (self.folder / rel).write_bytes(data)
        self.files.append({"path": rel, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()})


def _credits(items: list[dict[str, str]]) -> tuple[ern.Credit, ...]:
    return tuple(ern.Credit(i["name"], i["role"]) for i in items)


def snapshot(*, session: Session, release: Release, dest: DestinationProfile, writer: _Writer) -> ern.ReleaseSnap:
    """The release as the message describes it, its files written (or hashed) by `writer`."""
    if not release.upc or not release.release_date or not release.artwork_key:
        raise InvalidInput("The release is not complete (UPC, release date, artwork); validate it again.")
    codec, ext = _CODECS[dest.audio_format]
    tracks = []
    for track in tracks_of(session=session, release_id=release.id):
        master = session.get(Master, track.master_id) if track.master_id else None
        key = master.files.get(dest.audio_format) if master else None
        recording = session.get(Track, master.track_id) if master else None
        if master is None or recording is None or not key or not track.isrc:
            raise InvalidInput(f"Track {track.position} has no finished master or no ISRC; validate it again.")
        after = master.report.get("after", {}) if isinstance(master.report, dict) else {}
        file_ref = writer.resource(key, f"{release.upc}_01_{track.position:03d}.{ext}")
        tracks.append(ern.TrackSnap(
            isrc=track.isrc, title=track.title, version=track.version,
            artists=_credits(release.artists + [a for a in track.artists if a not in release.artists]),
            contributors=_credits(track.contributors), explicit=track.explicit,
            duration_s=float(after.get("duration_s") or recording.duration_s or 0),
            sample_rate=int(master.report.get("sample_rate") or recording.sample_rate or 44100),
            bits=_BITS[dest.audio_format], channels=int(after.get("channels") or recording.channels or 2),
            codec=codec, file=file_ref, preview_start_s=track.preview_start_s, file_included=writer.include))
    art_ext = "png" if release.artwork_format == "PNG" else "jpg"
    art = ern.ArtworkSnap(release.artwork_width or 0, release.artwork_height or 0, release.artwork_format or "JPEG",
                          writer.resource(release.artwork_key, f"{release.upc}_front.{art_ext}"), writer.include)
    return ern.ReleaseSnap(
        release_id=str(release.id), upc=release.upc, release_type=release.release_type, title=release.title,
        version=release.version, artists=_credits(release.artists), label=release.label, genre=release.genre,
        subgenre=release.subgenre, language=release.language, release_date=release.release_date,
        original_release_date=release.original_release_date, territories=tuple(release.territories),
        price_tier=release.price_tier, p_year=release.p_year or release.release_date.year, p_owner=release.p_owner,
        c_year=release.c_year or release.release_date.year, c_owner=release.c_owner, artwork=art, tracks=tuple(tracks))


def header_for(*, session: Session, release: Release, delivery: Delivery, dest: DestinationProfile) -> ern.Header:
    settings = codes.get_settings_row(session=session, owner_id=release.owner_id)
    return ern.Header(
        message_id=f"MB-{delivery.id.hex[:16]}-{delivery.messages_sent + 1}", thread_id=str(release.id),
        sender_dpid=settings.ddex_party_id or LOCAL_DPID,
        sender_name=settings.ddex_party_name or release.label or "Max Booster", recipient_dpid=dest.recipient_dpid,
        recipient_name=dest.recipient_name, created=utcnow(), test=not settings.ddex_party_id)


def build(*, session: Session, release: Release, delivery: Delivery, dest: DestinationProfile, batch_id: str,
          staging: Path, action: str, deals_end: date | None = None, include_files: bool = True) -> Package:
    """Write one batch folder under `staging` for `action` (NewReleaseDelivery, TakeDown or Purge)."""
    folder = staging / batch_id
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    writer = _Writer(folder, str(release.upc), dest.hash_algorithm, include_files)
    snap = snapshot(session=session, release=release, dest=dest, writer=writer)
    header = header_for(session=session, release=release, delivery=delivery, dest=dest)
    message = (ern.purge_release_message(snap, header) if action == "Purge"
               else ern.new_release_message(snap, header, deals_end=deals_end))
    validated = ern_check.check_message(message)
    rel = f"{snap.upc}/{snap.upc}.xml"
    writer.text(rel, message)
    kind = "PurgeReleaseMessage" if action == "Purge" else "NewReleaseMessage"
    manifest = {"batch_id": batch_id, "release_id": str(release.id), "upc": snap.upc, "destination": dest.key,
                "action": action, "message": {"file": rel, "id": header.message_id, "type": kind,
                                              "profile": ern.profile_of(snap)},
                "schema_validated": validated, "test_message": header.test,
                "created": header.created.isoformat(timespec="seconds"), "files": writer.files}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    (folder / marker_name(batch_id)).write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<BatchComplete BatchId="{batch_id}" Messages="1"/>\n')
    return Package(batch_id, folder, rel, validated)
