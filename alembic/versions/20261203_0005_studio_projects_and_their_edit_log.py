"""studio projects and their edit log

Reviewed by hand: a project holds its current document (every accepted edit stores it, so a
reload needs no replay); each edit keeps its ops and inverse ops; a resent edit (same txn_id)
is refused by the unique constraint.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 08:59:10.074353
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
import maxbooster.models.base


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('studio_projects',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('sample_rate', sa.Integer(), nullable=False),
    sa.Column('beats_per_bar', sa.Integer(), nullable=False),
    sa.Column('beat_unit', sa.Integer(), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('beat_unit IN (2, 4, 8, 16)', name='ck_studio_projects_unit'),
    sa.CheckConstraint('beats_per_bar >= 1 AND beats_per_bar <= 32', name='ck_studio_projects_beats'),
    sa.CheckConstraint('sample_rate IN (44100, 48000)', name='ck_studio_projects_rate'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('studio_projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_studio_projects_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_studio_projects_owner_updated', ['owner_id', 'updated_at'], unique=False)

    op.create_table('studio_edits',
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('txn_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('ops', sa.JSON(), nullable=False),
    sa.Column('inverse', sa.JSON(), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['studio_projects.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('project_id', 'version'),
    sa.UniqueConstraint('project_id', 'txn_id', name='uq_studio_edits_txn')
    )


def downgrade() -> None:
    op.drop_table('studio_edits')
    with op.batch_alter_table('studio_projects', schema=None) as batch_op:
        batch_op.drop_index('ix_studio_projects_owner_updated')
        batch_op.drop_index(batch_op.f('ix_studio_projects_owner_id'))

    op.drop_table('studio_projects')
