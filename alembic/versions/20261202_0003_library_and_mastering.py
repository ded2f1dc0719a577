"""library and mastering: tracks (uploads and what processing made of them), masters (versions)

Reviewed by hand: CHECK constraints for statuses and strength are explicit; sizes are BIGINT;
a master's reference track is SET NULL when that track is deleted.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 19:06:21.985276
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
import maxbooster.models.base


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('tracks',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('artist', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('original_name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('status_message', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('job_id', sa.Uuid(), nullable=True),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('format', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('subtype', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('sample_rate', sa.Integer(), nullable=True),
    sa.Column('channels', sa.Integer(), nullable=True),
    sa.Column('duration_s', sa.Float(), nullable=True),
    sa.Column('integrated_lufs', sa.Float(), nullable=True),
    sa.Column('true_peak_dbtp', sa.Float(), nullable=True),
    sa.Column('loudness_range_lu', sa.Float(), nullable=True),
    sa.Column('analysis', sa.JSON(), nullable=False),
    sa.Column('readiness', sa.JSON(), nullable=False),
    sa.Column('loudness_series', sa.JSON(), nullable=False),
    sa.Column('original_key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('working_key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('peaks', sa.JSON(), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('processed_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('processing','ready','failed')", name='ck_tracks_status'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('owner_id', 'sha256', name='uq_tracks_owner_sha256')
    )
    with op.batch_alter_table('tracks', schema=None) as batch_op:
        batch_op.create_index('ix_tracks_owner_created', ['owner_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tracks_owner_id'), ['owner_id'], unique=False)

    op.create_table('masters',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('track_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('preset', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('target_lufs', sa.Float(), nullable=False),
    sa.Column('ceiling_dbtp', sa.Float(), nullable=False),
    sa.Column('strength_pct', sa.Integer(), nullable=False),
    sa.Column('genre', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('reference_track_id', sa.Uuid(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('status_message', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('job_id', sa.Uuid(), nullable=True),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('processing','ready','failed')", name='ck_masters_status'),
    sa.CheckConstraint('strength_pct >= 0 AND strength_pct <= 100', name='ck_masters_strength'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reference_track_id'], ['tracks.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['track_id'], ['tracks.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('track_id', 'version', name='uq_masters_track_version')
    )
    with op.batch_alter_table('masters', schema=None) as batch_op:
        batch_op.create_index('ix_masters_owner_created', ['owner_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_masters_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_masters_track_id'), ['track_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('masters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_masters_track_id'))
        batch_op.drop_index(batch_op.f('ix_masters_owner_id'))
        batch_op.drop_index('ix_masters_owner_created')

    op.drop_table('masters')
    with op.batch_alter_table('tracks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tracks_owner_id'))
        batch_op.drop_index('ix_tracks_owner_created')

    op.drop_table('tracks')
