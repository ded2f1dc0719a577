"""The `library.process` job: from an accepted upload to a ready track.

Steps (progress on the Jobs page and the track card): sandboxed decode, working copy, waveform
peaks, analysis and short-term loudness, readiness check, tags → title/artist. A file the
engine refuses fails the track with the engine's message (no retries: it would fail again); any
other error is retried by the job system. A track deleted while this runs ends the job quietly
and leaves no files behind.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

from sqlmodel import Session

from maxbooster.db import session_scope
from maxbooster.models.base import utcnow
from maxbooster.models.library import Track, TrackStatus
from maxbooster.services.errors import InvalidInput
from maxbooster.services.jobs import JobContext, job_handler
from maxbooster.services.library import engine
from maxbooster.services.library.uploads import PROCESS_KIND, display_name, track_prefix
from maxbooster.services.storage import get_storage


@job_handler(PROCESS_KIND)
def process_track(ctx: JobContext) -> str | None:
    track_id = uuid.UUID(str(ctx.params["track_id"]))
    store = get_storage()
    with session_scope() as session:
        track = session.get(Track, track_id)
        if track is None:
            return "deleted"
        owner_id, original_key, shown_name = track.owner_id, track.original_key, track.original_name
    prefix = track_prefix(owner_id, track_id)
    try:
        with tempfile.TemporaryDirectory(prefix="mb-process-") as tmp, store.local_path(original_key) as original:
            peaks: dict[str, str] = {}

            def peaks_ready(files: dict[int, Path]) -> None:  # the waveform shows before the rest is done
                for level, path in files.items():
                    peaks[str(level)] = prefix + f"peaks/{level}.dat"
                    store.put_file(peaks[str(level)], path)
                _save_peaks(track_id, peaks)

            try:
                result = engine.process(original, Path(tmp), ctx.progress, peaks_ready, name=shown_name)
            except InvalidInput as exc:
                return _finish_failed(track_id, exc.message)
            ctx.progress(94, "Saving")
            working_key = prefix + "working.wav"
            store.put_file(working_key, result.working_copy)
    except Exception:
        if not _exists(track_id):  # deleted while we worked: its files went with it
            store.delete_prefix(prefix)
            return "deleted"
        raise
    with session_scope() as session:
        track = session.get(Track, track_id)
        if track is None:  # deleted while we saved: remove what we just wrote
            store.delete_prefix(prefix)
            return "deleted"
        _apply(session, track, result, working_key, peaks)
    return f"track:{track_id}"


def _apply(session: Session, track: Track, result: engine.Processed, working_key: str, peaks: dict[str, str]) -> None:
    a = result.analysis
    track.working_key, track.peaks = working_key, peaks
    track.analysis, track.readiness, track.loudness_series = a, result.readiness, result.loudness_series
    track.integrated_lufs = a.get("integrated_lufs")
    track.true_peak_dbtp = a.get("true_peak_dbtp")
    track.loudness_range_lu = a.get("loudness_range_lu")
    track.duration_s = a.get("duration_s") or track.duration_s
    track.sample_rate = a.get("sample_rate") or track.sample_rate
    track.channels = a.get("channels") or track.channels
    untouched = track.title == display_name(track.original_name)[1] and not track.artist
    if untouched:  # tags only fill in what the artist has not changed yet
        track.title = result.tags.get("title", track.title)
        track.artist = result.tags.get("artist", track.artist)
    track.status, track.status_message, track.processed_at = TrackStatus.READY, "", utcnow()
    session.add(track)
    session.commit()


def _save_peaks(track_id: uuid.UUID, peaks: dict[str, str]) -> None:
    with session_scope() as session:
        track = session.get(Track, track_id)
        if track is not None:
            track.peaks = dict(peaks)
            session.add(track)
            session.commit()


def _finish_failed(track_id: uuid.UUID, message: str) -> str:
    with session_scope() as session:
        track = session.get(Track, track_id)
        if track is None:
            return "deleted"
        track.status, track.status_message = TrackStatus.FAILED, message[:500]
        session.add(track)
        session.commit()
    return f"track:{track_id}:refused"


def _exists(track_id: uuid.UUID) -> bool:
    with session_scope() as session:
        return session.get(Track, track_id) is not None
