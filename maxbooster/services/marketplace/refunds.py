"""Refunds and disputes. A refund is per order line (a part of its price, or all of it); it voids the
line's license, revokes its downloads and takes back the sellers' part of the refund from their
transfers (transfer reversals, in proportion). Sellers refund their own lines, admins any line; the
provider's `charge.refunded` (a refund made in the provider's dashboard) does the same, once per
provider refund id. A dispute holds the downloads while it is open and ends restored (won) or refunded
(lost), see `apply_dispute`.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, col

from maxbooster.models.base import utcnow
from maxbooster.models.marketplace import (
    DisputeStatus,
    ExclusiveClaim,
    Listing,
    ListingStatus,
    Order,
    OrderLine,
    OrderLineStatus,
    OrderStatus,
    Refund,
    RefundStatus,
    TierKind,
)
from maxbooster.services import audit
from maxbooster.services.actor import Actor
from maxbooster.services.billing.provider import PaymentsProvider, get_provider
from maxbooster.services.errors import Conflict, InvalidInput, NotFound, WaitingForEarlierEvent
from maxbooster.services.marketplace import downloads, licenses, payouts
from maxbooster.services.money import Money

REFUNDED = "the purchase was refunded"
DISPUTE_HOLD = "the payment is disputed with the buyer's bank; downloads are on hold until that is settled"
DISPUTE_LOST = "the buyer's bank decided a payment dispute for the buyer"


def _apply(session: Session, provider: PaymentsProvider, order: Order, line: OrderLine, amount: int, *,
           provider_refund_id: str, reason: str, requested_by: uuid.UUID | None, void_reason: str = REFUNDED) -> Refund:
    """Record a refund of `amount` on `line` and undo the sale (the caller commits)."""
    row = Refund(order_id=order.id, order_line_id=line.id, amount_minor=amount, currency=line.currency,
                 reason=reason[:500], provider=provider.key, provider_refund_id=provider_refund_id,
                 status=RefundStatus.SUCCEEDED, requested_by=requested_by)
    session.add(row)
    line.refunded_minor += amount
    line.status = OrderLineStatus.REFUNDED
    session.add(line)
    order.refunded_minor += amount
    others = session.execute(select(col(OrderLine.status)).where(col(OrderLine.order_id) == order.id,
                                                                 col(OrderLine.id) != line.id)).scalars().all()
    everything_back = all(s != OrderLineStatus.PAID for s in others)
    order.status = OrderStatus.REFUNDED if everything_back else OrderStatus.PARTIALLY_REFUNDED
    order.updated_at = utcnow()
    session.add(order)
    licenses.void(session=session, line_id=line.id, reason=void_reason)
    downloads.revoke(session=session, line_id=line.id, reason=void_reason)
    payouts.reverse(session=session, provider=provider, line=line, refund_minor=amount,
                    everything=line.refunded_minor >= line.price_minor)
    if line.tier_kind == TierKind.EXCLUSIVE:  # the exclusive is free again; the seller decides to re-publish
        session.execute(delete(ExclusiveClaim).where(col(ExclusiveClaim.order_id) == order.id,
                                                     col(ExclusiveClaim.listing_id) == line.listing_id))
        listing = session.get(Listing, line.listing_id)
        if listing is not None and listing.status == ListingStatus.SOLD_EXCLUSIVE:
            listing.status = ListingStatus.UNPUBLISHED
            session.add(listing)
    return row


def refund_line(*, session: Session, actor: Actor, order_line_id: uuid.UUID, amount: str | None = None,
                reason: str = "") -> Refund:
    """Refund a paid line (its seller or an admin): all of it, or `amount` as text ("10.00")."""
    user_id = actor.require_user()
    line = session.get(OrderLine, order_line_id, populate_existing=True)
    if line is None or not (actor.is_admin or line.seller_id == user_id):
        if line is not None:
            audit.record_detached(session=session, actor=actor, action="authz.denied",
                                  target=f"marketplace_order_lines:{order_line_id}")
        raise NotFound()
    if line.status != OrderLineStatus.PAID:
        raise Conflict(f"This sale is {line.status}, so there is nothing to refund.")
    remaining = Money(line.price_minor - line.refunded_minor, line.currency)
    if amount is None or str(amount).strip() == "":
        money = remaining
    else:
        if isinstance(amount, bool | float | int):
            raise InvalidInput(f"Type the refund as text like 10.00, not {amount!r}.")
        money = Money.parse(str(amount), line.currency)
        if not 0 < money.amount_minor <= remaining.amount_minor:
            raise InvalidInput(f"Refund more than zero and at most {remaining.format()}, not {amount!r}.")
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise InvalidInput("Keep the reason under 500 characters.")
    order = session.get(Order, line.order_id, populate_existing=True)
    assert order is not None and order.provider_payment_id
    provider = get_provider(session=session)
    result = provider.create_refund(payment_id=order.provider_payment_id, amount_minor=money.amount_minor,
                                    idempotency_key=f"refund-{line.id}-{line.refunded_minor}-{money.amount_minor}",
                                    metadata={"order_id": str(order.id), "order_line_id": str(line.id)})
    row = _apply(session, provider, order, line, money.amount_minor, provider_refund_id=str(result["id"]),
                 reason=reason or "refunded by the seller", requested_by=user_id)
    audit.record(session, actor, "marketplace.refund", target=f"order_line:{line.id}",
                 details={"amount_minor": money.amount_minor, "currency": money.currency})
    session.commit()
    return row


def _order_of_charge(session: Session, provider: str, obj: dict[str, Any], charge_key: str) -> Order | None:
    charge = obj.get(charge_key)
    charge_id = str(charge.get("id") if isinstance(charge, dict) else charge or "")
    payment = obj.get("payment_intent")
    payment_id = str(payment.get("id") if isinstance(payment, dict) else payment or "")
    conds = [col(Order.provider_charge_id) == charge_id] if charge_id else []
    if payment_id:
        conds.append(col(Order.provider_payment_id) == payment_id)
    if not conds:
        return None
    from sqlalchemy import or_

    order_id = session.execute(select(col(Order.id)).where(col(Order.provider) == provider, or_(*conds))).scalar()
    if order_id is None:
        return None
    session.execute(select(col(Order.id)).where(col(Order.id) == order_id).with_for_update())
    return session.get(Order, order_id, populate_existing=True)


def apply_charge_refunded(*, session: Session, provider: str, obj: dict[str, Any]) -> str:
    """The provider refunded (part of) a charge: each refund not yet known is applied to its line (the
    line in its metadata, else the paid lines in order)."""
    order = _order_of_charge(session, provider, obj, "id")
    if order is None:
        return f"ignored: charge {obj.get('id')} is not a marketplace order here"
    if order.status == OrderStatus.PENDING:  # the refund came before the payment's success: retry later
        raise WaitingForEarlierEvent(f"order {order.id} is not paid yet; the refund is applied after the payment")
    applied = 0
    adapter = get_provider(session=session)
    for refund in (obj.get("refunds") or {}).get("data") or []:
        refund_id, amount = str(refund.get("id")), int(refund.get("amount") or 0)
        known = session.execute(select(col(Refund.id)).where(col(Refund.provider) == provider,
                                                             col(Refund.provider_refund_id) == refund_id)).scalar()
        if known is not None or amount <= 0 or refund.get("status") not in (None, "succeeded", "pending"):
            continue
        lines = session.execute(select(OrderLine).where(col(OrderLine.order_id) == order.id,
                                                        col(OrderLine.status) == OrderLineStatus.PAID)
                                .order_by(col(OrderLine.created_at))).scalars().all()
        wanted = str((refund.get("metadata") or {}).get("order_line_id") or "")
        targets = [ln for ln in lines if str(ln.id) == wanted] or lines
        for i, line in enumerate(targets):
            share = min(amount, line.price_minor - line.refunded_minor)
            if share <= 0:
                continue
            _apply(session, adapter, order, line, share, provider_refund_id=refund_id if i == 0 else
                   f"{refund_id}:{line.id.hex[:8]}", reason="refunded through the payment provider", requested_by=None)
            amount -= share
            applied += 1
            if amount <= 0:
                break
    return f"order {order.id}: {applied} line refund(s) applied"


def apply_dispute(*, session: Session, provider: str, event_type: str, obj: dict[str, Any]) -> str:
    """The buyer's bank disputes the payment. Opened (`charge.dispute.created`): downloads held and licenses
    marked disputed. Closed (`charge.dispute.closed`) won: all restored; lost: each line refunded the way a
    refund does it (license void, downloads revoked, the sellers' transfers reversed, a refund row).
    Out-of-order safe: a closed dispute stays closed, so an "opened" that arrives after it changes nothing."""
    order = _order_of_charge(session, provider, obj, "charge")
    if order is None:
        return f"ignored: disputed charge {obj.get('charge')} is not a marketplace order here"
    if order.status == OrderStatus.PENDING:
        raise WaitingForEarlierEvent(f"order {order.id} is not paid yet; the dispute is applied after the payment")
    status = str(obj.get("status") or "")
    if event_type == "charge.dispute.created":
        outcome = DisputeStatus.OPEN
    elif status == "lost":
        outcome = DisputeStatus.LOST
    elif status in ("won", "warning_closed"):  # an inquiry closed without a chargeback: nothing taken
        outcome = DisputeStatus.WON
    else:
        return f"ignored: dispute {obj.get('id')} closed as {status or '(no status)'}"
    if order.dispute_status in (DisputeStatus.WON, DisputeStatus.LOST) or order.dispute_status == outcome:
        return f"order {order.id}: dispute already {order.dispute_status}"
    dispute_id = str(obj.get("id") or "")
    order.dispute_status, order.provider_dispute_id, order.updated_at = outcome, dispute_id, utcnow()
    session.add(order)
    lines = session.execute(select(OrderLine).where(col(OrderLine.order_id) == order.id,
                                                    col(OrderLine.status).in_([OrderLineStatus.PAID,
                                                                               OrderLineStatus.REFUNDED]))
                            .order_by(col(OrderLine.created_at))).scalars().all()
    adapter = get_provider(session=session)
    for line in lines:
        if outcome == DisputeStatus.OPEN:
            licenses.mark_disputed(session=session, line_id=line.id, disputed=True)
            downloads.revoke(session=session, line_id=line.id, reason=DISPUTE_HOLD)
            continue
        licenses.mark_disputed(session=session, line_id=line.id, disputed=outcome == DisputeStatus.LOST)
        if outcome == DisputeStatus.WON:  # usable again, unless the line was refunded meanwhile
            downloads.release_hold(session=session, line_id=line.id, hold_reason=DISPUTE_HOLD,
                                   revoke_reason=None if line.status == OrderLineStatus.PAID else REFUNDED)
            continue
        downloads.release_hold(session=session, line_id=line.id, hold_reason=DISPUTE_HOLD, revoke_reason=DISPUTE_LOST)
        left = line.price_minor - line.refunded_minor
        if left > 0:
            _apply(session, adapter, order, line, left, provider_refund_id=f"{dispute_id}:{line.id.hex[:8]}",
                   reason="the buyer's bank decided the dispute for the buyer", requested_by=None,
                   void_reason=DISPUTE_LOST)
    audit.record(session, Actor.system("worker"), f"marketplace.dispute_{outcome}", target=f"order:{order.id}",
                 details={"dispute": dispute_id, "reason": str(obj.get("reason", ""))[:100]})
    return f"order {order.id}: dispute {outcome}, {len(lines)} line(s)"
