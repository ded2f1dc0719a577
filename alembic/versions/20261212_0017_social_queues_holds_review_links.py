"""social: queue slots per account, holds (drafts and approvals) on posts, external review links

Reviewed by hand: a queue slot is unique per account, weekday (0-6, CHECKed) and minute of day (0-1439,
CHECKed), in the IANA time zone it was set in; deleting the account deletes its slots. A post has at most
one hold (draft / awaiting_approval / changes_requested / approved, CHECKed); the sweep publishes only
posts without one or with an approved one. A review link is answered once (used_at) and expires; its
decision is '' until answered, else approve / request_changes (CHECKed). Deleting the post deletes both.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-12 09:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
import maxbooster.models.base


revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('social_queue_slots',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('minute_of_day', sa.Integer(), nullable=False),
    sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('weekday >= 0 AND weekday <= 6', name='ck_social_queue_slots_weekday'),
    sa.CheckConstraint('minute_of_day >= 0 AND minute_of_day < 1440', name='ck_social_queue_slots_minute'),
    sa.ForeignKeyConstraint(['account_id'], ['social_accounts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'weekday', 'minute_of_day', name='uq_social_queue_slots_slot')
    )
    op.create_index(op.f('ix_social_queue_slots_owner_id'), 'social_queue_slots', ['owner_id'], unique=False)
    op.create_index(op.f('ix_social_queue_slots_account_id'), 'social_queue_slots', ['account_id'], unique=False)
    op.create_table('social_post_holds',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('post_id', sa.Uuid(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('decided_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('draft','awaiting_approval','changes_requested','approved')",
                       name='ck_social_post_holds_state'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['social_posts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('post_id', name='uq_social_post_holds_post')
    )
    op.create_index(op.f('ix_social_post_holds_owner_id'), 'social_post_holds', ['owner_id'], unique=False)
    op.create_table('social_review_links',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('post_id', sa.Uuid(), nullable=False),
    sa.Column('expires_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('reviewer', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("decision = '' OR decision IN ('approve','request_changes')",
                       name='ck_social_review_links_decision'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['social_posts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_social_review_links_owner_id'), 'social_review_links', ['owner_id'], unique=False)
    op.create_index(op.f('ix_social_review_links_post_id'), 'social_review_links', ['post_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_social_review_links_post_id'), table_name='social_review_links')
    op.drop_index(op.f('ix_social_review_links_owner_id'), table_name='social_review_links')
    op.drop_table('social_review_links')
    op.drop_index(op.f('ix_social_post_holds_owner_id'), table_name='social_post_holds')
    op.drop_table('social_post_holds')
    op.drop_index(op.f('ix_social_queue_slots_account_id'), table_name='social_queue_slots')
    op.drop_index(op.f('ix_social_queue_slots_owner_id'), table_name='social_queue_slots')
    op.drop_table('social_queue_slots')
