"""/api/v1/campaigns: list and create campaigns (goal, content variants, networks, dates), one campaign
with its variants and slots (which variant each slot got and whether it explored), its uplift report
against the artist's usual posts, and cancel. Another user's campaign reads as not found."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from maxbooster import routes
from maxbooster.api.deps import CallerActor, DbSession
from maxbooster.models.campaigns import Campaign, CampaignGoal
from maxbooster.services.campaigns import campaigns, report
from maxbooster.services.social.attachments import MediaRef

router = APIRouter(tags=["campaigns"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in"}, 404: {"description": "No such campaign, smart link or file of yours"},
    409: {"description": "The campaign is already cancelled"},
    422: {"description": "Invalid input (the message says what to change)"},
}


class MediaIn(BaseModel):
    file_id: uuid.UUID = Field(description="One of your stored files (an upload, cover art, a preview, an audiogram)")
    description: str = Field(default="", max_length=1500, description="Alt text")


class VariantIn(BaseModel):
    caption: str = Field(default="", max_length=20_000)
    hook: str = Field(default="", max_length=300, description="The opening line")
    media: list[MediaIn] = Field(default_factory=list, max_length=10)


class CampaignIn(BaseModel):
    name: str = Field(max_length=200)
    goal: str = Field(description=f"One of: {', '.join(g.value for g in CampaignGoal)}")
    starts_at: datetime = Field(description="With its time zone, e.g. 2027-01-10T09:00:00+01:00")
    ends_at: datetime
    networks: list[str] = Field(max_length=20, description="Every connected account on these networks takes part")
    variants: list[VariantIn] = Field(max_length=20, description="2 to 6 versions of the content")
    posts_per_day: int = Field(default=2, description="Per account, 1 to 6")
    smart_link_id: uuid.UUID | None = Field(default=None, description="Required for the link_clicks goal")


class VariantOut(BaseModel):
    id: uuid.UUID
    label: str
    hook: str
    caption: str
    media: list[dict[str, Any]]


class SlotOut(BaseModel):
    due_at: datetime
    network: str
    account: str
    state: str
    variant: str = Field(description="The label it got ('' while planned)")
    explored: bool = Field(description="True: it tried a variant that was not the current favourite")
    draws: dict[str, float]
    note: str
    events: int | None
    reach: int | None


class CampaignOut(BaseModel):
    id: uuid.UUID
    name: str
    goal: str
    goal_words: str
    state: str
    starts_at: datetime
    ends_at: datetime
    posts_per_day: int
    smart_link_id: uuid.UUID | None
    created_at: datetime


class CampaignDetailOut(CampaignOut):
    variants: list[VariantOut]
    slots: list[SlotOut]


class CampaignListOut(BaseModel):
    items: list[CampaignOut]


class UpliftRowOut(BaseModel):
    variant: str = Field(description="A label or 'all'")
    network: str = Field(description="A network or 'all'")
    posts: int
    reach: int
    events: int
    rate: float
    baseline_posts: int
    baseline_rate: float | None
    uplift: float | None = Field(description="rate − baseline rate; None with too few posts")
    low: float | None = Field(description="95 % interval of the uplift")
    high: float | None
    relative: float | None


class DayOut(BaseModel):
    day: date
    clicks: int
    in_campaign: bool


class ClickUpliftOut(BaseModel):
    campaign_per_day: float
    baseline_per_day: float
    uplift: float
    low: float
    high: float
    days: int
    baseline_days: int


class ReportOut(BaseModel):
    campaign_id: uuid.UUID
    goal: str
    goal_words: str
    baseline_from: datetime
    baseline_to: datetime
    rows: list[UpliftRowOut] = Field(description="Overall first, then per variant, then per variant and network")
    share: dict[str, float] = Field(description="Share of the filled slots each variant got")
    explored_share: float
    slots: list[SlotOut]
    link_days: list[DayOut]
    link_uplift: ClickUpliftOut | None
    message: str


def _campaign(c: Campaign) -> CampaignOut:
    return CampaignOut(id=c.id, name=c.name, goal=c.goal, goal_words=campaigns.GOAL_WORDS[CampaignGoal(c.goal)],
                       state=c.state, starts_at=c.starts_at, ends_at=c.ends_at, posts_per_day=c.posts_per_day,
                       smart_link_id=c.smart_link_id, created_at=c.created_at)


def _slot(p: report.SlotPoint) -> SlotOut:
    return SlotOut(due_at=p.due_at, network=p.network, account=p.account, state=p.state, variant=p.variant,
                   explored=p.explored, draws=p.draws, note=p.note, events=p.events, reach=p.reach)


@router.get(routes.V1_CAMPAIGNS, response_model=CampaignListOut, responses=ERRORS)
def list_campaigns(actor: CallerActor, db: DbSession) -> CampaignListOut:
    """Your campaigns, latest start first."""
    return CampaignListOut(items=[_campaign(c) for c in campaigns.list_campaigns(session=db, actor=actor)])


@router.post(routes.V1_CAMPAIGNS, response_model=CampaignOut, status_code=201, responses=ERRORS)
def create_campaign(body: CampaignIn, actor: CallerActor, db: DbSession) -> CampaignOut:
    """Create a campaign; its posting slots are planned at once (nothing is stored on a refusal)."""
    data = campaigns.CampaignIn(
        name=body.name, goal=body.goal, starts_at=body.starts_at, ends_at=body.ends_at, networks=body.networks,
        variants=[campaigns.CampaignVariantIn(caption=v.caption, hook=v.hook, media=[
            MediaRef(file_id=m.file_id, description=m.description) for m in v.media]) for v in body.variants],
        posts_per_day=body.posts_per_day, smart_link_id=body.smart_link_id)
    return _campaign(campaigns.create_campaign(session=db, actor=actor, data=data))


@router.get(routes.V1_CAMPAIGN, response_model=CampaignDetailOut, responses=ERRORS)
def get_campaign(campaign_id: uuid.UUID, actor: CallerActor, db: DbSession) -> CampaignDetailOut:
    """One campaign with its variants and its slots in time order."""
    found = campaigns.get_campaign(session=db, actor=actor, campaign_id=campaign_id)
    variants = campaigns.campaign_variants(session=db, actor=actor, campaign_id=campaign_id)
    slots = report.uplift_report(session=db, actor=actor, campaign_id=campaign_id).slots
    return CampaignDetailOut(**_campaign(found).model_dump(), slots=[_slot(s) for s in slots], variants=[
        VariantOut(id=v.id, label=v.label, hook=v.hook, caption=v.caption, media=v.media) for v in variants])


@router.get(routes.V1_CAMPAIGN_REPORT, response_model=ReportOut, responses=ERRORS)
def get_report(campaign_id: uuid.UUID, actor: CallerActor, db: DbSession) -> ReportOut:
    """The uplift report: goal rates per variant and network against your usual posts, with 95 % intervals."""
    r = report.uplift_report(session=db, actor=actor, campaign_id=campaign_id)
    lift = r.link_uplift
    return ReportOut(
        campaign_id=r.campaign_id, goal=r.goal, goal_words=r.goal_words, baseline_from=r.baseline_from,
        baseline_to=r.baseline_to, rows=[UpliftRowOut(**vars(x)) for x in r.rows], share=r.share,
        explored_share=r.explored_share, slots=[_slot(s) for s in r.slots],
        link_days=[DayOut(day=d.day, clicks=d.clicks, in_campaign=d.in_campaign) for d in r.link_days],
        link_uplift=ClickUpliftOut(**vars(lift)) if lift else None, message=r.message)


@router.post(routes.V1_CAMPAIGN_CANCEL, response_model=CampaignOut, responses=ERRORS)
def cancel_campaign(campaign_id: uuid.UUID, actor: CallerActor, db: DbSession) -> CampaignOut:
    """Stop the campaign: slots not yet filled are skipped (posts already scheduled stay in the calendar)."""
    return _campaign(campaigns.cancel_campaign(session=db, actor=actor, campaign_id=campaign_id))
