"""Posts: one post for several accounts, a variant per account (its own text and media), checked
against each network's rules before it is stored, and scheduled for a minute (now or later).

Each variant gets its idempotency key when it is created, so the key exists before any call to the
network; media are stored files of the owner (`stored_files` ids).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_
from sqlmodel import Session, col, select

from maxbooster.models.base import utcnow
from maxbooster.models.social import (
    AccountState,
    HoldState,
    SocialAccount,
    SocialPost,
    SocialPostHold,
    SocialPostVariant,
    VariantState,
)
from maxbooster.services import audit
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.errors import Conflict, InvalidInput
from maxbooster.services.releases import smartlinks
from maxbooster.services.social import attachments
from maxbooster.services.social.attachments import MediaRef
from maxbooster.services.social.validation import Check, MediaInfo, check_variant, limits_for

PAST_GRACE = timedelta(seconds=60)  # "now" typed a little while ago is still now
MAX_AHEAD = timedelta(days=366)
MAX_TEXT = 20_000  # far above any network's limit: a guard against pasted books, not a network rule


@dataclass(frozen=True)
class VariantIn:
    account_id: uuid.UUID
    text: str = ""
    media: list[MediaRef] = field(default_factory=list)


@dataclass(frozen=True)
class PostIn:
    """A post; with `release_id` each variant ends with the release's smart link tagged for its network
    (utm_source=<network>, utm_medium=social, utm_campaign=`campaign` or the release's link name)."""

    scheduled_at: datetime
    variants: list[VariantIn]
    release_id: uuid.UUID | None = None
    campaign: str = ""


def _media(session: Session, actor: Actor, refs: list[MediaRef]) -> list[MediaInfo]:
    return [attachments.describe(session=session, actor=actor, ref=ref) for ref in refs]


def _stored(session: Session, actor: Actor, refs: list[MediaRef]) -> list[dict[str, str]]:
    """The stored files to publish (a cover or excerpt is made here, after every check passed)."""
    out = []
    for ref in refs:
        record = attachments.materialize(session=session, actor=actor, ref=ref)
        out.append({"file_id": str(record.id), "description": ref.description, "kind": str(ref.kind)})
    return out


def with_link(text: str, link: str) -> str:
    """`text` ending with `link` on its own line (unchanged when it already has it)."""
    if not link or link in text:
        return text
    return f"{text.rstrip()}\n\n{link}" if text.strip() else link


def check_text(*, session: Session, actor: Actor, account_id: uuid.UUID, text: str,
               media: list[MediaRef] | None = None) -> Check:
    """Live validation for the composer: the length as the account's network counts it, and problems."""
    account = get_owned(session=session, model=SocialAccount, obj_id=account_id, actor=actor)
    infos = _media(session, actor, media or [])
    return check_variant(account.network, text, infos, limits_for(account.network, account.limits))


def _check_schedule(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise InvalidInput("Give the time with its time zone (e.g. 2026-12-24T18:00:00+01:00).")
    now = utcnow()
    if when < now - PAST_GRACE:
        raise InvalidInput(f"{when:%Y-%m-%d %H:%M} UTC is in the past; choose a time from now on.")
    if when > now + MAX_AHEAD:
        raise InvalidInput("Posts can be scheduled at most a year ahead.")
    return max(when, now)


def create_post(*, session: Session, actor: Actor, data: PostIn, hold: HoldState | None = None) -> SocialPost:
    """Store a post and its variants, scheduled; nothing is stored when any variant is refused.
    With `hold` (a draft, or awaiting approval) the post is stored held back in the same commit."""
    owner = actor.require_user()
    when = _check_schedule(data.scheduled_at)
    if not data.variants:
        raise InvalidInput("Choose at least one account to post to.")
    if len({v.account_id for v in data.variants}) != len(data.variants):
        raise InvalidInput("Each account can appear once in a post.")
    post = SocialPost(owner_id=owner, scheduled_at=when)
    checked = []
    for given in data.variants:
        account = get_owned(session=session, model=SocialAccount, obj_id=given.account_id, actor=actor)
        if account.state != AccountState.CONNECTED:
            raise InvalidInput(f"{account.handle} must be connected again before posting to it.")
        if len(given.text) > MAX_TEXT:
            raise InvalidInput(f"The text for {account.handle} is far too long.")
        text = given.text
        if data.release_id is not None:
            text = with_link(text, smartlinks.utm_url(session=session, actor=actor, release_id=data.release_id,
                                                      source=account.network, campaign=data.campaign))
        infos = _media(session, actor, given.media)
        check = check_variant(account.network, text, infos, limits_for(account.network, account.limits))
        if not check.ok:
            raise InvalidInput(f"{account.handle}: " + " ".join(check.problems))
        checked.append((account, text, given.media))
    rows = [SocialPostVariant(owner_id=owner, post_id=post.id, account_id=account.id, network=account.network,
                              text=text, media=_stored(session, actor, media), due_at=when,
                              idempotency_key=uuid.uuid4().hex) for account, text, media in checked]
    session.add(post)
    session.flush()  # the post before its variants (no relationship() orders the inserts)
    session.add_all(rows)
    if hold is not None:
        if hold == HoldState.APPROVED:
            raise InvalidInput("A new post cannot start approved; ask for approval instead.")
        session.add(SocialPostHold(owner_id=owner, post_id=post.id, state=hold))
    audit.record(session, actor, "social.post.create", target=f"social_posts:{post.id}",
                 details={"variants": len(rows), "scheduled_at": when.isoformat(timespec="seconds"),
                          "hold": hold or ""})
    session.commit()
    return post


def variants_of(*, session: Session, actor: Actor, post_id: uuid.UUID) -> list[SocialPostVariant]:
    post = get_owned(session=session, model=SocialPost, obj_id=post_id, actor=actor)
    query = select(SocialPostVariant).where(col(SocialPostVariant.post_id) == post.id)
    return list(session.exec(query.order_by(col(SocialPostVariant.created_at))).all())


def list_posts(*, session: Session, actor: Actor, start: datetime | None = None,
               end: datetime | None = None) -> list[SocialPost]:
    """The acting user's posts scheduled in [start, end), earliest first."""
    query = select(SocialPost).where(col(SocialPost.owner_id) == actor.require_user())
    if start is not None:
        query = query.where(col(SocialPost.scheduled_at) >= start)
    if end is not None:
        query = query.where(col(SocialPost.scheduled_at) < end)
    return list(session.exec(query.order_by(col(SocialPost.scheduled_at))).all())


def reschedule_post(*, session: Session, actor: Actor, post_id: uuid.UUID, scheduled_at: datetime) -> SocialPost:
    """Move the variants that have not started publishing to a new time."""
    post = get_owned(session=session, model=SocialPost, obj_id=post_id, actor=actor)
    when = _check_schedule(scheduled_at)
    waiting = [v for v in variants_of(session=session, actor=actor, post_id=post.id)
               if v.state == VariantState.SCHEDULED and v.job_id is None]
    if not waiting:
        raise Conflict("This post is already going out (or gone); it cannot be moved.")
    for variant in waiting:
        variant.due_at, variant.updated_at = when, utcnow()
        session.add(variant)
    post.scheduled_at, post.updated_at = when, utcnow()
    session.add(post)
    session.commit()
    return post


def delete_post(*, session: Session, actor: Actor, post_id: uuid.UUID) -> None:
    """Delete a post from the calendar. Refused while a variant is being published; what is already
    published stays on the network (delete it there)."""
    post = get_owned(session=session, model=SocialPost, obj_id=post_id, actor=actor)
    v = SocialPostVariant
    idle = or_(col(v.state).in_([VariantState.PUBLISHED, VariantState.FAILED]),
               and_(col(v.state) == VariantState.SCHEDULED, col(v.job_id).is_(None)))
    session.execute(delete(v).where(col(v.post_id) == post.id, idle))  # a sweep cannot claim what is gone
    if session.exec(select(v.id).where(col(v.post_id) == post.id)).first() is not None:
        session.rollback()
        raise Conflict("This post is being published right now; try again in a minute.")
    audit.record(session, actor, "social.post.delete", target=f"social_posts:{post.id}")
    session.delete(post)
    session.commit()


def retry_variant(*, session: Session, actor: Actor, variant_id: uuid.UUID) -> SocialPostVariant:
    """Send a failed variant again now (same idempotency key: a network that did take it answers with
    that post). Its account must be connected."""
    variant = get_owned(session=session, model=SocialPostVariant, obj_id=variant_id, actor=actor)
    if variant.state != VariantState.FAILED:
        raise Conflict("Only a failed post can be sent again.")
    account = session.get(SocialAccount, variant.account_id) if variant.account_id else None
    if account is None or account.state != AccountState.CONNECTED:
        raise InvalidInput("Connect the account again on the accounts page first, then retry.")
    variant.state, variant.job_id, variant.due_at, variant.attempts = VariantState.SCHEDULED, None, utcnow(), 0
    variant.failure_reason = variant.last_error = ""
    variant.first_sent_at, variant.updated_at = None, utcnow()
    session.add(variant)
    audit.record(session, actor, "social.post.retry", target=f"social_post_variants:{variant.id}")
    session.commit()
    return variant
