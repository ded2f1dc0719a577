"""marketplace: an order line may name the buyer's release track built on the beat (lease caps vs streams)

Reviewed by hand: a nullable FK to release_tracks (SET NULL when the track is deleted) and its index;
a plain ADD COLUMN on both dialects (no batch copy, so 0013's SQLite FTS triggers on listings are untouched).

Revision ID: 0019
Revises: 0013
Create Date: 2026-12-04 21:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("marketplace_order_lines", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("release_track_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_marketplace_order_lines_release_track_id"), ["release_track_id"],
                              unique=False)
    if op.get_bind().dialect.name == "postgresql":  # SQLite cannot add a foreign key without a table copy
        op.create_foreign_key("fk_marketplace_order_lines_release_track_id_release_tracks",
                              "marketplace_order_lines", "release_tracks", ["release_track_id"], ["id"],
                              ondelete="SET NULL")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("fk_marketplace_order_lines_release_track_id_release_tracks", "marketplace_order_lines",
                           type_="foreignkey")
    with op.batch_alter_table("marketplace_order_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_marketplace_order_lines_release_track_id"))
        batch_op.drop_column("release_track_id")
