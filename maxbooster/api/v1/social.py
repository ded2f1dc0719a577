"""/api/v1/social: caption ideas about one of your releases or tracks (the built-in writer or the configured
model, with who wrote them), and audiograms — start one from a track or master (the `social.audiogram` job
renders it vertical and square), its state, your list. Another user's release, track or audiogram reads as
not found."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from maxbooster import routes
from maxbooster.api.deps import CallerActor, DbSession
from maxbooster.models.social import SocialAudiogram
from maxbooster.services.social import audiogram, captions

router = APIRouter(tags=["social"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in"},
    404: {"description": "No such account, release, track or audiogram of yours"},
    422: {"description": "Invalid input (the message says what to change)"},
}


class CaptionsIn(BaseModel):
    network: str = Field(default="", max_length=20, description="Used when no account_id is given")
    account_id: uuid.UUID | None = Field(default=None, description="Your account: its own length limit applies")
    release_id: uuid.UUID | None = None
    track_id: uuid.UUID | None = None
    genre: str = Field(default="", max_length=60)
    mood: str = Field(default="", max_length=60)
    tone: str = Field(default="friendly", max_length=20)
    link: str = Field(default="", max_length=500)


class CaptionOut(BaseModel):
    text: str = Field(description="Caption, hashtags and link, ready to edit and post")
    length: int
    limit: int


class CaptionsOut(BaseModel):
    variants: list[CaptionOut]
    writer: str
    by_model: bool
    notice: str = Field(description="Why the model was not used, when one is configured")


class AudiogramIn(BaseModel):
    track_id: uuid.UUID | None = None
    master_id: uuid.UUID | None = None
    start_s: float = 0.0
    length_s: float = Field(default=30.0, description="At most 60 seconds")
    release_id: uuid.UUID | None = Field(default=None, description="Its cover is the picture")
    image_file_id: uuid.UUID | None = None
    title: str | None = Field(default=None, max_length=200)
    artist: str | None = Field(default=None, max_length=200)


class AudiogramOut(BaseModel):
    id: uuid.UUID
    status: str
    status_message: str
    title: str
    start_s: float
    length_s: float
    vertical_file_id: uuid.UUID | None
    square_file_id: uuid.UUID | None
    created_at: datetime
    finished_at: datetime | None


class AudiogramListOut(BaseModel):
    items: list[AudiogramOut]


def _audiogram(a: SocialAudiogram) -> AudiogramOut:
    return AudiogramOut(id=a.id, status=a.status, status_message=a.status_message, title=a.title, start_s=a.start_s,
                        length_s=a.length_s, vertical_file_id=a.vertical_file_id, square_file_id=a.square_file_id,
                        created_at=a.created_at, finished_at=a.finished_at)


@router.post(routes.V1_SOCIAL_CAPTIONS, response_model=CaptionsOut, responses=ERRORS)
def suggest_captions(body: CaptionsIn, actor: CallerActor, db: DbSession) -> CaptionsOut:
    """Caption ideas about one of your releases or tracks, for a network or one of your accounts."""
    result = captions.suggest_captions(session=db, actor=actor, network=body.network, account_id=body.account_id,
                                       release_id=body.release_id, track_id=body.track_id, genre=body.genre,
                                       mood=body.mood, tone=body.tone, link=body.link)
    return CaptionsOut(variants=[CaptionOut(text=v.text, length=v.length, limit=v.limit) for v in result.variants],
                       writer=result.writer, by_model=result.by_model, notice=result.notice)


@router.post(routes.V1_SOCIAL_AUDIOGRAMS, response_model=AudiogramOut, status_code=202, responses=ERRORS)
def request_audiogram(body: AudiogramIn, actor: CallerActor, db: DbSession) -> AudiogramOut:
    """Start rendering an audiogram (vertical and square); poll it until `status` is ready or failed."""
    data = audiogram.AudiogramIn(**body.model_dump())
    return _audiogram(audiogram.request_audiogram(session=db, actor=actor, data=data))


@router.get(routes.V1_SOCIAL_AUDIOGRAMS, response_model=AudiogramListOut, responses=ERRORS)
def list_audiograms(actor: CallerActor, db: DbSession) -> AudiogramListOut:
    """Your audiograms, newest first."""
    return AudiogramListOut(items=[_audiogram(a) for a in audiogram.list_audiograms(session=db, actor=actor)])


@router.get(routes.V1_SOCIAL_AUDIOGRAM, response_model=AudiogramOut, responses=ERRORS)
def get_audiogram(audiogram_id: uuid.UUID, actor: CallerActor, db: DbSession) -> AudiogramOut:
    """One audiogram: rendering, ready (with its two files) or failed (with the reason)."""
    return _audiogram(audiogram.get_audiogram(session=db, actor=actor, audiogram_id=audiogram_id))
