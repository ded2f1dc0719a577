"""Seller onboarding: the sandbox's own onboarding page and Stripe Connect Express through the real SDK
against the local Stripe server; the state changes only from account.updated (applied once, older
ones ignored, unknown accounts ignored), and listings publish only while the seller can be paid."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session

from maxbooster import routes
from maxbooster.models.accounts import User
from maxbooster.models.billing import WebhookEvent
from maxbooster.models.marketplace import Listing, ListingStatus, SellerAccount
from maxbooster.services.billing import sandbox, webhooks
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.errors import InvalidInput
from maxbooster.services.marketplace import listings, sellers
from maxbooster.services.marketplace.sellers import SellerNotReady
from tests.billing.stripe_server import LocalStripe
from tests.billing.support import signed
from tests.marketplace.support import ready_listing
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

client, bearer = lib.api_client, lib.bearer


def _apply(session: Session, events: list[WebhookEvent]) -> list[str]:
    return [webhooks.apply_stored_event(session=session, webhook_event_id=e.id) for e in events]


def test_sandbox_onboarding_then_publish(session: Session, acct_env: object) -> None:
    alice = make_user(session)
    actor = actor_for(alice)
    listing = ready_listing(session, alice)
    with pytest.raises(SellerNotReady, match="Finish your seller onboarding"):
        listings.publish(session=session, actor=actor, listing_id=listing.id)
    url = sellers.start_onboarding(session=session, actor=actor, country="us")
    account = sellers.find_account(session=session, owner_id=alice.id)
    assert account is not None and account.provider_account_id.startswith("acct_sbx_")
    assert url.endswith(routes.V1_MARKETPLACE_SANDBOX_ONBOARDING.format(account_id=account.provider_account_id))
    assert not account.charges_enabled and "external_account" in account.requirements
    assert sellers.dashboard(session=session, actor=actor).next_step.startswith("Continue onboarding")
    # a second start gives a link to the same account
    sellers.start_onboarding(session=session, actor=actor, country="US")
    assert session.execute(select(func.count()).select_from(SellerAccount)).scalar_one() == 1
    with pytest.raises(SellerNotReady):
        listings.publish(session=session, actor=actor, listing_id=listing.id)
    events = sandbox.complete_onboarding(session=session, actor=actor, account_id=account.provider_account_id)
    assert _apply(session, events)[0].startswith("seller account acct_sbx_")
    session.refresh(account)
    assert (account.charges_enabled, account.payouts_enabled, account.requirements) == (True, True, [])
    assert listings.publish(session=session, actor=actor, listing_id=listing.id).status == ListingStatus.PUBLISHED
    dash = sellers.dashboard(session=session, actor=actor)
    assert dash.can_publish and dash.test_mode and dash.balance is not None and dash.balance.available == {}
    # the same onboarding sent again is a duplicate: stored once, nothing new
    again = sandbox.complete_onboarding(session=session, actor=actor, account_id=account.provider_account_id)
    assert again[0].id == events[0].id


def test_bad_country_and_someone_elses_onboarding_change_nothing(session: Session, acct_env: object) -> None:
    alice, mallory = make_user(session), make_user(session, "mallory@example.com")
    with pytest.raises(InvalidInput, match="Choose your country"):
        sellers.start_onboarding(session=session, actor=actor_for(alice), country="XX")
    assert session.execute(select(func.count()).select_from(SellerAccount)).scalar_one() == 0
    sellers.start_onboarding(session=session, actor=actor_for(alice))
    account = sellers.find_account(session=session, owner_id=alice.id)
    assert account is not None
    with pytest.raises(Exception, match="could not find"):
        sandbox.complete_onboarding(session=session, actor=actor_for(mallory),
                                    account_id=account.provider_account_id)
    session.refresh(account)
    assert not account.charges_enabled and session.execute(select(WebhookEvent)).first() is None


def test_unknown_and_older_account_events_change_nothing(session: Session, payable_seller: User) -> None:
    account = sellers.find_account(session=session, owner_id=payable_seller.id)
    assert account is not None and account.charges_enabled and account.last_event_created is not None
    obj = sandbox.account_object("acct_nobody", country="US", owner_id=payable_seller.id)
    row, _ = webhooks.receive_event(session=session, provider="sandbox", event={
        "id": "evt_unknown_acct", "type": "account.updated", "created": int(time.time()), "data": {"object": obj}})
    assert webhooks.apply_stored_event(session=session, webhook_event_id=row.id) == \
        "ignored: unknown seller account acct_nobody"
    assert session.execute(select(func.count()).select_from(SellerAccount)).scalar_one() == 1
    # an older event (disabled) arriving late does not undo the newer state
    stale = sandbox.account_object(account.provider_account_id, country="US", owner_id=payable_seller.id)
    older = int((account.last_event_created - timedelta(minutes=5)).timestamp())
    row, _ = webhooks.receive_event(session=session, provider="sandbox", event={
        "id": "evt_old", "type": "account.updated", "created": older, "data": {"object": stale}})
    assert webhooks.apply_stored_event(session=session, webhook_event_id=row.id).startswith("ignored: older")
    session.refresh(account)
    assert account.charges_enabled


def test_stripe_connect_express_onboarding_over_http(session: Session, stripe_env: LocalStripe, client: TestClient,
                                                     jobs_run: InProcessBroker) -> None:
    alice = make_user(session)
    auth = bearer(client, alice.email)
    reply = client.post(routes.V1_MARKETPLACE_SELLER_ONBOARDING, headers=auth, json={"country": "GB"})
    assert reply.status_code == 200, reply.text
    account = session.execute(select(SellerAccount)).scalar_one()
    assert account.provider == "stripe" and account.provider_account_id in stripe_env.accounts
    assert reply.json()["url"].startswith(f"https://connect.stripe.com/setup/e/{account.provider_account_id}/")
    create = [r for r in stripe_env.requests if r["path"] == "/v1/accounts"][0]
    assert create["params"]["type"] == "express" and create["params"]["country"] == "GB"
    assert create["params"]["capabilities"] == {"card_payments": {"requested": "true"},
                                                "transfers": {"requested": "true"}}
    assert create["headers"]["idempotency-key"] == f"seller-{alice.id}-stripe"
    link = [r for r in stripe_env.requests if r["path"] == "/v1/account_links"][0]["params"]
    assert link["type"] == "account_onboarding" and link["return_url"].endswith(routes.SETTINGS)
    dash = client.get(routes.V1_MARKETPLACE_SELLER, headers=auth).json()
    assert dash["can_publish"] is False and dash["account"]["charges_enabled"] is False and not dash["test_mode"]

    event = stripe_env.complete_onboarding(account.provider_account_id)
    body, headers = signed(event)
    assert client.post(routes.V1_BILLING_WEBHOOK_STRIPE, content=body, headers=headers).status_code == 200
    assert jobs_run.wait_idle(30)
    stripe_env.balances[account.provider_account_id] = {
        "object": "balance", "available": [{"amount": 4499, "currency": "usd"}],
        "pending": [{"amount": 1000, "currency": "usd"}]}
    stripe_env.payouts[account.provider_account_id] = [{"id": "po_1", "object": "payout", "amount": 2500,
                                                        "currency": "usd", "status": "paid", "arrival_date": 1}]
    dash = client.get(routes.V1_MARKETPLACE_SELLER, headers=auth).json()
    assert dash["can_publish"] is True and dash["account"]["requirements"] == []
    assert dash["balance_available"] == {"USD": 4499} and dash["balance_pending"] == {"USD": 1000}
    assert [p["id"] for p in dash["payouts"]] == ["po_1"]
    balance_call = [r for r in stripe_env.requests if r["path"] == "/v1/balance"][-1]
    assert balance_call["headers"]["stripe-account"] == account.provider_account_id

    # refresh reads the account again from Stripe
    assert client.post(routes.V1_MARKETPLACE_SELLER_REFRESH, headers=auth).json()["charges_enabled"] is True
    # a webhook with a wrong signature is refused and changes nothing
    stripe_env.accounts[account.provider_account_id]["charges_enabled"] = False
    bad_body, bad_headers = signed(stripe_env.event("account.updated", stripe_env.accounts[
        account.provider_account_id], int(time.time())), secret="whsec_wrong")
    refused = client.post(routes.V1_BILLING_WEBHOOK_STRIPE, content=bad_body, headers=bad_headers)
    assert refused.status_code == 400 and "signature does not match" in refused.text
    session.refresh(account)
    assert account.charges_enabled


def test_publish_refused_while_the_seller_is_banned(session: Session, payable_seller: User) -> None:
    listing = ready_listing(session, payable_seller)
    account = sellers.find_account(session=session, owner_id=payable_seller.id)
    assert account is not None
    account.banned_at = account.updated_at
    session.add(account)
    session.commit()
    with pytest.raises(SellerNotReady, match="suspended by a moderator"):
        listings.publish(session=session, actor=actor_for(payable_seller), listing_id=listing.id)
    assert session.get(Listing, listing.id, populate_existing=True).status == ListingStatus.DRAFT  # type: ignore[union-attr]
