"""Users (the accounts area extends these tables)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from maxbooster.models.base import created_at_field, uuid_pk


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: uuid.UUID = uuid_pk()
    email: str = Field(max_length=320, unique=True, index=True)
    display_name: str = Field(max_length=100)
    password_hash: str | None = Field(default=None, max_length=255)
    role: str = Field(default="user", max_length=20)
    plan: str = Field(default="free", max_length=20)
    email_verified: bool = Field(default=False)
    is_active: bool = Field(default=True)
    created_at: datetime = created_at_field()
