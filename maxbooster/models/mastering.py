"""Mastering: each master is one version of a track, rendered for one destination."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from maxbooster.models.base import created_at_field, one_of, ts_field, uuid_pk


class MasterStatus(StrEnum):
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class MasterFormat(StrEnum):
    WAV24 = "wav24"
    WAV16 = "wav16"
    FLAC = "flac"
    MP3 = "mp3"


class Master(SQLModel, table=True):
    __tablename__ = "masters"
    __table_args__ = (
        CheckConstraint(one_of("status", MasterStatus), name="ck_masters_status"),
        CheckConstraint("strength_pct >= 0 AND strength_pct <= 100", name="ck_masters_strength"),
        UniqueConstraint("track_id", "version", name="uq_masters_track_version"),
        Index("ix_masters_owner_created", "owner_id", "created_at"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    track_id: uuid.UUID = Field(foreign_key="tracks.id", index=True, ondelete="CASCADE")
    version: int
    preset: str = Field(max_length=40)  # a destination preset key, or "custom"
    target_lufs: float
    ceiling_dbtp: float
    strength_pct: int = Field(default=100)
    genre: str = Field(default="", max_length=40)
    reference_track_id: uuid.UUID | None = Field(default=None, foreign_key="tracks.id", ondelete="SET NULL")
    status: str = Field(default=MasterStatus.PROCESSING, max_length=20)
    status_message: str = Field(default="", max_length=500)
    job_id: uuid.UUID | None = Field(default=None)
    report: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # format → storage key of the rendered file
    files: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    size_bytes: int = Field(default=0, sa_type=BigInteger)
    created_at: datetime = created_at_field()
    finished_at: datetime | None = ts_field()
