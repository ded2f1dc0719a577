"""An admin gives a user a plan for free (a comp), optionally until a date, and takes it back. The rule:
the plan is the better of what the user pays for and an active comp, so a later webhook never wipes a
comp; taking it back (or its end date passing) leaves what they pay for. Audited; bad input changes
nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from maxbooster.models.accounts import User
from maxbooster.models.audit import AuditLog
from maxbooster.models.base import utcnow
from maxbooster.models.billing import BillingComp, Subscription
from maxbooster.services.admin import users as admin_users
from maxbooster.services.billing import account, comp, sandbox, state
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.errors import InvalidInput, NotFound, PermissionDenied
from tests.support.accounts import actor_for, make_user


def _plan(session: Session, user: User) -> str:
    session.expire_all()
    fresh = session.get(User, user.id)
    assert fresh is not None
    return fresh.plan


def _actions(session: Session) -> list[str]:
    return [a.action for a in session.execute(select(AuditLog).order_by(AuditLog.seq)).scalars()]


def test_a_comp_survives_webhooks_and_taking_it_back_leaves_what_is_paid_for(
        session: Session, acct_env: object, jobs_run: InProcessBroker) -> None:
    boss, alice = make_user(session, "boss@example.com", role="admin"), make_user(session)
    comp.grant_comp(session=session, actor=actor_for(boss), user_id=alice.id, plan="label")
    assert _plan(session, alice) == "label"
    # alice then subscribes to Pro; its webhooks are applied: Label (comp) beats Pro (paid)
    checkout = account.start_checkout(session=session, actor=actor_for(alice), plan="pro", interval="month")
    sandbox.complete_checkout(session=session, actor=actor_for(alice), session_id=checkout.provider_session_id)
    assert jobs_run.wait_idle(30) and _plan(session, alice) == "label"
    sub = session.execute(select(Subscription)).scalar_one()
    sandbox.cancel(session=session, actor=actor_for(alice), subscription_id=sub.provider_subscription_id,
                   at_period_end=False)  # the subscription ends: the comp still holds
    assert jobs_run.wait_idle(30) and _plan(session, alice) == "label"
    assert comp.revoke_comp(session=session, actor=actor_for(boss), user_id=alice.id) == "free"
    assert _plan(session, alice) == "free"
    assert session.get(BillingComp, alice.id) is None
    assert {"billing.comp_granted", "billing.comp_revoked"} <= set(_actions(session))


def test_taking_a_comp_back_keeps_a_paid_plan(session: Session, acct_env: object,
                                              jobs_run: InProcessBroker) -> None:
    boss, alice = make_user(session, "boss@example.com", role="admin"), make_user(session)
    checkout = account.start_checkout(session=session, actor=actor_for(alice), plan="pro", interval="year")
    sandbox.complete_checkout(session=session, actor=actor_for(alice), session_id=checkout.provider_session_id)
    assert jobs_run.wait_idle(30) and _plan(session, alice) == "pro"
    comp.grant_comp(session=session, actor=actor_for(boss), user_id=alice.id, plan="label")
    assert _plan(session, alice) == "label"
    assert comp.revoke_comp(session=session, actor=actor_for(boss), user_id=alice.id) == "pro"
    assert _plan(session, alice) == "pro"


def test_a_comp_until_a_date_ends_by_the_sweep(session: Session, acct_env: object) -> None:
    boss, alice = make_user(session, "boss@example.com", role="admin"), make_user(session)
    until = comp.parse_until("2030-01-31")
    assert until == datetime(2030, 2, 1, tzinfo=UTC)  # through the last day
    now = datetime(2030, 1, 1, tzinfo=UTC)
    comp.grant_comp(session=session, actor=actor_for(boss), user_id=alice.id, plan="pro", until=until, now=now)
    assert _plan(session, alice) == "pro"
    assert state.expire_grace(session=session, now=datetime(2030, 1, 31, 23, 59, tzinfo=UTC)) == []
    assert state.expire_grace(session=session, now=datetime(2030, 2, 1, 0, 0, 1, tzinfo=UTC)) == [alice.id]
    assert _plan(session, alice) == "free"
    view = comp.comps(session=session, actor=actor_for(boss), user_ids=[alice.id],
                      now=datetime(2030, 2, 2, tzinfo=UTC))[alice.id]
    assert (view.plan, view.active) == ("pro", False)


def test_admin_set_plan_is_a_comp_with_no_end(session: Session, acct_env: object) -> None:
    boss, alice = make_user(session, "boss@example.com", role="admin"), make_user(session)
    admin_users.set_plan(session=session, actor=actor_for(boss), user_id=alice.id, plan="pro")
    stored = session.get(BillingComp, alice.id)
    assert stored is not None and (stored.plan, stored.until, stored.granted_by) == ("pro", None, boss.id)
    admin_users.set_plan(session=session, actor=actor_for(boss), user_id=alice.id, plan="free")
    assert _plan(session, alice) == "free" and session.get(BillingComp, alice.id) is None


def test_bad_comps_are_refused_and_change_nothing(session: Session, acct_env: object) -> None:
    boss, alice = make_user(session, "boss@example.com", role="admin"), make_user(session)
    before = len(_actions(session))
    cases = [({"plan": "gold"}, InvalidInput, "Choose one of the plans"),
             ({"plan": "free"}, InvalidInput, "Take back"),
             ({"plan": "pro", "until": utcnow() - timedelta(days=1)}, InvalidInput, "in the future"),
             ({"plan": "pro", "until": datetime(2030, 1, 1)}, InvalidInput, "in the future"),  # no time zone
             ({"plan": "pro", "note": "x" * 301}, InvalidInput, "300 characters")]
    for kwargs, error, words in cases:
        with pytest.raises(error, match=words):
            comp.grant_comp(session=session, actor=actor_for(boss), user_id=alice.id, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        comp.grant_comp(session=session, actor=actor_for(alice), user_id=alice.id, plan="label")
    with pytest.raises(NotFound, match="no free plan"):
        comp.revoke_comp(session=session, actor=actor_for(boss), user_id=alice.id)
    with pytest.raises(InvalidInput, match="YYYY-MM-DD"):
        comp.parse_until("31/01/2030")
    session.rollback()
    assert _plan(session, alice) == "free" and session.get(BillingComp, alice.id) is None
    assert [a for a in _actions(session)[before:] if a != "authz.denied"] == []
