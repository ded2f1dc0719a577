"""social: X, Facebook, Instagram and YouTube join the network CHECKs; OAuth connect attempts kept server-side

Reviewed by hand: the three network CHECKs are dropped and created again with the new values (batch mode,
so SQLite rebuilds the tables); social_connects holds one row per connect attempt in flight, found by the
SHA-256 of its state (unique), the PKCE verifier as a Fernet token, deleted when its callback uses it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-10 09:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
import maxbooster.models.base


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = "network IN ('sandbox','mastodon')"
NEW = "network IN ('sandbox','mastodon','x','facebook','instagram','youtube')"
TABLES = ('social_apps', 'social_accounts', 'social_post_variants')


def _networks(check: str) -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'ck_{table}_network', type_='check')
            batch_op.create_check_constraint(f'ck_{table}_network', check)


def upgrade() -> None:
    _networks(NEW)
    op.create_table('social_connects',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('network', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('state_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('code_verifier_enc', sa.Text(), nullable=False),
    sa.Column('instance_url', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('redirect_uri', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('expires_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint(NEW, name='ck_social_connects_network'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('state_hash', name='uq_social_connects_state')
    )
    with op.batch_alter_table('social_connects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_social_connects_owner_id'), ['owner_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('social_connects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_social_connects_owner_id'))
    op.drop_table('social_connects')
    _networks(OLD)
