"""What the billing pages rely on: the sandbox checkout's test card (accepted, declined, malformed: a
refusal changes nothing), the page after Checkout confirming only once the webhooks are applied, the
sandbox portal's plan/period switch, cancel at period end and resume, and the plans in words."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from maxbooster.models.base import utcnow
from maxbooster.models.billing import Subscription, WebhookEvent
from maxbooster.services.billing import account, sandbox
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.errors import Conflict, InvalidInput, NotFound
from tests.support.accounts import actor_for, make_user

GOOD = {"card_number": "4242 4242 4242 4242", "expiry": "12/34", "cvc": "123"}


def _sub(session: Session) -> Subscription:
    session.expire_all()
    return session.execute(select(Subscription)).scalar_one()


def _events(session: Session) -> int:
    return len(session.execute(select(WebhookEvent)).scalars().all())


@pytest.mark.parametrize(("card", "words"), [
    ({"card_number": "4000 0000 0000 0002"}, "Your card was declined"),
    ({"card_number": "4242 4242 4242 4241"}, "not valid"),
    ({"card_number": "abcd"}, "not valid"),
    ({"expiry": "13/30"}, "MM/YY"),
    ({"expiry": "01/20"}, "expired"),
    ({"cvc": "12"}, "security code"),
])
def test_a_refused_card_changes_nothing(session: Session, acct_env: object, jobs_run: InProcessBroker,
                                        card: dict[str, str], words: str) -> None:
    alice = make_user(session)
    checkout = account.start_checkout(session=session, actor=actor_for(alice), plan="pro", interval="month")
    with pytest.raises(Exception, match=words) as refused:
        sandbox.pay_checkout(session=session, actor=actor_for(alice), session_id=checkout.provider_session_id,
                             **{**GOOD, **card})
    assert refused.value.code in ("card_declined", "invalid_input")  # type: ignore[attr-defined]
    assert jobs_run.wait_idle(30)
    assert _events(session) == 0
    progress = account.checkout_progress(session=session, actor=actor_for(alice),
                                         session_id=checkout.provider_session_id)
    assert (progress.confirmed, progress.current_plan) == (False, "free")


def test_paying_confirms_only_after_the_webhook_job(session: Session, acct_env: object,
                                                     jobs_held: InProcessBroker) -> None:
    alice, bob = make_user(session), make_user(session, "bob@example.com")
    checkout = account.start_checkout(session=session, actor=actor_for(alice), plan="pro", interval="year")
    sandbox.pay_checkout(session=session, actor=actor_for(alice), session_id=checkout.provider_session_id, **GOOD)
    waiting = account.checkout_progress(session=session, actor=actor_for(alice),
                                        session_id=checkout.provider_session_id)
    assert (waiting.confirmed, waiting.current_plan, waiting.plan, waiting.amount.format(), waiting.test_mode) == (
        False, "free", "pro", "USD 120.00", True)
    jobs_held.start()
    assert jobs_held.wait_idle(30)
    done = account.checkout_progress(session=session, actor=actor_for(alice), session_id=checkout.provider_session_id)
    assert (done.confirmed, done.current_plan) == (True, "pro")
    with pytest.raises(NotFound):  # someone else's checkout
        account.checkout_progress(session=session, actor=actor_for(bob), session_id=checkout.provider_session_id)
    with pytest.raises(NotFound):
        sandbox.pay_checkout(session=session, actor=actor_for(bob), session_id=checkout.provider_session_id, **GOOD)


def test_portal_switch_cancel_and_resume(session: Session, acct_env: object, jobs_run: InProcessBroker) -> None:
    alice, bob = make_user(session), make_user(session, "bob@example.com")
    checkout = account.start_checkout(session=session, actor=actor_for(alice), plan="pro", interval="month")
    sandbox.pay_checkout(session=session, actor=actor_for(alice), session_id=checkout.provider_session_id, **GOOD)
    assert jobs_run.wait_idle(30)
    sub_id = _sub(session).provider_subscription_id
    me = actor_for(alice)
    with pytest.raises(InvalidInput, match="already have Pro"):
        sandbox.change_plan(session=session, actor=me, subscription_id=sub_id, plan="pro", interval="month")
    with pytest.raises(InvalidInput, match="Choose one of the plans"):
        sandbox.change_plan(session=session, actor=me, subscription_id=sub_id, plan="gold", interval="month")
    with pytest.raises(NotFound):
        sandbox.change_plan(session=session, actor=actor_for(bob), subscription_id=sub_id, plan="label",
                            interval="year")
    with pytest.raises(Conflict, match="nothing to resume"):
        sandbox.resume(session=session, actor=me, subscription_id=sub_id)
    sandbox.change_plan(session=session, actor=me, subscription_id=sub_id, plan="label", interval="year")
    assert jobs_run.wait_idle(30)
    assert (_sub(session).plan, _sub(session).interval) == ("label", "year")
    assert account.status(session=session, actor=me).plan == "label"

    sandbox.cancel(session=session, actor=me, subscription_id=sub_id)
    assert jobs_run.wait_idle(30)
    st = account.status(session=session, actor=me)
    assert st.plan == "label" and st.subscription is not None and st.subscription.cancel_at_period_end
    sandbox.resume(session=session, actor=me, subscription_id=sub_id, now=utcnow() + timedelta(seconds=5))
    assert jobs_run.wait_idle(30)
    assert _sub(session).cancel_at_period_end is False
    invoices = account.list_invoices(session=session, actor=me)
    assert [(i.status, account.invoice_amount(i).format()) for i in invoices] == [("paid", "USD 12.00")]


def test_portal_and_checkout_are_our_pages_and_plans_in_words(session: Session, acct_env: object) -> None:
    alice = make_user(session)
    with pytest.raises(InvalidInput, match="no subscription to manage"):
        account.open_portal(session=session, actor=actor_for(alice))
    checkout = account.start_checkout(session=session, actor=actor_for(alice), plan="label", interval="month")
    assert checkout.url == f"http://localhost:3000/billing/sandbox/checkout?session={checkout.provider_session_id}"
    assert account.open_portal(session=session, actor=actor_for(alice)) == "http://localhost:3000/billing/sandbox/portal"
    offers = {o.plan: o for o in account.offers()}
    assert [o.plan for o in account.offers()] == ["free", "pro", "label"]
    assert (offers["free"].month, offers["pro"].month.format(), offers["label"].year.format()) == (  # type: ignore[union-attr]
        None, "USD 12.00", "USD 490.00")
    assert offers["free"].includes[:4] == ["1 GB of storage", "3 studio projects", "8 tracks per studio project",
                                           "2 releases a year"]
    assert "Unlimited releases a year" in offers["pro"].includes and "Masters as MP3" in offers["free"].includes
