"""royalties: splits with their shares, imported statements and their lines, the ledger

Reviewed by hand: invite status and ledger kind have their CHECKs; a share is 1..10,000 basis points
(the 100 % total is checked by the service, which sees the whole split); one split per release track;
a statement file is unique per owner by its sha256 and each of its lines once by line number, so an
import can never double-count; deleting a release track deletes its split, keeps its statement lines
and ledger rows (SET NULL); deleting a statement deletes its lines and the ledger rows it made.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 09:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
import maxbooster.models.base


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('royalty_statements',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('layout', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('lines_total', sa.Integer(), nullable=False),
    sa.Column('lines_imported', sa.Integer(), nullable=False),
    sa.Column('lines_unmatched', sa.Integer(), nullable=False),
    sa.Column('lines_malformed', sa.Integer(), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('owner_id', 'sha256', name='uq_royalty_statements_file')
    )
    with op.batch_alter_table('royalty_statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_royalty_statements_owner_id'), ['owner_id'], unique=False)

    op.create_table('royalty_splits',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('release_track_id', sa.Uuid(), nullable=False),
    sa.Column('recoup_amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('recoup_currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('recoup_email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('recoup_amount_minor >= 0', name='ck_royalty_splits_recoup'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['release_track_id'], ['release_tracks.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('release_track_id', name='uq_royalty_splits_track')
    )
    with op.batch_alter_table('royalty_splits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_royalty_splits_owner_id'), ['owner_id'], unique=False)

    op.create_table('royalty_statement_lines',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('statement_id', sa.Uuid(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('isrc', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('release_track_id', sa.Uuid(), nullable=True),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('store', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('territory', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('units', sa.BigInteger(), nullable=False),
    sa.Column('amount_nanos', sa.BigInteger(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.ForeignKeyConstraint(['release_track_id'], ['release_tracks.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['statement_id'], ['royalty_statements.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('statement_id', 'line_no', name='uq_royalty_statement_lines_line')
    )
    with op.batch_alter_table('royalty_statement_lines', schema=None) as batch_op:
        batch_op.create_index('ix_royalty_statement_lines_unmatched', ['statement_id', 'release_track_id'], unique=False)

    op.create_table('royalty_ledger',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('party_email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('party_user_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('statement_id', sa.Uuid(), nullable=True),
    sa.Column('split_id', sa.Uuid(), nullable=True),
    sa.Column('release_track_id', sa.Uuid(), nullable=True),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('memo', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('income','recoupment','adjustment','payout')", name='ck_royalty_ledger_kind'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['party_user_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['release_track_id'], ['release_tracks.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['split_id'], ['royalty_splits.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['statement_id'], ['royalty_statements.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('royalty_ledger', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_royalty_ledger_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_royalty_ledger_owner_party', ['owner_id', 'party_email', 'currency'], unique=False)
        batch_op.create_index('ix_royalty_ledger_party', ['party_email'], unique=False)
        batch_op.create_index(batch_op.f('ix_royalty_ledger_statement_id'), ['statement_id'], unique=False)

    op.create_table('royalty_split_shares',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('split_id', sa.Uuid(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('share_bps', sa.Integer(), nullable=False),
    sa.Column('is_owner', sa.Boolean(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('invited_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending','accepted','declined')", name='ck_royalty_split_shares_status'),
    sa.CheckConstraint('share_bps > 0 AND share_bps <= 10000', name='ck_royalty_split_shares_bps'),
    sa.ForeignKeyConstraint(['split_id'], ['royalty_splits.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('split_id', 'email', name='uq_royalty_split_shares_email'),
    sa.UniqueConstraint('token_hash', name='uq_royalty_split_shares_token')
    )
    with op.batch_alter_table('royalty_split_shares', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_royalty_split_shares_split_id'), ['split_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_royalty_split_shares_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('royalty_split_shares', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_royalty_split_shares_user_id'))
        batch_op.drop_index(batch_op.f('ix_royalty_split_shares_split_id'))

    op.drop_table('royalty_split_shares')
    with op.batch_alter_table('royalty_ledger', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_royalty_ledger_statement_id'))
        batch_op.drop_index('ix_royalty_ledger_party')
        batch_op.drop_index('ix_royalty_ledger_owner_party')
        batch_op.drop_index(batch_op.f('ix_royalty_ledger_owner_id'))

    op.drop_table('royalty_ledger')
    with op.batch_alter_table('royalty_statement_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_royalty_statement_lines_unmatched')

    op.drop_table('royalty_statement_lines')
    with op.batch_alter_table('royalty_splits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_royalty_splits_owner_id'))

    op.drop_table('royalty_splits')
    with op.batch_alter_table('royalty_statements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_royalty_statements_owner_id'))

    op.drop_table('royalty_statements')
