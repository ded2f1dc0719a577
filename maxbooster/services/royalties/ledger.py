"""The royalty ledger: one row per amount credited or debited to a collaborator (by email) of an
owner's catalogue. Balances and per-collaborator statements are sums and lists of these rows.

A statement credits, per track, month and currency: positive amounts first to an outstanding
recoupment, the rest by the split's effective shares (an unaccepted share goes to the owner);
negative amounts (returns, corrections) as adjustments by the same shares. Rounding to minor units
happens once per track, month and currency; the parts always add up (Money.split).
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import ColumnElement, func, insert, or_, select
from sqlmodel import Session, col

from maxbooster.models.accounts import User
from maxbooster.models.releases import ReleaseTrack
from maxbooster.models.royalties import InviteStatus, LedgerEntry, LedgerKind, RoyaltySplit, SplitShare, Statement
from maxbooster.services import audit
from maxbooster.services.accounts.common import normalise_email
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.services.money import Money, exponent
from maxbooster.services.royalties.splits import effective_shares


@dataclass(frozen=True)
class Balance:
    owner_id: uuid.UUID
    party_email: str
    currency: str
    amount_minor: int

    @property
    def money(self) -> Money:
        return Money(self.amount_minor, self.currency)


@dataclass
class _Split:
    split: RoyaltySplit
    shares: list[SplitShare]


def _to_minor(nanos: int, currency: str, nano_digits: int) -> int:
    scale = Decimal(10) ** (nano_digits - exponent(currency))
    return int((Decimal(nanos) / scale).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def recouped(*, session: Session, split_id: uuid.UUID, currency: str) -> int:
    """How much of the split's recoupment has been paid back so far (minor units)."""
    stmt = select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(
        col(LedgerEntry.split_id) == split_id, col(LedgerEntry.kind) == LedgerKind.RECOUPMENT,
        col(LedgerEntry.currency) == currency)
    return int(session.execute(stmt).scalar_one())


def post_statement(*, session: Session, statement: Statement,
                   totals: dict[tuple[uuid.UUID, str, str, bool], int], nano_digits: int) -> int:
    """Credit the statement's matched totals (track, month, currency, positive?) → nanos; returns rows."""
    owner = session.get(User, statement.owner_id)
    if owner is None:
        raise NotFound()
    splits = _splits_of(session, list({k[0] for k in totals}))
    left = {s.split.id: s.split.recoup_amount_minor - recouped(session=session, split_id=s.split.id,
                                                               currency=s.split.recoup_currency)
            for s in splits.values() if s.split.recoup_amount_minor}
    rows: list[dict[str, object]] = []

    def add(email: str, user_id: uuid.UUID | None, kind: LedgerKind, amount: int, currency: str,
            track_id: uuid.UUID, period: str, split_id: uuid.UUID | None) -> None:
        if amount:
            rows.append({"id": uuid.uuid4(), "owner_id": owner.id, "party_email": email, "party_user_id": user_id,
                         "kind": kind, "amount_minor": amount, "currency": currency, "statement_id": statement.id,
                         "split_id": split_id, "release_track_id": track_id, "period": period,
                         "memo": statement.filename[:300], "created_at": statement.created_at})

    for (track_id, period, currency, positive), nanos in sorted(totals.items(), key=lambda kv: str(kv[0])):
        amount = _to_minor(nanos, currency, nano_digits)
        found = splits.get(track_id)
        kind = LedgerKind.INCOME if positive else LedgerKind.ADJUSTMENT
        if found is None:
            add(owner.email, owner.id, kind, amount, currency, track_id, period, None)
            continue
        split, users = found.split, {s.email: s.user_id for s in found.shares if s.status == InviteStatus.ACCEPTED}
        users[owner.email] = owner.id
        if positive and left.get(split.id, 0) > 0 and split.recoup_currency == currency:
            paid = min(amount, left[split.id])
            left[split.id] -= paid
            party = split.recoup_email if split.recoup_email in users else owner.email
            add(party, users[party], LedgerKind.RECOUPMENT, paid, currency, track_id, period, split.id)
            amount -= paid
        effective = _effective(found.shares, owner.email)
        for (email, _), part in zip(effective, Money(amount, currency).split([b for _, b in effective]), strict=True):
            add(email, users.get(email), kind, part.amount_minor, currency, track_id, period, split.id)
    for start in range(0, len(rows), 2000):
        session.execute(insert(LedgerEntry), rows[start:start + 2000])
    return len(rows)


def _splits_of(session: Session, track_ids: list[uuid.UUID]) -> dict[uuid.UUID, _Split]:
    """The splits of these tracks with their shares (by email), a few queries per 500 tracks."""
    splits: dict[uuid.UUID, _Split] = {}
    for start in range(0, len(track_ids), 500):
        found = {x.id: _Split(x, []) for x in session.execute(select(RoyaltySplit).where(
            col(RoyaltySplit.release_track_id).in_(track_ids[start:start + 500]))).scalars()}
        if found:
            for share in session.execute(select(SplitShare).where(col(SplitShare.split_id).in_(list(found)))
                                         .order_by(col(SplitShare.email))).scalars():
                found[share.split_id].shares.append(share)
        splits.update({x.split.release_track_id: x for x in found.values()})
    return splits


def _effective(shares: list[SplitShare], owner_email: str) -> list[tuple[str, int]]:
    return sorted(effective_shares(shares, owner_email).items())


def _me(session: Session, actor: Actor) -> User:
    user = session.get(User, actor.require_user())
    if user is None:
        raise NotFound()
    return user


def _balances(session: Session, *where: ColumnElement[bool]) -> list[Balance]:
    stmt = (select(col(LedgerEntry.owner_id), col(LedgerEntry.party_email), col(LedgerEntry.currency),
                   func.sum(LedgerEntry.amount_minor))
            .where(*where)
            .group_by(col(LedgerEntry.owner_id), col(LedgerEntry.party_email), col(LedgerEntry.currency))
            .order_by(col(LedgerEntry.party_email), col(LedgerEntry.currency)))
    return [Balance(o, e, c, int(a)) for o, e, c, a in session.execute(stmt).all()]


def my_balances(*, session: Session, actor: Actor) -> list[Balance]:
    """What the acting user has earned, per catalogue owner and currency (as owner and as collaborator)."""
    me = _me(session, actor)
    return _balances(session, or_(col(LedgerEntry.party_user_id) == me.id, col(LedgerEntry.party_email) == me.email))


def catalogue_balances(*, session: Session, actor: Actor) -> list[Balance]:
    """Every collaborator's balance of the acting user's catalogue, per currency."""
    return _balances(session, col(LedgerEntry.owner_id) == actor.require_user())


def record_payout(*, session: Session, actor: Actor, party_email: str, amount_minor: int, currency: str,
                  memo: str = "") -> LedgerEntry:
    """Record money paid to a collaborator of the acting user's catalogue (never more than their balance)."""
    owner_id, email, money = actor.require_user(), normalise_email(party_email), Money(amount_minor, currency)
    if money.amount_minor <= 0:
        raise InvalidInput("A payout is a positive amount.")
    balance = sum(b.amount_minor for b in _balances(session, col(LedgerEntry.owner_id) == owner_id,
                                                    col(LedgerEntry.party_email) == email,
                                                    col(LedgerEntry.currency) == money.currency))
    if money.amount_minor > balance:
        raise InvalidInput(f"{email} has {Money(balance, money.currency).format()} to pay out; "
                           f"{money.format()} is more than that.")
    entry = LedgerEntry(owner_id=owner_id, party_email=email, kind=LedgerKind.PAYOUT, amount_minor=-money.amount_minor,
                        currency=money.currency, memo=memo[:300])
    session.add(entry)
    audit.record(session, actor, "royalties.payout", target=f"royalty_ledger:{entry.id}",
                 details={"party": email, "amount_minor": money.amount_minor, "currency": money.currency})
    session.commit()
    return entry


CSV_HEADER = ["date", "period", "kind", "track", "isrc", "amount", "currency", "memo"]


def statement_csv(*, session: Session, actor: Actor, party_email: str | None = None) -> str:
    """One collaborator's ledger as CSV: yours across every catalogue (no `party_email`), or that of a
    collaborator of your catalogue (NotFound when they have no entries there)."""
    me = _me(session, actor)
    email = normalise_email(party_email) if party_email else me.email
    where: list[ColumnElement[bool]] = [col(LedgerEntry.party_email) == email]
    if email != me.email:
        where.append(col(LedgerEntry.owner_id) == me.id)
    e = LedgerEntry
    stmt = (select(col(e.created_at), col(e.period), col(e.kind), col(ReleaseTrack.title), col(ReleaseTrack.isrc),
                   col(e.amount_minor), col(e.currency), col(e.memo))  # columns: no ORM objects per row
            .outerjoin(ReleaseTrack, col(ReleaseTrack.id) == col(e.release_track_id))
            .where(*where)
            .order_by(col(e.created_at), col(e.period), col(e.kind)))
    rows = session.execute(stmt).all()
    if not rows and email != me.email:
        raise NotFound()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for created, period, kind, title, isrc, minor, currency, memo in rows:
        amount = Money(minor, currency).format().split(" ", 1)[1].replace(",", "")
        writer.writerow([created.date().isoformat(), period, kind, title or "", isrc or "", amount, currency, memo])
    return out.getvalue()
