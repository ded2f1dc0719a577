"""Best time to post: the artist's own history by local weekday and hour (their time zone, across a
daylight-saving change) with intervals and counts; too little history falls back to network defaults
and says so; a bad time zone is refused and changes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from maxbooster.models.accounts import User
from maxbooster.models.social import SocialAccount, SocialPost, SocialPostStats, SocialPostVariant, VariantState
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.services.social import accounts, best_time
from tests.social.support import social_env
from tests.support import accounts as fx
from tests.support.accounts import actor_for, make_user

acct_env, social_env = fx.acct_env, social_env
NY = ZoneInfo("America/New_York")


def add_history(session: Session, account: SocialAccount, when_local: list[datetime], rate: float,
                reach: int = 1000) -> None:
    """Published posts with measured figures at these local times (engagement rate `rate`, ±10 %)."""
    for i, at in enumerate(when_local):
        post = SocialPost(owner_id=account.owner_id, scheduled_at=at.astimezone(UTC))
        variant = SocialPostVariant(owner_id=account.owner_id, post_id=post.id, account_id=account.id,
                                    network=account.network, text="x", state=VariantState.PUBLISHED,
                                    idempotency_key=uuid.uuid4().hex, published_at=at.astimezone(UTC))
        session.add(post)
        session.flush()
        session.add(variant)
        session.flush()
        wobble = 1 + 0.1 * ((i % 3) - 1)
        session.add(SocialPostStats(variant_id=variant.id, account_id=account.id, published_at=at.astimezone(UTC),
                                    reach=reach, interactions=round(reach * rate * wobble), samples=1))
    session.commit()


def test_too_little_history_falls_back_to_defaults_and_says_so(session: Session, social_env: Path) -> None:
    user = make_user(session)
    account = accounts.connect_sandbox(session=session, actor=actor_for(user))
    now = datetime(2027, 3, 1, 12, tzinfo=UTC)
    add_history(session, account, [datetime(2027, 2, 5, 19, tzinfo=UTC)] * 1, 0.05)
    result = best_time.best_times(session=session, actor=actor_for(user), account_id=account.id, count=3, now=now)
    assert not result.from_history and result.posts == 1
    assert "Not enough of your own posts yet (1 measured, 20 needed)" in result.message
    assert len(result.slots) == 3 and all(s.rate is None and s.next_at > now for s in result.slots)
    assert [s.next_at for s in result.slots] == sorted(s.next_at for s in result.slots)


def test_history_ranks_local_hours_across_a_daylight_saving_change(session: Session, social_env: Path) -> None:
    user = make_user(session)
    best_time.set_timezone(session=session, actor=actor_for(user), timezone="America/New_York")
    account = accounts.connect_sandbox(session=session, actor=actor_for(user))
    # Fridays 19:00 New York time from January to May: UTC 00:00 in winter, 23:00 after 14 March
    fridays = [datetime(2027, 1, 1, 19, tzinfo=NY) + timedelta(weeks=w) for w in range(20)]
    add_history(session, account, fridays, 0.08)
    add_history(session, account, [d.replace(hour=9) for d in fridays], 0.03)  # mornings: worse
    saturday = fridays[0] + timedelta(days=1, hours=-7)  # two Saturday noons: one great, one poor
    add_history(session, account, [saturday], 0.15)
    add_history(session, account, [saturday + timedelta(weeks=1)], 0.03)
    now = datetime(2027, 6, 1, 12, tzinfo=UTC)
    result = best_time.best_times(session=session, actor=actor_for(user), account_id=account.id, count=3, now=now)
    assert result.from_history and result.timezone == "America/New_York" and result.posts == 42
    cells = {(c.weekday, c.hour): c for c in result.cells}
    assert set(cells) == {(4, 19), (4, 9), (5, 12)}  # every Friday evening in one local cell, DST or not
    evening = cells[(4, 19)]
    assert evening.posts == 20 and evening.low < 0.08 < evening.high and evening.high - evening.low < 0.02
    lucky = cells[(5, 12)]
    assert lucky.posts == 2 and lucky.rate > evening.rate  # a higher mean from two posts …
    assert lucky.high - lucky.low > 5 * (evening.high - evening.low)  # … is far less certain
    assert result.slots[0].label == "Friday 19:00" and result.slots[0].posts == 20
    assert result.slots[0].next_at == datetime(2027, 6, 4, 23, tzinfo=UTC)  # 19:00 EDT
    assert "From 42 of your posts" in result.message


def test_a_bad_time_zone_is_refused_and_changes_nothing(session: Session, social_env: Path) -> None:
    user = make_user(session)
    for bad in ("Mars/Olympus", "", "../etc/passwd"):
        with pytest.raises(InvalidInput, match="not a time zone we know"):
            best_time.set_timezone(session=session, actor=actor_for(user), timezone=bad)
    session.expire_all()
    stored = session.get(User, user.id)
    assert stored is not None and stored.timezone == "UTC"


def test_another_users_account_is_not_found(session: Session, social_env: Path) -> None:
    alice, mallory = make_user(session), make_user(session, "mallory@example.com")
    account = accounts.connect_sandbox(session=session, actor=actor_for(alice))
    with pytest.raises(NotFound):
        best_time.best_times(session=session, actor=actor_for(mallory), account_id=account.id)
