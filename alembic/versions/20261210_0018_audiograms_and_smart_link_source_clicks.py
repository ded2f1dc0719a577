"""social: audiograms (a track excerpt over artwork, one stored MP4 per shape); smart-link clicks per source

Reviewed by hand: an audiogram belongs to its owner (CASCADE) and keeps its row when the track, master,
release, image or rendered files go (SET NULL); status is CHECKed against its enum, the excerpt starts at
0 s or later and lasts more than 0 and at most 60 s. Source clicks are counted per smart link, source
(a social network's name from the link's utm_source, or "other") and UTC day, like the platform clicks.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-10 09:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
import maxbooster.models.base


revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('social_audiograms',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('track_id', sa.Uuid(), nullable=True),
    sa.Column('master_id', sa.Uuid(), nullable=True),
    sa.Column('release_id', sa.Uuid(), nullable=True),
    sa.Column('image_file_id', sa.Uuid(), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('artist', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('start_s', sa.Float(), nullable=False),
    sa.Column('length_s', sa.Float(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('status_message', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('job_id', sa.Uuid(), nullable=True),
    sa.Column('vertical_file_id', sa.Uuid(), nullable=True),
    sa.Column('square_file_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('rendering','ready','failed')", name='ck_social_audiograms_status'),
    sa.CheckConstraint('start_s >= 0', name='ck_social_audiograms_start'),
    sa.CheckConstraint('length_s > 0 AND length_s <= 60', name='ck_social_audiograms_length'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['track_id'], ['tracks.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['master_id'], ['masters.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['image_file_id'], ['stored_files.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['vertical_file_id'], ['stored_files.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['square_file_id'], ['stored_files.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('social_audiograms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_social_audiograms_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_social_audiograms_owner_created', ['owner_id', 'created_at'], unique=False)

    op.create_table('smart_link_source_clicks',
    sa.Column('smart_link_id', sa.Uuid(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('clicks', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('clicks >= 0', name='ck_smart_link_source_clicks_clicks'),
    sa.ForeignKeyConstraint(['smart_link_id'], ['smart_links.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('smart_link_id', 'source', 'day')
    )


def downgrade() -> None:
    op.drop_table('smart_link_source_clicks')
    with op.batch_alter_table('social_audiograms', schema=None) as batch_op:
        batch_op.drop_index('ix_social_audiograms_owner_created')
        batch_op.drop_index(batch_op.f('ix_social_audiograms_owner_id'))
    op.drop_table('social_audiograms')
