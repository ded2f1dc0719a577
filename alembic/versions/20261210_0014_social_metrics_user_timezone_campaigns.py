"""social metrics, follower samples, user timezone, campaigns

Reviewed by hand: engagement readings are a time series per published variant (unique per variant and
reading time) beside one row of newest figures per variant (`social_post_stats`, read by account and
publication time for best time to post, and by `next_read_at` for the ingest job); follower counts per
account and reading. Deleting a variant or an account deletes its readings. `users.timezone` is the
artist's IANA zone, 'UTC' for existing users (server default). Campaigns (owned, goal/state CHECKed,
ends after it starts, 1-6 posts a day) have variants (unique label) and slots (unique per account and
time; read by state and due time); a slot keeps its draws and outcome when its account or post goes
(SET NULL).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-10 09:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
import maxbooster.models.base


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('social_follower_samples',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('taken_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('followers', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['social_accounts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'taken_at', name='uq_social_follower_samples_taken')
    )
    op.create_table('campaigns',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('goal', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('starts_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('posts_per_day', sa.Integer(), nullable=False),
    sa.Column('smart_link_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("goal IN ('link_clicks','video_views','follows')", name='ck_campaigns_goal'),
    sa.CheckConstraint("state IN ('active','cancelled')", name='ck_campaigns_state'),
    sa.CheckConstraint('ends_at > starts_at', name='ck_campaigns_range'),
    sa.CheckConstraint('posts_per_day BETWEEN 1 AND 6', name='ck_campaigns_posts_per_day'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['smart_link_id'], ['smart_links.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaigns_owner_id'), ['owner_id'], unique=False)

    op.create_table('social_metric_samples',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('variant_id', sa.Uuid(), nullable=False),
    sa.Column('taken_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('impressions', sa.Integer(), nullable=True),
    sa.Column('reach', sa.Integer(), nullable=True),
    sa.Column('likes', sa.Integer(), nullable=False),
    sa.Column('comments', sa.Integer(), nullable=False),
    sa.Column('shares', sa.Integer(), nullable=False),
    sa.Column('saves', sa.Integer(), nullable=True),
    sa.Column('video_views', sa.Integer(), nullable=True),
    sa.Column('link_clicks', sa.Integer(), nullable=True),
    sa.Column('follows', sa.Integer(), nullable=True),
    sa.Column('simulated', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['variant_id'], ['social_post_variants.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('variant_id', 'taken_at', name='uq_social_metric_samples_taken')
    )
    op.create_table('social_post_stats',
    sa.Column('variant_id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('published_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('impressions', sa.Integer(), nullable=False),
    sa.Column('reach', sa.Integer(), nullable=False),
    sa.Column('likes', sa.Integer(), nullable=False),
    sa.Column('comments', sa.Integer(), nullable=False),
    sa.Column('shares', sa.Integer(), nullable=False),
    sa.Column('saves', sa.Integer(), nullable=False),
    sa.Column('interactions', sa.Integer(), nullable=False),
    sa.Column('video_views', sa.Integer(), nullable=False),
    sa.Column('link_clicks', sa.Integer(), nullable=False),
    sa.Column('follows', sa.Integer(), nullable=False),
    sa.Column('samples', sa.Integer(), nullable=False),
    sa.Column('simulated', sa.Boolean(), nullable=False),
    sa.Column('last_read_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('next_read_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('read_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.CheckConstraint('reach >= 0 AND interactions >= 0', name='ck_social_post_stats_counts'),
    sa.ForeignKeyConstraint(['account_id'], ['social_accounts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['variant_id'], ['social_post_variants.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('variant_id')
    )
    with op.batch_alter_table('social_post_stats', schema=None) as batch_op:
        batch_op.create_index('ix_social_post_stats_account_published', ['account_id', 'published_at'], unique=False)
        batch_op.create_index('ix_social_post_stats_next_read', ['next_read_at'], unique=False)

    op.create_table('campaign_variants',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('campaign_id', sa.Uuid(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('hook', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('caption', sa.Text(), nullable=False),
    sa.Column('media', sa.JSON(), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('campaign_id', 'label', name='uq_campaign_variants_label')
    )
    with op.batch_alter_table('campaign_variants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_variants_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('campaign_slots',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('campaign_id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=True),
    sa.Column('network', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('due_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('variant_id', sa.Uuid(), nullable=True),
    sa.Column('post_variant_id', sa.Uuid(), nullable=True),
    sa.Column('draws', sa.JSON(), nullable=False),
    sa.Column('explored', sa.Boolean(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('allocated_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('planned','scheduled','skipped')", name='ck_campaign_slots_state'),
    sa.ForeignKeyConstraint(['account_id'], ['social_accounts.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_variant_id'], ['social_post_variants.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['variant_id'], ['campaign_variants.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('campaign_id', 'account_id', 'due_at', name='uq_campaign_slots_time')
    )
    with op.batch_alter_table('campaign_slots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_slots_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index('ix_campaign_slots_state_due', ['state', 'due_at'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                      server_default='UTC'))



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('timezone')

    with op.batch_alter_table('campaign_slots', schema=None) as batch_op:
        batch_op.drop_index('ix_campaign_slots_state_due')
        batch_op.drop_index(batch_op.f('ix_campaign_slots_campaign_id'))

    op.drop_table('campaign_slots')
    with op.batch_alter_table('campaign_variants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_variants_campaign_id'))

    op.drop_table('campaign_variants')
    with op.batch_alter_table('social_post_stats', schema=None) as batch_op:
        batch_op.drop_index('ix_social_post_stats_next_read')
        batch_op.drop_index('ix_social_post_stats_account_published')

    op.drop_table('social_post_stats')
    op.drop_table('social_metric_samples')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaigns_owner_id'))

    op.drop_table('campaigns')
    op.drop_table('social_follower_samples')
