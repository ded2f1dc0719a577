"""Stored files: metadata for blobs kept by the storage backend."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from maxbooster.models.base import created_at_field, uuid_pk


class StoredFile(SQLModel, table=True):
    __tablename__ = "stored_files"

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    key: str = Field(max_length=300, unique=True)
    original_name: str = Field(max_length=255)
    content_type: str = Field(default="application/octet-stream", max_length=120)
    size_bytes: int = Field(sa_type=BigInteger)
    sha256: str = Field(max_length=64)
    created_at: datetime = created_at_field()
