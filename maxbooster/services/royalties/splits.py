"""Splits of a release track: shares in basis points adding up to exactly 10,000, collaborators invited
by email (a one-time link to accept or decline), an optional recoupment paid to one party first.

Until a collaborator accepts, their share is paid to the owner (`effective_shares`). Every change and
every answer is audited; tokens are stored only as their sha256.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlmodel import Session, col

from maxbooster import routes
from maxbooster.models.accounts import User
from maxbooster.models.base import utcnow
from maxbooster.models.releases import Release, ReleaseTrack
from maxbooster.models.royalties import InviteStatus, RoyaltySplit, SplitShare
from maxbooster.services import audit
from maxbooster.services.access import get_owned
from maxbooster.services.accounts.common import hash_token, new_token, normalise_email
from maxbooster.services.actor import Actor
from maxbooster.services.email import render, send_email
from maxbooster.services.errors import ErrorCode, InvalidInput, NotFound, invalid
from maxbooster.services.money import BPS_WHOLE, Money
from maxbooster.settings import get_settings

MAX_SHARES = 50


@dataclass(frozen=True)
class ShareIn:
    email: str
    share_bps: int


@dataclass(frozen=True)
class SplitIn:
    """The whole split (replaces the previous one). `recoup_amount_minor` > 0 needs a currency and a
    party (`recoup_email`, one of the shares' emails)."""

    shares: list[ShareIn]
    recoup_amount_minor: int = 0
    recoup_currency: str = ""
    recoup_email: str = ""


@dataclass(frozen=True)
class SplitView:
    split: RoyaltySplit | None
    shares: list[SplitShare]


def percent(bps: int) -> str:
    """9990 → '99.9', 10000 → '100', 3333 → '33.33'."""
    return f"{bps / 100:.2f}".rstrip("0").rstrip(".")


def owned_track(*, session: Session, actor: Actor, release_id: uuid.UUID, track_id: uuid.UUID) -> ReleaseTrack:
    """The release track of the acting user's release, else NotFound."""
    release = get_owned(session=session, model=Release, obj_id=release_id, actor=actor)
    track = session.get(ReleaseTrack, track_id)
    if track is None or track.release_id != release.id:
        raise NotFound()
    return track


def shares_of(*, session: Session, split_id: uuid.UUID) -> list[SplitShare]:
    stmt = select(SplitShare).where(col(SplitShare.split_id) == split_id).order_by(
        col(SplitShare.is_owner).desc(), col(SplitShare.share_bps).desc(), col(SplitShare.email))
    return list(session.execute(stmt).scalars())


def split_for_track(*, session: Session, release_track_id: uuid.UUID) -> RoyaltySplit | None:
    return session.execute(select(RoyaltySplit).where(
        col(RoyaltySplit.release_track_id) == release_track_id)).scalar_one_or_none()


def get_split(*, session: Session, actor: Actor, release_id: uuid.UUID, track_id: uuid.UUID) -> SplitView:
    """The track's split (None and no shares when it has none: everything goes to the owner)."""
    track = owned_track(session=session, actor=actor, release_id=release_id, track_id=track_id)
    split = split_for_track(session=session, release_track_id=track.id)
    return SplitView(split, shares_of(session=session, split_id=split.id) if split else [])


def check_shares(shares: list[ShareIn]) -> list[ShareIn]:
    """Normalised shares; InvalidInput with a plain message when they do not add up to exactly 100 %."""
    if not shares:
        raise InvalidInput("Add at least one share (yours at 100 % if you keep everything).")
    if len(shares) > MAX_SHARES:
        raise InvalidInput(f"A split can have at most {MAX_SHARES} collaborators.")
    clean: list[ShareIn] = []
    for s in shares:
        if isinstance(s.share_bps, bool) or not isinstance(s.share_bps, int) or not 0 < s.share_bps <= BPS_WHOLE:
            raise InvalidInput(f"The share of {s.email} must be more than 0 % and at most 100 % "
                               "(in basis points: 1 to 10000).")
        clean.append(ShareIn(normalise_email(s.email), s.share_bps))
    emails = [s.email for s in clean]
    if len(set(emails)) != len(emails):
        twice = sorted({e for e in emails if emails.count(e) > 1})
        raise InvalidInput(f"{', '.join(twice)} appears more than once; give each person one share.")
    total = sum(s.share_bps for s in clean)
    if total != BPS_WHOLE:
        raise InvalidInput(f"The shares add up to {percent(total)} %; they must add up to exactly 100 %.")
    return clean


def _check_recoupment(data: SplitIn, emails: set[str]) -> tuple[int, str, str]:
    if not data.recoup_amount_minor:
        return 0, "", ""
    money = Money(data.recoup_amount_minor, data.recoup_currency)  # InvalidInput on a bad currency
    if money.amount_minor < 0:
        raise InvalidInput("A recoupment is an amount to pay back first; it cannot be negative.")
    party = normalise_email(data.recoup_email) if data.recoup_email else ""
    if party not in emails:
        raise InvalidInput("Choose who is paid the recoupment first: one of the people in the split.")
    return money.amount_minor, money.currency, party


def _invite(session: Session, share: SplitShare, owner: User, track: ReleaseTrack) -> None:
    raw = new_token()
    share.token_hash, share.status, share.invited_at, share.answered_at = hash_token(raw), \
        InviteStatus.PENDING, utcnow(), None
    # The link opens the invitation page (what is offered, Accept / Decline); API users answer the same
    # token at V1_ROYALTY_INVITE_ANSWER.
    link = get_settings().app_url.rstrip("/") + routes.with_query(routes.ROYALTY_INVITE, token=raw)
    send_email(session=session, message=render(
        "royalty_invite", to=share.email, owner=owner.display_name or owner.email, track=track.title,
        share=percent(share.share_bps), link=link))


def set_split(*, session: Session, actor: Actor, release_id: uuid.UUID, track_id: uuid.UUID,
              data: SplitIn) -> SplitView:
    """Replace the track's split. New collaborators (and those whose share changed) get an invitation
    by email and are pending; an unchanged share keeps its answer; the owner's share is accepted."""
    track = owned_track(session=session, actor=actor, release_id=release_id, track_id=track_id)
    owner = session.get(User, actor.require_user())
    if owner is None:
        raise NotFound()
    shares = check_shares(data.shares)
    amount, currency, party = _check_recoupment(data, {s.email for s in shares})
    split = split_for_track(session=session, release_track_id=track.id)
    before = {s.email: (s.share_bps, s.status) for s in shares_of(session=session, split_id=split.id)} if split else {}
    if split is None:
        split = RoyaltySplit(owner_id=owner.id, release_track_id=track.id)
        session.add(split)
        session.flush()
    split.recoup_amount_minor, split.recoup_currency, split.recoup_email = amount, currency, party
    split.updated_at = utcnow()
    existing = {s.email: s for s in shares_of(session=session, split_id=split.id)}
    wanted = {s.email for s in shares}
    session.execute(delete(SplitShare).where(col(SplitShare.split_id) == split.id,
                                             col(SplitShare.email).notin_(wanted)))
    to_invite: list[SplitShare] = []
    for s in shares:
        row = existing.get(s.email)
        is_owner = s.email == owner.email
        if row is None:
            row = SplitShare(split_id=split.id, email=s.email, share_bps=s.share_bps)
            session.add(row)
        elif row.share_bps == s.share_bps and row.is_owner == is_owner:
            continue
        row.share_bps, row.is_owner = s.share_bps, is_owner
        if is_owner:
            row.status, row.user_id, row.token_hash, row.answered_at = InviteStatus.ACCEPTED, owner.id, None, utcnow()
        else:
            to_invite.append(row)
    session.flush()
    audit.record(session, actor, "royalties.split_set", target=f"release_tracks:{track.id}", details={
        "before": {e: v[0] for e, v in before.items()}, "after": {s.email: s.share_bps for s in shares},
        "recoupment": {"amount_minor": amount, "currency": currency, "party": party} if amount else None})
    for row in to_invite:
        _invite(session, row, owner, track)  # each email commits (outbox), so the split is saved first
    session.commit()
    return SplitView(split, shares_of(session=session, split_id=split.id))


def _share_by_token(session: Session, token: str) -> SplitShare:
    row = session.execute(select(SplitShare).where(
        col(SplitShare.token_hash) == hash_token(token or ""))).scalar_one_or_none()
    if row is None or row.status != InviteStatus.PENDING:
        raise invalid(ErrorCode.INVALID_TOKEN)
    return row


@dataclass(frozen=True)
class InviteView:
    share: SplitShare
    track_title: str
    owner_name: str
    release_title: str = ""


def invitation(*, session: Session, token: str) -> InviteView:
    """What a pending invitation offers (INVALID_TOKEN when used or unknown)."""
    share = _share_by_token(session, token)
    split = session.get(RoyaltySplit, share.split_id)
    track = session.get(ReleaseTrack, split.release_track_id) if split else None
    release = session.get(Release, track.release_id) if track else None
    owner = session.get(User, split.owner_id) if split else None
    return InviteView(share, track.title if track else "", owner.display_name if owner else "",
                      release.title if release else "")


def answer_invitation(*, session: Session, actor: Actor, token: str, accept: bool) -> SplitShare:
    """Accept or decline by the emailed one-time token; an accepted share is linked to the account of
    that email when there is one (earnings are by email either way)."""
    share = _share_by_token(session, token)
    share.status = InviteStatus.ACCEPTED if accept else InviteStatus.DECLINED
    share.token_hash, share.answered_at = None, utcnow()
    user = session.execute(select(User).where(col(User.email) == share.email)).scalar_one_or_none()
    share.user_id = user.id if user and accept else None
    audit.record(session, actor, "royalties.invite_accepted" if accept else "royalties.invite_declined",
                 target=f"royalty_split_shares:{share.id}", details={"split_id": str(share.split_id)})
    session.commit()
    return share


def effective_shares(shares: list[SplitShare], owner_email: str) -> dict[str, int]:
    """Who is paid what (email → basis points): accepted shares to their holder, the rest to the owner."""
    out: dict[str, int] = {}
    for s in shares:
        who = s.email if s.status == InviteStatus.ACCEPTED else owner_email
        out[who] = out.get(who, 0) + s.share_bps
    return out
