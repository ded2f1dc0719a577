"""billing: plans an admin gives a user for free (a comp), optionally until a date

Reviewed by hand: one comp per user (the user id is the key; deleting the user deletes it); the plan is
CHECKed to a paid plan (Pro or Label: "Free" is no comp, it is taking the comp back); the end date is
indexed for the sweep that ends comps; the granting admin is kept for the record and set NULL when that
admin account is deleted (the audit log keeps who did it).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-10 09:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
import maxbooster.models.base


revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('billing_comps',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('plan', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('until', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('granted_by', sa.Uuid(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("plan IN ('pro','label')", name='ck_billing_comps_plan'),
    sa.ForeignKeyConstraint(['granted_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_index(op.f('ix_billing_comps_until'), 'billing_comps', ['until'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_billing_comps_until'), table_name='billing_comps')
    op.drop_table('billing_comps')
