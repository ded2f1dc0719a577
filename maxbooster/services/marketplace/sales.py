"""A successful payment's effects, for one order or a run of orders at once (the drain's batches).

Per paid order: the order and its lines marked paid, each line counted on its listing (an exclusive
leaves the store), its transfers recorded (sent to the provider after the commit, see `payouts`), its
license issued and its download grants made; a receipt queued (stored with the commit when mail goes to
the outbox) and one audit row. Everything a run needs (lines, tiers, listings, buyers and sellers,
collaborator shares, seller accounts, listing files) is read with one query per table; the changed
orders, lines and listings go out in one flush and the new transfers, licenses, grants and audit rows
as one executemany per table of plain values (no ORM objects built), so 200 payments cost about as
many round trips as one did.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session, col

from maxbooster import routes
from maxbooster.models.accounts import User
from maxbooster.models.base import utcnow
from maxbooster.models.marketplace import (
    Collaborator,
    DownloadGrant,
    License,
    LicenseTier,
    Listing,
    ListingFile,
    ListingStatus,
    Order,
    OrderLine,
    OrderLineStatus,
    OrderStatus,
    SellerAccount,
    TierKind,
    Transfer,
)
from maxbooster.services import audit
from maxbooster.services.actor import Actor
from maxbooster.services.billing.provider import get_provider
from maxbooster.services.email import EmailMessage, render, send_after_commit
from maxbooster.services.marketplace import downloads, licenses, payouts
from maxbooster.services.marketplace.payouts import Prefetched
from maxbooster.services.money import Money
from maxbooster.settings import get_settings

WORKER = Actor.system("worker")
Payment = tuple[Order, dict[str, Any], datetime]  # a pending order, its payment intent, the event's time


def stripe_id(value: Any) -> str:
    return str(value.get("id") if isinstance(value, dict) else value or "")


def matches(order: Order, obj: dict[str, Any]) -> bool:
    """The payment is for the order's exact total and currency."""
    received = int(obj.get("amount_received") or obj.get("amount") or 0)
    return received == order.total_minor and str(obj.get("currency", "")).upper() == order.currency


def pay_run(*, session: Session, provider: str,
            payments: Sequence[tuple[dict[str, Any], datetime]]) -> list[str | None]:
    """A run of `payment_intent.succeeded` events applied together: the outcome for each one applied here,
    None for those the caller applies one by one (order unknown here, not pending, amount not matching,
    or a payment seen twice in the run). Orders are locked in id order; the caller commits."""
    ids = [stripe_id(obj) for obj, _ in payments]
    found = {o.provider_payment_id: o for o in session.execute(
        select(Order).where(col(Order.provider) == provider, col(Order.provider_payment_id).in_(set(ids)))
        .order_by(col(Order.id)).with_for_update().execution_options(populate_existing=True)).scalars()}
    todo: list[tuple[int, Payment]] = []
    seen: set[str] = set()
    for i, ((obj, created), payment_id) in enumerate(zip(payments, ids, strict=True)):
        order = found.get(payment_id)
        if order is None or payment_id in seen or order.status != OrderStatus.PENDING or not matches(order, obj):
            continue
        seen.add(payment_id)
        todo.append((i, (order, obj, created)))
    outcomes: list[str | None] = [None] * len(payments)
    for (i, _), outcome in zip(todo, pay(session=session, payments=[p for _, p in todo]), strict=True):
        outcomes[i] = outcome
    return outcomes


def pay(*, session: Session, payments: Sequence[Payment]) -> list[str]:
    """Mark locked pending orders paid and deliver them (the caller checked status and amount, and commits)."""
    if not payments:
        return []
    now = utcnow()
    adapter = get_provider(session=session)
    by_order: dict[uuid.UUID, list[OrderLine]] = defaultdict(list)
    for line in session.execute(select(OrderLine).where(col(OrderLine.order_id).in_([o.id for o, _, _ in payments]))
                                .order_by(col(OrderLine.created_at))).scalars():
        by_order[line.order_id].append(line)
    lines = [ln for o, _, _ in payments for ln in by_order[o.id]]
    run = _prefetch(session, [o for o, _, _ in payments], lines, adapter.key)
    listings, users = run.listings, run.users
    transfers, issued, grants = list[dict[str, Any]](), list[dict[str, Any]](), list[dict[str, Any]]()
    with session.no_autoflush:
        for order, obj, created in payments:
            order.status, order.paid_at, order.updated_at = OrderStatus.PAID, created, now
            order.provider_charge_id = stripe_id(obj.get("latest_charge")) or order.provider_charge_id
            session.add(order)
            for line in by_order[order.id]:
                tier = run.tiers.get(line.tier_id) if line.tier_id else None
                line.status = OrderLineStatus.PAID
                session.add(line)
                listing = listings[line.listing_id]
                listing.sales_count += 1
                if line.tier_kind == TierKind.EXCLUSIVE:
                    listing.status, listing.updated_at = ListingStatus.SOLD_EXCLUSIVE, now
                session.add(listing)
                transfers += payouts.transfer_rows(session=session, provider=adapter, line=line, now=now,
                                                   prefetched=run.payouts)
                issued.append(licenses.issue_row(session=session, order=order, line=line, tier=tier, now=now,
                                                 buyer=users[order.owner_id], producer=users[line.seller_id],
                                                 listing=listing))
                grants += downloads.grant_rows(session=session, order=order, line=line, tier=tier, now=now,
                                               files=run.files.get(line.listing_id, {}))
            _send_receipt(session, order, by_order[order.id], users.get(order.owner_id), adapter.key == "sandbox")
    session.flush()  # the orders, lines and listings first: the new rows refer to them
    # executemany of one short INSERT per table (psycopg sends the rows in one pipeline and parses the statement
    # once; a multi-row INSERT … RETURNING is a long statement it parses again on every call, which cost more
    # than everything else here), no objects built; render_nulls keeps rows that differ only in None together
    nulls = {"render_nulls": True}
    for model, rows in ((Transfer, transfers), (License, issued), (DownloadGrant, grants)):
        if rows:
            session.execute(insert(model), rows, execution_options=nulls)
    audit.record_many(session=session, actor=WORKER, entries=[
        ("marketplace.order_paid", f"order:{o.id}", {"total_minor": o.total_minor, "fee_minor": o.fee_minor})
        for o, _, _ in payments])
    return [f"order {o.id}: paid" for o, _, _ in payments]


@dataclass(frozen=True)
class _Run:
    """What a run of payments reads, once."""

    payouts: Prefetched
    tiers: dict[uuid.UUID, LicenseTier]
    listings: dict[uuid.UUID, Listing]
    users: dict[uuid.UUID, User]
    files: dict[uuid.UUID, dict[str, uuid.UUID]]  # listing → file role → file


def _prefetch(session: Session, orders: list[Order], lines: list[OrderLine], provider_key: str) -> _Run:
    listing_ids = sorted({ln.listing_id for ln in lines})
    tier_ids = {ln.tier_id for ln in lines if ln.tier_id}
    tiers = {t.id: t for t in session.execute(select(LicenseTier).where(col(LicenseTier.id).in_(tier_ids))).scalars()}
    listings = {x.id: x for x in session.execute(  # locked in id order: two drains never wait on each other in a ring
        select(Listing).where(col(Listing.id).in_(listing_ids)).order_by(col(Listing.id)).with_for_update()
        .execution_options(populate_existing=True)).scalars()}
    shares: dict[uuid.UUID, list[tuple[uuid.UUID, int]]] = defaultdict(list)
    for c in session.execute(select(Collaborator).where(col(Collaborator.listing_id).in_(listing_ids))).scalars():
        if c.user_id is not None:
            shares[c.listing_id].append((c.user_id, c.share_bps))
    people = {o.owner_id for o in orders} | {ln.seller_id for ln in lines} | {
        uid for parts in shares.values() for uid, _ in parts}
    users = {u.id: u for u in session.execute(select(User).where(col(User.id).in_(people))).scalars()}
    accounts = {a.owner_id: a for a in session.execute(select(SellerAccount).where(
        col(SellerAccount.owner_id).in_(people), col(SellerAccount.provider) == provider_key)).scalars()}
    files: dict[uuid.UUID, dict[str, uuid.UUID]] = defaultdict(dict)
    for f in session.execute(select(ListingFile).where(col(ListingFile.listing_id).in_(listing_ids))).scalars():
        files[f.listing_id][f.role] = f.id
    return _Run(payouts=Prefetched(shares=shares, accounts=accounts), tiers=tiers, listings=listings, users=users,
                files=files)


def _send_receipt(session: Session, order: Order, lines: Sequence[OrderLine], buyer: User | None,
                  test_mode: bool) -> None:
    if buyer is not None:  # sent by the caller once the payment is committed
        send_after_commit(session=session, message=receipt(order, lines, buyer, test_mode))


def receipt(order: Order, lines: Sequence[OrderLine], buyer: User, test_mode: bool) -> EmailMessage:
    """The receipt of a paid order (refunds so far are shown on their lines), linking to its order page."""
    text = "\n".join(f"- {ln.listing_title} ({ln.tier_kind.replace('_', ' ')}): "
                     f"{Money(ln.price_minor, ln.currency).format()}"
                     + (f" (refunded: {Money(ln.refunded_minor, ln.currency).format()})" if ln.refunded_minor else "")
                     for ln in lines)
    url = get_settings().app_url.rstrip("/") + f"{routes.MARKET_ORDER}?id={order.id}"
    return render(
        "marketplace_receipt", to=order.buyer_email or buyer.email, buyer=buyer.display_name or "there",
        order_id=str(order.id), date=(order.paid_at or utcnow()).date().isoformat(), lines=text,
        total=Money(order.total_minor, order.currency).format(), order_url=url,
        test_mode=" (test mode: no real money moved)" if test_mode else "")
