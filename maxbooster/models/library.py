"""Library: every artist's audio. A track is one uploaded file and what processing made of it."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from maxbooster.models.base import created_at_field, one_of, ts_field, uuid_pk


class TrackStatus(StrEnum):
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class Track(SQLModel, table=True):
    __tablename__ = "tracks"
    __table_args__ = (
        CheckConstraint(one_of("status", TrackStatus), name="ck_tracks_status"),
        UniqueConstraint("owner_id", "sha256", name="uq_tracks_owner_sha256"),
        Index("ix_tracks_owner_created", "owner_id", "created_at"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=200)
    artist: str = Field(default="", max_length=200)
    original_name: str = Field(max_length=255)
    status: str = Field(default=TrackStatus.PROCESSING, max_length=20)
    status_message: str = Field(default="", max_length=500)
    job_id: uuid.UUID | None = Field(default=None)
    sha256: str = Field(max_length=64)
    size_bytes: int = Field(sa_type=BigInteger)
    format: str = Field(default="", max_length=20)  # container: wav, flac, aiff, mp3, ogg
    subtype: str = Field(default="", max_length=40)  # e.g. PCM_24, FLOAT, MPEG_LAYER_III
    sample_rate: int | None = Field(default=None)
    channels: int | None = Field(default=None)
    duration_s: float | None = Field(default=None)
    integrated_lufs: float | None = Field(default=None)
    true_peak_dbtp: float | None = Field(default=None)
    loudness_range_lu: float | None = Field(default=None)
    analysis: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    readiness: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # short-term loudness (LUFS, 3 s windows) once per second, for the loudness-over-time chart
    loudness_series: list[float | None] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    original_key: str = Field(max_length=300)
    working_key: str | None = Field(default=None, max_length=300)
    # samples per pixel → storage key of that level's audiowaveform .dat
    peaks: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = created_at_field()
    processed_at: datetime | None = ts_field()
