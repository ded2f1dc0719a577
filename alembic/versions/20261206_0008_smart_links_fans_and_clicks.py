"""releases: smart links (a public page per release), fans with double opt-in, clicks per platform and day

Reviewed by hand: one smart link per release, its slug unique across everyone; a fan is unique per owner
and email (signing up twice on two releases of one artist is one fan); the confirm token is stored only as
its sha256 (indexed, looked up by the emailed link); clicks are counter rows keyed by link, platform and
UTC day, the platform CHECKed against the Platform enum; deleting a release deletes its link and clicks
and keeps its fans (SET NULL: they consented to the artist, not to one release).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 09:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
import maxbooster.models.base


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('smart_link_fans',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('release_id', sa.Uuid(), nullable=True),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('consent_text', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('consented_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('owner_id', 'email', name='uq_smart_link_fans_email')
    )
    with op.batch_alter_table('smart_link_fans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_smart_link_fans_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_smart_link_fans_token_hash'), ['token_hash'], unique=False)

    op.create_table('smart_links',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('release_id', sa.Uuid(), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('links', sa.JSON(), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('release_id', name='uq_smart_links_release'),
    sa.UniqueConstraint('slug', name='uq_smart_links_slug')
    )
    with op.batch_alter_table('smart_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_smart_links_owner_id'), ['owner_id'], unique=False)

    op.create_table('smart_link_clicks',
    sa.Column('smart_link_id', sa.Uuid(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('clicks', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("platform IN ('spotify','apple_music','youtube_music','deezer','tidal','amazon_music','bandcamp','soundcloud')", name='ck_smart_link_clicks_platform'),
    sa.CheckConstraint('clicks >= 0', name='ck_smart_link_clicks_clicks'),
    sa.ForeignKeyConstraint(['smart_link_id'], ['smart_links.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('smart_link_id', 'platform', 'day')
    )


def downgrade() -> None:
    op.drop_table('smart_link_clicks')
    with op.batch_alter_table('smart_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_smart_links_owner_id'))

    op.drop_table('smart_links')
    with op.batch_alter_table('smart_link_fans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_smart_link_fans_token_hash'))
        batch_op.drop_index(batch_op.f('ix_smart_link_fans_owner_id'))

    op.drop_table('smart_link_fans')
