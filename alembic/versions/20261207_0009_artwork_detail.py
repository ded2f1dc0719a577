"""releases: the measured detail of the cover art (an enlarged small picture is flagged)

Reviewed by hand: one nullable integer; NULL for covers uploaded before (measured again on the next
upload) and for pictures too plain to judge.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 09:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('releases') as batch:
        batch.add_column(sa.Column('artwork_detail_px', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('releases') as batch:
        batch.drop_column('artwork_detail_px')
