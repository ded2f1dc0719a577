"""Studio: projects (the arrangement document and its settings) and the log of their edits."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from maxbooster.models.base import created_at_field, uuid_pk

SAMPLE_RATES = (44100, 48000)
BEAT_UNITS = (2, 4, 8, 16)


class Project(SQLModel, table=True):
    """One studio project; `document` is the current arrangement (the engine's schema), `version`
    counts the edits applied to it (each edit is a row of `studio_edits`)."""

    __tablename__ = "studio_projects"
    __table_args__ = (
        CheckConstraint("sample_rate IN (44100, 48000)", name="ck_studio_projects_rate"),
        CheckConstraint("beats_per_bar >= 1 AND beats_per_bar <= 32", name="ck_studio_projects_beats"),
        CheckConstraint("beat_unit IN (2, 4, 8, 16)", name="ck_studio_projects_unit"),
        Index("ix_studio_projects_owner_updated", "owner_id", "updated_at"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    sample_rate: int = Field(default=48000)
    beats_per_bar: int = Field(default=4)
    beat_unit: int = Field(default=4)
    document: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = Field(default=0)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class ProjectEdit(SQLModel, table=True):
    """One accepted edit: the ops as sent, the ops that undo it, who made it; `txn_id` (chosen by the
    browser) makes a resent edit a no-op."""

    __tablename__ = "studio_edits"
    __table_args__ = (UniqueConstraint("project_id", "txn_id", name="uq_studio_edits_txn"),)

    project_id: uuid.UUID = Field(foreign_key="studio_projects.id", primary_key=True, ondelete="CASCADE")
    version: int = Field(primary_key=True)
    txn_id: str = Field(max_length=64)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    ops: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    inverse: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = created_at_field()
