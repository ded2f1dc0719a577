"""Import of a .dawproject file as a new studio project.

The whole file is checked first (archive, XML, numbers, every embedded audio file decoded as an
upload would be), so a bad file is refused before anything is stored. Then each audio file is
added to the library through the upload path (processed like any upload), and the project is
created within the plan's limits. If anything fails on the way, the tracks it added are removed
again. What a studio project cannot hold (MIDI, plug-ins, time-stretching, automation) is
skipped and listed in the result's notes.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session

from audio.arrangement import Arrangement
from audio.errors import AudioError
from maxbooster.models.accounts import User
from maxbooster.models.library import Track
from maxbooster.models.studio import Project
from maxbooster.services import audit, plans
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput, PlanLimitReached
from maxbooster.services.library import engine, tracks, uploads
from maxbooster.services.storage.base import Meter, file_chunks
from maxbooster.services.studio import projects
from maxbooster.services.studio.dawproject.archive import (
    MAX_XML_BYTES,
    Archive,
    DawprojectRefused,
    entry_label,
    open_archive,
    parse_xml,
)
from maxbooster.services.studio.dawproject.read import ProjectPlan, read_project
from maxbooster.settings import get_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportResult:
    project: Project
    notes: tuple[str, ...]  # what the studio could not take over (MIDI tracks, plug-ins …)


def _spool(chunks: Iterable[bytes], dest: Path) -> Path:
    meter = Meter(get_settings().upload_max_bytes)
    with open(dest, "wb") as out:
        for chunk in meter.feed(chunks):
            out.write(chunk)
    if meter.size == 0:
        raise InvalidInput("The file is empty. Choose a .dawproject file and try again.")
    return dest


def _document(plan: ProjectPlan, files: dict[str, str], sample_rate: int) -> dict[str, Any]:
    """The arrangement document of `plan`, clips pointing at `files[path]`, validated by the engine."""
    doc = {"version": 1, "sample_rate": sample_rate, "tempo_bpm": plan.tempo_bpm,
           "master": {"volume_db": plan.master_volume_db, "inserts": plan.master_inserts},
           "tracks": [{"id": f"tr-{uuid.uuid4()}", "name": t.name, "role": "other", "volume_db": t.volume_db,
                       "pan": t.pan, "mute": t.mute, "solo": t.solo, "inserts": t.inserts,
                       "clips": [{"id": f"cl-{uuid.uuid4()}", "file": files[c.file], "start_s": c.start_s,
                                  "offset_s": c.offset_s, "length_s": c.length_s, "gain_db": c.gain_db,
                                  "fade_in_s": c.fade_in_s, "fade_out_s": c.fade_out_s} for c in t.clips]}
                      for t in plan.tracks]}
    try:
        return Arrangement.from_dict(doc).to_dict()
    except AudioError as exc:
        raise DawprojectRefused(f"The project could not be imported: {exc}.") from exc


def _check_plan(session: Session, owner_id: uuid.UUID, plan: ProjectPlan) -> None:
    user = session.get(User, owner_id)
    limits = plans.get_plan(user.plan if user else "free")
    if len(plan.tracks) > limits.tracks_per_project:
        raise PlanLimitReached(f"This project has {len(plan.tracks)} tracks; your {limits.name} plan allows "
                               f"{limits.tracks_per_project} in a project. Remove some tracks in your DAW, export "
                               "again, or ask for a bigger plan.")
    if limits.projects is not None and plans.usage(session=session, user_id=owner_id,
                                                   resource=projects.PROJECT) >= limits.projects:
        raise PlanLimitReached(f"Your {limits.name} plan allows {limits.projects} studio projects. Delete one "
                               "or ask for a bigger plan, then import again.")


def _sample_rate(rates: Iterable[int | None]) -> int:
    """44.1 or 48 kHz: the family most of the files belong to (48 kHz when none says)."""
    families = collections.Counter(44100 if r and r % 44100 == 0 else 48000 for r in rates if r)
    return 44100 if families[44100] > families[48000] else 48000


def _title(archive: Archive) -> str:
    if not archive.has("metadata.xml"):
        return ""
    root = parse_xml(archive.read("metadata.xml", limit=MAX_XML_BYTES), what="metadata.xml")
    return _clean_title(root.findtext("Title") or "")


def _clean_title(text: str) -> str:
    """A project name: printable characters, single spaces, at most 200 characters."""
    return " ".join("".join(ch for ch in text if ch.isprintable()).split())[:200]


def _undo(session: Session, actor: Actor, created: list[uuid.UUID]) -> None:
    session.rollback()
    for track_id in created:
        try:
            tracks.delete_track(session=session, actor=actor, track_id=track_id)
        except Exception:  # noqa: BLE001  (keep undoing the rest; the original error is raised)
            session.rollback()
            log.exception("could not remove track %s of a failed import", track_id)


@contextlib.contextmanager
def _opened(data: bytes | Path | Iterable[bytes], tmp: Path) -> Iterator[Archive]:
    source = data if isinstance(data, bytes | Path) else _spool(data, tmp / "upload.dawproject")
    archive = open_archive(source)
    try:
        yield archive
    finally:
        archive.zf.close()


def import_dawproject(*, session: Session, actor: Actor, data: bytes | Path | Iterable[bytes],
                      name: str | None = None, filename: str = "") -> ImportResult:
    """A new project from a .dawproject (bytes, a file, or an upload's chunks); see the module docstring.

    Its name: `name`, else the file's title (metadata.xml), else the uploaded file's name."""
    owner_id = actor.require_user()
    with tempfile.TemporaryDirectory(prefix="mb-dawproject-in-") as tmp_dir, _opened(data, Path(tmp_dir)) as archive:
        tmp = Path(tmp_dir)
        if not archive.has("project.xml"):
            raise DawprojectRefused("The DAWproject file has no project.xml. Export the project from your DAW "
                                    "again and import that file.")
        plan = read_project(parse_xml(archive.read("project.xml", limit=MAX_XML_BYTES), what="project.xml"))
        title = _clean_title(name or "") or _title(archive) or (uploads.display_name(filename)[1] if filename else "") \
            or "Imported project"
        _check_plan(session, owner_id, plan)
        paths = sorted({c.file for t in plan.tracks for c in t.clips})
        _document(plan, {p: p for p in paths}, 48000)  # refuse a bad document before storing anything
        for path in paths:
            if not archive.has(path):
                raise DawprojectRefused(f"The project uses {path[:120]}, which is not in the DAWproject file. "
                                        "Export it again from your DAW with the audio files included.")
        local: dict[str, Path] = {}
        for n, path in enumerate(paths):
            local[path] = tmp / f"audio-{n}"  # no extension: the content alone says what it is
            archive.extract(path, local[path])
            try:  # not audio → refused before any upload
                engine.inspect_upload(local[path], entry_label(path))
            except InvalidInput as exc:
                detail = exc.message.removeprefix("This file cannot be used: ")
                raise DawprojectRefused(f"The DAWproject file holds audio that cannot be imported ({detail}).") \
                    from exc
        return _store(session=session, actor=actor, plan=plan, title=title, local=local)


def _store(*, session: Session, actor: Actor, plan: ProjectPlan, title: str, local: dict[str, Path]) -> ImportResult:
    created: list[uuid.UUID] = []
    try:
        made: dict[str, Track] = {}
        for path, file in local.items():
            result = uploads.accept_upload(session=session, actor=actor, filename=entry_label(path),
                                           chunks=file_chunks(file), expected_bytes=file.stat().st_size)
            if not result.duplicate:
                created.append(result.track.id)
            made[path] = result.track
        rate = _sample_rate(t.sample_rate for t in made.values())
        document = _document(plan, {p: str(t.id) for p, t in made.items()}, rate)
        new = Project(owner_id=actor.require_user(), name=title, sample_rate=rate,
                      beats_per_bar=plan.beats_per_bar, beat_unit=plan.beat_unit, document=document)
        project = plans.create_within_plan(session=session, user_id=new.owner_id, resource=projects.PROJECT,
                                           build=lambda: new)
        audit.record(session, actor, "project.import", target=f"project:{project.id}",
                     details={"tracks": len(plan.tracks), "files": len(local), "notes": len(plan.notes)})
        session.commit()
    except BaseException:
        _undo(session, actor, created)
        raise
    return ImportResult(project, tuple(plan.notes))
