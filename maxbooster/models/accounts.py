"""Accounts area: users, sessions, one-time tokens, refresh tokens, identities, audit, usage."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from maxbooster.models.base import UTCDateTime, created_at_field, one_of, ts_field, uuid_pk


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"


class PlanKey(StrEnum):
    FREE = "free"
    PRO = "pro"
    LABEL = "label"


class TokenPurpose(StrEnum):
    VERIFY_EMAIL = "verify_email"
    CHANGE_EMAIL = "change_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105  (a token purpose, not a secret)


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(one_of("role", Role), name="ck_users_role"),
        CheckConstraint(one_of("plan", PlanKey), name="ck_users_plan"),
    )

    id: uuid.UUID = uuid_pk()
    email: str = Field(max_length=320, unique=True, index=True)
    display_name: str = Field(max_length=100)
    password_hash: str | None = Field(default=None, max_length=255)
    role: str = Field(default=Role.USER, max_length=20)
    plan: str = Field(default=PlanKey.FREE, max_length=20)
    email_verified: bool = Field(default=False)
    is_active: bool = Field(default=True)
    created_at: datetime = created_at_field()
    password_changed_at: datetime | None = ts_field()
    # Access tokens issued before this instant are refused (password change, disable).
    tokens_valid_after: datetime | None = ts_field()
    # IANA zone of the artist's audience clock (best time to post, campaign slots); UTC until set
    timezone: str = Field(default="UTC", max_length=64)


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
        CheckConstraint(one_of("purpose", TokenPurpose), name="ck_account_tokens_purpose"),
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
