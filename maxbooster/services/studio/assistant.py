"""The mix assistant in the studio: the engine's auto-mix (audio.automix: each track's loudness
before the fader against a target for its kind, pans spread per kind) on a project's clips, as a
list of suggested fader and pan changes with the reason for each. The editor shows them as a diff;
applying them is an ordinary edit (so it is undone like any other)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from audio.arrangement import Arrangement
from audio.automix import suggest_mix as engine_suggest_mix
from audio.errors import AudioError
from audio.io import read_audio
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput
from maxbooster.services.studio import bounce, projects

STEP_DB = 0.1  # a change smaller than this is not worth suggesting
STEP_PAN = 0.01


@dataclass(frozen=True)
class Suggestion:
    track_id: str
    name: str
    volume_db: float
    pan: float
    previous_volume_db: float
    previous_pan: float
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def suggest(*, session: Session, actor: Actor, project_id: uuid.UUID) -> list[Suggestion]:
    """Suggested changes for the project's current document (tracks whose fader or pan would move)."""
    project = projects.get_project(session=session, actor=actor, project_id=project_id)
    document = project.document
    keys = bounce.clip_sources(session=session, owner_id=project.owner_id, document=document)
    arrangement = Arrangement.from_dict(document)
    names = {t.id: t.name for t in arrangement.tracks}
    try:
        with bounce.local_files(keys) as paths:
            result = engine_suggest_mix(arrangement, lambda file: read_audio(paths[file]))
    except AudioError as exc:
        raise InvalidInput(f"The mix assistant could not listen to this project: {exc}.") from exc
    out = []
    for s in result.tracks:
        if abs(s.volume_db - s.previous_volume_db) < STEP_DB and abs(s.pan - s.previous_pan) < STEP_PAN:
            continue
        out.append(Suggestion(track_id=s.track_id, name=names.get(s.track_id, s.track_id),
                              volume_db=round(s.volume_db, 1), pan=round(s.pan, 2),
                              previous_volume_db=s.previous_volume_db, previous_pan=s.previous_pan,
                              reason=s.reason))
    return out
