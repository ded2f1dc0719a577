"""Studio projects: create, list, rename, duplicate, delete, and commit edits to their document.

An edit is committed against the version the browser had (`base_version`). When the project moved
on meanwhile, the edit is rebased if none of the later edits touched what it touches, and refused
with a plain message otherwise: never silently lost, never applied over someone else's change.
A resent edit (same `txn_id`, e.g. replayed after a reconnect) is answered with its first result.
Every accepted edit stores the whole document, so a reload shows exactly what was committed.
"""

from __future__ import annotations

import copy
import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from maxbooster.models.accounts import User
from maxbooster.models.base import utcnow
from maxbooster.models.storage import StoredFile
from maxbooster.models.studio import BEAT_UNITS, SAMPLE_RATES, Project, ProjectEdit
from maxbooster.services import audit, plans
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.errors import Conflict, InvalidInput, NotFound, PlanLimitReached
from maxbooster.services.storage import get_storage
from maxbooster.services.studio import ops

PROJECT = "projects"  # the plan resource counted per user
_TXN = re.compile(r"^[A-Za-z0-9-]{8,64}$")


@dataclass(frozen=True)
class EditResult:
    version: int
    document: dict[str, Any]
    inverse: list[dict[str, Any]]
    rebased: bool = False
    repeated: bool = False  # the same txn_id was already applied: nothing changed now


def _name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned or len(cleaned) > 200 or not cleaned.isprintable():
        raise InvalidInput("Give the project a name of 1 to 200 characters.")
    return cleaned


def _meter(beats_per_bar: int, beat_unit: int) -> tuple[int, int]:
    if not 1 <= beats_per_bar <= 32 or beat_unit not in BEAT_UNITS:
        raise InvalidInput("The time signature must be 1 to 32 beats of a half, quarter, eighth or sixteenth note.")
    return beats_per_bar, beat_unit


def create_project(*, session: Session, actor: Actor, name: str, sample_rate: int = 48000,
                   tempo_bpm: float = 120.0, beats_per_bar: int = 4, beat_unit: int = 4) -> Project:
    owner = actor.require_user()
    if sample_rate not in SAMPLE_RATES:
        raise InvalidInput("The sample rate must be 44.1 kHz or 48 kHz.")
    document = ops.validate(ops.empty_document(sample_rate=sample_rate, tempo_bpm=tempo_bpm)) \
        if 20 <= tempo_bpm <= 400 else None
    if document is None:
        raise InvalidInput("The tempo must be 20 to 400 BPM.")
    beats, unit = _meter(beats_per_bar, beat_unit)
    project = Project(owner_id=owner, name=_name(name), sample_rate=sample_rate, beats_per_bar=beats,
                      beat_unit=unit, document=document)
    made = plans.create_within_plan(session=session, user_id=owner, resource=PROJECT, build=lambda: project)
    audit.record(session, actor, "project.create", target=f"project:{made.id}")
    session.commit()
    return made


def list_projects(*, session: Session, actor: Actor) -> list[Project]:
    """The user's projects, last edited first."""
    stmt = select(Project).where(col(Project.owner_id) == actor.require_user()) \
        .order_by(col(Project.updated_at).desc())
    return list(session.exec(stmt).all())


def get_project(*, session: Session, actor: Actor, project_id: uuid.UUID) -> Project:
    return get_owned(session=session, model=Project, obj_id=project_id, actor=actor)


def update_project(*, session: Session, actor: Actor, project_id: uuid.UUID, name: str | None = None,
                   beats_per_bar: int | None = None, beat_unit: int | None = None) -> Project:
    """Rename and/or change the time signature (tempo is part of the document: an edit)."""
    project = get_project(session=session, actor=actor, project_id=project_id)
    if name is not None:
        project.name = _name(name)
    if beats_per_bar is not None or beat_unit is not None:
        project.beats_per_bar, project.beat_unit = _meter(beats_per_bar or project.beats_per_bar,
                                                          beat_unit or project.beat_unit)
    project.updated_at = utcnow()
    session.add(project)
    audit.record(session, actor, "project.update", target=f"project:{project.id}")
    session.commit()
    return project


def duplicate_project(*, session: Session, actor: Actor, project_id: uuid.UUID, name: str | None = None) -> Project:
    """A new project with the same document and settings (its own history starts empty)."""
    source = get_project(session=session, actor=actor, project_id=project_id)
    copy_ = Project(owner_id=source.owner_id, name=_name(name or f"{source.name} (copy)"[:200]),
                    sample_rate=source.sample_rate, beats_per_bar=source.beats_per_bar,
                    beat_unit=source.beat_unit, document=copy.deepcopy(source.document))
    made = plans.create_within_plan(session=session, user_id=source.owner_id, resource=PROJECT, build=lambda: copy_)
    audit.record(session, actor, "project.duplicate", target=f"project:{made.id}",
                 details={"from": str(source.id)})
    session.commit()
    return made


def files_prefix(owner_id: uuid.UUID, project_id: uuid.UUID) -> str:
    """Where the files made for a project (bounces, stems, exports) are stored: removed with it."""
    return f"{owner_id}/{project_id}/"


def delete_project(*, session: Session, actor: Actor, project_id: uuid.UUID) -> None:
    """Delete the project, its history and the files made for it (their storage is given back);
    the library tracks its clips use stay."""
    project = get_project(session=session, actor=actor, project_id=project_id)
    prefix = files_prefix(project.owner_id, project.id)
    made = session.exec(select(StoredFile).where(col(StoredFile.owner_id) == project.owner_id,
                                                 col(StoredFile.key).startswith(prefix))).all()
    for record in made:
        plans.release(session=session, user_id=record.owner_id, resource="storage_bytes", amount=record.size_bytes)
        session.delete(record)
    session.delete(project)
    plans.release(session=session, user_id=project.owner_id, resource=PROJECT)
    audit.record(session, actor, "project.delete", target=f"project:{project.id}",
                 details={"files": len(made)} if made else None)
    session.commit()
    get_storage().delete_prefix(prefix)  # after the commit: a crash here leaves files, never dangling rows


def history(*, session: Session, actor: Actor, project_id: uuid.UUID, after_version: int = 0) -> list[ProjectEdit]:
    """The accepted edits after `after_version`, oldest first."""
    get_project(session=session, actor=actor, project_id=project_id)
    stmt = select(ProjectEdit).where(col(ProjectEdit.project_id) == project_id,
                                     col(ProjectEdit.version) > after_version).order_by(col(ProjectEdit.version))
    return list(session.exec(stmt).all())


def _track_cap(session: Session, owner_id: uuid.UUID, document: dict[str, Any]) -> None:
    user = session.get(User, owner_id)
    plan = plans.get_plan(user.plan if user else "free")
    if len(document.get("tracks", [])) > plan.tracks_per_project:
        raise PlanLimitReached(f"Your {plan.name} plan allows {plan.tracks_per_project} tracks in a project. "
                               "Remove a track or ask for a bigger plan.")


def commit_edit(*, session: Session, actor: Actor, project_id: uuid.UUID, base_version: int,
                edit: list[dict[str, Any]], txn_id: str) -> EditResult:
    """Apply one edit (a committed gesture: a list of ops) to the project's document."""
    if not isinstance(txn_id, str) or not _TXN.match(txn_id):
        raise InvalidInput("Each edit needs an id of 8 to 64 letters, digits or dashes.")
    project = get_project(session=session, actor=actor, project_id=project_id)
    seen = session.exec(select(ProjectEdit).where(col(ProjectEdit.project_id) == project.id,
                                                  col(ProjectEdit.txn_id) == txn_id)).first()
    if seen is not None:
        return EditResult(project.version, project.document, list(seen.inverse), repeated=True)
    if not isinstance(base_version, int) or isinstance(base_version, bool) or not 0 <= base_version <= project.version:
        raise InvalidInput("This edit was made on a version of the project that does not exist. Reload the page.")
    rebased = base_version < project.version
    if rebased:
        later = history(session=session, actor=actor, project_id=project.id, after_version=base_version)
        if any(ops.conflicts(edit, e.ops) for e in later):
            raise Conflict("Someone changed the same thing a moment ago. Reload the project to see their change, "
                           "then make yours again.")
    document, inverse = ops.apply(project.document, edit)
    _track_cap(session, project.owner_id, document)
    version = project.version + 1
    moved = session.execute(update(Project)
                            .where(col(Project.id) == project.id, col(Project.version) == project.version)
                            .values(document=document, version=version, updated_at=utcnow()))
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict()
    session.add(ProjectEdit(project_id=project.id, version=version, txn_id=txn_id, user_id=actor.user_id,
                            ops=edit, inverse=inverse))
    try:
        session.commit()
    except IntegrityError:  # the same version or txn committed in parallel: nothing of ours was stored
        session.rollback()
        raise Conflict() from None
    return EditResult(version, document, inverse, rebased=rebased)


def require_project(*, session: Session, actor: Actor, project_id: str) -> Project:
    """`get_project` from a text id (a URL part): a malformed id reads as not found."""
    try:
        pid = uuid.UUID(project_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    return get_project(session=session, actor=actor, project_id=pid)
