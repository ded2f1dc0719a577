"""What the royalty pages show and the forms they send: the owner's release tracks with their splits,
a split's history (from the audit log), the split form as people type it (percentages, an amount with
decimals) turned into basis points and minor units, and one collaborator's ledger lines with totals.

Reads only; every change goes through `splits.set_split` and `ledger.record_payout`.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlmodel import Session, col

from maxbooster.models.accounts import User
from maxbooster.models.audit import AuditLog
from maxbooster.models.releases import Release, ReleaseTrack
from maxbooster.models.royalties import LedgerEntry, LedgerKind, RoyaltySplit, SplitShare
from maxbooster.services.accounts.common import normalise_email
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.services.money import BPS_WHOLE, Money
from maxbooster.services.royalties import ledger, splits

_PERCENT = re.compile(r"\d{1,3}(\.\d{1,6})?")
MAX_LINES = 2000  # lines on one printable statement; totals always cover every line


@dataclass(frozen=True)
class TrackSplit:
    release_id: uuid.UUID
    release_title: str
    track_id: uuid.UUID
    position: int
    title: str
    isrc: str
    shares: list[SplitShare]
    recoupment: str  # "USD 250.00 to bob@example.com first", or ""


def split_overview(*, session: Session, actor: Actor, limit: int = 200) -> list[TrackSplit]:
    """Every track of the acting user's releases (newest release first, tracks in order) with its split."""
    stmt = (select(Release, ReleaseTrack, RoyaltySplit)
            .join(ReleaseTrack, col(ReleaseTrack.release_id) == col(Release.id))
            .outerjoin(RoyaltySplit, col(RoyaltySplit.release_track_id) == col(ReleaseTrack.id))
            .where(col(Release.owner_id) == actor.require_user())
            .order_by(col(Release.updated_at).desc(), col(Release.id), col(ReleaseTrack.position)).limit(limit))
    rows = session.execute(stmt).all()
    split_ids = [s.id for _, _, s in rows if s is not None]
    shares: dict[uuid.UUID, list[SplitShare]] = {i: [] for i in split_ids}
    if split_ids:
        for share in session.execute(select(SplitShare).where(col(SplitShare.split_id).in_(split_ids)).order_by(
                col(SplitShare.is_owner).desc(), col(SplitShare.share_bps).desc(), col(SplitShare.email))).scalars():
            shares[share.split_id].append(share)
    return [TrackSplit(r.id, r.title, t.id, t.position, t.title, t.isrc or "", shares.get(s.id, []) if s else [],
                       _recoupment(s)) for r, t, s in rows]


def _recoupment(split: RoyaltySplit | None) -> str:
    if split is None or not split.recoup_amount_minor:
        return ""
    return f"{Money(split.recoup_amount_minor, split.recoup_currency).format()} to {split.recoup_email} first"


def percent_to_bps(text: str) -> int:
    """'30' → 3000, '33.33' → 3333, '12,5' → 1250; InvalidInput for anything else."""
    cleaned = (text or "").strip().rstrip("%").strip().replace(",", ".")
    if not _PERCENT.fullmatch(cleaned):
        raise InvalidInput(f"“{text.strip()}” is not a percentage; type a number like 30 or 12.5.")
    value = Decimal(cleaned) * 100
    if value != value.to_integral_value():
        raise InvalidInput(f"“{text}” has too many decimals; use at most two, like 33.33.")
    return int(value)


def form_split(rows: list[tuple[str, str]], recoup_amount: str = "", recoup_currency: str = "",
               recoup_email: str = "") -> splits.SplitIn:
    """The split form (email, percentage as typed) → a SplitIn; blank rows are left out."""
    shares = [splits.ShareIn(email.strip(), percent_to_bps(pct)) for email, pct in rows if email.strip() or
              pct.strip()]
    for share in shares:
        if not share.email:
            raise InvalidInput("Every share needs the collaborator's email address.")
    amount = 0
    currency = (recoup_currency or "").strip().upper()
    if (recoup_amount or "").strip():
        if not currency:
            raise InvalidInput("Choose the currency of the recoupment, like USD or EUR.")
        amount = Money.parse(recoup_amount.strip(), currency).amount_minor
    return splits.SplitIn(shares, recoup_amount_minor=amount, recoup_currency=currency if amount else "",
                          recoup_email=recoup_email.strip() if amount else "")


def save_split_form(*, session: Session, actor: Actor, release_id: uuid.UUID, track_id: uuid.UUID,
                    rows: list[tuple[str, str]], recoup_amount: str = "", recoup_currency: str = "",
                    recoup_email: str = "") -> splits.SplitView:
    """Save the split as typed on the page (see `form_split`); invitations go out by email."""
    data = form_split(rows, recoup_amount, recoup_currency, recoup_email)
    return splits.set_split(session=session, actor=actor, release_id=release_id, track_id=track_id, data=data)


def total_percent(values: list[str]) -> tuple[int, str]:
    """Live sum of the typed percentages: (basis points, message); message empty when the sum is right
    or a value is not a number yet."""
    try:
        total = sum(percent_to_bps(v) for v in values if v.strip())
    except InvalidInput as exc:
        return -1, exc.message
    if total == BPS_WHOLE:
        return total, ""
    return total, f"The shares add up to {splits.percent(total)} %; they must add up to exactly 100 %."


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    text: str


def _describe(row: AuditLog, email: str) -> str:
    d = row.details or {}
    if row.action == "royalties.split_set":
        after = ", ".join(f"{e} {splits.percent(int(b))} %" for e, b in (d.get("after") or {}).items())
        recoup = d.get("recoupment")
        extra = (f"; {Money(int(recoup['amount_minor']), recoup['currency']).format()} to {recoup['party']} first"
                 if recoup else "")
        return ("Split set: " if not d.get("before") else "Split changed: ") + after + extra
    return email + (" accepted" if row.action.endswith("accepted") else " declined")


def split_history(*, session: Session, actor: Actor, release_id: uuid.UUID, track_id: uuid.UUID,
                  limit: int = 50) -> list[HistoryItem]:
    """The track's split changes and the collaborators' answers, newest first."""
    track = splits.owned_track(session=session, actor=actor, release_id=release_id, track_id=track_id)
    split = splits.split_for_track(session=session, release_track_id=track.id)
    if split is None:
        return []
    share_emails = {f"royalty_split_shares:{s.id}": s.email for s in splits.shares_of(session=session,
                                                                                      split_id=split.id)}
    answered = (col(AuditLog.action).in_(["royalties.invite_accepted", "royalties.invite_declined"])
                & (AuditLog.details["split_id"].as_string() == str(split.id)))
    stmt = (select(AuditLog).where(or_((col(AuditLog.action) == "royalties.split_set")
                                       & (col(AuditLog.target) == f"release_tracks:{track.id}"), answered))
            .order_by(col(AuditLog.seq).desc()).limit(limit))
    return [HistoryItem(row.created_at, _describe(row, share_emails.get(row.target, "A collaborator")))
            for row in session.execute(stmt).scalars()]


@dataclass(frozen=True)
class LedgerLine:
    at: datetime
    period: str
    kind: str
    track: str
    isrc: str
    amount: Money
    memo: str


@dataclass(frozen=True)
class Totals:
    currency: str
    earned: Money  # income, recoupment and adjustments
    paid: Money  # payouts (positive here)
    balance: Money


@dataclass(frozen=True)
class PartyStatement:
    party_email: str
    party_name: str
    lines: list[LedgerLine]
    more: int  # lines left off the page (the CSV has them all)
    totals: list[Totals]


def party_statement(*, session: Session, actor: Actor, party_email: str | None = None) -> PartyStatement:
    """One collaborator's ledger lines and totals per currency: yours across every catalogue (no
    `party_email`), or a collaborator of your catalogue (NotFound when they have no entries there)."""
    me = session.get(User, actor.require_user())
    if me is None:
        raise NotFound()
    email = normalise_email(party_email) if party_email else me.email
    where: list[ColumnElement[bool]] = [col(LedgerEntry.party_email) == email]
    if email != me.email:
        where.append(col(LedgerEntry.owner_id) == me.id)
    paid = case((col(LedgerEntry.kind) == LedgerKind.PAYOUT, -col(LedgerEntry.amount_minor)), else_=0)
    sums = session.execute(select(col(LedgerEntry.currency), func.sum(LedgerEntry.amount_minor), func.sum(paid),
                                  func.count()).where(*where).group_by(col(LedgerEntry.currency))
                           .order_by(col(LedgerEntry.currency))).all()
    if not sums and email != me.email:
        raise NotFound()
    stmt = (select(LedgerEntry, col(ReleaseTrack.title), col(ReleaseTrack.isrc))
            .outerjoin(ReleaseTrack, col(ReleaseTrack.id) == col(LedgerEntry.release_track_id))
            .where(*where).order_by(col(LedgerEntry.created_at), col(LedgerEntry.period), col(LedgerEntry.kind))
            .limit(MAX_LINES))
    lines = [LedgerLine(e.created_at, e.period, e.kind, title or "", isrc or "", Money(e.amount_minor, e.currency),
                        e.memo) for e, title, isrc in session.execute(stmt).all()]
    totals = [Totals(c, Money(int(total) + int(out), c), Money(int(out), c), Money(int(total), c))
              for c, total, out, _ in sums]
    name = session.execute(select(col(User.display_name)).where(col(User.email) == email)).scalar_one_or_none()
    return PartyStatement(email, name or "", lines, max(0, sum(int(n) for *_, n in sums) - len(lines)), totals)


def record_payout_form(*, session: Session, actor: Actor, party_email: str, amount: str, currency: str,
                       memo: str = "") -> Money:
    """A payout as typed ('120.50', 'USD'), recorded in the ledger; returns the amount."""
    code = (currency or "").strip().upper()
    money = Money.parse(amount, code)
    ledger.record_payout(session=session, actor=actor, party_email=party_email, amount_minor=money.amount_minor,
                         currency=code, memo=memo.strip())
    return money


@dataclass(frozen=True)
class Earnings:
    mine: list[tuple[str, ledger.Balance]]  # (whose catalogue: "You" or the owner's name, balance)
    catalogue: list[tuple[str, ledger.Balance]]  # (the collaborator's name or "", balance)


def earnings(*, session: Session, actor: Actor) -> Earnings:
    """What I earn (per catalogue and currency) and, as an owner, what each collaborator earns."""
    me, mine = actor.require_user(), ledger.my_balances(session=session, actor=actor)
    catalogue = ledger.catalogue_balances(session=session, actor=actor)
    owners = {o: n or e for o, n, e in session.execute(select(col(User.id), col(User.display_name), col(User.email))
                                                      .where(col(User.id).in_([b.owner_id for b in mine])))}
    people = {e: n for e, n in session.execute(select(col(User.email), col(User.display_name)).where(
        col(User.email).in_([b.party_email for b in catalogue])))}
    return Earnings([("You" if b.owner_id == me else owners.get(b.owner_id, ""), b) for b in mine],
                    [(people.get(b.party_email) or "", b) for b in catalogue])
