"""Campaigns on the sandbox network: a seeded simulation where one variant is truly better (a call to
action in its hook doubles the simulated link clicks). Slots are filled by Thompson sampling as they
come due, posted by the real publisher and measured by the real ingestion; by the end the better
variant has ≥ 70 % of the slots and the uplift report's interval against the baseline excludes zero.
Bad input is refused with a clear message and stores nothing."""

from __future__ import annotations

import random
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from maxbooster.models.base import utcnow
from maxbooster.models.campaigns import Campaign, CampaignSlot, SlotState
from maxbooster.models.releases import Release, SmartLink
from maxbooster.models.social import SocialAccount, SocialPostVariant
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.campaigns import campaigns, report, scheduler
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.services.releases import smartlinks
from maxbooster.services.social import accounts, ingest
from tests.social.support import run_due, schedule, social_env
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

acct_env, jobs_run, social_env = fx.acct_env, lib.jobs_run, social_env
BETTER = campaigns.CampaignVariantIn(hook="Out now: stream it here", caption="The new single, made in one night.")
WORSE = campaigns.CampaignVariantIn(hook="A new song.", caption="The new single, made in one night.")


def smart_link(session: Session, owner: uuid.UUID) -> SmartLink:
    release = Release(owner_id=owner, title="Night Drive")
    session.add(release)
    session.flush()
    link = SmartLink(owner_id=owner, release_id=release.id, slug=f"night-drive-{uuid.uuid4().hex[:6]}",
                     links={"spotify": "https://open.spotify.com/track/x"})
    session.add(link)
    session.commit()
    return link


def tomorrow() -> datetime:
    return (utcnow() + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def campaign_in(link: SmartLink | None, **changes: object) -> campaigns.CampaignIn:
    start = tomorrow()
    data = campaigns.CampaignIn(name="Night Drive launch", goal="link_clicks", starts_at=start,
                                ends_at=start + timedelta(days=10), networks=["sandbox"], variants=[WORSE, BETTER],
                                posts_per_day=4, smart_link_id=link.id if link else None)
    return replace(data, **changes)  # type: ignore[arg-type]


def test_the_bandit_learns_the_better_variant_and_the_uplift_excludes_zero(
        session: Session, social_env: Path, jobs_run: InProcessBroker) -> None:
    user = make_user(session)
    actor = actor_for(user)
    account = accounts.connect_sandbox(session=session, actor=actor, handle="ava")
    link = smart_link(session, user.id)
    for i in range(6):  # the artist's usual posts before the campaign: the baseline
        schedule(session, user, account, f"Studio day {i}: working on something #wip")
    run_due(session, jobs_run)
    ingest.ingest_due(session=session, now=utcnow() + timedelta(hours=1))

    made = campaigns.create_campaign(session=session, actor=actor, data=campaign_in(link))
    slots = campaigns.campaign_slots(session=session, actor=actor, campaign_id=made.id)
    assert len(slots) == 40 and {s.state for s in slots} == {SlotState.PLANNED}
    # too little history yet: the sandbox's default hours (UTC is this artist's zone), 4 a day for 10 days
    assert {s.due_at.hour for s in slots} <= {9, 12, 18, 20, 11, 19, 15, 21}

    for slot in slots:  # time passes: fill each slot as it comes due, publish it, read what is due
        scheduler.allocate_due(session=session, now=slot.due_at - timedelta(minutes=5))
        run_due(session, jobs_run, ahead_s=(slot.due_at - utcnow()).total_seconds() + 1)
        ingest.ingest_due(session=session, now=slot.due_at + timedelta(hours=2))
    ingest.ingest_due(session=session, now=made.ends_at + timedelta(days=1))

    filled = campaigns.campaign_slots(session=session, actor=actor, campaign_id=made.id)
    assert {s.state for s in filled} == {SlotState.SCHEDULED}
    variants = {v.id: v.label for v in campaigns.campaign_variants(session=session, actor=actor, campaign_id=made.id)}
    assert sorted(variants.values()) == ["A", "B"]  # A = WORSE, B = BETTER
    assert all(set(s.draws) == {"A", "B"} for s in filled)
    assert any(s.explored for s in filled[:5])  # at first it explores (and says so)
    posted = {s.post_variant_id for s in filled}
    texts = session.exec(select(SocialPostVariant.text).where(col(SocialPostVariant.id).in_(posted))).all()
    assert all(f"/r/{link.slug}?utm_source=sandbox&utm_medium=social" in t for t in texts)

    result = report.uplift_report(session=session, actor=actor, campaign_id=made.id,
                                  now=made.ends_at + timedelta(days=1))
    assert result.share["B"] >= 0.7, result.share
    overall, *_ = result.rows
    assert (overall.variant, overall.network) == ("all", "all") and overall.posts == 40
    assert overall.baseline_posts == 6 and overall.baseline_rate == 0  # no link, no clicks before
    assert overall.low is not None and overall.low > 0 and overall.uplift is not None and overall.high > overall.low
    by_variant = {(r.variant, r.network): r for r in result.rows}
    assert by_variant[("B", "all")].rate > by_variant[("A", "all")].rate
    assert by_variant[("B", "sandbox")].posts == by_variant[("B", "all")].posts
    assert len(result.slots) == 40 and all(p.events is not None for p in result.slots)
    assert {(p.status, p.tone) for p in result.slots} == {("Published, measured", "green")}  # not "scheduled"
    assert result.link_days and "95 % intervals" in result.message


def test_thompson_draws_are_recorded_and_favour_the_measured_leader() -> None:
    good = scheduler.Posterior(uuid.uuid4(), "A", 10, 300, 10_000)
    poor = scheduler.Posterior(uuid.uuid4(), "B", 10, 100, 10_000)
    picks = [scheduler.thompson_pick([good, poor], random.Random(seed)) for seed in range(200)]
    assert all(chosen is good and not explored for chosen, _, explored in picks)
    fresh_a, fresh_b = scheduler.Posterior(uuid.uuid4(), "A", 0, 0, 0), scheduler.Posterior(uuid.uuid4(), "B", 0, 0, 0)
    chosen, draws, explored = scheduler.thompson_pick([fresh_a, fresh_b], random.Random(1))
    assert explored and set(draws) == {"A", "B"} and chosen.label == max(draws, key=draws.__getitem__)


BAD = [
    ({"ends_at": tomorrow() - timedelta(hours=1)}, "ends before it starts"),
    ({"variants": []}, "at least two variants"),
    ({"variants": [BETTER]}, "at least two variants"),
    ({"variants": [BETTER, campaigns.CampaignVariantIn(caption="  ")]}, "Variant B is empty"),
    ({"networks": ["myspace"]}, "'myspace' is not a network we post to"),
    ({"networks": []}, "at least one network"),
    ({"networks": ["mastodon"]}, "Connect a mastodon account first"),
    ({"starts_at": utcnow() - timedelta(days=2), "ends_at": utcnow() + timedelta(days=2)}, "starts in the past"),
    ({"starts_at": datetime(2027, 1, 1), "ends_at": datetime(2027, 1, 5)}, "with their time zone"),
    ({"ends_at": tomorrow() + timedelta(days=120)}, "at most 90 days"),
    ({"goal": "likes"}, "Choose the goal"),
    ({"smart_link_id": None}, "Choose the smart link"),
    ({"name": " "}, "name of 1 to 120"),
    ({"posts_per_day": 0}, "1 to 6 times a day"),
    ({"ends_at": tomorrow() + timedelta(minutes=30)}, "No posting time falls inside"),
    ({"variants": [BETTER, campaigns.CampaignVariantIn(caption="x" * 2000)]}, "Variant B on @ava@sandbox"),
]


@pytest.mark.parametrize(("changes", "message"), BAD, ids=[m for _, m in BAD])
def test_bad_input_is_refused_and_stores_nothing(session: Session, social_env: Path, changes: dict[str, object],
                                                 message: str) -> None:
    user = make_user(session)
    accounts.connect_sandbox(session=session, actor=actor_for(user), handle="ava")
    link = smart_link(session, user.id)
    with pytest.raises(InvalidInput, match=message):
        campaigns.create_campaign(session=session, actor=actor_for(user), data=campaign_in(link, **changes))
    session.rollback()
    assert session.exec(select(Campaign)).all() == [] and session.exec(select(CampaignSlot)).all() == []


def test_someone_elses_smart_link_or_campaign_is_not_found(session: Session, social_env: Path) -> None:
    alice, mallory = make_user(session), make_user(session, "mallory@example.com")
    for who in (alice, mallory):
        accounts.connect_sandbox(session=session, actor=actor_for(who))
    link = smart_link(session, alice.id)
    with pytest.raises(NotFound):
        campaigns.create_campaign(session=session, actor=actor_for(mallory), data=campaign_in(link))
    made = campaigns.create_campaign(session=session, actor=actor_for(alice), data=campaign_in(link))
    with pytest.raises(NotFound):
        report.uplift_report(session=session, actor=actor_for(mallory), campaign_id=made.id)


def test_cancelling_skips_the_unfilled_slots_and_a_disconnected_account_skips_its_slot(
        session: Session, social_env: Path) -> None:
    user = make_user(session)
    account = accounts.connect_sandbox(session=session, actor=actor_for(user))
    made = campaigns.create_campaign(session=session, actor=actor_for(user),
                                     data=campaign_in(None, goal="follows"))
    first = campaigns.campaign_slots(session=session, actor=actor_for(user), campaign_id=made.id)[0]
    stored = session.get(SocialAccount, account.id)
    assert stored is not None
    accounts.mark_reconnect(session=session, account=stored, reason="revoked")
    assert scheduler.allocate_due(session=session, now=first.due_at) == []
    session.expire_all()
    skipped = session.get(CampaignSlot, first.id)
    assert skipped is not None and skipped.state == SlotState.SKIPPED and "reconnecting" in skipped.note
    campaigns.cancel_campaign(session=session, actor=actor_for(user), campaign_id=made.id)
    states = {s.state for s in campaigns.campaign_slots(session=session, actor=actor_for(user), campaign_id=made.id)}
    assert states == {SlotState.SKIPPED}
    assert made.starts_at.tzinfo is not None and made.starts_at >= datetime.now(UTC)


def test_link_clicks_are_credited_to_the_campaign_only_from_its_networks(session: Session, social_env: Path) -> None:
    """A click counts for the campaign when the visitor came from a network its slots post to (the
    page's utm_source); clicks from another network, an unknown source or no tag at all do not."""
    user = make_user(session)
    actor = actor_for(user)
    accounts.connect_sandbox(session=session, actor=actor, handle="ava")
    link = smart_link(session, user.id)
    made = campaigns.create_campaign(session=session, actor=actor, data=campaign_in(link))
    for source in ("sandbox", "sandbox", "x", "newsletter", ""):
        smartlinks.record_click(session=session, slug=link.slug, platform="spotify", source=source)
    assert smartlinks.public_view(session=session, slug=link.slug, source="sandbox").links[0].href.endswith(
        "?utm_source=sandbox")  # the page's buttons carry the source, so the click is counted for it
    result = report.uplift_report(session=session, actor=actor, campaign_id=made.id)
    today = [d for d in result.link_days if d.day == utcnow().date()]
    assert [d.clicks for d in today] == [2] and not today[0].in_campaign
    assert sum(d.clicks for d in result.link_days) == 2
    by_source = smartlinks.clicks_by_source(session=session, actor=actor, release_id=link.release_id)
    assert (by_source["sandbox"], by_source["x"], by_source["other"]) == (2, 1, 1)


def test_a_slot_shows_its_posts_real_state() -> None:
    """The slot table reads the post's state once the slot has a post (a slot only knows it was filled)."""
    assert report.slot_status(SlotState.PLANNED, None, False) == ("Planned", "gray")
    assert report.slot_status(SlotState.SCHEDULED, None, False) == ("Scheduled", "blue")
    assert report.slot_status(SlotState.SCHEDULED, "scheduled", False) == ("Scheduled", "blue")
    assert report.slot_status(SlotState.SCHEDULED, "published", False) == ("Published", "green")
    assert report.slot_status(SlotState.SCHEDULED, "published", True) == ("Published, measured", "green")
    assert report.slot_status(SlotState.SCHEDULED, "failed", False) == ("Failed", "red")
    assert report.slot_status(SlotState.SKIPPED, None, False) == ("Skipped", "gray")


def test_the_report_shows_a_failed_post_with_the_networks_reason(session: Session, social_env: Path) -> None:
    user = make_user(session)
    actor = actor_for(user)
    accounts.connect_sandbox(session=session, actor=actor, handle="ava")
    made = campaigns.create_campaign(session=session, actor=actor, data=campaign_in(smart_link(session, user.id)))
    first, second, *_ = campaigns.campaign_slots(session=session, actor=actor, campaign_id=made.id)
    for slot in (first, second):
        scheduler.allocate_due(session=session, now=slot.due_at - timedelta(minutes=5))
    session.expire_all()
    filled = session.get(CampaignSlot, first.id)
    assert filled is not None and filled.post_variant_id is not None
    variant = session.get(SocialPostVariant, filled.post_variant_id)
    assert variant is not None
    variant.state, variant.failure_reason = "failed", "The network refused the post: duplicate content."
    session.add(variant)
    session.commit()
    points = report.uplift_report(session=session, actor=actor, campaign_id=made.id).slots
    assert [(p.status, p.reason) for p in points[:3]] == [
        ("Failed", "The network refused the post: duplicate content."), ("Scheduled", ""), ("Planned", "")]
