"""All tables, re-exported so Alembic's metadata sees every model."""

from sqlmodel import SQLModel

from maxbooster.models.accounts import (
    AccountToken,
    AuthSession,
    ExternalIdentity,
    PlanKey,
    RefreshToken,
    Role,
    TokenPurpose,
    User,
)
from maxbooster.models.audit import AuditHead, AuditLog
from maxbooster.models.email import EmailOutbox
from maxbooster.models.jobs import Job, JobAttempt, JobStatus, WorkerHeartbeat
from maxbooster.models.library import Track, TrackStatus
from maxbooster.models.mastering import Master, MasterFormat, MasterStatus
from maxbooster.models.plans import UsageCounter
from maxbooster.models.storage import StoredFile
from maxbooster.models.studio import Project, ProjectEdit

metadata = SQLModel.metadata

__all__ = [
    "AccountToken",
    "AuditHead",
    "AuditLog",
    "AuthSession",
    "EmailOutbox",
    "ExternalIdentity",
    "Job",
    "JobAttempt",
    "JobStatus",
    "Master",
    "MasterFormat",
    "MasterStatus",
    "PlanKey",
    "Project",
    "ProjectEdit",
    "RefreshToken",
    "Role",
    "StoredFile",
    "TokenPurpose",
    "Track",
    "TrackStatus",
    "UsageCounter",
    "User",
    "WorkerHeartbeat",
    "metadata",
]
