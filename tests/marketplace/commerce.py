"""Commerce test helpers: a published beat, a buyer, and a purchase through the real checkout and the
sandbox's payment event applied as the `billing.apply_event` job would."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, SQLModel, col

from maxbooster.models.accounts import User
from maxbooster.models.marketplace import LicenseTier, Listing, Order
from maxbooster.services.billing.webhooks import apply_stored_event
from maxbooster.services.marketplace import cart, checkout, listings
from tests.marketplace.support import ready_listing
from tests.support.accounts import actor_for

TIERS = {"mp3_lease": "29.99", "wav_lease": "49.99", "exclusive": "500.00"}


def published(session: Session, seller: User, *, title: str = "Night Drive",
              prices: dict[str, str] | None = None) -> Listing:
    listing = ready_listing(session, seller, title=title, prices=prices or TIERS)
    return listings.publish(session=session, actor=actor_for(seller), listing_id=listing.id)


def tier(session: Session, listing: Listing, kind: str) -> LicenseTier:
    return session.execute(select(LicenseTier).where(col(LicenseTier.listing_id) == listing.id,
                                                     col(LicenseTier.kind) == kind)).scalar_one()


def start(session: Session, buyer: User, *items: tuple[Listing, str]) -> checkout.CheckoutResult:
    actor = actor_for(buyer)
    for listing, kind in items:
        cart.add_to_cart(session=session, actor=actor, listing_id=listing.id, tier_id=tier(session, listing, kind).id)
    return checkout.checkout(session=session, actor=actor)


def pay(session: Session, buyer: User, order: Order) -> str:
    event = checkout.pay_in_sandbox(session=session, actor=actor_for(buyer), order_id=order.id)
    return apply_stored_event(session=session, webhook_event_id=event.id)


def buy(session: Session, buyer: User, *items: tuple[Listing, str]) -> Order:
    result = start(session, buyer, *items)
    pay(session, buyer, result.order)
    fresh = session.get(Order, result.order.id, populate_existing=True)
    assert fresh is not None
    return fresh


def count(session: Session, model: type[SQLModel], **where: Any) -> int:
    stmt = select(func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return int(session.execute(stmt).scalar_one())
