"""The composer and calendar actions as the pages send them: live checks for every chosen account
(on the text as it will go out: with the release's smart link tagged for that network, when one is
chosen), the four ways to save (schedule, post now, draft, add to queue) with optional approval, and
moving a post to another day at the same local time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlmodel import Session

from maxbooster.models.base import utcnow
from maxbooster.models.social import HoldState, SocialAccount, SocialPost
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput
from maxbooster.services.library.overview import parse_id
from maxbooster.services.releases import smartlinks
from maxbooster.services.social import compose_media, posts, queues
from maxbooster.services.social.views import ICONS

MODES = ("schedule", "now", "draft", "queue")


@dataclass
class CheckRow:
    """One account's live check: "243 / 500" and what must change."""

    account_id: str
    handle: str
    icon: str
    count: str
    ok: bool
    over: bool
    problems: list[str] = field(default_factory=list)
    network: str = ""
    preview: str = ""  # the text as it goes out to this account (with its tagged link)


@dataclass(frozen=True)
class ComposeIn:
    account_ids: list[str]
    text: str
    overrides: dict[str, str]  # network → its own text ('' or missing: the shared text)
    media_ids: list[str]
    mode: str  # one of MODES
    day: str = ""  # local date YYYY-MM-DD (mode "schedule")
    at: str = ""  # local time HH:MM
    tz: str = "UTC"
    needs_approval: bool = False
    release_id: str = ""  # end each text with this release's smart link, tagged per network ('' for none)
    campaign: str = ""  # utm_campaign ('' : the link's name)


def _accounts(session: Session, actor: Actor, ids: list[str]) -> list[SocialAccount]:
    return [get_owned(session=session, model=SocialAccount, obj_id=parse_id(i), actor=actor) for i in ids]


def _text(account: SocialAccount, data: ComposeIn) -> str:
    return data.overrides.get(account.network) or data.text


def _media(data: ComposeIn) -> list[posts.MediaRef]:
    return [compose_media.parse_token(m) for m in data.media_ids]


def _release(data: ComposeIn) -> uuid.UUID | None:
    return compose_media.choice_id(data.release_id, "release") if data.release_id.strip() else None


def _out_text(session: Session, actor: Actor, account: SocialAccount, data: ComposeIn,
              release_id: uuid.UUID | None) -> str:
    text = _text(account, data)
    if release_id is None:
        return text
    return posts.with_link(text, smartlinks.utm_url(session=session, actor=actor, release_id=release_id,
                                                    source=account.network, campaign=data.campaign))


def check_all(*, session: Session, actor: Actor, data: ComposeIn) -> list[CheckRow]:
    """The check of every chosen account, as its network counts and rules say."""
    rows, media, release_id = [], _media(data), _release(data)
    for account in _accounts(session, actor, data.account_ids):
        text = _out_text(session, actor, account, data, release_id)
        check = posts.check_text(session=session, actor=actor, account_id=account.id, text=text, media=media)
        rows.append(CheckRow(str(account.id), account.handle, ICONS.get(account.network, "globe"),
                             f"{check.length:,} / {check.limit:,}", check.ok, check.length > check.limit,
                             list(check.problems), account.network, text))
    return rows


def local_time(day: str, at: str, tz: str) -> datetime:
    """The UTC instant of a local date and time in `tz`, or a refusal that says what to fix."""
    zi = queues.zone(tz)
    try:
        d = date.fromisoformat(day.strip())
        t = time.fromisoformat(at.strip())
    except ValueError as exc:
        raise InvalidInput("Pick a date and a time for the post (or choose Post now).") from exc
    return datetime.combine(d, t.replace(second=0, microsecond=0), zi)


def submit(*, session: Session, actor: Actor, data: ComposeIn) -> SocialPost:
    """Store the composed post: scheduled, now, as a draft or in the next free queue slot."""
    if data.mode not in MODES:
        raise InvalidInput("Choose Schedule, Post now, Save draft or Add to queue.")
    chosen = _accounts(session, actor, data.account_ids)
    if not chosen:
        raise InvalidInput("Choose at least one account to post to.")
    if data.mode == "now":
        when = utcnow()
    elif data.mode == "queue":
        when = queues.next_free_slot(session=session, actor=actor, account_ids=[a.id for a in chosen])
    else:
        when = local_time(data.day, data.at, data.tz)
    hold = HoldState.DRAFT if data.mode == "draft" else (
        HoldState.AWAITING_APPROVAL if data.needs_approval else None)
    variants = [posts.VariantIn(a.id, _text(a, data), _media(data)) for a in chosen]
    data_in = posts.PostIn(when, variants, release_id=_release(data), campaign=data.campaign)
    return posts.create_post(session=session, actor=actor, data=data_in, hold=hold)


def move_to_day(*, session: Session, actor: Actor, post_id: str, day: str, tz: str) -> SocialPost:
    """A post dropped on another day of the calendar: same local time, that day."""
    post = get_owned(session=session, model=SocialPost, obj_id=parse_id(post_id), actor=actor)
    local = post.scheduled_at.astimezone(queues.zone(tz))
    when = local_time(day, f"{local:%H:%M}", tz)
    return posts.reschedule_post(session=session, actor=actor, post_id=post.id, scheduled_at=when)
