"""Money to sellers and collaborators: one transfer per order line and recipient, sent after the
payment succeeded (Stripe's "separate charges and transfers", `transfer_group` = the order), and
reversed in proportion when a line is refunded or disputed.

A line's net (price − platform fee) is split by the listing's collaborator shares in basis points,
each share rounded down, the remainder to the seller: transfers + fees == the order's total exactly.
A collaborator who has not finished seller onboarding gets a transfer row held as pending; one who
has no account with us at all cannot be paid, so their share stays with the seller. The sweep
`marketplace.pay_held` (every worker's housekeeping pass) sends held transfers once their recipient's account
can be paid, with the same idempotency key as the first try, unless the line was refunded meanwhile.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlmodel import Session, col

from maxbooster.db import session_scope
from maxbooster.models.base import utcnow
from maxbooster.models.marketplace import (
    Collaborator,
    Order,
    OrderLine,
    OrderLineStatus,
    SellerAccount,
    Transfer,
    TransferStatus,
)
from maxbooster.services import jobs
from maxbooster.services.billing.provider import PaymentsProvider, get_provider
from maxbooster.services.marketplace import sellers
from maxbooster.services.money import BPS_WHOLE, Money

HELD = "Held until this person finishes seller onboarding (Marketplace → Get paid)."


def plan(*, session: Session, line: OrderLine) -> list[tuple[uuid.UUID, int, int]]:
    """(recipient, share_bps, amount_minor) for a line, the seller first."""
    net = line.price_minor - line.fee_minor
    shares = session.execute(select(Collaborator).where(col(Collaborator.listing_id) == line.listing_id)).scalars()
    others = [(c.user_id, c.share_bps) for c in shares if c.user_id is not None and c.user_id != line.seller_id]
    parts = [(uid, bps, net * bps // BPS_WHOLE) for uid, bps in others]
    seller_bps = BPS_WHOLE - sum(bps for _, bps, _ in parts)
    return [(line.seller_id, seller_bps, net - sum(a for _, _, a in parts)), *parts]


def send(*, session: Session, provider: PaymentsProvider, order: Order, line: OrderLine) -> list[Transfer]:
    """Create and send the line's transfers (idempotent per line and recipient at the provider)."""
    rows = []
    for recipient, bps, amount in plan(session=session, line=line):
        if amount <= 0 or bps <= 0:
            continue
        account = sellers.find_account(session=session, owner_id=recipient)
        row = Transfer(order_line_id=line.id, recipient_id=recipient, share_bps=bps, amount_minor=amount,
                       currency=line.currency, provider=provider.key,
                       seller_account_id=account.id if account else None)
        if account is not None and account.charges_enabled and account.banned_at is None:
            _send_one(provider, order, line, row, account)
        else:
            row.error = HELD
        session.add(row)
        rows.append(row)
    return rows


def _send_one(provider: PaymentsProvider, order: Order, line: OrderLine, row: Transfer,
              account: SellerAccount) -> None:
    assert order.provider_charge_id
    row.provider_transfer_id = provider.create_transfer(
        amount=Money(row.amount_minor, row.currency), destination=account.provider_account_id,
        transfer_group=f"order_{order.id.hex}", source_charge=order.provider_charge_id,
        idempotency_key=f"transfer-{line.id}-{row.recipient_id}",
        metadata={"order_id": str(order.id), "order_line_id": str(line.id)})
    row.status, row.error, row.seller_account_id = TransferStatus.PAID, "", account.id


def send_held(*, session: Session, limit: int = 100) -> int:
    """Send up to `limit` held transfers whose recipient can be paid now (finished onboarding, not banned) and
    whose line is still paid; commits; returns how many were sent. Safe to run on several workers at once."""
    provider = get_provider(session=session)
    held = session.execute(
        select(Transfer, OrderLine, Order, SellerAccount)
        .join(OrderLine, col(OrderLine.id) == col(Transfer.order_line_id))
        .join(Order, col(Order.id) == col(OrderLine.order_id))
        .join(SellerAccount, (col(SellerAccount.owner_id) == col(Transfer.recipient_id))
              & (col(SellerAccount.provider) == col(Transfer.provider)))
        .where(col(Transfer.status) == TransferStatus.PENDING, col(Transfer.provider_transfer_id).is_(None),
               col(Transfer.reversed_minor) == 0, col(Transfer.provider) == provider.key,
               col(OrderLine.status) == OrderLineStatus.PAID,
               col(SellerAccount.charges_enabled).is_(True), col(SellerAccount.banned_at).is_(None))
        .order_by(col(Transfer.created_at)).limit(limit)
        .with_for_update(of=Transfer, skip_locked=True)).all()
    for row, line, order, account in held:
        _send_one(provider, order, line, row, account)
        row.updated_at = utcnow()
        session.add(row)
    session.commit()
    return len(held)


@jobs.periodic("marketplace.pay_held")
def _periodic_pay_held() -> None:
    with session_scope() as session:
        send_held(session=session)


def reverse(*, session: Session, provider: PaymentsProvider, line: OrderLine, refund_minor: int,
            everything: bool) -> int:
    """Take back the sellers' part of a refund of `refund_minor` (all that is left when `everything`);
    held transfers are simply cancelled. Returns the amount reversed."""
    transfers = session.execute(select(Transfer).where(col(Transfer.order_line_id) == line.id)
                                .order_by(col(Transfer.recipient_id) != line.seller_id)).scalars().all()
    left = [t.amount_minor - t.reversed_minor for t in transfers]
    if everything:
        take = left
    else:
        target = min(sum(left), refund_minor * (line.price_minor - line.fee_minor) // line.price_minor)
        total = sum(t.amount_minor for t in transfers) or 1
        take = [min(rest, target * t.amount_minor // total) for t, rest in zip(transfers, left, strict=True)]
        if take:
            take[0] = min(left[0], take[0] + target - sum(take))  # the remainder from the seller
    done = 0
    for t, amount in zip(transfers, take, strict=True):
        if amount <= 0:
            continue
        if t.status == TransferStatus.PAID and t.provider_transfer_id:
            provider.reverse_transfer(transfer_id=t.provider_transfer_id, amount_minor=amount,
                                      idempotency_key=f"reversal-{t.id}-{t.reversed_minor}-{amount}")
        t.reversed_minor += amount
        if t.reversed_minor >= t.amount_minor:
            t.status = TransferStatus.REVERSED
        t.updated_at = utcnow()
        session.add(t)
        done += amount
    return done
