"""The `mastering.render` job: master a track's working copy for one destination.

The engine writes the 24-bit WAV (the master is ready to hear and download as soon as that is
stored), then the dithered 16-bit WAV, FLAC and MP3 320 follow in the same job. Stored bytes
count against the owner's storage; a master over the plan's storage fails with that reason.
A master or track deleted meanwhile ends the job quietly and leaves no files.
"""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlmodel import Session

from maxbooster.db import session_scope
from maxbooster.models.base import utcnow
from maxbooster.models.library import Track
from maxbooster.models.mastering import Master, MasterFormat, MasterStatus
from maxbooster.services import plans
from maxbooster.services.errors import PlanLimitReached
from maxbooster.services.jobs import JobContext, job_handler
from maxbooster.services.library.uploads import track_prefix
from maxbooster.services.mastering.masters import MASTER_KIND
from maxbooster.services.storage import StorageBackend, get_storage

_EXTRA = ((MasterFormat.WAV16, "wav", "PCM_16"), (MasterFormat.FLAC, "flac", "PCM_24"), (MasterFormat.MP3, "mp3", None))


@job_handler(MASTER_KIND)
def render_master(ctx: JobContext) -> str | None:
    master_id = uuid.UUID(str(ctx.params["master_id"]))
    store = get_storage()
    with session_scope() as session:
        master = session.get(Master, master_id)
        track = session.get(Track, master.track_id) if master else None
        if master is None or track is None or not track.working_key:
            return "deleted"
        ref = session.get(Track, master.reference_track_id) if master.reference_track_id else None
        settings = dict(preset=master.preset, target=master.target_lufs, ceiling=master.ceiling_dbtp,
                        strength=master.strength_pct, genre=master.genre or None)
        keys = (track.working_key, ref.working_key if ref else None)
        prefix = track_prefix(track.owner_id, track.id) + f"masters/{master.id}/"
        owner = track.owner_id
    try:
        with tempfile.TemporaryDirectory(prefix="mb-master-") as tmp, _paths(store, keys) as (src, ref_path):
            result = _master(src, ref_path, Path(tmp) / "master.wav", settings, ctx)
            _store(store, owner, master_id, MasterFormat.WAV24, prefix + "master-24bit.wav", Path(tmp) / "master.wav",
                   report=result.report)
            for step, (fmt, ext, subtype) in enumerate(_EXTRA):
                ctx.progress(90 + 3 * step, f"Preparing {fmt.value.upper()}")
                out = Path(tmp) / f"master.{fmt.value}.{ext}"
                _write(out, result.samples, result.sample_rate, subtype)
                _store(store, owner, master_id, fmt, prefix + out.name.replace("master.", "master-"), out)
    except PlanLimitReached as exc:
        return _fail(master_id, exc.message, store, prefix)
    except _Gone:
        store.delete_prefix(prefix)
        return "deleted"
    except Exception as exc:
        if not _exists(master_id):
            store.delete_prefix(prefix)
            return "deleted"
        from audio.errors import AudioError

        if isinstance(exc, AudioError):  # the engine refused this material: retrying cannot help
            return _fail(master_id, f"Mastering stopped: {exc}", store, prefix)
        raise
    return f"master:{master_id}"


class _Gone(Exception):
    """The master or its track was deleted while the job ran."""


@contextlib.contextmanager
def _paths(store: StorageBackend, keys: tuple[str, str | None]) -> Iterator[tuple[Path, Path | None]]:
    with store.local_path(keys[0]) as src:
        if keys[1] is None:
            yield src, None
        else:
            with store.local_path(keys[1]) as ref:
                yield src, ref


def _master(src: Path, ref: Path | None, out: Path, settings: dict[str, object], ctx: JobContext) -> Any:
    from audio.master import master_file
    from audio.presets import custom_preset, get_preset

    preset = (custom_preset(float(settings["target"]), float(settings["ceiling"]))  # type: ignore[arg-type]
              if settings["preset"] == "custom" else get_preset(str(settings["preset"])))
    ctx.progress(2, "Listening to the track")
    return master_file(src, out, bits=24, reference_path=ref, untrusted=False, preset=preset,
                       strength_pct=float(settings["strength"]), genre=settings["genre"],  # type: ignore[arg-type]
                       full_report=True, reference_loudness=False,
                       progress=lambda f, m: ctx.progress(int(5 + 80 * f), _words(m)))


def _words(message: str) -> str:
    return message[:1].upper() + message[1:] if message else "Mastering"


def _write(path: Path, samples: object, rate: int, subtype: str | None) -> None:
    from audio.io import write_audio

    if subtype is None:
        write_audio(path, samples, rate, mp3_bitrate_kbps=320)  # type: ignore[arg-type]
    else:
        write_audio(path, samples, rate, subtype=subtype)  # type: ignore[arg-type]


def _store(store: StorageBackend, owner: uuid.UUID, master_id: uuid.UUID, fmt: MasterFormat, key: str, path: Path,
           *, report: dict[str, object] | None = None) -> None:
    """Take the file's bytes from the owner's storage quota, store it, record it on the master."""
    size = path.stat().st_size
    with session_scope() as session:
        if session.get(Master, master_id) is None:
            raise _Gone()
        plans.reserve(session=session, user_id=owner, resource="storage_bytes", amount=size)
        session.commit()
    try:
        store.put_file(key, path)
        with session_scope() as session:
            master = session.get(Master, master_id)
            if master is None:
                raise _Gone()
            _record(session, master, fmt, key, size, report)
    except BaseException:
        with session_scope() as session:
            plans.release(session=session, user_id=owner, resource="storage_bytes", amount=size)
            session.commit()
        raise


def _record(session: Session, master: Master, fmt: MasterFormat, key: str, size: int,
            report: dict[str, object] | None) -> None:
    master.files = {**master.files, fmt.value: key}
    master.size_bytes += size
    if report is not None:
        master.report = report
        master.status, master.status_message, master.finished_at = MasterStatus.READY, "", utcnow()
    session.add(master)
    session.commit()


def _fail(master_id: uuid.UUID, message: str, store: StorageBackend, prefix: str) -> str:
    with session_scope() as session:
        master = session.get(Master, master_id)
        if master is None:
            store.delete_prefix(prefix)
            return "deleted"
        if master.status != MasterStatus.READY:
            master.status, master.status_message = MasterStatus.FAILED, message[:500]
            session.add(master)
            session.commit()
    return f"master:{master_id}:failed"


def _exists(master_id: uuid.UUID) -> bool:
    with session_scope() as session:
        return session.get(Master, master_id) is not None
