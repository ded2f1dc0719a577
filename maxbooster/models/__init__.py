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
from maxbooster.models.releases import (
    AllocatedCode,
    ArtistRole,
    CodeCounter,
    CodeKind,
    CodeSource,
    ContributorRole,
    Delivery,
    DeliveryState,
    Platform,
    PriceTier,
    RegistrantSettings,
    Release,
    ReleaseTrack,
    ReleaseType,
    SmartLink,
    SmartLinkClick,
    SmartLinkFan,
)
from maxbooster.models.royalties import (
    InviteStatus,
    LedgerEntry,
    LedgerKind,
    RoyaltySplit,
    SplitShare,
    Statement,
    StatementLine,
)
from maxbooster.models.social import (
    AccountState,
    SandboxPost,
    SocialAccount,
    SocialApp,
    SocialNetwork,
    SocialPost,
    SocialPostVariant,
    VariantState,
)
from maxbooster.models.storage import StoredFile
from maxbooster.models.studio import Project, ProjectEdit

metadata = SQLModel.metadata

__all__ = [
    "AccountState",
    "AccountToken",
    "AllocatedCode",
    "ArtistRole",
    "AuditHead",
    "AuditLog",
    "AuthSession",
    "CodeCounter",
    "CodeKind",
    "CodeSource",
    "ContributorRole",
    "Delivery",
    "DeliveryState",
    "EmailOutbox",
    "ExternalIdentity",
    "InviteStatus",
    "Job",
    "JobAttempt",
    "JobStatus",
    "LedgerEntry",
    "LedgerKind",
    "Master",
    "MasterFormat",
    "MasterStatus",
    "PlanKey",
    "Platform",
    "PriceTier",
    "Project",
    "ProjectEdit",
    "RefreshToken",
    "RegistrantSettings",
    "Release",
    "ReleaseTrack",
    "ReleaseType",
    "SandboxPost",
    "SmartLink",
    "SmartLinkClick",
    "SmartLinkFan",
    "Role",
    "RoyaltySplit",
    "SocialAccount",
    "SocialApp",
    "SocialNetwork",
    "SocialPost",
    "SocialPostVariant",
    "SplitShare",
    "Statement",
    "StatementLine",
    "StoredFile",
    "TokenPurpose",
    "Track",
    "TrackStatus",
    "UsageCounter",
    "User",
    "VariantState",
    "WorkerHeartbeat",
    "metadata",
]
