"""Create, list, show and cancel campaigns. A new campaign is checked whole (nothing is stored when any
part is refused) and its posting slots are planned at once: on every account of the chosen networks,
`posts_per_day` times a day at that account's best local hours (its own history, else the network's
defaults), inside the date range."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlmodel import Session, col, select

from maxbooster import routes
from maxbooster.models.accounts import User
from maxbooster.models.base import utcnow
from maxbooster.models.campaigns import Campaign, CampaignGoal, CampaignSlot, CampaignState, CampaignVariant, SlotState
from maxbooster.models.releases import Release, SmartLink
from maxbooster.models.social import AccountState, SocialAccount, SocialNetwork
from maxbooster.models.storage import StoredFile
from maxbooster.services import audit
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.errors import Conflict, InvalidInput
from maxbooster.services.social import best_time
from maxbooster.services.social.posts import MediaRef
from maxbooster.services.social.validation import MediaInfo, check_variant, limits_for
from maxbooster.settings import get_settings

LABELS = "ABCDEF"
MAX_DAYS = 90
PAST_GRACE = timedelta(minutes=5)
GOAL_WORDS = {CampaignGoal.LINK_CLICKS: "smart-link clicks", CampaignGoal.VIDEO_VIEWS: "video views",
              CampaignGoal.FOLLOWS: "follows"}


@dataclass(frozen=True)
class CampaignVariantIn:
    caption: str
    hook: str = ""  # the opening line
    media: list[MediaRef] = field(default_factory=list)


@dataclass(frozen=True)
class CampaignIn:
    name: str
    goal: str  # a CampaignGoal value
    starts_at: datetime
    ends_at: datetime
    networks: list[str]  # SocialNetwork values: every connected account on them takes part
    variants: list[CampaignVariantIn]
    posts_per_day: int = 2
    smart_link_id: uuid.UUID | None = None  # required for the smart-link-clicks goal


def post_text(*, campaign: Campaign, variant: CampaignVariant, network: str, slug: str | None) -> str:
    """What a slot posts: the hook, the caption and the smart link tagged for this network and variant."""
    parts = [p for p in (variant.hook.strip(), variant.caption.strip()) if p]
    if slug:
        query = urlencode({"utm_source": network, "utm_medium": "social", "utm_campaign": f"mb-{campaign.id.hex[:8]}",
                           "utm_content": variant.label})
        parts.append(f"{get_settings().app_url.rstrip('/')}{routes.smart_link_page(slug)}?{query}")
    return "\n\n".join(parts)


def _check_dates(data: CampaignIn, now: datetime) -> None:
    if data.starts_at.tzinfo is None or data.ends_at.tzinfo is None:
        raise InvalidInput("Give the start and end with their time zone (e.g. 2027-01-10T09:00:00+01:00).")
    if data.ends_at <= data.starts_at:
        raise InvalidInput("The campaign ends before it starts; choose an end after the start.")
    if data.starts_at < now - PAST_GRACE:
        raise InvalidInput("The campaign starts in the past; choose a start from now on.")
    if data.ends_at - data.starts_at > timedelta(days=MAX_DAYS):
        raise InvalidInput(f"A campaign runs at most {MAX_DAYS} days; shorten it or run a second one after it.")


def _accounts(session: Session, owner: uuid.UUID, networks: list[str]) -> list[SocialAccount]:
    known = {n.value for n in SocialNetwork}
    if not networks:
        raise InvalidInput("Choose at least one network to post on.")
    for name in networks:
        if name not in known:
            raise InvalidInput(f"{name!r} is not a network we post to; choose from {', '.join(sorted(known))}.")
    found: list[SocialAccount] = []
    for name in dict.fromkeys(networks):
        mine = session.exec(select(SocialAccount).where(col(SocialAccount.owner_id) == owner,
                                                        col(SocialAccount.network) == name,
                                                        col(SocialAccount.state) == AccountState.CONNECTED)
                            .order_by(col(SocialAccount.created_at))).all()
        if not mine:
            raise InvalidInput(f"Connect a {name} account first (Social → Accounts), then create the campaign.")
        found += mine
    return found


def _media(session: Session, actor: Actor, refs: list[MediaRef]) -> tuple[list[MediaInfo], list[dict[str, str]]]:
    infos, stored = [], []
    for ref in refs:
        record = get_owned(session=session, model=StoredFile, obj_id=ref.file_id, actor=actor)
        infos.append(MediaInfo(name=record.original_name, mime=record.content_type, size_bytes=record.size_bytes))
        stored.append({"file_id": str(record.id), "description": ref.description[:1500]})
    return infos, stored


def _variants(session: Session, actor: Actor, campaign: Campaign, given: list[CampaignVariantIn],
              accounts: list[SocialAccount], slug: str | None) -> list[CampaignVariant]:
    if len(given) < 2:
        raise InvalidInput("Add at least two variants: the campaign learns by comparing them.")
    if len(given) > len(LABELS):
        raise InvalidInput(f"A campaign compares at most {len(LABELS)} variants.")
    rows = []
    for label, item in zip(LABELS, given, strict=False):
        if not (item.caption.strip() or item.hook.strip()):
            raise InvalidInput(f"Variant {label} is empty; write its caption or hook.")
        if len(item.hook) > 300:
            raise InvalidInput(f"Variant {label}'s hook is over 300 characters; keep it to one line.")
        infos, stored = _media(session, actor, item.media)
        row = CampaignVariant(campaign_id=campaign.id, label=label, hook=item.hook.strip(),
                              caption=item.caption.strip(), media=stored)
        for account in accounts:
            text = post_text(campaign=campaign, variant=row, network=account.network, slug=slug)
            check = check_variant(account.network, text, infos, limits_for(account.network, account.limits))
            if not check.ok:
                raise InvalidInput(f"Variant {label} on {account.handle}: " + " ".join(check.problems))
        rows.append(row)
    return rows


def plan_slots(*, session: Session, campaign: Campaign, accounts: list[SocialAccount], timezone: str,
               now: datetime) -> list[CampaignSlot]:
    """The campaign's posting times: each account's best local hours on each day of the range."""
    zone = best_time.zone_of(timezone)
    slots = []
    for account in accounts:
        hours = best_time.daily_hours(session=session, account=account, timezone=timezone,
                                      count=campaign.posts_per_day)
        day, last = campaign.starts_at.astimezone(zone).date(), campaign.ends_at.astimezone(zone).date()
        while day <= last:
            for hour in hours[day.weekday()]:
                at = datetime(day.year, day.month, day.day, hour, tzinfo=zone)
                if campaign.starts_at <= at < campaign.ends_at and at > now:
                    slots.append(CampaignSlot(campaign_id=campaign.id, account_id=account.id, network=account.network,
                                              due_at=at.astimezone(campaign.starts_at.tzinfo)))
            day += timedelta(days=1)
    return slots


def create_campaign(*, session: Session, actor: Actor, data: CampaignIn, now: datetime | None = None) -> Campaign:
    """Check and store a campaign with its variants and planned slots (nothing is stored on a refusal)."""
    owner, now = actor.require_user(), now or utcnow()
    name = data.name.strip()
    if not 1 <= len(name) <= 120:
        raise InvalidInput("Give the campaign a name of 1 to 120 characters.")
    if data.goal not in {g.value for g in CampaignGoal}:
        raise InvalidInput("Choose the goal: smart-link clicks, video views or follows.")
    if not 1 <= data.posts_per_day <= 6:
        raise InvalidInput("Post 1 to 6 times a day per account.")
    _check_dates(data, now)
    slug = None
    if data.smart_link_id is not None:
        slug = get_owned(session=session, model=SmartLink, obj_id=data.smart_link_id, actor=actor).slug
    elif data.goal == CampaignGoal.LINK_CLICKS:
        raise InvalidInput("Choose the smart link the campaign sends people to (a release's smart link).")
    accounts = _accounts(session, owner, data.networks)
    campaign = Campaign(owner_id=owner, name=name, goal=data.goal, starts_at=data.starts_at, ends_at=data.ends_at,
                        posts_per_day=data.posts_per_day, smart_link_id=data.smart_link_id)
    variants = _variants(session, actor, campaign, data.variants, accounts, slug)
    user = session.get(User, owner)
    slots = plan_slots(session=session, campaign=campaign, accounts=accounts,
                       timezone=user.timezone if user else "UTC", now=now)
    if not slots:
        raise InvalidInput("No posting time falls inside these dates; make the campaign longer.")
    session.add(campaign)
    session.flush()
    session.add_all([*variants, *slots])
    audit.record(session, actor, "campaigns.create", target=f"campaigns:{campaign.id}",
                 details={"goal": data.goal, "variants": len(variants), "slots": len(slots)})
    session.commit()
    return campaign


def list_campaigns(*, session: Session, actor: Actor) -> list[Campaign]:
    query = select(Campaign).where(col(Campaign.owner_id) == actor.require_user())
    return list(session.exec(query.order_by(col(Campaign.starts_at).desc())).all())


def get_campaign(*, session: Session, actor: Actor, campaign_id: uuid.UUID) -> Campaign:
    return get_owned(session=session, model=Campaign, obj_id=campaign_id, actor=actor)


def campaign_variants(*, session: Session, actor: Actor, campaign_id: uuid.UUID) -> list[CampaignVariant]:
    campaign = get_campaign(session=session, actor=actor, campaign_id=campaign_id)
    query = select(CampaignVariant).where(col(CampaignVariant.campaign_id) == campaign.id)
    return list(session.exec(query.order_by(col(CampaignVariant.label))).all())


def campaign_slots(*, session: Session, actor: Actor, campaign_id: uuid.UUID) -> list[CampaignSlot]:
    """The campaign's slots in time order: chosen variant, draws and whether it explored."""
    campaign = get_campaign(session=session, actor=actor, campaign_id=campaign_id)
    query = select(CampaignSlot).where(col(CampaignSlot.campaign_id) == campaign.id)
    return list(session.exec(query.order_by(col(CampaignSlot.due_at), col(CampaignSlot.network))).all())


def cancel_campaign(*, session: Session, actor: Actor, campaign_id: uuid.UUID) -> Campaign:
    """Stop a campaign: slots not yet filled are skipped; posts already scheduled stay in the calendar
    (delete them there if they should not go out)."""
    campaign = get_campaign(session=session, actor=actor, campaign_id=campaign_id)
    if campaign.state == CampaignState.CANCELLED:
        raise Conflict("This campaign is already cancelled.")
    campaign.state, campaign.updated_at = CampaignState.CANCELLED, utcnow()
    for slot in session.exec(select(CampaignSlot).where(col(CampaignSlot.campaign_id) == campaign.id,
                                                        col(CampaignSlot.state) == SlotState.PLANNED)).all():
        slot.state, slot.note = SlotState.SKIPPED, "The campaign was cancelled."
        session.add(slot)
    session.add(campaign)
    audit.record(session, actor, "campaigns.cancel", target=f"campaigns:{campaign.id}")
    session.commit()
    return campaign


def smart_link_choices(*, session: Session, actor: Actor) -> list[tuple[uuid.UUID, str]]:
    """The smart links a campaign can send people to: (link id, release title), newest release first."""
    query = (select(SmartLink.id, Release.title).join(Release, col(Release.id) == col(SmartLink.release_id))
             .where(col(SmartLink.owner_id) == actor.require_user()).order_by(col(Release.created_at).desc()))
    return [(link_id, title) for link_id, title in session.exec(query).all()]
