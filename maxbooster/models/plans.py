"""Plans: per-user usage counters behind the plan limits."""

from __future__ import annotations

import uuid

from sqlalchemy import BigInteger, CheckConstraint
from sqlmodel import Field, SQLModel


class UsageCounter(SQLModel, table=True):
    """Per-user usage of a plan resource in a period ('' for lifetime, '2026', '2026-12')."""

    __tablename__ = "usage_counters"
    __table_args__ = (CheckConstraint("used >= 0", name="ck_usage_counters_used"),)

    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    resource: str = Field(primary_key=True, max_length=40)
    period: str = Field(default="", primary_key=True, max_length=10)
    used: int = Field(default=0, sa_type=BigInteger)
