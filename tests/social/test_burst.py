"""A burst of due posts: one sweep claims them all and groups them into jobs of up to 20 variants, which
publish each variant once (counted on the sandbox's own table); a group job whose variants are already
done changes nothing when it runs again (a re-run after its worker died)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from maxbooster.models.jobs import Job
from maxbooster.models.social import SandboxPost, SocialPostVariant, VariantState
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.jobs import JobContext
from maxbooster.services.social import accounts, publishing
from tests.social.support import schedule, social_env
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

pytestmark = pytest.mark.serial  # real worker processes and many rows: one at a time in the full run

acct_env, jobs_held, social_env = fx.acct_env, lib.jobs_held, social_env


def test_a_burst_is_published_in_groups_once_each(session: Session, social_env: Path,
                                                  jobs_held: InProcessBroker) -> None:
    user = make_user(session)
    handles = [accounts.connect_sandbox(session=session, actor=actor_for(user), handle=f"a{i}") for i in range(3)]
    for i in range(110):
        schedule(session, user, handles[i % 3], f"Burst {i}")
    started = publishing.sweep(session=session)
    assert len(started) == 6  # 110 due: 5 groups of 20 and one of 10
    assert publishing.sweep(session=session) == []  # all claimed
    groups = session.exec(select(Job).where(col(Job.id).in_(started))).all()
    assert sorted(len(j.params["variant_ids"]) for j in groups) == [10] + [20] * 5
    jobs_held.start()
    assert jobs_held.wait_idle(120)
    session.expire_all()
    variants = session.exec(select(SocialPostVariant)).all()
    assert {v.state for v in variants} == {VariantState.PUBLISHED} and {v.attempts for v in variants} == {1}
    assert len(session.exec(select(SandboxPost)).all()) == 110
    # the same group job run again (its worker died after finishing): every variant is already done
    job = next(j for j in groups if len(j.params["variant_ids"]) == 20)  # the query's row order is not fixed
    again = publishing.publish(JobContext(job.id, 2, dict(job.params), lambda p, m: True))
    assert again == "social:group:20:published:0"
    session.expire_all()
    assert len(session.exec(select(SandboxPost)).all()) == 110
