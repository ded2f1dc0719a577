"""Drafts and approvals: a post held back from publishing until someone lets it go.

Who is a manager: the owner of the post, in the app (the person who connected the accounts decides what
goes out on them), and whoever holds an external review link the owner made — a manager, label or client
without an account here. A link is signed, answered once and expires (72 hours unless asked otherwise).
A held post is skipped by the publisher's sweep; approved, it goes out at its time (at once when that has
passed while it waited)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from maxbooster.models.base import utcnow
from maxbooster.models.social import (
    HoldState,
    ReviewDecision,
    SocialAccount,
    SocialPost,
    SocialPostHold,
    SocialReviewLink,
    VariantState,
)
from maxbooster.services import audit
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.errors import Conflict, InvalidInput, NotFound
from maxbooster.services.social import crypto, posts

REVIEW_TTL = timedelta(hours=72)
MAX_REVIEW_TTL = timedelta(days=30)
_PURPOSE = "social-review"
_SEAL_TTL_S = int(MAX_REVIEW_TTL.total_seconds()) + 86400  # the row's expires_at is the real limit


def holds_for(*, session: Session, actor: Actor, post_ids: list[uuid.UUID]) -> dict[uuid.UUID, SocialPostHold]:
    """The holds of these posts of the acting user (posts without one are not held)."""
    if not post_ids:
        return {}
    rows = session.exec(select(SocialPostHold).where(col(SocialPostHold.owner_id) == actor.require_user(),
                                                     col(SocialPostHold.post_id).in_(post_ids))).all()
    return {row.post_id: row for row in rows}


def _hold(session: Session, actor: Actor, post_id: uuid.UUID) -> tuple[SocialPost, SocialPostHold | None]:
    post = get_owned(session=session, model=SocialPost, obj_id=post_id, actor=actor)
    return post, session.exec(select(SocialPostHold).where(col(SocialPostHold.post_id) == post.id)).first()


def _not_gone(session: Session, actor: Actor, post_id: uuid.UUID) -> None:
    variants = posts.variants_of(session=session, actor=actor, post_id=post_id)
    if not any(v.state == VariantState.SCHEDULED for v in variants):
        raise Conflict("This post has already gone out (or failed); there is nothing left to hold.")


def request_approval(*, session: Session, actor: Actor, post_id: uuid.UUID) -> SocialPostHold:
    """Hold a post (a draft, a scheduled one, or one sent back) until a manager approves it."""
    post, hold = _hold(session, actor, post_id)
    _not_gone(session, actor, post.id)
    if hold is not None and hold.state == HoldState.AWAITING_APPROVAL:
        return hold
    hold = hold or SocialPostHold(owner_id=post.owner_id, post_id=post.id)
    hold.state, hold.updated_at = HoldState.AWAITING_APPROVAL, utcnow()
    session.add(hold)
    audit.record(session, actor, "social.post.request_approval", target=f"social_posts:{post.id}")
    session.commit()
    return hold


def schedule_draft(*, session: Session, actor: Actor, post_id: uuid.UUID, now: datetime | None = None) -> SocialPost:
    """A draft goes on the schedule: it is published at its time (a time already past is refused)."""
    post, hold = _hold(session, actor, post_id)
    if hold is None or hold.state != HoldState.DRAFT:
        raise Conflict("This post is not a draft; it is already scheduled or waiting for approval.")
    if post.scheduled_at < (now or utcnow()) - posts.PAST_GRACE:
        raise InvalidInput("This draft's time has passed; drag it to a new day or choose a new time first.")
    session.delete(hold)
    audit.record(session, actor, "social.post.schedule_draft", target=f"social_posts:{post.id}")
    session.commit()
    return post


def decide(*, session: Session, actor: Actor, post_id: uuid.UUID, decision: ReviewDecision,
           comment: str = "") -> SocialPostHold:
    """The owner, as manager, approves a held post or sends it back with a comment."""
    post, hold = _hold(session, actor, post_id)
    if hold is None or hold.state not in (HoldState.AWAITING_APPROVAL, HoldState.CHANGES_REQUESTED):
        raise Conflict("This post is not waiting for approval.")
    return _apply(session, actor, hold, decision, comment, decided_by="owner")


def _check(decision: str, comment: str) -> str:
    comment = (comment or "").strip()
    if decision not in tuple(ReviewDecision):
        raise InvalidInput("Choose approve or request changes.")
    if len(comment) > 2000:
        raise InvalidInput("Keep the comment under 2,000 characters.")
    if decision == ReviewDecision.REQUEST_CHANGES and not comment:
        raise InvalidInput("Say what should change, so the artist knows what to fix.")
    return comment


def _apply(session: Session, actor: Actor, hold: SocialPostHold, decision: str, comment: str,
           *, decided_by: str) -> SocialPostHold:
    comment = _check(decision, comment)
    hold.state = HoldState.APPROVED if decision == ReviewDecision.APPROVE else HoldState.CHANGES_REQUESTED
    hold.comment, hold.decided_by, hold.decided_at, hold.updated_at = comment, decided_by[:200], utcnow(), utcnow()
    session.add(hold)
    audit.record(session, actor, f"social.post.{decision}", target=f"social_posts:{hold.post_id}",
                 details={"by": decided_by[:200]})
    session.commit()
    return hold


def create_review_link(*, session: Session, actor: Actor, post_id: uuid.UUID,
                       valid_for: timedelta = REVIEW_TTL) -> tuple[str, datetime]:
    """A signed token for someone without an account to approve or send back the post; (token, expiry).
    The post is held awaiting approval from now on."""
    if not timedelta(minutes=5) <= valid_for <= MAX_REVIEW_TTL:
        raise InvalidInput("A review link lasts from 5 minutes to 30 days.")
    hold = request_approval(session=session, actor=actor, post_id=post_id)
    link = SocialReviewLink(owner_id=hold.owner_id, post_id=hold.post_id, expires_at=utcnow() + valid_for)
    session.add(link)
    audit.record(session, actor, "social.post.review_link", target=f"social_posts:{hold.post_id}",
                 details={"expires_at": link.expires_at.isoformat(timespec="minutes")})
    session.commit()
    return crypto.seal(_PURPOSE, {"lid": str(link.id)}), link.expires_at


@dataclass(frozen=True)
class ReviewView:
    """What the reviewer sees: the post as each account will get it, its time and hold."""

    post_id: uuid.UUID
    scheduled_at: datetime
    expires_at: datetime
    state: str
    variants: list[tuple[str, str, str]]  # (network, handle, text)


def _link(session: Session, token: str) -> SocialReviewLink:
    data = crypto.unseal(_PURPOSE, token, ttl_s=_SEAL_TTL_S)
    link = None
    if data is not None:
        try:
            link = session.get(SocialReviewLink, uuid.UUID(str(data.get("lid"))))
        except ValueError:
            link = None
    if link is None:
        raise NotFound("This review link is not valid (it may be cut short or the post was deleted). "
                       "Ask the artist for a new one.")
    if link.used_at is not None:
        raise Conflict(f"This review link was already used on {link.used_at:%Y-%m-%d %H:%M} UTC; "
                       "ask the artist for a new link to review again.")
    if link.expires_at <= utcnow():
        raise Conflict(f"This review link expired on {link.expires_at:%Y-%m-%d %H:%M} UTC; "
                       "ask the artist for a new one.")
    return link


def review_by_link(*, session: Session, actor: Actor, token: str) -> ReviewView:
    """The post behind a review link (no account needed); refused when expired, used or forged."""
    link = _link(session, token)
    post = session.get(SocialPost, link.post_id)
    hold = session.exec(select(SocialPostHold).where(col(SocialPostHold.post_id) == link.post_id)).first()
    if post is None:
        raise NotFound("The post of this review link was deleted.")
    owner = actor.as_user(post.owner_id)
    rows = []
    for v in posts.variants_of(session=session, actor=owner, post_id=post.id):
        account = session.get(SocialAccount, v.account_id) if v.account_id else None
        rows.append((v.network, account.handle if account else "(disconnected)", v.text))
    return ReviewView(post.id, post.scheduled_at, link.expires_at, hold.state if hold else "", rows)


def answer_review(*, session: Session, actor: Actor, token: str, decision: str, reviewer: str = "",
                  comment: str = "") -> SocialPostHold:
    """Approve or request changes through a review link; the link is used up by the answer."""
    link = _link(session, token)
    hold = session.exec(select(SocialPostHold).where(col(SocialPostHold.post_id) == link.post_id)).first()
    if hold is None or hold.state not in (HoldState.AWAITING_APPROVAL, HoldState.CHANGES_REQUESTED):
        raise Conflict("This post is no longer waiting for approval; nothing was changed.")
    clean = _check(decision, comment)  # before anything changes: a refused answer leaves the link usable
    name = (reviewer or "").strip()[:100] or "reviewer"
    link.used_at, link.decision, link.reviewer, link.comment = utcnow(), decision, name, clean
    session.add(link)
    return _apply(session, actor, hold, decision, comment, decided_by=f"{name} (review link)")
