"""What the composer and calendar send: live checks per account, the four ways to save (a past time, no
account or an unknown mode refused and nothing stored), moving a post to another day at the same local
time, retrying a failed post, and the page rows (states per network, calendar cells)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from maxbooster.models.base import utcnow
from maxbooster.models.social import HoldState, SocialPost, SocialPostHold, SocialPostVariant, VariantState
from maxbooster.services.errors import Conflict, InvalidInput
from maxbooster.services.social import accounts, composer, posts, queues, views
from maxbooster.services.social.composer import ComposeIn
from tests.social.support import social_env
from tests.support import accounts as fx
from tests.support.accounts import actor_for, make_user

acct_env, social_env = fx.acct_env, social_env
TZ = "Europe/Berlin"


def _data(account_id: str, **changes: object) -> ComposeIn:
    base: dict[str, object] = {"account_ids": [account_id], "text": "Night Drive is out", "overrides": {},
                               "media_ids": [], "mode": "schedule", "day": "", "at": "18:00", "tz": TZ}
    base.update(changes)
    return ComposeIn(**base)  # type: ignore[arg-type]


def test_live_checks_count_as_the_network_does_and_say_what_to_fix(session: Session, social_env: Path) -> None:
    user = make_user(session)
    me = actor_for(user)
    account = accounts.connect_sandbox(session=session, actor=me, handle="ava")
    (row,) = composer.check_all(session=session, actor=me, data=_data(str(account.id), text="é" * 998))
    assert (row.count, row.ok, row.problems) == ("998 / 1,000", True, [])
    (row,) = composer.check_all(session=session, actor=me, data=_data(
        str(account.id), text="short", overrides={"sandbox": "x" * 1003}))  # the network's own text counts
    assert row.count == "1,003 / 1,000" and row.over and not row.ok
    assert row.problems == ["1003 characters is over the sandbox's limit of 1000 (remove 3)."]


def test_schedule_now_draft_and_queue(session: Session, social_env: Path) -> None:
    user = make_user(session)
    me = actor_for(user)
    account = accounts.connect_sandbox(session=session, actor=me)
    day = (datetime.now(ZoneInfo(TZ)) + timedelta(days=2)).date()
    post = composer.submit(session=session, actor=me, data=_data(str(account.id), day=day.isoformat()))
    assert post.scheduled_at == datetime(day.year, day.month, day.day, 18, 0, tzinfo=ZoneInfo(TZ))
    now = composer.submit(session=session, actor=me, data=_data(str(account.id), mode="now"))
    assert abs((now.scheduled_at - utcnow()).total_seconds()) < 5
    draft = composer.submit(session=session, actor=me, data=_data(str(account.id), mode="draft", day=day.isoformat()))
    held = composer.submit(session=session, actor=me, data=_data(str(account.id), day=day.isoformat(),
                                                                  needs_approval=True))
    holds = {h.post_id: h.state for h in session.exec(select(SocialPostHold)).all()}
    assert holds == {draft.id: HoldState.DRAFT, held.id: HoldState.AWAITING_APPROVAL}
    queues.set_slots(session=session, actor=me, account_id=account.id, timezone=TZ,
                     slots=queues.parse_slots("Mon 09:00, tue 09:00, We 09:00, Thu 09:00, Fri 09:00, Sat 09:00, "
                                              "Sunday 09:00"))
    queued = composer.submit(session=session, actor=me, data=_data(str(account.id), mode="queue"))
    local = queued.scheduled_at.astimezone(ZoneInfo(TZ))
    assert f"{local:%H:%M}" == "09:00" and queued.scheduled_at > utcnow()


@pytest.mark.parametrize(("changes", "message"), [
    ({"day": "2020-01-01"}, "in the past"),
    ({"day": "tomorrow"}, "Pick a date and a time"),
    ({"account_ids": []}, "at least one account"),
    ({"mode": "shout"}, "Choose Schedule"),
    ({"tz": "Nowhere/Else", "day": "2030-01-01"}, "time zone"),
    ({"text": "x" * 1001, "mode": "now"}, "over the sandbox's limit"),
])
def test_bad_compositions_are_refused_and_store_nothing(session: Session, social_env: Path, changes, message) -> None:
    user = make_user(session)
    account = accounts.connect_sandbox(session=session, actor=actor_for(user))
    with pytest.raises(InvalidInput, match=message):
        composer.submit(session=session, actor=actor_for(user), data=_data(str(account.id), **changes))
    assert session.exec(select(SocialPost)).all() == []


@pytest.mark.parametrize("text", ["Mon", "Funday 09:00", "Mon 9am"])
def test_queue_text_that_is_not_slots_is_refused(session: Session, social_env: Path, text: str) -> None:
    user = make_user(session)
    account = accounts.connect_sandbox(session=session, actor=actor_for(user))
    with pytest.raises(InvalidInput):
        queues.set_slots(session=session, actor=actor_for(user), account_id=account.id, timezone=TZ,
                         slots=queues.parse_slots(text))


def test_a_dropped_post_moves_to_that_day_at_the_same_local_time(session: Session, social_env: Path) -> None:
    user = make_user(session)
    me = actor_for(user)
    account = accounts.connect_sandbox(session=session, actor=me)
    day = (datetime.now(ZoneInfo(TZ)) + timedelta(days=3)).date()
    post = composer.submit(session=session, actor=me, data=_data(str(account.id), day=day.isoformat(), at="07:45"))
    target = day + timedelta(days=5)
    moved = composer.move_to_day(session=session, actor=me, post_id=str(post.id), day=target.isoformat(), tz=TZ)
    assert moved.scheduled_at == datetime(target.year, target.month, target.day, 7, 45, tzinfo=ZoneInfo(TZ))
    (variant,) = posts.variants_of(session=session, actor=me, post_id=post.id)
    assert variant.due_at == moved.scheduled_at
    with pytest.raises(InvalidInput, match="in the past"):
        composer.move_to_day(session=session, actor=me, post_id=str(post.id), day="2020-01-01", tz=TZ)
    title, cells = views.calendar(session=session, actor=me, tz=TZ, mode="week", anchor=target)
    assert len(cells) == 7 and cells[0].date == (target - timedelta(days=target.weekday())).isoformat()
    (cell,) = [c for c in cells if c.posts]
    assert cell.date == target.isoformat() and cell.posts[0].time == "07:45" and title.startswith("Week of")
    _, month = views.calendar(session=session, actor=me, tz=TZ, mode="month", anchor=date(2027, 2, 10))
    assert len(month) == 28 and month[0].date == "2027-02-01"  # February 2027 starts on a Monday


def test_a_failed_post_can_be_retried_and_shows_the_networks_reason(session: Session, social_env: Path) -> None:
    user = make_user(session)
    me = actor_for(user)
    account = accounts.connect_sandbox(session=session, actor=me)
    post = composer.submit(session=session, actor=me, data=_data(str(account.id), mode="now"))
    variant = session.exec(select(SocialPostVariant)).one()
    with pytest.raises(Conflict, match="Only a failed post"):
        posts.retry_variant(session=session, actor=me, variant_id=variant.id)
    variant.state, variant.failure_reason, variant.attempts = VariantState.FAILED, "Sandbox refused the post: spam", 3
    session.add(variant)
    session.commit()
    (row,) = views.post_rows(session=session, actor=me, tz=TZ)
    assert (row.state_label, row.variants[0].reason, row.variants[0].can_retry) == (
        "Failed", "Sandbox refused the post: spam", True)
    again = posts.retry_variant(session=session, actor=me, variant_id=variant.id)
    assert (again.state, again.attempts, again.failure_reason, again.job_id) == (VariantState.SCHEDULED, 0, "", None)
    (row,) = views.post_rows(session=session, actor=me, tz=TZ)
    assert row.state_label == "Scheduled" and row.id == str(post.id)


def test_an_account_the_network_revoked_shows_reconnect_with_the_reason(session: Session, social_env: Path) -> None:
    user = make_user(session)
    me = actor_for(user)
    account = accounts.connect_sandbox(session=session, actor=me, handle="ava")
    (row,) = views.account_rows(session=session, actor=me)
    assert (row.connected, row.reason, row.note) == (True, "", "Practice network — nothing is really posted.")
    accounts.mark_reconnect(session=session, account=account, reason="The access token was revoked")
    (row,) = views.account_rows(session=session, actor=me)
    assert (row.connected, row.reason) == (False, "The access token was revoked")
    with pytest.raises(InvalidInput, match="must be connected again"):
        composer.submit(session=session, actor=me, data=_data(str(account.id), mode="now"))
