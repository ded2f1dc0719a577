"""Queues (recurring slots per account, "add to queue" takes the next free one) and approvals (drafts,
the owner's decision, external review links that expire and work once); the publisher skips held posts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from maxbooster.models.base import utcnow
from maxbooster.models.social import (
    HoldState,
    ReviewDecision,
    SandboxPost,
    SocialPostHold,
    SocialQueueSlot,
    SocialReviewLink,
    VariantState,
)
from maxbooster.services.actor import Actor
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.errors import Conflict, InvalidInput, NotFound
from maxbooster.services.social import accounts, approvals, posts, queues
from tests.social.support import run_due, social_env
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

acct_env, jobs_run, social_env = fx.acct_env, lib.jobs_run, social_env
VISITOR = Actor.anonymous(ip="203.0.113.9")


def _post(session: Session, user, account, text: str = "New single out Friday", *, hold=None,
          when: datetime | None = None):
    return posts.create_post(session=session, actor=actor_for(user), hold=hold, data=posts.PostIn(
        scheduled_at=when or utcnow(), variants=[posts.VariantIn(account.id, text)]))


def test_add_to_queue_takes_the_next_free_slot_in_the_owners_time_zone(session: Session, social_env: Path) -> None:
    user = make_user(session)
    me = actor_for(user)
    account = accounts.connect_sandbox(session=session, actor=me, handle="ava")
    berlin = ZoneInfo("Europe/Berlin")
    tomorrow = (utcnow().astimezone(berlin) + timedelta(days=1)).date()
    day = tomorrow.weekday()
    slots = queues.set_slots(session=session, actor=me, account_id=account.id, timezone="Europe/Berlin",
                             slots=[queues.SlotIn(day, "18:30"), queues.SlotIn(day, "09:00")])
    assert [(s.weekday, s.minute_of_day) for s in slots] == [(tomorrow.weekday(), 540), (tomorrow.weekday(), 1110)]
    first, second = _post(session, user, account, "one", when=utcnow() + timedelta(days=20)), \
        _post(session, user, account, "two", when=utcnow() + timedelta(days=21))
    moved = queues.add_to_queue(session=session, actor=me, post_id=first.id)
    nine = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 9, 0, tzinfo=berlin)
    assert moved.scheduled_at == nine.astimezone(UTC)
    moved = queues.add_to_queue(session=session, actor=me, post_id=second.id)  # 09:00 is taken by "one"
    assert moved.scheduled_at == datetime(tomorrow.year, tomorrow.month, tomorrow.day, 18, 30, tzinfo=berlin)
    (variant,) = posts.variants_of(session=session, actor=me, post_id=second.id)
    assert variant.due_at == moved.scheduled_at


@pytest.mark.parametrize(("slots", "tz", "message"), [
    ([queues.SlotIn(7, "10:00")], "UTC", "weekday"),
    ([queues.SlotIn(1, "25:00")], "UTC", "HH:MM"),
    ([queues.SlotIn(1, "10:00"), queues.SlotIn(1, "10:00")], "UTC", "twice"),
    ([queues.SlotIn(1, "10:00")], "Mars/Olympus", "time zone"),
])
def test_bad_queue_slots_are_refused_and_change_nothing(session: Session, social_env: Path, slots, tz,
                                                        message: str) -> None:
    user = make_user(session)
    account = accounts.connect_sandbox(session=session, actor=actor_for(user))
    queues.set_slots(session=session, actor=actor_for(user), account_id=account.id, timezone="UTC",
                     slots=[queues.SlotIn(0, "08:00")])
    with pytest.raises(InvalidInput, match=message):
        queues.set_slots(session=session, actor=actor_for(user), account_id=account.id, timezone=tz, slots=slots)
    session.expire_all()
    assert [(s.weekday, s.minute_of_day) for s in session.exec(select(SocialQueueSlot)).all()] == [(0, 480)]


def test_queueing_without_slots_says_where_to_add_them(session: Session, social_env: Path) -> None:
    user = make_user(session)
    account = accounts.connect_sandbox(session=session, actor=actor_for(user))
    post = _post(session, user, account, when=utcnow() + timedelta(days=2))
    with pytest.raises(InvalidInput, match="no queue slots"):
        queues.add_to_queue(session=session, actor=actor_for(user), post_id=post.id)


def test_the_publisher_skips_drafts_and_posts_awaiting_approval_until_approved(
        session: Session, social_env: Path, jobs_run: InProcessBroker) -> None:
    user = make_user(session)
    me = actor_for(user)
    account = accounts.connect_sandbox(session=session, actor=me)
    draft = _post(session, user, account, "draft", hold=HoldState.DRAFT)
    waiting = _post(session, user, account, "needs a yes", hold=HoldState.AWAITING_APPROVAL)
    free = _post(session, user, account, "goes now")
    assert len(run_due(session, jobs_run)) == 1
    assert [p.text for p in session.exec(select(SandboxPost)).all()] == ["goes now"]
    approvals.decide(session=session, actor=me, post_id=waiting.id, decision=ReviewDecision.APPROVE)
    approvals.schedule_draft(session=session, actor=me, post_id=draft.id)
    assert len(run_due(session, jobs_run)) == 2
    assert sorted(p.text for p in session.exec(select(SandboxPost)).all()) == ["draft", "goes now", "needs a yes"]
    assert free.id and session.exec(select(SocialPostHold).where(SocialPostHold.post_id == draft.id)).first() is None


def test_a_review_link_approves_once_and_needs_no_account(session: Session, social_env: Path,
                                                          jobs_run: InProcessBroker) -> None:
    user = make_user(session)
    me = actor_for(user)
    account = accounts.connect_sandbox(session=session, actor=me, handle="ava")
    post = _post(session, user, account, "For the label to check")
    token, expires = approvals.create_review_link(session=session, actor=me, post_id=post.id)
    assert expires > utcnow() + timedelta(hours=71)
    assert run_due(session, jobs_run) == []  # held from the moment the link exists
    view = approvals.review_by_link(session=session, actor=VISITOR, token=token)
    assert view.variants == [("sandbox", "@ava@sandbox", "For the label to check")]
    assert view.state == HoldState.AWAITING_APPROVAL
    with pytest.raises(InvalidInput, match="what should change"):  # refused: the link stays usable
        approvals.answer_review(session=session, actor=VISITOR, token=token, decision=ReviewDecision.REQUEST_CHANGES)
    hold = approvals.answer_review(session=session, actor=VISITOR, token=token, decision=ReviewDecision.APPROVE,
                                   reviewer="Mia (label)")
    assert hold.state == HoldState.APPROVED and hold.decided_by == "Mia (label) (review link)"
    with pytest.raises(Conflict, match="already used"):
        approvals.answer_review(session=session, actor=VISITOR, token=token, decision=ReviewDecision.APPROVE)
    with pytest.raises(Conflict, match="already used"):
        approvals.review_by_link(session=session, actor=VISITOR, token=token)
    assert len(run_due(session, jobs_run)) == 1
    (variant,) = posts.variants_of(session=session, actor=me, post_id=post.id)
    assert variant.state == VariantState.PUBLISHED


def test_request_changes_keeps_the_post_held_with_the_comment(session: Session, social_env: Path,
                                                              jobs_run: InProcessBroker) -> None:
    user = make_user(session)
    me = actor_for(user)
    account = accounts.connect_sandbox(session=session, actor=me)
    post = _post(session, user, account)
    token, _ = approvals.create_review_link(session=session, actor=me, post_id=post.id)
    hold = approvals.answer_review(session=session, actor=VISITOR, token=token,
                                   decision=ReviewDecision.REQUEST_CHANGES, comment="Tag the producer")
    assert hold.state == HoldState.CHANGES_REQUESTED and hold.comment == "Tag the producer"
    assert run_due(session, jobs_run) == [] and session.exec(select(SandboxPost)).all() == []


def test_expired_forged_and_foreign_review_links_are_refused(session: Session, social_env: Path) -> None:
    user, other = make_user(session), make_user(session, "bob@example.com")
    me = actor_for(user)
    account = accounts.connect_sandbox(session=session, actor=me)
    post = _post(session, user, account)
    token, _ = approvals.create_review_link(session=session, actor=me, post_id=post.id,
                                            valid_for=timedelta(minutes=5))
    link = session.exec(select(SocialReviewLink)).one()
    link.expires_at = utcnow() - timedelta(seconds=1)
    session.add(link)
    session.commit()
    with pytest.raises(Conflict, match="expired"):
        approvals.answer_review(session=session, actor=VISITOR, token=token, decision=ReviewDecision.APPROVE)
    with pytest.raises(NotFound, match="not valid"):
        approvals.review_by_link(session=session, actor=VISITOR, token=token[:-4] + "AAAA")
    with pytest.raises(NotFound):
        approvals.create_review_link(session=session, actor=actor_for(other), post_id=post.id)
    with pytest.raises(InvalidInput, match="5 minutes to 30 days"):
        approvals.create_review_link(session=session, actor=me, post_id=post.id, valid_for=timedelta(days=90))
    session.expire_all()
    (hold,) = session.exec(select(SocialPostHold)).all()
    assert hold.state == HoldState.AWAITING_APPROVAL and len(session.exec(select(SocialReviewLink)).all()) == 1


def test_a_draft_whose_time_passed_must_be_moved_first(session: Session, social_env: Path) -> None:
    user = make_user(session)
    me = actor_for(user)
    account = accounts.connect_sandbox(session=session, actor=me)
    draft = _post(session, user, account, hold=HoldState.DRAFT, when=utcnow() + timedelta(minutes=1))
    with pytest.raises(InvalidInput, match="start approved"):
        _post(session, user, account, hold=HoldState.APPROVED)
    with pytest.raises(InvalidInput, match="has passed"):
        approvals.schedule_draft(session=session, actor=me, post_id=draft.id, now=utcnow() + timedelta(minutes=5))
