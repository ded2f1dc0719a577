"""Watermarked previews, made by the audio engine as the `marketplace.preview` job.

The source is the listing's preview audio if it has one, else its main audio (the library track's
working copy). The engine takes the loudest MARKETPLACE_PREVIEW_SECONDS, mixes the watermark in every
10 s (the seller's voice tag, or a generated two-tone beep), limits to -1 dBTP and writes a 128 kbps
MP3; we add waveform peaks. Buyers only ever get this file before they pay.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import numpy as np
import soundfile as sf
from sqlalchemy import select
from sqlmodel import Session, col

from audio.errors import AudioError
from audio.peaks import build_peaks
from audio.preview import make_preview
from maxbooster.db import session_scope
from maxbooster.models.base import utcnow
from maxbooster.models.jobs import Job
from maxbooster.models.library import Track
from maxbooster.models.marketplace import FileRole, Listing, ListingFile, PreviewStatus, WatermarkKind
from maxbooster.services import audit, jobs
from maxbooster.services.actor import Actor
from maxbooster.services.errors import Conflict
from maxbooster.services.jobs import JobContext, job_handler
from maxbooster.services.marketplace.listings import _editable, get_listing
from maxbooster.services.storage import get_storage
from maxbooster.settings import get_settings

PREVIEW_KIND = "marketplace.preview"
WATERMARK_EVERY_S = 10.0
WATERMARK_DB = -18.0
TONE_HZ = (1760.0, 2640.0)  # the generated watermark: two beeps, A6 then E7
PEAKS_LEVEL = 512  # samples per pixel of the preview's waveform


def tone_tag(sample_rate: int) -> np.ndarray:
    """The generated watermark: two 0.25 s beeps with 10 ms ramps, mono (1, n) float32, peak 1.0."""
    beeps = []
    for hz in TONE_HZ:
        t = np.arange(int(0.25 * sample_rate)) / sample_rate
        beep = np.sin(2 * np.pi * hz * t)
        ramp = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.01)
        beeps += [beep * ramp, np.zeros(int(0.05 * sample_rate))]
    return np.concatenate(beeps).astype(np.float32)[np.newaxis, :]


def _source(session: Session, listing_id: uuid.UUID) -> Track | None:
    files = {f.role: f for f in session.execute(select(ListingFile).where(
        col(ListingFile.listing_id) == listing_id)).scalars()}
    chosen = files.get(FileRole.PREVIEW) or files.get(FileRole.MAIN)
    return session.get(Track, chosen.track_id) if chosen is not None and chosen.track_id else None


def request_preview(*, session: Session, actor: Actor, listing_id: uuid.UUID) -> Job:
    """Start making the listing's preview (the listing shows 'pending' until the job is done)."""
    listing = get_listing(session=session, actor=actor, listing_id=listing_id)
    _editable(listing)
    track = _source(session, listing.id)
    if track is None or not track.working_key:
        raise Conflict("Add the audio from your library first (the main audio or a preview track), then make "
                       "the preview.")
    if listing.preview_status == PreviewStatus.PENDING and listing.preview_job_id:
        existing = session.get(Job, listing.preview_job_id)
        if existing is not None and existing.finished_at is None:
            return existing
    job_id = uuid.uuid4()
    listing.preview_status, listing.preview_job_id, listing.preview_error = PreviewStatus.PENDING, job_id, ""
    session.add(listing)
    audit.record(session, actor, "marketplace.preview_requested", target=f"listing:{listing.id}")
    return jobs.enqueue(session=session, kind=PREVIEW_KIND, owner_id=listing.owner_id, job_id=job_id,
                        params={"listing_id": str(listing.id)}, max_attempts=2)


@job_handler(PREVIEW_KIND)
def make_preview_job(ctx: JobContext) -> str | None:
    listing_id = uuid.UUID(str(ctx.params["listing_id"]))
    with session_scope() as session:
        listing = session.get(Listing, listing_id)
        if listing is None:
            return "deleted"
        track = _source(session, listing_id)
        if track is None or not track.working_key:
            return _finish(listing_id, error="The audio of this listing is gone; add it again.")
        source_key, tag_key, watermark = track.working_key, listing.voice_tag_key, listing.watermark
        owner = listing.owner_id
    store = get_storage()
    stamp = uuid.uuid4().hex[:12]
    prefix = f"{owner}/marketplace/{listing_id}/"
    with tempfile.TemporaryDirectory(prefix="mb-preview-") as tmp:
        out = Path(tmp) / "preview.mp3"
        ctx.progress(10, "Making the preview")
        try:
            with store.local_path(source_key) as src:
                info = sf.info(str(src))
                if watermark == WatermarkKind.VOICE_TAG and tag_key:
                    with store.local_path(tag_key) as tag:
                        summary = _render(src, out, Path(tag))
                else:
                    tone = Path(tmp) / "tone.wav"
                    sf.write(str(tone), tone_tag(info.samplerate).T, info.samplerate, subtype="FLOAT")
                    summary = _render(src, out, tone)
        except AudioError as exc:
            return _finish(listing_id, error=f"The preview could not be made: {exc}")
        ctx.progress(70, "Drawing the waveform")
        peaks = build_peaks(out, Path(tmp) / "peaks", levels=[PEAKS_LEVEL], json_levels=[], untrusted=False)
        preview_key, peaks_key = prefix + f"preview-{stamp}.mp3", prefix + f"preview-{stamp}.{PEAKS_LEVEL}.dat"
        store.put_file(preview_key, out)
        store.put_file(peaks_key, peaks[0])
    return _finish(listing_id, preview_key=preview_key, peaks_key=peaks_key,
                   duration_s=float(summary["length_s"]))  # type: ignore[arg-type]


def _render(src: Path, out: Path, tag: Path) -> dict[str, object]:
    return make_preview(src, out, length_s=float(get_settings().marketplace_preview_seconds), tag_path=tag,
                        watermark_every_s=WATERMARK_EVERY_S, watermark_db=WATERMARK_DB, untrusted=True)


def _finish(listing_id: uuid.UUID, *, error: str = "", preview_key: str | None = None, peaks_key: str | None = None,
            duration_s: float | None = None) -> str:
    """Store the outcome; the previous preview's files are deleted once the new one is recorded."""
    old: list[str] = []
    with session_scope() as session:
        listing = session.get(Listing, listing_id, with_for_update=True)
        if listing is None:
            return "deleted"
        if error:
            listing.preview_status, listing.preview_error = PreviewStatus.FAILED, error[:500]
        else:
            old = [k for k in (listing.preview_key, listing.preview_peaks_key) if k]
            listing.preview_status, listing.preview_error = PreviewStatus.READY, ""
            listing.preview_key, listing.preview_peaks_key = preview_key, peaks_key
            listing.preview_duration_s = duration_s
        listing.updated_at = utcnow()
        session.add(listing)
        session.commit()
    store = get_storage()
    for key in old:
        store.delete(key)
    return error or "ready"
