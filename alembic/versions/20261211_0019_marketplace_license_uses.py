"""marketplace: license uses — the buyer's release track built on a purchased beat (lease caps vs streams)

Reviewed by hand: a new table keyed by the order line (one song per purchase), CASCADE from both the
order line and the release track, and an index on release_track_id. A table of its own rather than a
column on marketplace_order_lines: SQLite could only add that foreign key (with its ON DELETE) by
copying the order lines table, whose licenses, grants, transfers and refunds CASCADE from it.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 21:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import maxbooster.models.base

revision: str = "0019"
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "marketplace_license_uses",
        sa.Column("order_line_id", sa.Uuid(), nullable=False),
        sa.Column("release_track_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_line_id"], ["marketplace_order_lines.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["release_track_id"], ["release_tracks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("order_line_id"),
    )
    with op.batch_alter_table("marketplace_license_uses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_marketplace_license_uses_release_track_id"), ["release_track_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("marketplace_license_uses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_marketplace_license_uses_release_track_id"))
    op.drop_table("marketplace_license_uses")
