"""royalties: statement lines keyed by (statement, line number); only unmatched lines indexed; ledger by party user

Reviewed by hand: a million-line statement is written with COPY, and every index on the lines table
costs time per line. The surrogate uuid `id` (a random-order index that nothing looked up) and the
unique (statement_id, line_no) become one primary key on (statement_id, line_no), which still lets
each line in once and grows in order. The (statement_id, release_track_id) index covered every line
only to find the few unmatched ones: it becomes a partial index on (statement_id, isrc) where
release_track_id IS NULL, which also serves the unmatched ISRC list in ISRC order. Downgrade gives the
lines fresh ids.

The ledger gets an index on party_user_id: "my earnings" asks for rows where party_user_id = me OR
party_email = my email, and with only the email indexed PostgreSQL read the whole ledger (every
artist's) for it; with both indexed it combines two index scans. It also serves ON DELETE SET NULL
when a user is deleted.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 09:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNMATCHED = sa.text('release_track_id IS NULL')


def upgrade() -> None:
    op.drop_index('ix_royalty_statement_lines_unmatched', table_name='royalty_statement_lines')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint('uq_royalty_statement_lines_line', 'royalty_statement_lines', type_='unique')
        op.drop_constraint('royalty_statement_lines_pkey', 'royalty_statement_lines', type_='primary')
        op.drop_column('royalty_statement_lines', 'id')
        op.create_primary_key('royalty_statement_lines_pkey', 'royalty_statement_lines', ['statement_id', 'line_no'])
    else:
        with op.batch_alter_table('royalty_statement_lines', recreate='always') as batch_op:
            batch_op.drop_constraint('uq_royalty_statement_lines_line', type_='unique')
            batch_op.drop_column('id')
            batch_op.create_primary_key('pk_royalty_statement_lines', ['statement_id', 'line_no'])
    op.create_index('ix_royalty_statement_lines_unmatched', 'royalty_statement_lines', ['statement_id', 'isrc'],
                    unique=False, postgresql_where=UNMATCHED, sqlite_where=UNMATCHED)
    op.create_index('ix_royalty_ledger_party_user_id', 'royalty_ledger', ['party_user_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_royalty_ledger_party_user_id', table_name='royalty_ledger')
    op.drop_index('ix_royalty_statement_lines_unmatched', table_name='royalty_statement_lines')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint('royalty_statement_lines_pkey', 'royalty_statement_lines', type_='primary')
        op.add_column('royalty_statement_lines', sa.Column('id', sa.Uuid(), nullable=False,
                                                           server_default=sa.text('gen_random_uuid()')))
        op.alter_column('royalty_statement_lines', 'id', server_default=None)
        op.create_primary_key('royalty_statement_lines_pkey', 'royalty_statement_lines', ['id'])
        op.create_unique_constraint('uq_royalty_statement_lines_line', 'royalty_statement_lines',
                                    ['statement_id', 'line_no'])
    else:
        op.add_column('royalty_statement_lines', sa.Column('id', sa.Uuid(), nullable=True))
        op.execute("UPDATE royalty_statement_lines SET id = lower(hex(randomblob(16)))")
        with op.batch_alter_table('royalty_statement_lines', recreate='always') as batch_op:
            batch_op.alter_column('id', existing_type=sa.Uuid(), nullable=False)
            batch_op.drop_constraint('pk_royalty_statement_lines', type_='primary')
            batch_op.create_primary_key('pk_royalty_statement_lines', ['id'])
            batch_op.create_unique_constraint('uq_royalty_statement_lines_line', ['statement_id', 'line_no'])
    op.create_index('ix_royalty_statement_lines_unmatched', 'royalty_statement_lines',
                    ['statement_id', 'release_track_id'], unique=False)
