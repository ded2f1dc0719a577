"""Followers over time on the accounts page: one point per local day (that day's last reading), the
last 90 days only, the viewer's own accounts only, days as the viewer's time zone has them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from maxbooster.models.social import SocialFollowerSample
from maxbooster.services.errors import InvalidInput
from maxbooster.services.social import accounts, views
from tests.social.support import social_env
from tests.support import accounts as fx
from tests.support.accounts import actor_for, make_user

acct_env, social_env = fx.acct_env, social_env


def test_followers_per_day_for_the_viewers_accounts(session: Session, social_env: Path) -> None:
    alice, bob = make_user(session), make_user(session, "bob@example.com")
    mine = accounts.connect_sandbox(session=session, actor=actor_for(alice), handle="ava")
    theirs = accounts.connect_sandbox(session=session, actor=actor_for(bob), handle="bo")
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    readings = [(mine.id, today - timedelta(days=120), 5),  # older than 90 days: left out
                (mine.id, today - timedelta(days=2), 100), (mine.id, today - timedelta(days=1, hours=2), 110),
                (mine.id, today - timedelta(days=1), 115),  # the day's last reading wins
                (mine.id, today, 130), (theirs.id, today, 999)]
    session.add_all(SocialFollowerSample(account_id=a, taken_at=t, followers=n) for a, t, n in readings)
    session.commit()
    series = views.follower_series(session=session, actor=actor_for(alice))
    assert list(series) == [str(mine.id)]
    assert [(p.day, p.followers) for p in series[str(mine.id)]] == [
        ((today - timedelta(days=2)).date(), 100), ((today - timedelta(days=1)).date(), 115), (today.date(), 130)]
    # 12:00 UTC is the next day in Kiritimati (UTC+14): the same readings, a day later each
    far = views.follower_series(session=session, actor=actor_for(alice), tz="Pacific/Kiritimati")
    assert [p.day for p in far[str(mine.id)]] == [(today + timedelta(days=d)).date() for d in (-1, 0, 1)]
    with pytest.raises(InvalidInput):
        views.follower_series(session=session, actor=actor_for(alice), tz="Mars/Olympus")
