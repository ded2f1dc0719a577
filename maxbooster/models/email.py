"""Email: every message sent through the outbox backend (also a record of SMTP sends)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from maxbooster.models.base import created_at_field, ts_field, uuid_pk


class EmailStatus(StrEnum):
    STORED = "stored"  # kept in the outbox (the embedded backend)
    SENT = "sent"
    FAILED = "failed"


class EmailOutbox(SQLModel, table=True):
    """Every email sent through the outbox backend (the embedded default)."""

    __tablename__ = "email_outbox"

    id: uuid.UUID = uuid_pk()
    to_addr: str = Field(max_length=320, index=True)
    subject: str = Field(max_length=300)
    text_body: str = Field(sa_type=Text)
    html_body: str | None = Field(default=None, sa_type=Text)
    status: str = Field(default=EmailStatus.STORED, max_length=20)
    created_at: datetime = created_at_field()
    sent_at: datetime | None = ts_field()
