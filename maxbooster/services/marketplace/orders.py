"""Orders after checkout: the provider's payment events (applied exactly once by billing's
`billing.apply_events` drain job) and what buyers and sellers read.

`payment_intent.succeeded` marks the order paid and, per line: records the transfers (`payouts`),
issues the license (`licenses`) and the download grants (`downloads`), counts the sale and, for an
exclusive, takes the beat off the store (earlier leases stay valid); a receipt is emailed to the
buyer (`sales`, which the drain also calls for a whole run of payments at once), and again whenever
the buyer asks from the order page (`resend_receipt`, rate-limited, audited). A payment that arrives
for an order already cancelled (its checkout expired) is refunded at once. Refund and dispute events
go to `refunds`.
"""

from __future__ import annotations

import smtplib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from maxbooster.models.accounts import User
from maxbooster.models.marketplace import (
    DownloadGrant,
    License,
    Order,
    OrderLine,
    OrderLineStatus,
    OrderStatus,
    Transfer,
)
from maxbooster.services import audit, ratelimit
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.billing.provider import get_provider
from maxbooster.services.email import send_email
from maxbooster.services.errors import Conflict, EmailUnavailable
from maxbooster.services.marketplace import refunds, sales
from maxbooster.settings import get_settings

WORKER = Actor.system("worker")


def _stripe_id(value: Any) -> str:
    return str(value.get("id") if isinstance(value, dict) else value or "")


def _find(session: Session, provider: str, payment_id: str) -> Order | None:
    return session.execute(select(Order).where(col(Order.provider) == provider,  # one event at a time
                                               col(Order.provider_payment_id) == payment_id)
                           .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()


def apply_event(*, session: Session, provider: str, event_type: str, obj: dict[str, Any], created: datetime) -> str:
    """Apply one payment/charge event to the marketplace (the caller marks the event applied and commits)."""
    if event_type == "charge.refunded":
        return refunds.apply_charge_refunded(session=session, provider=provider, obj=obj)
    if event_type in ("charge.dispute.created", "charge.dispute.closed"):
        return refunds.apply_dispute(session=session, provider=provider, event_type=event_type, obj=obj)
    if not event_type.startswith("payment_intent."):
        return f"ignored: {event_type} is not an event the marketplace uses"
    order = _find(session, provider, _stripe_id(obj))
    if order is None:
        return f"ignored: payment {_stripe_id(obj) or '(none)'} is not a marketplace order here"
    if event_type == "payment_intent.succeeded":
        return _paid(session, order, obj, created)
    if event_type in ("payment_intent.payment_failed", "payment_intent.canceled") \
            and order.status == OrderStatus.PENDING:
        from maxbooster.services.marketplace.checkout import _cancel

        _cancel(session, order.id, OrderStatus.FAILED if event_type.endswith("failed") else OrderStatus.CANCELED)
        return f"order {order.id}: {event_type.rsplit('.', 1)[1]}"
    return f"order {order.id}: {order.status} ({event_type} changes nothing)"


def _paid(session: Session, order: Order, obj: dict[str, Any], created: datetime) -> str:
    if order.status != OrderStatus.PENDING:
        if order.status in (OrderStatus.CANCELED, OrderStatus.FAILED):  # paid after its checkout expired
            refund = get_provider(session=session).create_refund(
                payment_id=order.provider_payment_id or "", amount_minor=order.total_minor,
                idempotency_key=f"late-payment-{order.id}", metadata={"order_id": str(order.id)})
            return f"order {order.id} was {order.status}: the late payment is refunded ({refund.get('id')})"
        return f"order {order.id}: already {order.status}"
    if not sales.matches(order, obj):
        received = int(obj.get("amount_received") or obj.get("amount") or 0)
        return f"ignored: payment of {received} {obj.get('currency', '')} does not match order {order.id}"
    return sales.pay(session=session, payments=[(order, obj, created)])[0]


def resend_receipt(*, session: Session, actor: Actor, order_id: uuid.UUID) -> str:
    """Email the receipt of the buyer's paid order again (RATE_LIMIT_RECEIPTS per buyer); the address used."""
    order = get_owned(session=session, model=Order, obj_id=order_id, actor=actor)
    if order.paid_at is None:
        raise Conflict("There is no receipt yet: the payment is not confirmed. Refresh the order in a moment.")
    buyer = session.get(User, order.owner_id)
    if buyer is None:
        raise Conflict("This order has no buyer account any more, so there is nobody to send the receipt to.")
    ratelimit.hit_user(str(order.owner_id), "receipt", get_settings().rate_limit_receipts,
                       "You asked for this receipt several times already. Wait an hour, then try again.")
    lines = session.execute(select(OrderLine).where(col(OrderLine.order_id) == order.id)
                            .order_by(col(OrderLine.created_at))).scalars().all()
    message = sales.receipt(order, lines, buyer, order.provider == "sandbox")
    try:
        send_email(session=session, message=message)
    except (smtplib.SMTPException, OSError) as exc:
        audit.record_detached(session=session, actor=actor, action="marketplace.receipt_failed",
                              target=f"order:{order.id}")
        raise EmailUnavailable("We could not send the receipt right now. Try again in a few minutes; your "
                               "order and downloads are unaffected.") from exc
    audit.record(session, actor, "marketplace.receipt_resent", target=f"order:{order.id}",
                 details={"to": message.to})
    session.commit()
    return message.to


# --- reading -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LineView:
    line: OrderLine
    license: License | None
    grants: list[DownloadGrant]


@dataclass(frozen=True)
class OrderView:
    order: Order
    lines: list[LineView]


def get_order(*, session: Session, actor: Actor, order_id: uuid.UUID) -> OrderView:
    """The buyer's order with each line's license and downloads."""
    order = get_owned(session=session, model=Order, obj_id=order_id, actor=actor)
    lines = session.execute(select(OrderLine).where(col(OrderLine.order_id) == order.id)
                            .order_by(col(OrderLine.created_at))).scalars().all()
    views = []
    for line in lines:
        lic = session.execute(select(License).where(col(License.order_line_id) == line.id)).scalar_one_or_none()
        grants = list(session.execute(select(DownloadGrant).where(col(DownloadGrant.order_line_id) == line.id)
                                      .order_by(col(DownloadGrant.deliverable))).scalars())
        views.append(LineView(line=line, license=lic, grants=grants))
    return OrderView(order=order, lines=views)


def list_orders(*, session: Session, actor: Actor, limit: int = 50) -> list[Order]:
    owner_id = actor.require_user()
    return list(session.execute(select(Order).where(col(Order.owner_id) == owner_id)
                                .order_by(col(Order.created_at).desc()).limit(min(max(limit, 1), 200))).scalars())


@dataclass(frozen=True)
class Sale:
    line: OrderLine
    transfers: list[Transfer]


def list_sales(*, session: Session, actor: Actor, limit: int = 50) -> list[Sale]:
    """The seller's sold lines (paid or refunded) with the transfers of each (theirs and collaborators')."""
    seller_id = actor.require_user()
    lines = session.execute(select(OrderLine).where(
        col(OrderLine.seller_id) == seller_id,
        col(OrderLine.status).in_([OrderLineStatus.PAID, OrderLineStatus.REFUNDED]))
        .order_by(col(OrderLine.created_at).desc()).limit(min(max(limit, 1), 200))).scalars().all()
    return [Sale(line=ln, transfers=list(session.execute(select(Transfer).where(
        col(Transfer.order_line_id) == ln.id)).scalars())) for ln in lines]

