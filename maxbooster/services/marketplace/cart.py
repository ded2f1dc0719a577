"""A buyer's cart: tiers of published listings from any sellers, all in one currency.

A line keeps the tier's price when it was added; checkout checks every line again (still published,
same price) before anything is charged.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from maxbooster.models.accounts import User
from maxbooster.models.base import utcnow
from maxbooster.models.marketplace import Cart, CartLine, LicenseTier, Listing, ListingStatus
from maxbooster.services.actor import Actor
from maxbooster.services.errors import Conflict, DomainError, ErrorCode, InvalidInput, NotFound
from maxbooster.services.money import Money


class CartCurrencyMismatch(DomainError):
    code = ErrorCode.CART_CURRENCY_MISMATCH
    http_status = 409


class ListingUnavailable(DomainError):
    code = ErrorCode.LISTING_UNAVAILABLE
    http_status = 409


@dataclass(frozen=True)
class CartItem:
    line: CartLine
    listing_title: str
    tier_kind: str
    seller_id: uuid.UUID
    available: bool  # still published at the same price
    seller_name: str = "Seller"


@dataclass(frozen=True)
class CartView:
    items: list[CartItem]
    currency: str | None
    total: Money | None


def _cart(session: Session, owner_id: uuid.UUID, *, create: bool) -> Cart | None:
    cart = session.execute(select(Cart).where(col(Cart.owner_id) == owner_id)).scalar_one_or_none()
    if cart is None and create:
        cart = Cart(owner_id=owner_id)
        session.add(cart)
        try:
            session.flush()
        except IntegrityError:  # created by a parallel request of the same buyer
            session.rollback()
            cart = session.execute(select(Cart).where(col(Cart.owner_id) == owner_id)).scalar_one()
    return cart


def buyable(*, session: Session, listing_id: uuid.UUID, tier_id: uuid.UUID) -> tuple[Listing, LicenseTier]:
    """The published listing and its tier; ListingUnavailable when it left the store."""
    listing = session.get(Listing, listing_id, populate_existing=True)
    if listing is None:
        raise NotFound("That listing does not exist (any more).")
    tier = session.get(LicenseTier, tier_id, populate_existing=True)
    if listing.status != ListingStatus.PUBLISHED or tier is None or tier.listing_id != listing.id:
        raise ListingUnavailable(f"“{listing.title}” is no longer for sale (or that license was removed). "
                                 "Remove it from your cart; nothing was charged.")
    return listing, tier


def add_to_cart(*, session: Session, actor: Actor, listing_id: uuid.UUID, tier_id: uuid.UUID) -> CartView:
    """Put one tier of a listing in the cart (another tier of the same listing replaces it)."""
    owner_id = actor.require_user()
    listing, tier = buyable(session=session, listing_id=listing_id, tier_id=tier_id)
    if listing.owner_id == owner_id:
        raise InvalidInput("This is your own listing; you cannot buy it.")
    cart = _cart(session, owner_id, create=True)
    assert cart is not None
    lines = session.execute(select(CartLine).where(col(CartLine.cart_id) == cart.id)).scalars().all()
    others = [ln for ln in lines if ln.listing_id != listing.id]
    if others and others[0].currency != tier.currency:
        raise CartCurrencyMismatch(f"Your cart is in {others[0].currency} and this license is in {tier.currency}. "
                                   "One cart takes one currency: check out or empty your cart first.")
    session.execute(delete(CartLine).where(col(CartLine.cart_id) == cart.id,
                                           col(CartLine.listing_id) == listing.id))
    session.add(CartLine(cart_id=cart.id, listing_id=listing.id, tier_id=tier.id, price_minor=tier.price_minor,
                         currency=tier.currency))
    cart.currency, cart.updated_at = tier.currency, utcnow()
    session.add(cart)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("Your cart changed at the same time in another tab. Reload it and try again.") from exc
    return get_cart(session=session, actor=actor)


def remove_from_cart(*, session: Session, actor: Actor, listing_id: uuid.UUID) -> CartView:
    owner_id = actor.require_user()
    cart = _cart(session, owner_id, create=False)
    if cart is not None:
        session.execute(delete(CartLine).where(col(CartLine.cart_id) == cart.id,
                                               col(CartLine.listing_id) == listing_id))
        session.commit()
    return get_cart(session=session, actor=actor)


def clear(*, session: Session, owner_id: uuid.UUID) -> None:
    """Empty the buyer's cart (after a checkout); the caller commits."""
    cart = _cart(session, owner_id, create=False)
    if cart is not None:
        session.execute(delete(CartLine).where(col(CartLine.cart_id) == cart.id))
        cart.currency = None
        session.add(cart)


def get_cart(*, session: Session, actor: Actor) -> CartView:
    owner_id = actor.require_user()
    cart = _cart(session, owner_id, create=False)
    if cart is None:
        return CartView(items=[], currency=None, total=None)
    rows = session.execute(
        select(CartLine, Listing, LicenseTier, col(User.display_name))
        .join(Listing, col(Listing.id) == col(CartLine.listing_id))
        .join(LicenseTier, col(LicenseTier.id) == col(CartLine.tier_id))
        .join(User, col(User.id) == col(Listing.owner_id))
        .where(col(CartLine.cart_id) == cart.id).order_by(col(CartLine.created_at))).all()
    items = [CartItem(line=line, listing_title=listing.title, tier_kind=tier.kind, seller_id=listing.owner_id,
                      available=listing.status == ListingStatus.PUBLISHED and tier.price_minor == line.price_minor,
                      seller_name=name or "Seller")
             for line, listing, tier, name in rows]
    if not items:
        return CartView(items=[], currency=None, total=None)
    currency = items[0].line.currency
    total = Money(sum(i.line.price_minor for i in items), currency)
    return CartView(items=items, currency=currency, total=total)
