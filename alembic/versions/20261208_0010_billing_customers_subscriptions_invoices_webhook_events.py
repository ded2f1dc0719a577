"""billing: payment-provider customers, checkout sessions, subscriptions and invoices mirrored from
webhooks, and the webhook events (each applied exactly once)

Reviewed by hand: every provider row is unique per (provider, provider id), a user has one customer per
provider; webhook events are unique per (provider, event id), which is what makes a duplicate delivery a
no-op; plan, interval and statuses are CHECKed against their enums; money is BIGINT minor units with a
currency and never negative; owner rows go with their user (CASCADE); grace_until is indexed for the
sweep that downgrades expired grace periods.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 09:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
import maxbooster.models.base


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('billing_webhook_events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('event_created', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('received_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('applied_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.CheckConstraint("provider IN ('sandbox','stripe')", name='ck_billing_webhook_events_provider'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider', 'event_id', name='uq_billing_webhook_events_event')
    )
    op.create_table('billing_checkout_sessions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('provider_session_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('provider_customer_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('plan', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('interval', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('provider_subscription_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("interval IN ('month','year')", name='ck_billing_checkout_sessions_interval'),
    sa.CheckConstraint("plan IN ('free','pro','label')", name='ck_billing_checkout_sessions_plan'),
    sa.CheckConstraint("provider IN ('sandbox','stripe')", name='ck_billing_checkout_sessions_provider'),
    sa.CheckConstraint("status IN ('open','complete','expired')", name='ck_billing_checkout_sessions_status'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider', 'provider_session_id', name='uq_billing_checkout_sessions_provider_id')
    )
    with op.batch_alter_table('billing_checkout_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_checkout_sessions_owner_id'), ['owner_id'], unique=False)

    op.create_table('billing_customers',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('provider_customer_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("provider IN ('sandbox','stripe')", name='ck_billing_customers_provider'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('owner_id', 'provider', name='uq_billing_customers_owner_provider'),
    sa.UniqueConstraint('provider', 'provider_customer_id', name='uq_billing_customers_provider_id')
    )
    op.create_table('billing_invoices',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('provider_invoice_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('provider_subscription_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('amount_due_minor', sa.BigInteger(), nullable=False),
    sa.Column('amount_paid_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('hosted_url', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('period_start', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('period_end', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('billing_reason', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('first_failed_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('paid_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_event_created', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_event_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("provider IN ('sandbox','stripe')", name='ck_billing_invoices_provider'),
    sa.CheckConstraint("status IN ('draft','open','paid','uncollectible','void')", name='ck_billing_invoices_status'),
    sa.CheckConstraint('amount_due_minor >= 0 AND amount_paid_minor >= 0', name='ck_billing_invoices_amounts'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider', 'provider_invoice_id', name='uq_billing_invoices_provider_id')
    )
    with op.batch_alter_table('billing_invoices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_invoices_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_billing_invoices_subscription', ['provider', 'provider_subscription_id'], unique=False)

    op.create_table('billing_subscriptions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('provider_subscription_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('provider_customer_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('plan', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('interval', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('current_period_end', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancel_at_period_end', sa.Boolean(), nullable=False),
    sa.Column('canceled_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('grace_until', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_event_created', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_event_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("interval IN ('month','year')", name='ck_billing_subscriptions_interval'),
    sa.CheckConstraint("plan IN ('free','pro','label')", name='ck_billing_subscriptions_plan'),
    sa.CheckConstraint("provider IN ('sandbox','stripe')", name='ck_billing_subscriptions_provider'),
    sa.CheckConstraint("status IN ('incomplete','incomplete_expired','trialing','active','past_due','unpaid','paused','canceled')", name='ck_billing_subscriptions_status'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider', 'provider_subscription_id', name='uq_billing_subscriptions_provider_id')
    )
    with op.batch_alter_table('billing_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_subscriptions_grace_until'), ['grace_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_subscriptions_owner_id'), ['owner_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('billing_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_subscriptions_owner_id'))
        batch_op.drop_index(batch_op.f('ix_billing_subscriptions_grace_until'))

    op.drop_table('billing_subscriptions')
    with op.batch_alter_table('billing_invoices', schema=None) as batch_op:
        batch_op.drop_index('ix_billing_invoices_subscription')
        batch_op.drop_index(batch_op.f('ix_billing_invoices_owner_id'))

    op.drop_table('billing_invoices')
    op.drop_table('billing_customers')
    with op.batch_alter_table('billing_checkout_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_checkout_sessions_owner_id'))

    op.drop_table('billing_checkout_sessions')
    op.drop_table('billing_webhook_events')
