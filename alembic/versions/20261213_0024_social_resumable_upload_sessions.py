"""social: a resumable upload's session URL (encrypted) and confirmed offset on the post variant

Reviewed by hand: two columns on social_post_variants, both safe for existing rows (no session: NULL,
nothing confirmed: 0), added in one batch so SQLite copies the table once.

Revision ID: 0024
Revises: 0019
Create Date: 2026-12-05 00:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('social_post_variants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('upload_session_enc', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('upload_offset', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('social_post_variants', schema=None) as batch_op:
        batch_op.drop_column('upload_offset')
        batch_op.drop_column('upload_session_enc')
