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
from maxbooster.models.billing import (
    BillingCustomer,
    BillingInterval,
    CheckoutSession,
    CheckoutStatus,
    Invoice,
    InvoiceStatus,
    PaymentsProviderKey,
    Subscription,
    SubscriptionStatus,
    WebhookEvent,
)
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
from maxbooster.models.storage import StoredFile
from maxbooster.models.studio import Project, ProjectEdit

metadata = SQLModel.metadata

__all__ = [
    "AccountToken",
    "AllocatedCode",
    "ArtistRole",
    "AuditHead",
    "AuditLog",
    "AuthSession",
    "BillingCustomer",
    "BillingInterval",
    "CheckoutSession",
    "CheckoutStatus",
    "CodeCounter",
    "CodeKind",
    "CodeSource",
    "ContributorRole",
    "Delivery",
    "DeliveryState",
    "EmailOutbox",
    "ExternalIdentity",
    "InviteStatus",
    "Invoice",
    "InvoiceStatus",
    "Job",
    "JobAttempt",
    "JobStatus",
    "LedgerEntry",
    "LedgerKind",
    "Master",
    "MasterFormat",
    "MasterStatus",
    "PaymentsProviderKey",
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
    "Role",
    "RoyaltySplit",
    "SmartLink",
    "SmartLinkClick",
    "SmartLinkFan",
    "SplitShare",
    "Statement",
    "StatementLine",
    "StoredFile",
    "Subscription",
    "SubscriptionStatus",
    "TokenPurpose",
    "Track",
    "TrackStatus",
    "UsageCounter",
    "User",
    "WebhookEvent",
    "WorkerHeartbeat",
    "metadata",
]
