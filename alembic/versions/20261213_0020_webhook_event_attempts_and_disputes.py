"""billing: webhook event attempts (retry_at, failed_at, error) and the drain's partial indexes;
marketplace: dispute status on orders, disputed_at on licenses

Reviewed by hand: new columns only, existing rows get attempts 0 and an empty error through server
defaults (kept: harmless, and they let old rows read back as the model expects); the partial indexes
carry the same WHERE on PostgreSQL and SQLite; the dispute status CHECK allows NULL (no dispute).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 01:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import maxbooster.models.base

revision: str = "0020"
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = "applied_at IS NULL AND failed_at IS NULL"
FAILED = "failed_at IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("billing_webhook_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("retry_at", maxbooster.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failed_at", maxbooster.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False,
                                      server_default=""))
        batch_op.create_check_constraint("ck_billing_webhook_events_attempts", "attempts >= 0")
        batch_op.create_index("ix_billing_webhook_events_waiting", ["received_at"], unique=False,
                              postgresql_where=sa.text(WAITING), sqlite_where=sa.text(WAITING))
        batch_op.create_index("ix_billing_webhook_events_failed", ["failed_at"], unique=False,
                              postgresql_where=sa.text(FAILED), sqlite_where=sa.text(FAILED))
    with op.batch_alter_table("marketplace_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dispute_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.add_column(sa.Column("provider_dispute_id", sqlmodel.sql.sqltypes.AutoString(length=255),
                                      nullable=True))
        batch_op.create_check_constraint("ck_marketplace_orders_dispute_status",
                                         "dispute_status IN ('open','won','lost')")
    with op.batch_alter_table("marketplace_licenses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disputed_at", maxbooster.models.base.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("marketplace_licenses", schema=None) as batch_op:
        batch_op.drop_column("disputed_at")
    with op.batch_alter_table("marketplace_orders", schema=None) as batch_op:
        batch_op.drop_constraint("ck_marketplace_orders_dispute_status", type_="check")
        batch_op.drop_column("provider_dispute_id")
        batch_op.drop_column("dispute_status")
    with op.batch_alter_table("billing_webhook_events", schema=None) as batch_op:
        batch_op.drop_index("ix_billing_webhook_events_failed")
        batch_op.drop_index("ix_billing_webhook_events_waiting")
        batch_op.drop_constraint("ck_billing_webhook_events_attempts", type_="check")
        batch_op.drop_column("error")
        batch_op.drop_column("failed_at")
        batch_op.drop_column("retry_at")
        batch_op.drop_column("attempts")
