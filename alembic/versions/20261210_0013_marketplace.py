"""marketplace: seller accounts, listings with files, license tiers and collaborators, carts, orders and their
lines, exclusive claims, transfers, licenses, download grants, refunds, reviews, reports, moderation actions

Reviewed by hand: money columns are BigInteger minor units with CHECKs (prices > 0, amounts >= 0, currency
of three letters); tier caps are NULL (unlimited) or >= 0; every enum column is CHECKed; one review per
buyer and listing; one license per order line, its sha256 unique; one grant per order line and
deliverable; an exclusive is claimed by inserting the listing's row in marketplace_exclusive_claims
(primary key = listing id, so a race has one winner). Sold listings are not deleted (order lines
reference them without CASCADE).

Search, by dialect (not in the models, so autogenerate ignores it):
- PostgreSQL: a BEFORE INSERT/UPDATE OF search_text trigger sets search_vector =
  to_tsvector('english', search_text); GIN index on search_vector.
- SQLite: the FTS5 table marketplace_listings_fts (external content = marketplace_listings, porter
  stemming) kept by AFTER INSERT/UPDATE OF search_text/DELETE triggers. A later migration that
  batch-alters marketplace_listings on SQLite drops these triggers: call `_sqlite_search()` again and
  rebuild ('rebuild' command).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 20:37:50.072640
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
import maxbooster.models.base
from sqlalchemy.dialects import postgresql

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('marketplace_carts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('owner_id', name='uq_marketplace_carts_owner')
    )
    op.create_table('marketplace_listings',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('genre', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('bpm', sa.Integer(), nullable=True),
    sa.Column('musical_key', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=True),
    sa.Column('cover_key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('min_price_minor', sa.BigInteger(), nullable=True),
    sa.Column('watermark', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('voice_tag_key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('preview_status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('preview_key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('preview_peaks_key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('preview_duration_s', sa.Float(), nullable=True),
    sa.Column('preview_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('preview_job_id', sa.Uuid(), nullable=True),
    sa.Column('sales_count', sa.Integer(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('search_vector', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=True),
    sa.Column('published_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('hidden_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('hidden_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('beat','sample_pack','preset','plugin')", name='ck_marketplace_listings_kind'),
    sa.CheckConstraint("musical_key IS NULL OR musical_key IN ('C','C#','D','D#','E','F','F#','G','G#','A','A#','B','Cm','C#m','Dm','D#m','Em','Fm','F#m','Gm','G#m','Am','A#m','Bm')", name='ck_marketplace_listings_musical_key'),
    sa.CheckConstraint("preview_status IN ('not_made','pending','ready','failed')", name='ck_marketplace_listings_preview_status'),
    sa.CheckConstraint("status IN ('draft','published','unpublished','hidden','sold_exclusive')", name='ck_marketplace_listings_status'),
    sa.CheckConstraint("watermark IN ('tone','voice_tag')", name='ck_marketplace_listings_watermark'),
    sa.CheckConstraint('bpm IS NULL OR (bpm >= 20 AND bpm <= 400)', name='ck_marketplace_listings_bpm'),
    sa.CheckConstraint('length(currency) = 3', name='ck_marketplace_listings_currency'),
    sa.CheckConstraint('min_price_minor IS NULL OR min_price_minor > 0', name='ck_marketplace_listings_min_price'),
    sa.CheckConstraint('sales_count >= 0', name='ck_marketplace_listings_sales_count'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('marketplace_listings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_marketplace_listings_bpm'), ['bpm'], unique=False)
        batch_op.create_index(batch_op.f('ix_marketplace_listings_genre'), ['genre'], unique=False)
        batch_op.create_index(batch_op.f('ix_marketplace_listings_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_marketplace_listings_owner_status', ['owner_id', 'status'], unique=False)
        batch_op.create_index('ix_marketplace_listings_search_vector', ['search_vector'], unique=False, postgresql_using='gin')
        batch_op.create_index('ix_marketplace_listings_status_published', ['status', 'published_at'], unique=False)

    op.create_table('marketplace_orders',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('subtotal_minor', sa.BigInteger(), nullable=False),
    sa.Column('fee_bps', sa.Integer(), nullable=False),
    sa.Column('fee_minor', sa.BigInteger(), nullable=False),
    sa.Column('total_minor', sa.BigInteger(), nullable=False),
    sa.Column('refunded_minor', sa.BigInteger(), nullable=False),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('provider_payment_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('provider_charge_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('checkout_url', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('buyer_email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('paid_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("provider IN ('sandbox','stripe')", name='ck_marketplace_orders_provider'),
    sa.CheckConstraint("status IN ('pending','paid','partially_refunded','refunded','failed','canceled')", name='ck_marketplace_orders_status'),
    sa.CheckConstraint('fee_bps >= 0 AND fee_bps <= 10000', name='ck_marketplace_orders_fee_bps'),
    sa.CheckConstraint('length(currency) = 3', name='ck_marketplace_orders_currency'),
    sa.CheckConstraint('subtotal_minor >= 0 AND fee_minor >= 0 AND total_minor >= 0 AND refunded_minor >= 0', name='ck_marketplace_orders_amounts'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider', 'provider_payment_id', name='uq_marketplace_orders_provider_payment')
    )
    with op.batch_alter_table('marketplace_orders', schema=None) as batch_op:
        batch_op.create_index('ix_marketplace_orders_owner_created', ['owner_id', 'created_at'], unique=False)

    op.create_table('marketplace_seller_accounts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('provider_account_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('default_currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('charges_enabled', sa.Boolean(), nullable=False),
    sa.Column('payouts_enabled', sa.Boolean(), nullable=False),
    sa.Column('details_submitted', sa.Boolean(), nullable=False),
    sa.Column('requirements', sa.JSON(), nullable=False),
    sa.Column('disabled_reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('banned_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ban_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('last_event_created', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("provider IN ('sandbox','stripe')", name='ck_marketplace_seller_accounts_provider'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('owner_id', 'provider', name='uq_marketplace_seller_accounts_owner_provider'),
    sa.UniqueConstraint('provider', 'provider_account_id', name='uq_marketplace_seller_accounts_provider_id')
    )
    with op.batch_alter_table('marketplace_seller_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_marketplace_seller_accounts_owner_id'), ['owner_id'], unique=False)

    op.create_table('marketplace_collaborators',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('listing_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('share_bps', sa.Integer(), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('share_bps > 0 AND share_bps <= 10000', name='ck_marketplace_collaborators_share'),
    sa.ForeignKeyConstraint(['listing_id'], ['marketplace_listings.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('listing_id', 'email', name='uq_marketplace_collaborators_email')
    )
    with op.batch_alter_table('marketplace_collaborators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_marketplace_collaborators_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_marketplace_collaborators_user_id'), ['user_id'], unique=False)

    op.create_table('marketplace_exclusive_claims',
    sa.Column('listing_id', sa.Uuid(), nullable=False),
    sa.Column('order_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['marketplace_listings.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['marketplace_orders.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('listing_id')
    )
    with op.batch_alter_table('marketplace_exclusive_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_marketplace_exclusive_claims_order_id'), ['order_id'], unique=False)

    op.create_table('marketplace_license_tiers',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('listing_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('price_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('deliverables', sa.JSON(), nullable=False),
    sa.Column('max_copies', sa.Integer(), nullable=True),
    sa.Column('max_streams', sa.BigInteger(), nullable=True),
    sa.Column('max_music_videos', sa.Integer(), nullable=True),
    sa.Column('max_radio_stations', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('mp3_lease','wav_lease','trackout','unlimited','exclusive')", name='ck_marketplace_license_tiers_kind'),
    sa.CheckConstraint('(max_copies IS NULL OR max_copies >= 0) AND (max_streams IS NULL OR max_streams >= 0) AND (max_music_videos IS NULL OR max_music_videos >= 0) AND (max_radio_stations IS NULL OR max_radio_stations >= 0)', name='ck_marketplace_license_tiers_caps'),
    sa.CheckConstraint('length(currency) = 3', name='ck_marketplace_license_tiers_currency'),
    sa.CheckConstraint('price_minor > 0', name='ck_marketplace_license_tiers_price'),
    sa.ForeignKeyConstraint(['listing_id'], ['marketplace_listings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('listing_id', 'kind', name='uq_marketplace_license_tiers_kind')
    )
    with op.batch_alter_table('marketplace_license_tiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_marketplace_license_tiers_listing_id'), ['listing_id'], unique=False)

    op.create_table('marketplace_listing_files',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('listing_id', sa.Uuid(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('track_id', sa.Uuid(), nullable=True),
    sa.Column('storage_key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('original_name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('entry_count', sa.Integer(), nullable=True),
    sa.Column('uncompressed_bytes', sa.BigInteger(), nullable=True),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('main','stems','zip','preview')", name='ck_marketplace_listing_files_role'),
    sa.CheckConstraint("source IN ('library','upload')", name='ck_marketplace_listing_files_source'),
    sa.CheckConstraint('size_bytes >= 0', name='ck_marketplace_listing_files_size'),
    sa.ForeignKeyConstraint(['listing_id'], ['marketplace_listings.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['track_id'], ['tracks.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('listing_id', 'role', name='uq_marketplace_listing_files_role')
    )
    with op.batch_alter_table('marketplace_listing_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_marketplace_listing_files_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_marketplace_listing_files_track_id'), ['track_id'], unique=False)

    op.create_table('marketplace_reviews',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('listing_id', sa.Uuid(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('hidden_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('rating >= 1 AND rating <= 5', name='ck_marketplace_reviews_rating'),
    sa.ForeignKeyConstraint(['listing_id'], ['marketplace_listings.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('listing_id', 'owner_id', name='uq_marketplace_reviews_buyer')
    )
    with op.batch_alter_table('marketplace_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_marketplace_reviews_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_marketplace_reviews_owner_id'), ['owner_id'], unique=False)

    op.create_table('marketplace_cart_lines',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('cart_id', sa.Uuid(), nullable=False),
    sa.Column('listing_id', sa.Uuid(), nullable=False),
    sa.Column('tier_id', sa.Uuid(), nullable=False),
    sa.Column('price_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('price_minor > 0', name='ck_marketplace_cart_lines_price'),
    sa.ForeignKeyConstraint(['cart_id'], ['marketplace_carts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['listing_id'], ['marketplace_listings.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tier_id'], ['marketplace_license_tiers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('cart_id', 'listing_id', name='uq_marketplace_cart_lines_listing')
    )
    with op.batch_alter_table('marketplace_cart_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_marketplace_cart_lines_cart_id'), ['cart_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_marketplace_cart_lines_listing_id'), ['listing_id'], unique=False)

    op.create_table('marketplace_order_lines',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('order_id', sa.Uuid(), nullable=False),
    sa.Column('listing_id', sa.Uuid(), nullable=False),
    sa.Column('tier_id', sa.Uuid(), nullable=True),
    sa.Column('seller_id', sa.Uuid(), nullable=False),
    sa.Column('tier_kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('listing_title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('price_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('fee_minor', sa.BigInteger(), nullable=False),
    sa.Column('refunded_minor', sa.BigInteger(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('pending','paid','refunded','canceled')", name='ck_marketplace_order_lines_status'),
    sa.CheckConstraint("tier_kind IN ('mp3_lease','wav_lease','trackout','unlimited','exclusive')", name='ck_marketplace_order_lines_tier_kind'),
    sa.CheckConstraint('price_minor > 0 AND fee_minor >= 0 AND refunded_minor >= 0', name='ck_marketplace_order_lines_amounts'),
    sa.ForeignKeyConstraint(['listing_id'], ['marketplace_listings.id'], ),
    sa.ForeignKeyConstraint(['order_id'], ['marketplace_orders.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['seller_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['tier_id'], ['marketplace_license_tiers.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('marketplace_order_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_marketplace_order_lines_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_marketplace_order_lines_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_marketplace_order_lines_seller_created', ['seller_id', 'created_at'], unique=False)

    op.create_table('marketplace_reports',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('listing_id', sa.Uuid(), nullable=True),
    sa.Column('review_id', sa.Uuid(), nullable=True),
    sa.Column('seller_id', sa.Uuid(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('details', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('resolved_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reason IN ('copyright','offensive','spam','malware','other')", name='ck_marketplace_reports_reason'),
    sa.CheckConstraint("status IN ('open','resolved','dismissed')", name='ck_marketplace_reports_status'),
    sa.CheckConstraint('listing_id IS NOT NULL OR review_id IS NOT NULL OR seller_id IS NOT NULL', name='ck_marketplace_reports_target'),
    sa.ForeignKeyConstraint(['listing_id'], ['marketplace_listings.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_id'], ['marketplace_reviews.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['seller_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('marketplace_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_marketplace_reports_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_marketplace_reports_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_marketplace_reports_status_created', ['status', 'created_at'], unique=False)

    op.create_table('marketplace_download_grants',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('order_line_id', sa.Uuid(), nullable=False),
    sa.Column('deliverable', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('listing_file_id', sa.Uuid(), nullable=True),
    sa.Column('download_count', sa.Integer(), nullable=False),
    sa.Column('max_downloads', sa.Integer(), nullable=True),
    sa.Column('expires_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoke_reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('last_downloaded_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("deliverable IN ('mp3','wav','stems','zip','license_pdf')", name='ck_marketplace_download_grants_deliverable'),
    sa.CheckConstraint('download_count >= 0 AND (max_downloads IS NULL OR max_downloads >= 0)', name='ck_marketplace_download_grants_counts'),
    sa.ForeignKeyConstraint(['listing_file_id'], ['marketplace_listing_files.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_line_id'], ['marketplace_order_lines.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('order_line_id', 'deliverable', name='uq_marketplace_download_grants_deliverable')
    )
    with op.batch_alter_table('marketplace_download_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_marketplace_download_grants_order_line_id'), ['order_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_marketplace_download_grants_owner_id'), ['owner_id'], unique=False)

    op.create_table('marketplace_licenses',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('order_line_id', sa.Uuid(), nullable=False),
    sa.Column('listing_id', sa.Uuid(), nullable=False),
    sa.Column('tier_kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('terms_text', sa.Text(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('variables', sa.JSON(), nullable=False),
    sa.Column('issued_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('voided_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('void_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.CheckConstraint("tier_kind IN ('mp3_lease','wav_lease','trackout','unlimited','exclusive')", name='ck_marketplace_licenses_tier_kind'),
    sa.ForeignKeyConstraint(['listing_id'], ['marketplace_listings.id'], ),
    sa.ForeignKeyConstraint(['order_line_id'], ['marketplace_order_lines.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('order_line_id', name='uq_marketplace_licenses_order_line'),
    sa.UniqueConstraint('sha256', name='uq_marketplace_licenses_sha256')
    )
    with op.batch_alter_table('marketplace_licenses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_marketplace_licenses_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_marketplace_licenses_owner_id'), ['owner_id'], unique=False)

    op.create_table('marketplace_moderation_actions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('admin_id', sa.Uuid(), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('listing_id', sa.Uuid(), nullable=True),
    sa.Column('review_id', sa.Uuid(), nullable=True),
    sa.Column('seller_id', sa.Uuid(), nullable=True),
    sa.Column('report_id', sa.Uuid(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("action IN ('hide','restore','ban_seller','unban_seller','hide_review','dismiss_report')", name='ck_marketplace_moderation_actions_action'),
    sa.ForeignKeyConstraint(['admin_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['listing_id'], ['marketplace_listings.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id'], ['marketplace_reports.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['review_id'], ['marketplace_reviews.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['seller_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('marketplace_moderation_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_marketplace_moderation_actions_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_marketplace_moderation_actions_seller_id'), ['seller_id'], unique=False)

    op.create_table('marketplace_refunds',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('order_id', sa.Uuid(), nullable=False),
    sa.Column('order_line_id', sa.Uuid(), nullable=True),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('provider_refund_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('requested_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("provider IN ('sandbox','stripe')", name='ck_marketplace_refunds_provider'),
    sa.CheckConstraint("status IN ('pending','succeeded','failed')", name='ck_marketplace_refunds_status'),
    sa.CheckConstraint('amount_minor > 0', name='ck_marketplace_refunds_amount'),
    sa.ForeignKeyConstraint(['order_id'], ['marketplace_orders.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_line_id'], ['marketplace_order_lines.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider', 'provider_refund_id', name='uq_marketplace_refunds_provider_id')
    )
    with op.batch_alter_table('marketplace_refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_marketplace_refunds_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_marketplace_refunds_order_line_id'), ['order_line_id'], unique=False)

    op.create_table('marketplace_transfers',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('order_line_id', sa.Uuid(), nullable=False),
    sa.Column('recipient_id', sa.Uuid(), nullable=False),
    sa.Column('seller_account_id', sa.Uuid(), nullable=True),
    sa.Column('share_bps', sa.Integer(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('reversed_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('provider_transfer_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', maxbooster.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("provider IN ('sandbox','stripe')", name='ck_marketplace_transfers_provider'),
    sa.CheckConstraint("status IN ('pending','paid','failed','reversed')", name='ck_marketplace_transfers_status'),
    sa.CheckConstraint('amount_minor >= 0 AND reversed_minor >= 0', name='ck_marketplace_transfers_amounts'),
    sa.CheckConstraint('share_bps > 0 AND share_bps <= 10000', name='ck_marketplace_transfers_share'),
    sa.ForeignKeyConstraint(['order_line_id'], ['marketplace_order_lines.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['seller_account_id'], ['marketplace_seller_accounts.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('order_line_id', 'recipient_id', name='uq_marketplace_transfers_line_recipient'),
    sa.UniqueConstraint('provider_transfer_id')
    )
    with op.batch_alter_table('marketplace_transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_marketplace_transfers_order_line_id'), ['order_line_id'], unique=False)
        batch_op.create_index('ix_marketplace_transfers_recipient_created', ['recipient_id', 'created_at'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        _postgresql_search()
    elif op.get_bind().dialect.name == "sqlite":
        _sqlite_search()


def _postgresql_search() -> None:
    op.execute("""
        CREATE FUNCTION marketplace_listings_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.search_vector := to_tsvector('english', coalesce(NEW.search_text, ''));
            RETURN NEW;
        END $$""")
    op.execute("""
        CREATE TRIGGER trg_marketplace_listings_search_vector
        BEFORE INSERT OR UPDATE OF search_text ON marketplace_listings
        FOR EACH ROW EXECUTE FUNCTION marketplace_listings_search_vector()""")


def _sqlite_search() -> None:
    op.execute("""
        CREATE VIRTUAL TABLE IF NOT EXISTS marketplace_listings_fts USING fts5(
            search_text, content='marketplace_listings', content_rowid='rowid',
            tokenize='porter unicode61 remove_diacritics 2')""")
    op.execute("""
        CREATE TRIGGER IF NOT EXISTS marketplace_listings_fts_ai AFTER INSERT ON marketplace_listings BEGIN
            INSERT INTO marketplace_listings_fts(rowid, search_text) VALUES (new.rowid, new.search_text);
        END""")
    op.execute("""
        CREATE TRIGGER IF NOT EXISTS marketplace_listings_fts_ad AFTER DELETE ON marketplace_listings BEGIN
            INSERT INTO marketplace_listings_fts(marketplace_listings_fts, rowid, search_text)
            VALUES ('delete', old.rowid, old.search_text);
        END""")
    op.execute("""
        CREATE TRIGGER IF NOT EXISTS marketplace_listings_fts_au AFTER UPDATE OF search_text ON marketplace_listings
        BEGIN
            INSERT INTO marketplace_listings_fts(marketplace_listings_fts, rowid, search_text)
            VALUES ('delete', old.rowid, old.search_text);
            INSERT INTO marketplace_listings_fts(rowid, search_text) VALUES (new.rowid, new.search_text);
        END""")
    op.execute("INSERT INTO marketplace_listings_fts(marketplace_listings_fts) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS trg_marketplace_listings_search_vector ON marketplace_listings")
        op.execute("DROP FUNCTION IF EXISTS marketplace_listings_search_vector()")
    elif op.get_bind().dialect.name == "sqlite":
        for trigger in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS marketplace_listings_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS marketplace_listings_fts")
    with op.batch_alter_table('marketplace_transfers', schema=None) as batch_op:
        batch_op.drop_index('ix_marketplace_transfers_recipient_created')
        batch_op.drop_index(batch_op.f('ix_marketplace_transfers_order_line_id'))

    op.drop_table('marketplace_transfers')
    with op.batch_alter_table('marketplace_refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_marketplace_refunds_order_line_id'))
        batch_op.drop_index(batch_op.f('ix_marketplace_refunds_order_id'))

    op.drop_table('marketplace_refunds')
    with op.batch_alter_table('marketplace_moderation_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_marketplace_moderation_actions_seller_id'))
        batch_op.drop_index(batch_op.f('ix_marketplace_moderation_actions_listing_id'))

    op.drop_table('marketplace_moderation_actions')
    with op.batch_alter_table('marketplace_licenses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_marketplace_licenses_owner_id'))
        batch_op.drop_index(batch_op.f('ix_marketplace_licenses_listing_id'))

    op.drop_table('marketplace_licenses')
    with op.batch_alter_table('marketplace_download_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_marketplace_download_grants_owner_id'))
        batch_op.drop_index(batch_op.f('ix_marketplace_download_grants_order_line_id'))

    op.drop_table('marketplace_download_grants')
    with op.batch_alter_table('marketplace_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_marketplace_reports_status_created')
        batch_op.drop_index(batch_op.f('ix_marketplace_reports_owner_id'))
        batch_op.drop_index(batch_op.f('ix_marketplace_reports_listing_id'))

    op.drop_table('marketplace_reports')
    with op.batch_alter_table('marketplace_order_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_marketplace_order_lines_seller_created')
        batch_op.drop_index(batch_op.f('ix_marketplace_order_lines_order_id'))
        batch_op.drop_index(batch_op.f('ix_marketplace_order_lines_listing_id'))

    op.drop_table('marketplace_order_lines')
    with op.batch_alter_table('marketplace_cart_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_marketplace_cart_lines_listing_id'))
        batch_op.drop_index(batch_op.f('ix_marketplace_cart_lines_cart_id'))

    op.drop_table('marketplace_cart_lines')
    with op.batch_alter_table('marketplace_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_marketplace_reviews_owner_id'))
        batch_op.drop_index(batch_op.f('ix_marketplace_reviews_listing_id'))

    op.drop_table('marketplace_reviews')
    with op.batch_alter_table('marketplace_listing_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_marketplace_listing_files_track_id'))
        batch_op.drop_index(batch_op.f('ix_marketplace_listing_files_listing_id'))

    op.drop_table('marketplace_listing_files')
    with op.batch_alter_table('marketplace_license_tiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_marketplace_license_tiers_listing_id'))

    op.drop_table('marketplace_license_tiers')
    with op.batch_alter_table('marketplace_exclusive_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_marketplace_exclusive_claims_order_id'))

    op.drop_table('marketplace_exclusive_claims')
    with op.batch_alter_table('marketplace_collaborators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_marketplace_collaborators_user_id'))
        batch_op.drop_index(batch_op.f('ix_marketplace_collaborators_listing_id'))

    op.drop_table('marketplace_collaborators')
    with op.batch_alter_table('marketplace_seller_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_marketplace_seller_accounts_owner_id'))

    op.drop_table('marketplace_seller_accounts')
    with op.batch_alter_table('marketplace_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_marketplace_orders_owner_created')

    op.drop_table('marketplace_orders')
    with op.batch_alter_table('marketplace_listings', schema=None) as batch_op:
        batch_op.drop_index('ix_marketplace_listings_status_published')
        batch_op.drop_index('ix_marketplace_listings_search_vector', postgresql_using='gin')
        batch_op.drop_index('ix_marketplace_listings_owner_status')
        batch_op.drop_index(batch_op.f('ix_marketplace_listings_owner_id'))
        batch_op.drop_index(batch_op.f('ix_marketplace_listings_genre'))
        batch_op.drop_index(batch_op.f('ix_marketplace_listings_bpm'))

    op.drop_table('marketplace_listings')
    op.drop_table('marketplace_carts')
