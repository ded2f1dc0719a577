"""releases: tracks, registrant settings, codes and deliveries

Reviewed by hand: every enum column has its CHECK (release type, price tier, code kind/source,
delivery state); a UPC is unique per release and every code once in `allocated_codes` (rows are
never deleted, so a code is never reused); `code_counters` holds one row per ISRC year space or GS1
prefix, bumped atomically; a deleted master or library track leaves the release track and the code
behind (SET NULL); deleting a release deletes its tracks and deliveries, not its codes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 09:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
import maxbooster.models.base


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('code_counters',
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('next_value', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("kind IN ('isrc','upc')", name='ck_code_counters_kind'),
    sa.PrimaryKeyConstraint('kind', 'scope')
    )
    op.create_table('registrant_settings',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('isrc_country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('isrc_registrant', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('gs1_prefix', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('ddex_party_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('ddex_party_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('updated_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('owner_id', name='uq_registrant_settings_owner')
    )
    op.create_table('releases',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('release_type', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('version', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('artists', sa.JSON(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('genre', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('subgenre', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('release_date', sa.Date(), nullable=True),
    sa.Column('original_release_date', sa.Date(), nullable=True),
    sa.Column('territories', sa.JSON(), nullable=False),
    sa.Column('price_tier', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('p_year', sa.Integer(), nullable=True),
    sa.Column('p_owner', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('c_year', sa.Integer(), nullable=True),
    sa.Column('c_owner', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('artwork_key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('artwork_width', sa.Integer(), nullable=True),
    sa.Column('artwork_height', sa.Integer(), nullable=True),
    sa.Column('artwork_mode', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('artwork_format', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('artwork_bytes', sa.BigInteger(), nullable=True),
    sa.Column('artwork_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('upc', sqlmodel.sql.sqltypes.AutoString(length=13), nullable=True),
    sa.Column('submitted_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("price_tier IN ('budget','mid','front','premium')", name='ck_releases_price_tier'),
    sa.CheckConstraint("release_type IN ('single','ep','album')", name='ck_releases_type'),
    sa.CheckConstraint('c_year IS NULL OR (c_year >= 1900 AND c_year <= 2200)', name='ck_releases_c_year'),
    sa.CheckConstraint('p_year IS NULL OR (p_year >= 1900 AND p_year <= 2200)', name='ck_releases_p_year'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('upc', name='uq_releases_upc')
    )
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_releases_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_releases_owner_updated', ['owner_id', 'updated_at'], unique=False)

    op.create_table('allocated_codes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=13), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('recording_id', sa.Uuid(), nullable=True),
    sa.Column('release_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('isrc','upc')", name='ck_allocated_codes_kind'),
    sa.CheckConstraint("source IN ('allocated','supplied')", name='ck_allocated_codes_source'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recording_id'], ['tracks.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'code', name='uq_allocated_codes_code')
    )
    with op.batch_alter_table('allocated_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocated_codes_owner_id'), ['owner_id'], unique=False)

    op.create_table('deliveries',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('release_id', sa.Uuid(), nullable=False),
    sa.Column('destination', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('state_message', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('job_id', sa.Uuid(), nullable=True),
    sa.Column('messages_sent', sa.Integer(), nullable=False),
    sa.Column('last_batch', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('batches', sa.JSON(), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('draft','validated','scheduled','delivering','delivered','live','rejected','takedown_requested','taken_down')", name='ck_deliveries_state'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('release_id', 'destination', name='uq_deliveries_release_destination')
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deliveries_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_release_id'), ['release_id'], unique=False)

    op.create_table('release_tracks',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('release_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('master_id', sa.Uuid(), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('version', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('artists', sa.JSON(), nullable=False),
    sa.Column('isrc', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
    sa.Column('explicit', sa.Boolean(), nullable=False),
    sa.Column('contributors', sa.JSON(), nullable=False),
    sa.Column('lyrics', sa.Text(), nullable=False),
    sa.Column('preview_start_s', sa.Float(), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('position >= 1', name='ck_release_tracks_position'),
    sa.CheckConstraint('preview_start_s >= 0', name='ck_release_tracks_preview'),
    sa.ForeignKeyConstraint(['master_id'], ['masters.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('release_id', 'position', name='uq_release_tracks_position')
    )
    with op.batch_alter_table('release_tracks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_release_tracks_master_id'), ['master_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_release_tracks_release_id'), ['release_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('release_tracks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_release_tracks_release_id'))
        batch_op.drop_index(batch_op.f('ix_release_tracks_master_id'))

    op.drop_table('release_tracks')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliveries_release_id'))
        batch_op.drop_index(batch_op.f('ix_deliveries_owner_id'))

    op.drop_table('deliveries')
    with op.batch_alter_table('allocated_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocated_codes_owner_id'))

    op.drop_table('allocated_codes')
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.drop_index('ix_releases_owner_updated')
        batch_op.drop_index(batch_op.f('ix_releases_owner_id'))

    op.drop_table('releases')
    op.drop_table('registrant_settings')
    op.drop_table('code_counters')
