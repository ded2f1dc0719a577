"""Audit area: the append-only, hash-chained log and its head row."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from maxbooster.models.base import created_at_field


class AuditLog(SQLModel, table=True):
    """Append-only, hash-chained record of security events (no FK: rows outlive users)."""

    __tablename__ = "audit_log"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    prev_hash: str = Field(max_length=64)
    row_hash: str = Field(max_length=64)
    actor_id: uuid.UUID | None = Field(default=None, index=True)
    action: str = Field(max_length=60, index=True)
    target: str = Field(default="", max_length=200)
    ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=300)
    created_at: datetime = created_at_field()
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class AuditHead(SQLModel, table=True):
    """The single row holding the chain's last seq and hash; updating it serialises appends."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    seq: int = Field(default=0)
    row_hash: str = Field(max_length=64)
