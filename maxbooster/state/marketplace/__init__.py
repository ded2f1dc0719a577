"""Marketplace pages: browse and search, a listing, a storefront, the license check (public); cart, the
sandbox's pay page, orders with licenses, downloads, cap warnings and the song each license is used in
(buyers; the warnings on the home page too); the seller's dashboard with full and partial refunds,
onboarding and the listing editor; the admin moderation queue. Every action calls one service.

One module per page area; the states, rows, words and codes the pages use are re-exported here."""

from maxbooster.models.marketplace import (
    Deliverable,
    ListingKind,
    ListingStatus,
    ModerationActionKind,
    MusicalKey,
    OrderLineStatus,
    OrderStatus,
    PreviewStatus,
    ReportReason,
    TierKind,
    WatermarkKind,
)
from maxbooster.state.marketplace.browse import BrowseState
from maxbooster.state.marketplace.cart import CapState, CartRow, CartState, OrderRow
from maxbooster.state.marketplace.common import (
    ANY,
    CAP_WORDS,
    DELIVERABLE_WORDS,
    MEDIA_TTL_S,
    SORTS,
    TIER_WORDS,
    WORDS,
    CapRow,
    CardRow,
    TierRow,
)
from maxbooster.state.marketplace.editor import EditorState
from maxbooster.state.marketplace.editor_forms import CollabEdit, TierEdit
from maxbooster.state.marketplace.listing import ListingState, ReviewRow
from maxbooster.state.marketplace.moderation import HiddenRow, ModerationState, ReportRow
from maxbooster.state.marketplace.orders import DownloadRow, LineRow, OrderState, VerifyState
from maxbooster.state.marketplace.sell import MyListingRow, SaleRow, SellState

__all__ = [
    "ANY", "CAP_WORDS", "DELIVERABLE_WORDS", "MEDIA_TTL_S", "SORTS", "TIER_WORDS", "WORDS",
    "BrowseState", "CapRow", "CapState", "CardRow", "CartRow", "CartState", "CollabEdit", "Deliverable",
    "DownloadRow", "EditorState", "HiddenRow", "LineRow", "ListingKind", "ListingState", "ListingStatus",
    "ModerationActionKind", "ModerationState", "MusicalKey", "MyListingRow", "OrderLineStatus", "OrderRow",
    "OrderState", "OrderStatus", "PreviewStatus", "ReportReason", "ReportRow", "ReviewRow", "SaleRow", "SellState",
    "TierEdit", "TierKind", "TierRow", "VerifyState", "WatermarkKind",
]
