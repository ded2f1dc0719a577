"""Moderation: users report listings, reviews or sellers; admins work the queue — hide or restore a
listing, hide a review, ban or unban a seller (a banned seller's listings are hidden), dismiss a report.
Every action is a ModerationAction row and an audit entry. An action answers (closes) its report, so
what was hidden stays reachable in `hidden` (to restore it, or unban its seller)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session, col

from maxbooster.models.base import utcnow
from maxbooster.models.marketplace import (
    Listing,
    ListingStatus,
    ModerationAction,
    ModerationActionKind,
    Report,
    ReportReason,
    ReportStatus,
    Review,
    SellerAccount,
)
from maxbooster.services import audit
from maxbooster.services.access import require_admin
from maxbooster.services.actor import Actor
from maxbooster.services.errors import Conflict, InvalidInput, NotFound

MAX_DETAILS = 2000


def report(*, session: Session, actor: Actor, reason: str, details: str = "", listing_id: uuid.UUID | None = None,
           review_id: uuid.UUID | None = None, seller_id: uuid.UUID | None = None) -> Report:
    """A user's report for the admin queue (exactly one of listing, review or seller)."""
    reporter = actor.require_user()
    if reason not in set(ReportReason):
        raise InvalidInput(f"Choose a reason: {', '.join(ReportReason)} (not {reason!r}).")
    if sum(x is not None for x in (listing_id, review_id, seller_id)) != 1:
        raise InvalidInput("Report one thing at a time: a listing, a review or a seller.")
    details = (details or "").strip()
    if len(details) > MAX_DETAILS:
        raise InvalidInput(f"Keep the details under {MAX_DETAILS:,} characters.")
    target = (Listing, listing_id) if listing_id else (Review, review_id) if review_id else None
    if target is not None and session.get(target[0], target[1]) is None:
        raise NotFound()
    row = Report(owner_id=reporter, listing_id=listing_id, review_id=review_id, seller_id=seller_id, reason=reason,
                 details=details)
    session.add(row)
    audit.record(session, actor, "marketplace.report", target=f"report:{row.id}", details={"reason": reason})
    session.commit()
    return row


def queue(*, session: Session, actor: Actor, limit: int = 100) -> list[Report]:
    """Open reports, oldest first (admins only)."""
    require_admin(session=session, actor=actor, action="marketplace.moderation")
    return list(session.execute(select(Report).where(col(Report.status) == ReportStatus.OPEN)
                                .order_by(col(Report.created_at)).limit(min(max(limit, 1), 500))).scalars())


@dataclass(frozen=True)
class QueueItem:
    report: Report
    seller_id: uuid.UUID | None  # the reported seller, or the owner of the reported listing


def open_reports(*, session: Session, actor: Actor, limit: int = 100) -> list[QueueItem]:
    """The queue for the admin page: each open report with the seller it concerns (admins only)."""
    reports = queue(session=session, actor=actor, limit=limit)
    listing_ids = {r.listing_id for r in reports if r.listing_id is not None}
    owners = dict(session.execute(select(col(Listing.id), col(Listing.owner_id))
                                  .where(col(Listing.id).in_(listing_ids))).tuples().all()) if listing_ids else {}
    return [QueueItem(report=r, seller_id=r.seller_id or (owners.get(r.listing_id) if r.listing_id else None))
            for r in reports]


@dataclass(frozen=True)
class HiddenListing:
    listing: Listing
    seller_banned: bool


def hidden(*, session: Session, actor: Actor, limit: int = 100) -> list[HiddenListing]:
    """Listings moderators took off the store (by hand or by banning their seller), newest first (admins only)."""
    require_admin(session=session, actor=actor, action="marketplace.moderation")
    rows = list(session.execute(select(Listing).where(col(Listing.status) == ListingStatus.HIDDEN)
                                .order_by(col(Listing.hidden_at).desc()).limit(min(max(limit, 1), 500))).scalars())
    banned = set(session.execute(select(col(SellerAccount.owner_id)).where(
        col(SellerAccount.owner_id).in_({r.owner_id for r in rows}), col(SellerAccount.banned_at).is_not(None)))
        .scalars()) if rows else set()
    return [HiddenListing(listing=r, seller_banned=r.owner_id in banned) for r in rows]


def act(*, session: Session, actor: Actor, action: str, reason: str = "", listing_id: uuid.UUID | None = None,
        review_id: uuid.UUID | None = None, seller_id: uuid.UUID | None = None,
        report_id: uuid.UUID | None = None) -> ModerationAction:
    """One admin action; the report it answers (if any) is resolved, or dismissed for DISMISS_REPORT."""
    require_admin(session=session, actor=actor, action="marketplace.moderation")
    if action not in set(ModerationActionKind):
        raise InvalidInput(f"Choose an action: {', '.join(ModerationActionKind)} (not {action!r}).")
    reason = (reason or "").strip()[:1000]
    now = utcnow()
    kind = ModerationActionKind(action)
    if kind in (ModerationActionKind.HIDE, ModerationActionKind.RESTORE):
        listing = session.get(Listing, listing_id) if listing_id else None
        if listing is None:
            raise InvalidInput("Choose the listing to hide or restore.")
        if kind == ModerationActionKind.HIDE:
            if listing.status == ListingStatus.HIDDEN:
                raise Conflict("This listing is already hidden.")
            listing.status, listing.hidden_at, listing.hidden_reason = ListingStatus.HIDDEN, now, reason[:500]
        else:
            if listing.status != ListingStatus.HIDDEN:
                raise Conflict("This listing is not hidden, so there is nothing to restore.")
            banned = session.execute(select(col(SellerAccount.id)).where(
                col(SellerAccount.owner_id) == listing.owner_id, col(SellerAccount.banned_at).is_not(None))).first()
            if banned is not None:
                raise Conflict("This seller is banned; unban the seller first, then restore their listings.")
            listing.status, listing.hidden_at, listing.hidden_reason = ListingStatus.PUBLISHED, None, ""
        listing.updated_at = now
        session.add(listing)
    elif kind == ModerationActionKind.HIDE_REVIEW:
        review = session.get(Review, review_id) if review_id else None
        if review is None:
            raise InvalidInput("Choose the review to hide.")
        review.hidden_at = now
        session.add(review)
    elif kind in (ModerationActionKind.BAN_SELLER, ModerationActionKind.UNBAN_SELLER):
        if seller_id is None:
            raise InvalidInput("Choose the seller to ban or unban.")
        _ban(session, seller_id, reason, now, ban=kind == ModerationActionKind.BAN_SELLER)
    elif report_id is None:
        raise InvalidInput("Choose the report to dismiss.")
    row = ModerationAction(admin_id=actor.user_id, action=kind, listing_id=listing_id, review_id=review_id,
                           seller_id=seller_id, report_id=report_id, reason=reason)
    session.add(row)
    if report_id is not None:
        rep = session.get(Report, report_id)
        if rep is None:
            raise NotFound()
        rep.status = ReportStatus.DISMISSED if kind == ModerationActionKind.DISMISS_REPORT else ReportStatus.RESOLVED
        rep.resolved_at = now
        session.add(rep)
    target = f"listing:{listing_id}" if listing_id else f"review:{review_id}" if review_id else \
        f"seller:{seller_id}" if seller_id else f"report:{report_id}"
    audit.record(session, actor, f"marketplace.moderation.{kind}", target=target, details={"reason": reason})
    session.commit()
    return row


def _ban(session: Session, seller_id: uuid.UUID, reason: str, now: datetime, *, ban: bool) -> None:
    accounts = session.execute(select(SellerAccount).where(col(SellerAccount.owner_id) == seller_id)).scalars().all()
    if not accounts:
        raise NotFound("That user has no seller account.")
    for account in accounts:
        account.banned_at, account.ban_reason = (now, reason[:500]) if ban else (None, "")
        session.add(account)
    if ban:  # every listing on sale leaves the store; unbanning leaves them hidden for a case-by-case restore
        session.execute(update(Listing).where(col(Listing.owner_id) == seller_id,
                                              col(Listing.status) == ListingStatus.PUBLISHED)
                        .values(status=ListingStatus.HIDDEN, hidden_at=now,
                                hidden_reason=f"seller banned: {reason}"[:500]))
