"""Money to sellers and collaborators: one transfer per order line and recipient, sent after the
payment succeeded (Stripe's "separate charges and transfers", `transfer_group` = the order), and
reversed in proportion when a line is refunded or disputed. The transfer rows are written in the
payment's transaction and sent to the provider after its commit (`send_queued`), so no provider call
holds the payment's locks.

A line's net (price − platform fee) is split by the listing's collaborator shares in basis points,
each share rounded down, the remainder to the seller: transfers + fees == the order's total exactly.
A collaborator who has not finished seller onboarding gets a transfer row held as pending; one who
has no account with us at all cannot be paid, so their share stays with the seller. The sweep
`marketplace.pay_held` (every worker's housekeeping pass) sends held transfers once their recipient's account
can be paid, with the same idempotency key as the first try, unless the line was refunded meanwhile.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlmodel import Session, col

from maxbooster.db import session_scope
from maxbooster.models.base import row_values, utcnow
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

log = logging.getLogger("maxbooster.marketplace")
_AFTER_COMMIT = "maxbooster.transfers_after_commit"
HELD = "Held until this person finishes seller onboarding (Marketplace → Get paid)."


@dataclass(frozen=True)
class Prefetched:
    """What `plan` and `send` would read per line, read once for a run of payments."""

    shares: dict[uuid.UUID, list[tuple[uuid.UUID, int]]]  # listing → (collaborator, share_bps)
    accounts: dict[uuid.UUID, SellerAccount]  # owner → seller account at the configured provider


def plan(*, session: Session, line: OrderLine,
         shares: list[tuple[uuid.UUID, int]] | None = None) -> list[tuple[uuid.UUID, int, int]]:
    """(recipient, share_bps, amount_minor) for a line, the seller first."""
    net = line.price_minor - line.fee_minor
    if shares is None:
        shares = [(c.user_id, c.share_bps) for c in session.execute(select(Collaborator).where(
            col(Collaborator.listing_id) == line.listing_id)).scalars() if c.user_id is not None]
    others = [(uid, bps) for uid, bps in shares if uid != line.seller_id]
    parts = [(uid, bps, net * bps // BPS_WHOLE) for uid, bps in others]
    seller_bps = BPS_WHOLE - sum(bps for _, bps, _ in parts)
    return [(line.seller_id, seller_bps, net - sum(a for _, _, a in parts)), *parts]


def transfer_rows(*, session: Session, provider: PaymentsProvider, line: OrderLine, now: datetime,
                  prefetched: Prefetched | None = None) -> list[dict[str, Any]]:
    """The line's transfers, as rows for the caller to insert; those whose recipient can be paid are sent by
    `send_queued` after the caller's commit (no provider call inside the transaction), the others are held."""
    rows = []
    shares = prefetched.shares.get(line.listing_id, []) if prefetched is not None else None
    for recipient, bps, amount in plan(session=session, line=line, shares=shares):
        if amount <= 0 or bps <= 0:
            continue
        account = prefetched.accounts.get(recipient) if prefetched is not None else \
            sellers.find_account(session=session, owner_id=recipient)
        payable = sellers.can_be_paid(account)
        row = row_values(Transfer, order_line_id=line.id, recipient_id=recipient, share_bps=bps, amount_minor=amount,
                         currency=line.currency, provider=provider.key, error="" if payable else HELD,
                         seller_account_id=account.id if account else None, created_at=now, updated_at=now)
        if payable:
            session.info.setdefault(_AFTER_COMMIT, []).append(row["id"])
        rows.append(row)
    return rows


def send_queued(*, session: Session) -> int:
    """Send the transfers `send` recorded, once their payment is committed (call after the commit). A failure
    here loses nothing: the rows stay pending and `marketplace.pay_held` sends them with the same key."""
    ids = session.info.pop(_AFTER_COMMIT, [])
    sent = 0
    for start in range(0, len(ids), 500):
        try:
            sent += send_held(session=session, limit=500, ids=ids[start:start + 500])
        except Exception:  # noqa: BLE001  (retried by the sweep)
            session.rollback()
            log.warning("transfers not sent yet; the pay_held sweep sends them", exc_info=True)
    return sent


def drop_queued(*, session: Session, keep: int = 0) -> None:
    """Forget transfers queued after the first `keep` (their rows were rolled back)."""
    del session.info.setdefault(_AFTER_COMMIT, [])[keep:]


def queued(*, session: Session) -> int:
    return len(session.info.get(_AFTER_COMMIT, []))


def send_held(*, session: Session, limit: int = 100, ids: list[uuid.UUID] | None = None) -> int:
    """Send up to `limit` held transfers (only `ids` when given) whose recipient can be paid now (finished
    onboarding, not banned) and whose line is still paid; commits; returns how many were sent. Safe to run
    on several workers at once (rows locked, SKIP LOCKED; the provider's idempotency key per line and
    recipient)."""
    provider = get_provider(session=session)
    only = [col(Transfer.id).in_(ids)] if ids is not None else []
    held = session.execute(
        select(col(Transfer.id), col(Transfer.amount_minor), col(Transfer.currency), col(Transfer.recipient_id),
               col(OrderLine.id), col(Order.id), col(Order.provider_charge_id), col(SellerAccount.id),
               col(SellerAccount.provider_account_id))
        .join(OrderLine, col(OrderLine.id) == col(Transfer.order_line_id))
        .join(Order, col(Order.id) == col(OrderLine.order_id))
        .join(SellerAccount, (col(SellerAccount.owner_id) == col(Transfer.recipient_id))
              & (col(SellerAccount.provider) == col(Transfer.provider)))
        .where(col(Transfer.status) == TransferStatus.PENDING, col(Transfer.provider_transfer_id).is_(None),
               col(Transfer.reversed_minor) == 0, col(Transfer.provider) == provider.key,
               col(OrderLine.status) == OrderLineStatus.PAID,
               col(SellerAccount.charges_enabled).is_(True), col(SellerAccount.banned_at).is_(None), *only)
        .order_by(col(Transfer.created_at)).limit(limit)
        .with_for_update(of=Transfer, skip_locked=True)).all()
    now, sent = utcnow(), []
    for transfer_id, amount, currency, recipient, line_id, order_id, charge_id, account_id, destination in held:
        assert charge_id
        provider_id = provider.create_transfer(
            amount=Money(amount, currency), destination=destination, transfer_group=f"order_{order_id.hex}",
            source_charge=charge_id, idempotency_key=f"transfer-{line_id}-{recipient}",
            metadata={"order_id": str(order_id), "order_line_id": str(line_id)})
        sent.append({"tid": transfer_id, "ptid": provider_id, "aid": account_id})
    if sent:
        table = Transfer.__table__  # type: ignore[attr-defined]  # Core: one executemany, no objects
        session.execute(update(table).where(table.c.id == bindparam("tid")).values(
            provider_transfer_id=bindparam("ptid"), seller_account_id=bindparam("aid"), status=TransferStatus.PAID,
            error="", updated_at=now), sent)
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
    transfers = session.execute(select(Transfer).where(col(Transfer.order_line_id) == line.id)  # not while sent
                                .order_by(col(Transfer.recipient_id) != line.seller_id).with_for_update()
                                .execution_options(populate_existing=True)).scalars().all()
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
