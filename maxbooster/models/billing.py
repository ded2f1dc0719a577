"""Billing area: payment-provider customers, subscriptions and invoices mirrored from webhooks, the
webhook events themselves (each applied exactly once) and the checkout sessions we started.

A user's plan column changes only from webhook-applied subscription state (services/billing).
Rows from a provider are keyed by (provider, provider id); money is integer minor units + currency.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from maxbooster.models.accounts import PlanKey
from maxbooster.models.base import UTCDateTime, created_at_field, one_of, ts_field, uuid_pk


class PaymentsProviderKey(StrEnum):
    SANDBOX = "sandbox"
    STRIPE = "stripe"


class BillingInterval(StrEnum):
    MONTH = "month"
    YEAR = "year"


class SubscriptionStatus(StrEnum):
    """Stripe's subscription statuses (the sandbox uses the same)."""

    INCOMPLETE = "incomplete"
    INCOMPLETE_EXPIRED = "incomplete_expired"
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    UNPAID = "unpaid"
    PAUSED = "paused"
    CANCELED = "canceled"


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    PAID = "paid"
    UNCOLLECTIBLE = "uncollectible"
    VOID = "void"


class CheckoutStatus(StrEnum):
    OPEN = "open"
    COMPLETE = "complete"
    EXPIRED = "expired"


class BillingCustomer(SQLModel, table=True):
    """A user's customer record at a payments provider (one per user and provider)."""

    __tablename__ = "billing_customers"
    __table_args__ = (
        CheckConstraint(one_of("provider", PaymentsProviderKey), name="ck_billing_customers_provider"),
        UniqueConstraint("owner_id", "provider", name="uq_billing_customers_owner_provider"),
        UniqueConstraint("provider", "provider_customer_id", name="uq_billing_customers_provider_id"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    provider: str = Field(max_length=20)
    provider_customer_id: str = Field(max_length=255)
    created_at: datetime = created_at_field()


class CheckoutSession(SQLModel, table=True):
    """A checkout we started for an upgrade; completed by the provider's webhook, never by the browser."""

    __tablename__ = "billing_checkout_sessions"
    __table_args__ = (
        CheckConstraint(one_of("provider", PaymentsProviderKey), name="ck_billing_checkout_sessions_provider"),
        CheckConstraint(one_of("plan", PlanKey), name="ck_billing_checkout_sessions_plan"),
        CheckConstraint(one_of("interval", BillingInterval), name="ck_billing_checkout_sessions_interval"),
        CheckConstraint(one_of("status", CheckoutStatus), name="ck_billing_checkout_sessions_status"),
        UniqueConstraint("provider", "provider_session_id", name="uq_billing_checkout_sessions_provider_id"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    provider: str = Field(max_length=20)
    provider_session_id: str = Field(max_length=255)
    provider_customer_id: str = Field(max_length=255)
    plan: str = Field(max_length=20)
    interval: str = Field(max_length=10)
    amount_minor: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)
    status: str = Field(default=CheckoutStatus.OPEN, max_length=20)
    url: str = Field(max_length=2000)
    provider_subscription_id: str = Field(default="", max_length=255)
    created_at: datetime = created_at_field()
    completed_at: datetime | None = ts_field()


class Subscription(SQLModel, table=True):
    """The provider's subscription as the webhooks last told us (the newest event wins; a canceled
    subscription never comes back). `grace_until` is set while a failed renewal is being retried."""

    __tablename__ = "billing_subscriptions"
    __table_args__ = (
        CheckConstraint(one_of("provider", PaymentsProviderKey), name="ck_billing_subscriptions_provider"),
        CheckConstraint(one_of("plan", PlanKey), name="ck_billing_subscriptions_plan"),
        CheckConstraint(one_of("interval", BillingInterval), name="ck_billing_subscriptions_interval"),
        CheckConstraint(one_of("status", SubscriptionStatus), name="ck_billing_subscriptions_status"),
        UniqueConstraint("provider", "provider_subscription_id", name="uq_billing_subscriptions_provider_id"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    provider: str = Field(max_length=20)
    provider_subscription_id: str = Field(max_length=255)
    provider_customer_id: str = Field(max_length=255)
    plan: str = Field(max_length=20)
    interval: str = Field(max_length=10)
    status: str = Field(max_length=20)
    current_period_end: datetime | None = ts_field()
    cancel_at_period_end: bool = Field(default=False)
    canceled_at: datetime | None = ts_field()
    grace_until: datetime | None = ts_field(index=True)
    # the version of what we store: the applied event's `created` and id (ties broken by status, then id)
    last_event_created: datetime = Field(sa_type=UTCDateTime, nullable=False)
    last_event_id: str = Field(max_length=255)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class Invoice(SQLModel, table=True):
    """An invoice of a subscription; its status only moves forward (draft → open → paid | void | …)."""

    __tablename__ = "billing_invoices"
    __table_args__ = (
        CheckConstraint(one_of("provider", PaymentsProviderKey), name="ck_billing_invoices_provider"),
        CheckConstraint(one_of("status", InvoiceStatus), name="ck_billing_invoices_status"),
        CheckConstraint("amount_due_minor >= 0 AND amount_paid_minor >= 0", name="ck_billing_invoices_amounts"),
        UniqueConstraint("provider", "provider_invoice_id", name="uq_billing_invoices_provider_id"),
        Index("ix_billing_invoices_subscription", "provider", "provider_subscription_id"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    provider: str = Field(max_length=20)
    provider_invoice_id: str = Field(max_length=255)
    provider_subscription_id: str = Field(default="", max_length=255)
    amount_due_minor: int = Field(sa_type=BigInteger)
    amount_paid_minor: int = Field(default=0, sa_type=BigInteger)
    currency: str = Field(max_length=3)
    status: str = Field(max_length=20)
    hosted_url: str = Field(default="", max_length=2000)
    period_start: datetime | None = ts_field()
    period_end: datetime | None = ts_field()
    billing_reason: str = Field(default="", max_length=40)
    first_failed_at: datetime | None = ts_field()  # the earliest failed payment attempt (dunning starts here)
    paid_at: datetime | None = ts_field()
    last_event_created: datetime = Field(sa_type=UTCDateTime, nullable=False)
    last_event_id: str = Field(max_length=255)
    created_at: datetime = created_at_field()


class WebhookEvent(SQLModel, table=True):
    """A provider event as received; `applied_at` is set in the same transaction as its effect, so a
    duplicate delivery (same provider + event id) is stored once and applied once. An event that keeps
    failing is tried again later (`retry_at`) and after `attempts` reaches the limit it is `failed_at`,
    left alone until an admin tries it again (migration 0020)."""

    __tablename__ = "billing_webhook_events"
    __table_args__ = (
        CheckConstraint(one_of("provider", PaymentsProviderKey), name="ck_billing_webhook_events_provider"),
        CheckConstraint("attempts >= 0", name="ck_billing_webhook_events_attempts"),
        UniqueConstraint("provider", "event_id", name="uq_billing_webhook_events_event"),
        Index("ix_billing_webhook_events_waiting", "received_at",  # what the drain reads: small, whatever the history
              postgresql_where=text("applied_at IS NULL AND failed_at IS NULL"),
              sqlite_where=text("applied_at IS NULL AND failed_at IS NULL")),
        Index("ix_billing_webhook_events_failed", "failed_at", postgresql_where=text("failed_at IS NOT NULL"),
              sqlite_where=text("failed_at IS NOT NULL")),
    )

    id: uuid.UUID = uuid_pk()
    provider: str = Field(max_length=20)
    event_id: str = Field(max_length=255)
    type: str = Field(max_length=100)
    event_created: datetime = Field(sa_type=UTCDateTime, nullable=False)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    received_at: datetime = created_at_field()
    applied_at: datetime | None = ts_field()
    outcome: str = Field(default="", max_length=300)  # what applying it did ("ignored: unknown type …")
    attempts: int = Field(default=0)  # failed applications so far
    retry_at: datetime | None = ts_field()  # not tried again before this (after a failure)
    failed_at: datetime | None = ts_field()  # gave up after the last attempt: shown to admins
    error: str = Field(default="", max_length=500)  # the last failure, in words


class BillingComp(SQLModel, table=True):
    """A paid plan an admin gives a user for free, optionally until a date (one per user). The user's plan
    is the better of this and their subscriptions, so a later webhook never wipes a comp; taking it back
    (or its end date) returns them to what they pay for."""

    __tablename__ = "billing_comps"
    __table_args__ = (
        CheckConstraint("plan IN ('pro','label')", name="ck_billing_comps_plan"),
    )

    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    plan: str = Field(max_length=20)
    until: datetime | None = ts_field(index=True)
    granted_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    note: str = Field(default="", max_length=300)
    created_at: datetime = created_at_field()
