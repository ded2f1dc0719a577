"""social: connected accounts, our app per Mastodon instance, posts with a variant per account, the sandbox's posts

Reviewed by hand: tokens and client secrets are Text columns holding Fernet tokens (never plain text);
an account is unique per owner, network, instance and the network's account id (connecting again updates
it); a variant is unique per post and account and its idempotency key is unique everywhere (sent to the
network with every attempt); the sweep reads variants by (state, due_at); deleting an account keeps its
variants (SET NULL: what was published stays on record), deleting a post deletes its variants; the
sandbox's posts are unique per account and idempotency key, like a network's idempotency. Network and
state columns are CHECKed against their enums.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 09:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
import maxbooster.models.base


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('social_apps',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('network', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('instance_url', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('redirect_uri', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('client_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('client_secret_enc', sa.Text(), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("network IN ('sandbox','mastodon')", name='ck_social_apps_network'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('network', 'instance_url', 'redirect_uri', name='uq_social_apps_instance')
    )
    op.create_table('social_accounts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('network', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('instance_url', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('app_id', sa.Uuid(), nullable=True),
    sa.Column('remote_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('handle', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('state_message', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('access_token_enc', sa.Text(), nullable=True),
    sa.Column('refresh_token_enc', sa.Text(), nullable=True),
    sa.Column('token_expires_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('scopes', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('followers_count', sa.Integer(), nullable=True),
    sa.Column('limits', sa.JSON(), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("network IN ('sandbox','mastodon')", name='ck_social_accounts_network'),
    sa.CheckConstraint("state IN ('connected','reconnect')", name='ck_social_accounts_state'),
    sa.ForeignKeyConstraint(['app_id'], ['social_apps.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('owner_id', 'network', 'instance_url', 'remote_id', name='uq_social_accounts_remote')
    )
    with op.batch_alter_table('social_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_social_accounts_owner_id'), ['owner_id'], unique=False)

    op.create_table('social_posts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('scheduled_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('social_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_social_posts_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_social_posts_owner_scheduled', ['owner_id', 'scheduled_at'], unique=False)

    op.create_table('social_post_variants',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('post_id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=True),
    sa.Column('network', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('media', sa.JSON(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('due_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('job_id', sa.Uuid(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('first_sent_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('remote_media_ids', sa.JSON(), nullable=False),
    sa.Column('remote_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('remote_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('failure_reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('published_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('metrics', sa.JSON(), nullable=False),
    sa.Column('metrics_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("network IN ('sandbox','mastodon')", name='ck_social_post_variants_network'),
    sa.CheckConstraint("state IN ('scheduled','publishing','published','failed')", name='ck_social_post_variants_state'),
    sa.CheckConstraint('attempts >= 0', name='ck_social_post_variants_attempts'),
    sa.ForeignKeyConstraint(['account_id'], ['social_accounts.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['social_posts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key', name='uq_social_post_variants_idempotency'),
    sa.UniqueConstraint('post_id', 'account_id', name='uq_social_post_variants_account')
    )
    with op.batch_alter_table('social_post_variants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_social_post_variants_account_id'), ['account_id'], unique=False)
        batch_op.create_index('ix_social_post_variants_due', ['state', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_social_post_variants_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_social_post_variants_post_id'), ['post_id'], unique=False)

    op.create_table('social_sandbox_posts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('media_count', sa.Integer(), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['social_accounts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'idempotency_key', name='uq_social_sandbox_posts_key')
    )
    with op.batch_alter_table('social_sandbox_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_social_sandbox_posts_account_id'), ['account_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('social_sandbox_posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_social_sandbox_posts_account_id'))

    op.drop_table('social_sandbox_posts')
    with op.batch_alter_table('social_post_variants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_social_post_variants_post_id'))
        batch_op.drop_index(batch_op.f('ix_social_post_variants_owner_id'))
        batch_op.drop_index('ix_social_post_variants_due')
        batch_op.drop_index(batch_op.f('ix_social_post_variants_account_id'))

    op.drop_table('social_post_variants')
    with op.batch_alter_table('social_posts', schema=None) as batch_op:
        batch_op.drop_index('ix_social_posts_owner_scheduled')
        batch_op.drop_index(batch_op.f('ix_social_posts_owner_id'))

    op.drop_table('social_posts')
    with op.batch_alter_table('social_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_social_accounts_owner_id'))

    op.drop_table('social_accounts')
    op.drop_table('social_apps')
