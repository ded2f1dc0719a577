"""Start, list, read and delete masters; download links by format within the plan.

Each destination picked becomes one master (a numbered version of the track) and one job. The
plan decides how many masters a month and which download formats (e.g. Free: 3, MP3 only).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from maxbooster.models.accounts import User
from maxbooster.models.library import Track, TrackStatus
from maxbooster.models.mastering import Master, MasterFormat, MasterStatus
from maxbooster.services import audit, jobs, plans
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.errors import ErrorCode, InvalidInput, NotFound, PlanLimitReached
from maxbooster.services.library.quota import release_bytes
from maxbooster.services.library.tracks import get_track
from maxbooster.services.storage import StorageBackend, get_storage

MASTER_KIND = "mastering.render"
MAX_DESTINATIONS = 6
FORMAT_LABELS = {MasterFormat.WAV24: "WAV 24-bit", MasterFormat.WAV16: "WAV 16-bit (dithered)",
                 MasterFormat.FLAC: "FLAC", MasterFormat.MP3: "MP3 320 kbps"}


@dataclass(frozen=True)
class Destination:
    """A built-in preset by key, or custom targets (key 'custom')."""

    preset: str
    target_lufs: float
    ceiling_dbtp: float
    label: str
    description: str


def destinations() -> list[Destination]:
    """The engine's presets as the choices a user sees."""
    from audio.presets import PRESETS

    names = {"apple_music": "Apple Music", "youtube": "YouTube", "ebu_r128": "Broadcast (EBU R128)",
             "soundcloud": "SoundCloud", "club": "Club / DJ"}
    return [Destination(key, p.target_lufs, p.ceiling_dbtp, names.get(key, key.replace("_", " ").title()),
                        p.description) for key, p in PRESETS.items()]


def genres() -> list[str]:
    from audio.presets import GENRES

    return list(GENRES)


def _resolve(preset: str, target_lufs: float | None, ceiling_dbtp: float | None) -> Destination:
    from audio.errors import AudioError
    from audio.presets import custom_preset

    if preset == "custom":
        try:
            p = custom_preset(float(target_lufs if target_lufs is not None else -14.0),
                              float(ceiling_dbtp if ceiling_dbtp is not None else -1.0))
        except (AudioError, TypeError, ValueError) as exc:
            raise InvalidInput(f"Custom target: {exc}") from exc
        return Destination("custom", p.target_lufs, p.ceiling_dbtp, "Custom", p.description)
    for d in destinations():
        if d.preset == preset:
            return d
    raise InvalidInput(f"Unknown destination {preset!r}; choose one of the listed platforms or custom.")


def create_masters(*, session: Session, actor: Actor, track_id: uuid.UUID, presets: list[str],
                   strength_pct: int = 100, genre: str = "", reference_track_id: uuid.UUID | None = None,
                   target_lufs: float | None = None, ceiling_dbtp: float | None = None) -> list[Master]:
    """One new master version per destination, each rendered by its own job."""
    track = get_track(session=session, actor=actor, track_id=track_id)
    if track.status != TrackStatus.READY:
        raise InvalidInput("This track is not ready yet; wait until its processing has finished.")
    chosen = list(dict.fromkeys(p.strip().lower() for p in presets if p and p.strip()))
    if not chosen:
        raise InvalidInput("Pick at least one destination.")
    if len(chosen) > MAX_DESTINATIONS:
        raise InvalidInput(f"Pick at most {MAX_DESTINATIONS} destinations at once.")
    dests = [_resolve(p, target_lufs, ceiling_dbtp) for p in chosen]
    if not 0 <= int(strength_pct) <= 100:
        raise InvalidInput("Strength must be between 0 and 100 %.")
    if genre and genre not in genres():
        raise InvalidInput(f"Unknown genre {genre!r}; choose one of {', '.join(genres())}.")
    if reference_track_id is not None:
        ref = get_track(session=session, actor=actor, track_id=reference_track_id)
        if ref.status != TrackStatus.READY or ref.id == track.id:
            raise InvalidInput("The reference must be another track of yours that is ready.")
    owner = actor.require_user()
    # All destinations or none: the month's masters are reserved together, the versions committed
    # together (a request over the plan must not leave versions behind without a job).
    plans.reserve(session=session, user_id=owner, resource="masters", amount=len(dests))
    created: list[Master] = []
    first_version = _next_version(session, track.id)
    for offset, dest in enumerate(dests):
        master = Master(owner_id=owner, track_id=track.id, version=first_version + offset, preset=dest.preset,
                        target_lufs=dest.target_lufs, ceiling_dbtp=dest.ceiling_dbtp, strength_pct=int(strength_pct),
                        genre=genre, reference_track_id=reference_track_id)
        session.add(master)
        session.flush()
        audit.record(session, actor, "master.create", target=f"master:{master.id}",
                     details={"track": str(track.id), "preset": dest.preset})
        created.append(master)
    session.commit()
    for master in created:
        job = jobs.enqueue(session=session, kind=MASTER_KIND, owner_id=owner, params={"master_id": str(master.id)})
        master.job_id = job.id
        session.add(master)
        session.commit()
    return created


def _next_version(session: Session, track_id: uuid.UUID) -> int:
    current = session.exec(select(func.max(Master.version)).where(col(Master.track_id) == track_id)).one()
    return int(current or 0) + 1


def list_masters(*, session: Session, actor: Actor, track_id: uuid.UUID) -> list[Master]:
    get_track(session=session, actor=actor, track_id=track_id)
    return list(session.exec(select(Master).where(col(Master.track_id) == track_id)
                             .order_by(col(Master.version).desc())).all())


def get_master(*, session: Session, actor: Actor, master_id: uuid.UUID) -> Master:
    return get_owned(session=session, model=Master, obj_id=master_id, actor=actor)


def delete_master(*, session: Session, actor: Actor, master_id: uuid.UUID,
                  storage: StorageBackend | None = None) -> None:
    master = get_owned(session=session, model=Master, obj_id=master_id, actor=actor)
    if master.job_id and master.status == MasterStatus.PROCESSING:
        job = session.get(jobs.Job, master.job_id)
        if job is not None and job.status in ("pending", "running"):
            jobs.cancel(session=session, actor=actor, job_id=master.job_id)
    keys, freed = list(master.files.values()), master.size_bytes
    session.delete(master)
    release_bytes(session=session, owner_id=master.owner_id, amount=freed)
    audit.record(session, actor, "master.delete", target=f"master:{master.id}")
    session.commit()
    store = storage or get_storage()
    for key in keys:
        store.delete(key)


def allowed_formats(*, session: Session, actor: Actor) -> tuple[str, ...]:
    user = session.get(User, actor.require_user())
    if user is None:
        raise NotFound()
    return plans.get_plan(user.plan).master_formats


def download_key(*, session: Session, actor: Actor, master_id: uuid.UUID, file_format: str) -> tuple[Master, str]:
    """The storage key of one rendered format, if the plan allows it and it exists."""
    master = get_owned(session=session, model=Master, obj_id=master_id, actor=actor)
    try:
        fmt = MasterFormat(file_format)
    except ValueError as exc:
        raise InvalidInput(f"Choose a format: {', '.join(MasterFormat)}.") from exc
    allowed = allowed_formats(session=session, actor=actor)
    if fmt not in allowed:
        names = ", ".join(FORMAT_LABELS[MasterFormat(f)] for f in allowed)
        raise PlanLimitReached(f"Your plan includes {names} downloads. See your plan under Account to get "
                               "the other formats.", code=ErrorCode.PLAN_LIMIT_REACHED)
    key = master.files.get(fmt)
    if not key:
        raise NotFound("That file is still being prepared; try again in a moment.")
    return master, key


def reference_track(*, session: Session, master: Master) -> Track | None:
    return session.get(Track, master.reference_track_id) if master.reference_track_id else None
