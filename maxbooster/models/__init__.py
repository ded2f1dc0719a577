"""All tables, re-exported so Alembic's metadata sees every model."""

from sqlmodel import SQLModel

from maxbooster.models.accounts import (
    AccountToken,
    AuditHead,
    AuditLog,
    AuthSession,
    EmailOutbox,
    ExternalIdentity,
    RefreshToken,
    UsageCounter,
    User,
)
from maxbooster.models.files import StoredFile
from maxbooster.models.jobs import JOB_STATUSES, Job, JobAttempt, WorkerHeartbeat

metadata = SQLModel.metadata

__all__ = [
    "JOB_STATUSES", "AccountToken", "AuditHead", "AuditLog", "AuthSession", "EmailOutbox", "ExternalIdentity",
    "Job", "JobAttempt", "RefreshToken", "StoredFile", "UsageCounter", "User", "WorkerHeartbeat", "metadata",
]
