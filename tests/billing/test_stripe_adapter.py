"""The Stripe adapter through the real `stripe` SDK, pointed at a local server of Stripe's protocol:
what the SDK sends (form encoding, bearer key, idempotency keys), what comes back, Stripe's errors as
plain refusals that store nothing, and an upgrade that changes the plan only when the webhook arrives."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select
from sqlmodel import Session

from maxbooster import routes
from maxbooster.models.billing import BillingCustomer, CheckoutSession, Subscription, WebhookEvent
from maxbooster.services.billing import account, webhooks
from maxbooster.services.billing.provider import PaymentsUnavailable, get_provider
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.errors import ConfigurationMissing, InvalidInput
from tests.billing.stripe_server import LocalStripe, parse_form
from tests.billing.support import signed
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

client, bearer = lib.api_client, lib.bearer


def _count(session: Session, model: type) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_form_parser_reads_stripes_bracket_keys() -> None:
    assert parse_form("a=1&m[plan]=pro&li[0][price]=p1&li[0][quantity]=1&li[1][price]=p2&sd[metadata][x]=y") == {
        "a": "1", "m": {"plan": "pro"}, "li": [{"price": "p1", "quantity": "1"}, {"price": "p2"}],
        "sd": {"metadata": {"x": "y"}}}


def test_checkout_creates_the_customer_once_and_sends_stripes_parameters(session: Session,
                                                                         stripe_env: LocalStripe) -> None:
    alice = make_user(session)
    first = account.start_checkout(session=session, actor=actor_for(alice), plan="pro", interval="year")
    assert first.provider == "stripe" and first.url == f"https://checkout.stripe.com/c/pay/{first.provider_session_id}"
    assert (first.amount_minor, first.currency) == (12000, "USD")
    customer = session.execute(select(BillingCustomer)).scalar_one()
    assert stripe_env.customers[customer.provider_customer_id]["email"] == alice.email
    create = [r for r in stripe_env.requests if r["path"] == "/v1/checkout/sessions"][0]
    assert create["headers"]["authorization"] == f"Bearer {stripe_env.secret_key}"
    assert create["headers"]["content-type"].startswith("application/x-www-form-urlencoded")
    assert create["headers"]["idempotency-key"] == f"mb-checkout-{alice.id}-1"
    p = create["params"]
    assert (p["mode"], p["customer"], p["client_reference_id"]) == ("subscription", customer.provider_customer_id,
                                                                   str(alice.id))
    assert p["line_items"] == [{"price": "price_pro_y", "quantity": "1"}]
    assert p["subscription_data"]["metadata"] == {"owner_id": str(alice.id), "plan": "pro", "interval": "year"}
    assert p["success_url"] == "http://localhost:3000/account/plan/success?session_id={CHECKOUT_SESSION_ID}"

    second = account.start_checkout(session=session, actor=actor_for(alice), plan="label", interval="month")
    assert second.provider_session_id != first.provider_session_id
    assert [r["path"] for r in stripe_env.requests].count("/v1/customers") == 1  # the customer is reused
    assert _count(session, CheckoutSession) == 2
    assert session.get(type(alice), alice.id).plan == "free"  # nothing changes before Stripe's webhook


def test_portal_and_subscription_retrieve(session: Session, stripe_env: LocalStripe) -> None:
    alice = make_user(session)
    with pytest.raises(InvalidInput) as none_yet:
        account.open_portal(session=session, actor=actor_for(alice))
    assert none_yet.value.message == "You have no subscription to manage yet. Choose a plan first."
    checkout = account.start_checkout(session=session, actor=actor_for(alice), plan="pro", interval="month")
    url = account.open_portal(session=session, actor=actor_for(alice))
    assert url.startswith("https://billing.stripe.com/p/session/bps_test_")
    portal = [r for r in stripe_env.requests if r["path"] == "/v1/billing_portal/sessions"][0]["params"]
    assert portal == {"customer": checkout.provider_customer_id, "return_url": "http://localhost:3000/account/plan"}
    stripe_env.complete_checkout(checkout.provider_session_id)
    sub_id = stripe_env.checkouts[checkout.provider_session_id]["subscription"]
    fetched = get_provider(session=session).retrieve_subscription(sub_id)
    assert fetched["id"] == sub_id and fetched["status"] == "active"
    assert fetched["items"]["data"][0]["price"]["id"] == "price_pro_m"
    with pytest.raises(PaymentsUnavailable) as missing:
        get_provider(session=session).retrieve_subscription("sub_nope")
    assert missing.value.message == "Stripe did not read the subscription: No such subscription: 'sub_nope'"


def test_stripe_refusals_are_clear_and_store_nothing(session: Session, stripe_env: LocalStripe,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from maxbooster.settings import get_settings

    alice = make_user(session)
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_wrong")
    get_settings.cache_clear()
    with pytest.raises(PaymentsUnavailable) as bad_key:
        account.start_checkout(session=session, actor=actor_for(alice), plan="pro", interval="month")
    assert bad_key.value.message == "Stripe did not create the customer: Invalid API Key provided: sk_test_****rong"
    assert bad_key.value.http_status == 503
    monkeypatch.setenv("STRIPE_SECRET_KEY", stripe_env.secret_key)
    monkeypatch.setenv("STRIPE_PRICES", "pro:month=price_gone")
    get_settings.cache_clear()
    with pytest.raises(PaymentsUnavailable) as bad_price:
        account.start_checkout(session=session, actor=actor_for(alice), plan="pro", interval="month")
    assert bad_price.value.message == "Stripe did not start the checkout: No such price: 'price_gone'"
    with pytest.raises(ConfigurationMissing) as unpriced:
        account.start_checkout(session=session, actor=actor_for(alice), plan="label", interval="year")
    assert "STRIPE_PRICES" in unpriced.value.message
    assert _count(session, CheckoutSession) == 0
    with pytest.raises(InvalidInput) as free:
        account.start_checkout(session=session, actor=actor_for(alice), plan="free", interval="month")
    assert free.value.message == "The Free plan costs nothing; there is nothing to check out."
    with pytest.raises(InvalidInput) as weekly:
        account.start_checkout(session=session, actor=actor_for(alice), plan="pro", interval="week")
    assert weekly.value.message == "Choose monthly or yearly billing (month or year), not 'week'."
    monkeypatch.setenv("STRIPE_SECRET_KEY", "")
    get_settings.cache_clear()
    with pytest.raises(ConfigurationMissing):
        account.start_checkout(session=session, actor=actor_for(alice), plan="pro", interval="month")
    assert _count(session, CheckoutSession) == 0


def test_upgrade_over_http_changes_the_plan_only_when_the_webhook_is_applied(
        session: Session, stripe_env: LocalStripe, client: TestClient, jobs_run: InProcessBroker) -> None:
    alice = make_user(session)
    auth = bearer(client, alice.email)
    started = client.post(routes.V1_BILLING_CHECKOUT, headers=auth, json={"plan": "pro", "interval": "month"})
    assert started.status_code == 201, started.text
    cs_id = started.json()["url"].rsplit("/", 1)[1]
    events = stripe_env.complete_checkout(cs_id, now=int(time.time()))
    assert client.get(routes.V1_BILLING, headers=auth).json()["plan"] == "free"  # paid at Stripe, no webhook yet
    for event in events:
        body, headers = signed(event)
        reply = client.post(routes.V1_BILLING_WEBHOOK_STRIPE, content=body, headers=headers)
        assert reply.status_code == 200 and reply.json() == {"received": True, "duplicate": False}
    assert jobs_run.wait_idle(30)
    state = client.get(routes.V1_BILLING, headers=auth).json()
    assert state["plan"] == "pro" and state["subscription"]["status"] == "active" and state["banner"] == ""
    assert state["test_mode"] is False
    invoices = client.get(routes.V1_BILLING_INVOICES, headers=auth).json()
    assert [(i["amount"], i["status"]) for i in invoices] == [("USD 12.00", "paid")]
    assert invoices[0]["hosted_url"].startswith("https://invoice.stripe.com/i/in_test_")
    assert session.execute(select(CheckoutSession.status)).scalar_one() == "complete"
    assert {e.outcome.split(";")[0] for e in session.execute(select(WebhookEvent)).scalars()} >= {
        f"checkout {cs_id}: complete"}
    again = client.post(routes.V1_BILLING_CHECKOUT, headers=auth, json={"plan": "label", "interval": "year"})
    assert again.status_code == 409 and "already subscribe to Pro" in again.json()["error"]["message"]


def test_a_second_subscriber_cannot_be_told_apart_by_checkout_ids(session: Session, stripe_env: LocalStripe) -> None:
    alice, bob = make_user(session), make_user(session, "bob@example.com")
    checkout = account.start_checkout(session=session, actor=actor_for(alice), plan="pro", interval="month")
    from maxbooster.services.errors import NotFound

    with pytest.raises(NotFound):
        account.get_checkout(session=session, actor=actor_for(bob), checkout_id=checkout.id)
    assert account.get_checkout(session=session, actor=actor_for(alice), checkout_id=checkout.id).id == checkout.id



def test_two_subscription_events_of_one_second_are_decided_by_stripes_current_subscription(
        session: Session, stripe_env: LocalStripe, jobs_held: InProcessBroker) -> None:
    """Stripe's `created` has whole seconds: a change and its undo in one second cannot be ordered by it,
    so the job reads the subscription back through the SDK and stores what Stripe has now."""
    alice = make_user(session)
    checkout = account.start_checkout(session=session, actor=actor_for(alice), plan="pro", interval="month")
    now = int(time.time())
    created = stripe_env.complete_checkout(checkout.provider_session_id, now=now)
    sub_id = stripe_env.checkouts[checkout.provider_session_id]["subscription"]
    stripe_env.subscriptions[sub_id]["cancel_at_period_end"] = True  # the customer cancelled in the portal
    reverted = json.loads(json.dumps(stripe_env.subscriptions[sub_id]))
    reverted["cancel_at_period_end"] = False
    a = stripe_env.event("customer.subscription.updated", reverted, now + 10)
    b = stripe_env.event("customer.subscription.updated", stripe_env.subscriptions[sub_id], now + 10)
    for order in ([a, b], [b, a]):
        session.execute(delete(Subscription))
        session.execute(delete(WebhookEvent))
        session.commit()
        for event in created + order:
            row, _ = webhooks.receive_event(session=session, provider="stripe", event=event)
            webhooks.apply_stored_event(session=session, webhook_event_id=row.id)
        session.expire_all()
        sub = session.execute(select(Subscription)).scalar_one()
        assert (sub.status, sub.cancel_at_period_end) == ("active", True), [e["id"] for e in order]
    reads = [r for r in stripe_env.requests if r["method"] == "GET" and r["path"] == f"/v1/subscriptions/{sub_id}"]
    assert len(reads) == 2  # once per order, only for the tie
