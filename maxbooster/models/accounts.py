"""Accounts area: users, sessions, one-time tokens, refresh tokens, identities, audit, usage."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from maxbooster.models.base import UTCDateTime, created_at_field, ts_field, uuid_pk

ROLES = ("user", "admin")
TOKEN_PURPOSES = ("verify_email", "change_email", "reset_password")


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('user','admin')", name="ck_users_role"),
    )

    id: uuid.UUID = uuid_pk()
    email: str = Field(max_length=320, unique=True, index=True)
    display_name: str = Field(max_length=100)
    password_hash: str | None = Field(default=None, max_length=255)
    role: str = Field(default="user", max_length=20)
    plan: str = Field(default="free", max_length=20)
    email_verified: bool = Field(default=False)
    is_active: bool = Field(default=True)
    created_at: datetime = created_at_field()
    password_changed_at: datetime | None = ts_field()
    # Access tokens issued before this instant are refused (password change, disable).
    tokens_valid_after: datetime | None = ts_field()


class AuthSession(SQLModel, table=True):
    """A browser session; the primary key is sha256(raw id), the raw id lives only in the cookie."""

    __tablename__ = "auth_sessions"

    id_hash: str = Field(primary_key=True, max_length=64)
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    created_at: datetime = created_at_field()
    last_seen_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    idle_expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    absolute_expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=300)
    remember: bool = Field(default=False)


class AccountToken(SQLModel, table=True):
    """Single-use email verification / email change / password reset token (hash only)."""

    __tablename__ = "account_tokens"
    __table_args__ = (
        CheckConstraint(
            "purpose IN ('verify_email','change_email','reset_password')", name="ck_account_tokens_purpose"
        ),
        Index("ix_account_tokens_user_purpose", "user_id", "purpose"),
    )

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    purpose: str = Field(max_length=20)
    token_hash: str = Field(max_length=64, unique=True)
    new_email: str | None = Field(default=None, max_length=320)
    created_at: datetime = created_at_field()
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = ts_field()


class RefreshToken(SQLModel, table=True):
    """Opaque API refresh token (hash only); rotation keeps one family per login."""

    __tablename__ = "refresh_tokens"

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    family_id: uuid.UUID = Field(index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = created_at_field()
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = ts_field()
    revoked_at: datetime | None = ts_field()


class ExternalIdentity(SQLModel, table=True):
    """A login at an external OpenID provider, keyed by (issuer, subject)."""

    __tablename__ = "external_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_external_identities_iss_sub"),)

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    issuer: str = Field(max_length=300)
    subject: str = Field(max_length=255)
    email: str | None = Field(default=None, max_length=320)
    created_at: datetime = created_at_field()


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


class EmailOutbox(SQLModel, table=True):
    """Every email sent through the outbox backend (the embedded default)."""

    __tablename__ = "email_outbox"

    id: uuid.UUID = uuid_pk()
    to_addr: str = Field(max_length=320, index=True)
    subject: str = Field(max_length=300)
    text_body: str = Field(sa_type=Text)
    html_body: str | None = Field(default=None, sa_type=Text)
    status: str = Field(default="stored", max_length=20)
    created_at: datetime = created_at_field()
    sent_at: datetime | None = ts_field()


class UsageCounter(SQLModel, table=True):
    """Per-user usage of a plan resource in a period ('' for lifetime, '2026', '2026-12')."""

    __tablename__ = "usage_counters"
    __table_args__ = (CheckConstraint("used >= 0", name="ck_usage_counters_used"),)

    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    resource: str = Field(primary_key=True, max_length=40)
    period: str = Field(default="", primary_key=True, max_length=10)
    used: int = Field(default=0, sa_type=BigInteger)
