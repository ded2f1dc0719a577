"""The sandbox provider end to end through the job system: checkout → plan changes only when its
events are applied; a failed renewal → grace period with the banner; after the grace period the plan
is Free and the user's data is kept (the lower limits apply); paying the open invoice restores it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from maxbooster import routes
from maxbooster.models.accounts import User
from maxbooster.models.base import utcnow
from maxbooster.models.billing import Subscription, WebhookEvent
from maxbooster.models.studio import Project
from maxbooster.services import plans
from maxbooster.services.billing import account, sandbox, state
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.errors import Conflict, NotFound, PlanLimitReached
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

bearer = lib.bearer


def _plan(session: Session, user: User) -> str:
    session.expire_all()
    fresh = session.get(User, user.id)
    assert fresh is not None
    return fresh.plan


def _sub(session: Session) -> Subscription:
    session.expire_all()
    return session.execute(select(Subscription)).scalar_one()


def test_checkout_in_the_sandbox_changes_the_plan_only_once_its_events_are_applied(
        session: Session, acct_env: object, jobs_held: InProcessBroker) -> None:
    alice = make_user(session)
    checkout = account.start_checkout(session=session, actor=actor_for(alice), plan="label", interval="year")
    assert checkout.provider == "sandbox" and checkout.provider_session_id.startswith("cs_sbx_")
    assert checkout.url == "http://localhost:3000" + routes.with_query(routes.SANDBOX_CHECKOUT,
                                                                       session=checkout.provider_session_id)
    assert (checkout.amount_minor, checkout.currency) == (49000, "USD")
    events = sandbox.complete_checkout(session=session, actor=actor_for(alice),
                                       session_id=checkout.provider_session_id)
    assert [e.type for e in events] == ["checkout.session.completed", "customer.subscription.created", "invoice.paid"]
    assert _plan(session, alice) == "free"  # received, not applied yet
    again = sandbox.complete_checkout(session=session, actor=actor_for(alice), session_id=checkout.provider_session_id,
                                      now=utcnow() + timedelta(minutes=5))  # paid twice, a while apart
    assert [e.id for e in again] == [e.id for e in events]  # same ids: duplicates, nothing new
    jobs_held.start()
    assert jobs_held.wait_idle(30)
    assert _plan(session, alice) == "label"
    assert len(session.execute(select(WebhookEvent)).scalars().all()) == 3
    status = account.status(session=session, actor=actor_for(alice))
    assert (status.plan, status.banner, status.test_mode) == ("label", "", True)
    bob = make_user(session, "bob@example.com")
    with pytest.raises(NotFound):
        sandbox.complete_checkout(session=session, actor=actor_for(bob), session_id=checkout.provider_session_id)


def test_failed_renewal_grace_banner_then_free_with_data_kept(session: Session, acct_env: object,
                                                               jobs_run: InProcessBroker) -> None:
    alice = make_user(session)
    checkout = account.start_checkout(session=session, actor=actor_for(alice), plan="pro", interval="month")
    sandbox.complete_checkout(session=session, actor=actor_for(alice), session_id=checkout.provider_session_id)
    assert jobs_run.wait_idle(30) and _plan(session, alice) == "pro"
    for n in range(5):  # more projects than Free allows (3): only possible on Pro
        plans.create_within_plan(session=session, user_id=alice.id, resource="projects",
                                 build=lambda n=n: Project(owner_id=alice.id, name=f"p{n}", document={}))
    sub = _sub(session)
    renewal = sub.current_period_end
    assert renewal is not None

    sandbox.renew(session=session, subscription_id=sub.provider_subscription_id, paid=False, now=renewal)
    assert jobs_run.wait_idle(30)
    sub = _sub(session)
    assert sub.status == "past_due" and sub.grace_until == renewal + timedelta(days=7)
    during = account.status(session=session, actor=actor_for(alice), now=renewal + timedelta(days=3))
    assert during.plan == "pro" and during.grace_until == renewal + timedelta(days=7)
    assert during.banner == (f"Your payment didn't go through. Update your card by "
                             f"{renewal + timedelta(days=7):%d %B %Y} to keep Pro. After that your account moves "
                             "to Free (your files and projects are kept).")
    assert _plan(session, alice) == "pro"

    after = renewal + timedelta(days=7, seconds=1)
    assert state.expire_grace(session=session, now=renewal + timedelta(days=6)) == []  # still in grace
    assert state.expire_grace(session=session, now=after) == [alice.id]  # the worker's sweep
    assert _plan(session, alice) == "free"
    assert len(session.execute(select(Project).where(Project.owner_id == alice.id)).scalars().all()) == 5
    with pytest.raises(PlanLimitReached):  # the lower limits apply from now on
        plans.create_within_plan(session=session, user_id=alice.id, resource="projects",
                                 build=lambda: Project(owner_id=alice.id, name="one more", document={}))
    view = account.status(session=session, actor=actor_for(alice), now=after)
    assert (view.plan, view.banner) == ("free", "")

    sandbox.pay_open_invoice(session=session, subscription_id=sub.provider_subscription_id, now=after)
    assert jobs_run.wait_idle(30)
    assert _plan(session, alice) == "pro" and _sub(session).grace_until is None
    invoices = account.list_invoices(session=session, actor=actor_for(alice))
    assert [(i.billing_reason, i.status) for i in invoices] == [("subscription_cycle", "paid"),
                                                                ("subscription_create", "paid")]
    with pytest.raises(Conflict):
        sandbox.pay_open_invoice(session=session, subscription_id=sub.provider_subscription_id, now=after)


def test_a_failure_reported_after_the_grace_period_means_free_at_once(session: Session, acct_env: object,
                                                                      jobs_run: InProcessBroker) -> None:
    alice = make_user(session)
    checkout = account.start_checkout(session=session, actor=actor_for(alice), plan="pro", interval="month")
    sandbox.complete_checkout(session=session, actor=actor_for(alice), session_id=checkout.provider_session_id,
                              now=utcnow() - timedelta(days=40))  # paid 40 days ago: the period ended 10 days ago
    assert jobs_run.wait_idle(30)
    sub = _sub(session)
    assert sub.current_period_end is not None
    sandbox.renew(session=session, subscription_id=sub.provider_subscription_id, paid=False,
                  now=sub.current_period_end)  # the renewal failed 10 days ago; we hear of it only now
    assert jobs_run.wait_idle(30)
    assert _sub(session).status == "past_due" and _plan(session, alice) == "free"
    assert account.status(session=session, actor=actor_for(alice)).banner == ""


def test_cancel_at_period_end_keeps_the_plan_and_cancel_now_ends_it(session: Session, acct_env: object,
                                                                    jobs_run: InProcessBroker,
                                                                    api_client: TestClient) -> None:
    alice = make_user(session)
    auth = bearer(api_client, alice.email)
    started = api_client.post(routes.V1_BILLING_CHECKOUT, headers=auth, json={"plan": "pro", "interval": "year"})
    assert started.status_code == 201 and started.json()["status"] == "open"
    assert started.json()["url"].startswith("http://localhost:3000" + routes.SANDBOX_CHECKOUT + "?session=cs_sbx_")
    pay_url = routes.V1_BILLING_SANDBOX_CHECKOUT.format(session_id=started.json()["url"].rsplit("=", 1)[1])
    assert api_client.get(pay_url, headers=auth).json()["plan"] == "pro"
    assert api_client.post(pay_url, headers=auth).status_code == 200
    assert jobs_run.wait_idle(30)
    assert api_client.get(routes.V1_BILLING, headers=auth).json()["plan"] == "pro"
    sub = _sub(session)
    sandbox.cancel(session=session, actor=actor_for(alice), subscription_id=sub.provider_subscription_id)
    assert jobs_run.wait_idle(30)
    billing = api_client.get(routes.V1_BILLING, headers=auth).json()
    assert billing["plan"] == "pro" and billing["subscription"]["cancel_at_period_end"] is True
    sandbox.cancel(session=session, actor=actor_for(alice), subscription_id=sub.provider_subscription_id,
                   at_period_end=False)
    assert jobs_run.wait_idle(30)
    billing = api_client.get(routes.V1_BILLING, headers=auth).json()
    assert billing["plan"] == "free" and billing["subscription"]["status"] == "canceled"
    with pytest.raises(Conflict):
        sandbox.cancel(session=session, actor=actor_for(alice), subscription_id=sub.provider_subscription_id)
    assert api_client.post(routes.V1_BILLING_PORTAL, headers=auth).json() == {
        "url": "http://localhost:3000" + routes.SANDBOX_PORTAL}
    prices = api_client.get(routes.V1_BILLING_PLANS).json()
    assert {(p["plan"], p["interval"], p["amount"]) for p in prices} == {
        ("pro", "month", "USD 12.00"), ("pro", "year", "USD 120.00"), ("label", "month", "USD 49.00"),
        ("label", "year", "USD 490.00")}
