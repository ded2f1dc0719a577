"""Reviews: only a buyer of a listing (a paid line) may review it, once, and may edit it; rating 1–5
and text. A listing's average counts the reviews moderators did not hide."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session, col

from maxbooster.models.base import utcnow
from maxbooster.models.marketplace import Listing, Order, OrderLine, OrderLineStatus, Review
from maxbooster.services import audit
from maxbooster.services.actor import Actor
from maxbooster.services.errors import DomainError, ErrorCode, InvalidInput, NotFound

MAX_BODY = 5000


class NotABuyer(DomainError):
    code = ErrorCode.NOT_A_BUYER
    http_status = 403


@dataclass(frozen=True)
class Rating:
    average: float | None  # None without reviews
    count: int


def _bought(session: Session, buyer_id: uuid.UUID, listing_id: uuid.UUID) -> bool:
    return session.execute(select(col(OrderLine.id)).join(Order, col(Order.id) == col(OrderLine.order_id)).where(
        col(Order.owner_id) == buyer_id, col(OrderLine.listing_id) == listing_id,
        col(OrderLine.status) == OrderLineStatus.PAID).limit(1)).scalar() is not None


def write_review(*, session: Session, actor: Actor, listing_id: uuid.UUID, rating: int, body: str = "") -> Review:
    """Create the buyer's review of a listing, or change it if they wrote one already."""
    buyer_id = actor.require_user()
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput(f"Give 1 to 5 stars, not {rating!r}.")
    body = (body or "").strip()
    if len(body) > MAX_BODY:
        raise InvalidInput(f"Keep your review under {MAX_BODY:,} characters (it has {len(body):,}).")
    if session.get(Listing, listing_id) is None:
        raise NotFound()
    if not _bought(session, buyer_id, listing_id):
        raise NotABuyer("Only people who bought this item (and were not refunded) can review it.")
    row = session.execute(select(Review).where(col(Review.listing_id) == listing_id,
                                               col(Review.owner_id) == buyer_id)).scalar_one_or_none()
    if row is None:
        row = Review(owner_id=buyer_id, listing_id=listing_id, rating=rating, body=body)
    else:
        row.rating, row.body, row.updated_at = rating, body, utcnow()
    session.add(row)
    audit.record(session, actor, "marketplace.review", target=f"listing:{listing_id}", details={"rating": rating})
    session.commit()
    return row


def list_reviews(*, session: Session, actor: Actor, listing_id: uuid.UUID, limit: int = 50) -> list[Review]:
    return list(session.execute(select(Review).where(col(Review.listing_id) == listing_id,
                                                     col(Review.hidden_at).is_(None))
                                .order_by(col(Review.updated_at).desc()).limit(min(max(limit, 1), 200))).scalars())


def rating(*, session: Session, listing_id: uuid.UUID, actor: Actor | None = None) -> Rating:
    """A listing's average stars and count of visible reviews (public: `actor` is not needed)."""
    avg, n = session.execute(select(func.avg(col(Review.rating)), func.count()).where(
        col(Review.listing_id) == listing_id, col(Review.hidden_at).is_(None))).one()
    return Rating(average=round(float(avg), 2) if avg is not None else None, count=int(n))
