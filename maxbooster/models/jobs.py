"""Background jobs: the `jobs` row is the source of truth, not the broker."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index
from sqlmodel import Field, SQLModel

from maxbooster.models.base import UTCDateTime, created_at_field, one_of, ts_field, uuid_pk


class JobStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)

    @property
    def is_active(self) -> bool:
        return self in (JobStatus.PENDING, JobStatus.RUNNING)


class Job(SQLModel, table=True):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("progress >= 0 AND progress <= 100", name="ck_jobs_progress"),
        CheckConstraint(one_of("status", JobStatus), name="ck_jobs_status"),
        Index("ix_jobs_status_lease", "status", "lease_expires_at"),
        Index("ix_jobs_owner_created", "owner_id", "created_at"),
    )

    id: uuid.UUID = uuid_pk()
    kind: str = Field(max_length=80)
    owner_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="CASCADE")
    status: str = Field(default=JobStatus.PENDING, max_length=20)
    progress: int = Field(default=0)
    message: str = Field(default="", max_length=500)
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    attempts: int = Field(default=0)
    max_attempts: int = Field(default=3)
    worker_id: str | None = Field(default=None, max_length=200)
    lease_expires_at: datetime | None = ts_field()
    enqueued_at: datetime | None = ts_field()
    error: str | None = Field(default=None, max_length=2000)
    result_ref: str | None = Field(default=None, max_length=500)
    created_at: datetime = created_at_field()
    started_at: datetime | None = ts_field()
    finished_at: datetime | None = ts_field()


class JobAttempt(SQLModel, table=True):
    """One row per claim of a job by a worker: the history behind `attempts`."""

    __tablename__ = "job_attempts"

    id: int | None = Field(default=None, primary_key=True)
    job_id: uuid.UUID = Field(foreign_key="jobs.id", index=True, ondelete="CASCADE")
    attempt: int
    worker_id: str = Field(max_length=200)
    outcome: str = Field(default="running", max_length=20)
    error: str | None = Field(default=None, max_length=2000)
    started_at: datetime = created_at_field()
    finished_at: datetime | None = ts_field()


class WorkerHeartbeat(SQLModel, table=True):
    __tablename__ = "worker_heartbeats"

    worker_id: str = Field(primary_key=True, max_length=200)
    hostname: str = Field(max_length=200)
    pid: int
    started_at: datetime = created_at_field()
    last_seen: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
