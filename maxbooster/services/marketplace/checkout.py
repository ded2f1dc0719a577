"""Checkout: the cart becomes one order and one payment at the provider.

Every line is checked again first (still published, same price); an exclusive is reserved by inserting
its `ExclusiveClaim` row (primary key = listing, so a race has one winner) and committed BEFORE the
payment exists, so a buyer who loses the race is never charged. A checkout not paid within
MARKETPLACE_CHECKOUT_MINUTES is cancelled and its exclusives released (`expire_pending`, periodic).
What happens once the provider confirms the payment is in `orders`.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from maxbooster.db import session_scope
from maxbooster.models.accounts import User
from maxbooster.models.base import utcnow
from maxbooster.models.billing import PaymentsProviderKey, WebhookEvent
from maxbooster.models.marketplace import (
    ExclusiveClaim,
    Order,
    OrderLine,
    OrderLineStatus,
    OrderStatus,
    TierKind,
)
from maxbooster.services import audit, jobs
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.billing import webhooks
from maxbooster.services.billing.provider import PaymentStart, get_provider
from maxbooster.services.errors import Conflict, DomainError, ErrorCode, InvalidInput
from maxbooster.services.jobs import JobContext, job_handler
from maxbooster.services.marketplace import cart
from maxbooster.services.marketplace.cart import ListingUnavailable
from maxbooster.services.money import Money
from maxbooster.settings import get_settings

log = logging.getLogger("maxbooster.marketplace")


class ExclusiveTaken(DomainError):
    code = ErrorCode.EXCLUSIVE_TAKEN
    http_status = 409


@dataclass(frozen=True)
class CheckoutResult:
    order: Order
    payment: PaymentStart
    test_mode: bool


def transfer_group(order_id: uuid.UUID) -> str:
    return f"order_{order_id.hex}"


def _release_stale_claim(session: Session, listing_id: uuid.UUID, now: datetime) -> None:
    """Drop an exclusive claim whose checkout expired unpaid (the periodic sweep may not have run yet)."""
    cutoff = now - timedelta(minutes=get_settings().marketplace_checkout_minutes)
    stale = session.execute(select(col(ExclusiveClaim.order_id)).join(
        Order, col(Order.id) == col(ExclusiveClaim.order_id)).where(
        col(ExclusiveClaim.listing_id) == listing_id,
        col(Order.status).in_([OrderStatus.PENDING, OrderStatus.CANCELED, OrderStatus.FAILED]),
        (col(Order.status) != OrderStatus.PENDING) | (col(Order.created_at) < cutoff))).scalar_one_or_none()
    if stale is not None:
        _cancel(session, stale, OrderStatus.CANCELED)


def _cancel(session: Session, order_id: uuid.UUID, status: OrderStatus) -> None:
    """Mark an unpaid order cancelled/failed and free its exclusives (the caller commits)."""
    order = session.get(Order, order_id, populate_existing=True)
    if order is not None and order.status == OrderStatus.PENDING:
        order.status, order.updated_at = status, utcnow()
        for line in session.execute(select(OrderLine).where(col(OrderLine.order_id) == order_id)).scalars():
            line.status = OrderLineStatus.CANCELED
            session.add(line)
        session.add(order)
    session.execute(delete(ExclusiveClaim).where(col(ExclusiveClaim.order_id) == order_id))


def _build_order(session: Session, owner_id: uuid.UUID, view: cart.CartView) -> tuple[Order, list[OrderLine]]:
    settings = get_settings()
    user = session.get(User, owner_id)
    assert view.currency is not None and view.total is not None and user is not None
    order = Order(owner_id=owner_id, currency=view.currency, subtotal_minor=view.total.amount_minor,
                  fee_bps=settings.marketplace_fee_bps, fee_minor=0, total_minor=view.total.amount_minor,
                  provider=settings.payments_provider, buyer_email=user.email)
    lines = []
    for item in view.items:
        listing, tier = cart.buyable(session=session, listing_id=item.line.listing_id,
                                     tier_id=item.line.tier_id)
        if tier.price_minor != item.line.price_minor or tier.currency != item.line.currency:
            was, now = Money(item.line.price_minor, item.line.currency), Money(tier.price_minor, tier.currency)
            raise ListingUnavailable(f"The price of “{listing.title}” changed from {was.format()} to {now.format()}. "
                                     "Add it to your cart again to accept the new price; nothing was charged.")
        fee = Money(tier.price_minor, tier.currency).fee(order.fee_bps).amount_minor
        lines.append(OrderLine(order_id=order.id, listing_id=listing.id, tier_id=tier.id, seller_id=listing.owner_id,
                               tier_kind=tier.kind, listing_title=listing.title, price_minor=tier.price_minor,
                               currency=tier.currency, fee_minor=fee))
    order.fee_minor = sum(ln.fee_minor for ln in lines)
    return order, lines


def checkout(*, session: Session, actor: Actor) -> CheckoutResult:
    """Turn the cart into an order and start its payment; ListingUnavailable / ExclusiveTaken when a line
    cannot be sold (then nothing is stored and nothing is charged)."""
    owner_id = actor.require_user()
    view = cart.get_cart(session=session, actor=actor)
    if not view.items:
        raise InvalidInput("Your cart is empty; add a license to it first.")
    order, lines = _build_order(session, owner_id, view)
    session.add(order)
    session.add_all(lines)
    now = utcnow()
    try:
        for line in lines:
            if line.tier_kind == TierKind.EXCLUSIVE:
                _release_stale_claim(session, line.listing_id, now)
                session.add(ExclusiveClaim(listing_id=line.listing_id, order_id=order.id))
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise ExclusiveTaken("Someone else is buying (or has bought) the exclusive license of this beat. "
                             "Choose a lease instead, or try again in a while; nothing was charged.") from exc
    audit.record(session, actor, "marketplace.checkout", target=f"order:{order.id}",
                 details={"total_minor": order.total_minor, "currency": order.currency, "lines": len(lines)})
    session.commit()  # the exclusive is ours before any payment exists
    provider = get_provider(session=session)
    try:
        payment = provider.create_payment(amount=Money(order.total_minor, order.currency), order_id=order.id,
                                          buyer_email=order.buyer_email, transfer_group=transfer_group(order.id),
                                          idempotency_key=f"order-{order.id}")
    except DomainError:
        _cancel(session, order.id, OrderStatus.FAILED)
        session.commit()
        raise
    order.provider_payment_id, order.checkout_url = payment.id, payment.url
    session.add(order)
    cart.clear(session=session, owner_id=owner_id)
    session.commit()
    return CheckoutResult(order=order, payment=payment, test_mode=provider.key == PaymentsProviderKey.SANDBOX)


def cancel_checkout(*, session: Session, actor: Actor, order_id: uuid.UUID) -> Order:
    """The buyer gives up an unpaid checkout: nothing is charged, exclusives are released."""
    order = get_owned(session=session, model=Order, obj_id=order_id, actor=actor)
    if order.status != OrderStatus.PENDING:
        raise Conflict(f"This order is {order.status}, so it cannot be cancelled here.")
    if order.provider_payment_id:
        get_provider(session=session).cancel_payment(order.provider_payment_id)
    _cancel(session, order.id, OrderStatus.CANCELED)
    audit.record(session, actor, "marketplace.checkout_cancelled", target=f"order:{order.id}")
    session.commit()
    return order


def expire_pending(*, session: Session, now: datetime | None = None) -> int:
    """Cancel checkouts left unpaid past MARKETPLACE_CHECKOUT_MINUTES (their exclusives go back on sale)."""
    cutoff = (now or utcnow()) - timedelta(minutes=get_settings().marketplace_checkout_minutes)
    stale = session.execute(select(Order).where(col(Order.status) == OrderStatus.PENDING,
                                                col(Order.created_at) < cutoff).limit(500)).scalars().all()
    provider = get_provider(session=session) if stale else None
    for order in stale:
        if provider is not None and order.provider_payment_id:
            try:
                provider.cancel_payment(order.provider_payment_id)
            except DomainError:  # a payment that succeeded meanwhile is refunded when its event arrives
                log.warning("could not cancel payment %s", order.provider_payment_id)
        _cancel(session, order.id, OrderStatus.CANCELED)
    session.commit()
    return len(stale)


EXPIRE_KIND = "marketplace.expire_checkouts"


@jobs.periodic("marketplace.sweep_checkouts")
def _periodic_expire() -> None:
    """Every housekeeping pass: when an unpaid checkout is past its time, a job cancels them."""
    cutoff = utcnow() - timedelta(minutes=get_settings().marketplace_checkout_minutes)
    with session_scope() as session:
        due = session.execute(select(col(Order.id)).where(col(Order.status) == OrderStatus.PENDING,
                                                          col(Order.created_at) < cutoff).limit(1)).scalar()
        if due is not None:
            jobs.enqueue(session=session, kind=EXPIRE_KIND, owner_id=None, params={})


@job_handler(EXPIRE_KIND)
def expire_job(ctx: JobContext) -> str | None:
    with session_scope() as session:
        count = expire_pending(session=session)
    log.info("cancelled %d unpaid checkouts", count)
    return None


# --- the sandbox: the buyer pays on our own page ------------------------------------------------------

def _h(*parts: object) -> str:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()[:24]


def payment_intent_object(order: Order, *, status: str = "succeeded") -> dict[str, object]:
    """The order's payment as a Stripe-shaped payment_intent (the sandbox's charge id is derived from it)."""
    assert order.provider_payment_id
    return {"id": order.provider_payment_id, "object": "payment_intent", "status": status,
            "amount": order.total_minor, "amount_received": order.total_minor if status == "succeeded" else 0,
            "currency": order.currency.lower(), "latest_charge": f"ch_sbx_{_h('charge', order.provider_payment_id)}",
            "transfer_group": transfer_group(order.id), "metadata": {"order_id": str(order.id)}}


def pay_in_sandbox(*, session: Session, actor: Actor, order_id: uuid.UUID,
                   now: datetime | None = None) -> WebhookEvent:
    """The buyer pays on the sandbox's page: `payment_intent.succeeded` goes through the webhook path
    (applied by the `billing.apply_events` drain job). Paying again sends the same event (a duplicate)."""
    order = get_owned(session=session, model=Order, obj_id=order_id, actor=actor)
    if order.provider != PaymentsProviderKey.SANDBOX or not order.provider_payment_id:
        raise InvalidInput("This order is paid through the payment provider's own page, not the test-mode one.")
    if order.status not in (OrderStatus.PENDING, OrderStatus.PAID):
        raise Conflict(f"This order is {order.status}; start a new checkout from your cart.")
    when = now or utcnow()
    obj = payment_intent_object(order)
    event = {"id": f"evt_sbx_{_h('payment_intent.succeeded', order.provider_payment_id)}", "object": "event",
             "type": "payment_intent.succeeded", "created": int(when.timestamp()), "livemode": False,
             "data": {"object": obj}}
    row, _ = webhooks.receive_event(session=session, provider=PaymentsProviderKey.SANDBOX, event=event)
    return row
