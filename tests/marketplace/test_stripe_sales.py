"""Marketplace sales through the Stripe adapter: the real `stripe` SDK against the local Stripe-protocol
server (payment intents, transfers with source_transaction and transfer_group, refunds, transfer
reversals), webhooks signed exactly as Stripe signs them and posted to our webhook endpoint; a wrong
signature or an old timestamp is refused and changes nothing. The whole flow also runs over REST."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from maxbooster import routes
from maxbooster.models.accounts import User
from maxbooster.models.billing import WebhookEvent
from maxbooster.models.marketplace import License, Order, OrderStatus, SellerAccount, Transfer, TransferStatus
from maxbooster.services.billing.webhooks import apply_stored_event
from maxbooster.services.marketplace import listings
from tests.billing.support import signed
from tests.marketplace.commerce import TIERS, count, tier
from tests.marketplace.stripe_payments import LocalStripeCommerce
from tests.marketplace.support import ready_listing
from tests.support.accounts import actor_for, make_user
from tests.support.library import api_client, bearer

__all__ = ["api_client"]


@pytest.fixture(scope="module")
def stripe_server() -> Iterator[LocalStripeCommerce]:  # replaces billing's server for stripe_env
    with LocalStripeCommerce() as server:
        yield server


def _seller(session: Session, server: LocalStripeCommerce, email: str) -> User:
    user = make_user(session, email)
    account_id = f"acct_{user.id.hex[:12]}"
    server.connected.add(account_id)
    session.add(SellerAccount(owner_id=user.id, provider="stripe", provider_account_id=account_id, country="US",
                              default_currency="USD", charges_enabled=True, payouts_enabled=True,
                              details_submitted=True))
    session.commit()
    return user


def _post_event(client: TestClient, event: dict[str, Any], **sign: Any) -> Any:
    body, headers = signed(event, **sign)
    return client.post(routes.V1_BILLING_WEBHOOK_STRIPE, content=body, headers=headers)


def _apply_all(session: Session) -> list[str]:
    rows = session.execute(select(WebhookEvent).where(WebhookEvent.applied_at.is_(None))  # type: ignore[union-attr]
                           .order_by(WebhookEvent.received_at)).scalars().all()
    return [apply_stored_event(session=session, webhook_event_id=r.id) for r in rows]


def test_stripe_sale_transfers_refund_and_reversal_over_rest(session: Session, stripe_env: LocalStripeCommerce,
                                                             api_client: TestClient, jobs_held: object) -> None:
    server = stripe_env
    seller = _seller(session, server, "producer@example.com")
    beat = ready_listing(session, seller, prices=TIERS)
    listings.publish(session=session, actor=actor_for(seller), listing_id=beat.id)
    make_user(session, "buyer@example.com")
    auth = bearer(api_client, "buyer@example.com")

    reply = api_client.post(routes.V1_MARKETPLACE_CART, headers=auth,
                            json={"listing_id": str(beat.id), "tier_id": str(tier(session, beat, "wav_lease").id)})
    assert reply.status_code == 200 and reply.json()["total_minor"] == 4999
    reply = api_client.post(routes.V1_MARKETPLACE_CHECKOUT, headers=auth)
    assert reply.status_code == 201, reply.text
    out = reply.json()
    assert out["status"] == "pending" and out["client_secret"].startswith(out["payment_id"])
    pi_call = next(r for r in server.requests if r["path"] == "/v1/payment_intents")
    assert pi_call["params"]["amount"] == "4999" and pi_call["params"]["currency"] == "usd"
    assert pi_call["params"]["transfer_group"] == f"order_{out['id'].replace('-', '')}"
    assert pi_call["headers"]["idempotency-key"] == f"order-{out['id']}"

    event = server.succeed_payment(out["payment_id"])
    # refused: wrong signing secret, a timestamp older than 5 minutes; nothing stored, the order still pending
    bad = _post_event(api_client, event, secret="whsec_wrong")
    assert bad.status_code == 400 and "signature does not match" in bad.json()["error"]["message"]
    old = _post_event(api_client, event, timestamp=int(time.time()) - 3600)
    assert old.status_code == 400 and "more than 5 minutes old" in old.json()["error"]["message"]
    assert count(session, WebhookEvent) == 0
    assert _post_event(api_client, event).json() == {"received": True, "duplicate": False}
    assert _post_event(api_client, event).json() == {"received": True, "duplicate": True}
    assert _apply_all(session) == [f"order {out['id']}: paid"]

    session.expire_all()
    order = session.get(Order, uuid.UUID(out["id"]))
    assert order is not None and order.status == OrderStatus.PAID and order.provider_charge_id
    [transfer] = session.execute(select(Transfer)).scalars().all()
    sent = server.transfers[transfer.provider_transfer_id]  # type: ignore[index]
    assert (sent["amount"], sent["destination"], sent["source_transaction"], sent["transfer_group"]) == (
        4499, f"acct_{seller.id.hex[:12]}", order.provider_charge_id, f"order_{order.id.hex}")
    assert transfer.amount_minor + order.fee_minor == order.total_minor

    detail = api_client.get(routes.V1_MARKETPLACE_ORDER.format(order_id=order.id), headers=auth).json()
    line_id = detail["lines"][0]["id"]
    links = api_client.post(routes.V1_MARKETPLACE_ORDER_LINE_LINK.format(line_id=line_id), headers=auth).json()
    pdf_url = next(lk["url"] for lk in links if lk["deliverable"] == "license_pdf")
    got = api_client.get(pdf_url, headers=auth)
    assert got.status_code == 200 and got.content.startswith(b"%PDF")
    sha = detail["lines"][0]["license_sha256"]
    assert got.content.count(sha.encode()) == 1
    assert api_client.get(routes.V1_MARKETPLACE_LICENSE_VERIFY.format(sha256=sha)).json()["status"] == "valid"

    # the seller refunds 10.00 of the line: a Stripe refund and a proportional transfer reversal
    seller_auth = bearer(api_client, "producer@example.com")
    bad_amount = api_client.post(routes.V1_MARKETPLACE_ORDER_LINE_REFUND.format(line_id=line_id),
                                 headers=seller_auth, json={"amount": "10.001"})
    assert bad_amount.status_code == 422 and "up to 2 decimals" in bad_amount.json()["error"]["message"]
    reply = api_client.post(routes.V1_MARKETPLACE_ORDER_LINE_REFUND.format(line_id=line_id), headers=seller_auth,
                            json={"amount": "10.00", "reason": "wrong file"})
    assert reply.status_code == 200, reply.text
    charge = server.charges[order.provider_charge_id]
    assert charge["amount_refunded"] == 1000
    assert sent["amount_reversed"] == 1000 * 4499 // 4999
    # Stripe then sends charge.refunded for that refund: already known, nothing twice
    assert _post_event(api_client, server.refund_event(order.provider_charge_id)).status_code == 200
    _apply_all(session)
    session.expire_all()
    assert session.get(Order, order.id).refunded_minor == 1000  # type: ignore[union-attr]
    gone = api_client.get(pdf_url, headers=auth)
    assert gone.status_code == 410 and "refunded" in gone.json()["error"]["message"]
    verify = api_client.get(routes.V1_MARKETPLACE_LICENSE_VERIFY.format(sha256=sha)).json()
    assert verify["status"] == "void" and "refunded" in verify["reason"]


def test_stripe_dashboard_refund_and_dispute_events(session: Session, stripe_env: LocalStripeCommerce,
                                                    api_client: TestClient, jobs_held: object) -> None:
    server = stripe_env
    seller = _seller(session, server, "producer@example.com")
    beat = ready_listing(session, seller, prices=TIERS)
    listings.publish(session=session, actor=actor_for(seller), listing_id=beat.id)
    orders_made = []
    for n in range(2):
        buyer = make_user(session, f"buyer{n}@example.com")
        from tests.marketplace.commerce import start

        result = start(session, buyer, (beat, "mp3_lease"))
        _post_event(api_client, server.succeed_payment(result.payment.id))
        orders_made.append(result.order.id)
    _apply_all(session)
    session.expire_all()
    first, second = (session.get(Order, i) for i in orders_made)
    assert first and second and first.status == second.status == OrderStatus.PAID
    # a full refund made in Stripe's dashboard (no line in its metadata)
    server._create_refund({"payment_intent": first.provider_payment_id, "amount": str(first.total_minor)})
    _post_event(api_client, server.refund_event(first.provider_charge_id))
    _post_event(api_client, server.dispute_event(second.provider_charge_id))
    _post_event(api_client, server.dispute_event(second.provider_charge_id, closed="lost"))
    outcomes = _apply_all(session)
    assert outcomes[0].endswith("1 line refund(s) applied") and "dispute open" in outcomes[1]
    assert "dispute lost" in outcomes[2]
    session.expire_all()
    assert session.get(Order, first.id).status == OrderStatus.REFUNDED  # type: ignore[union-attr]
    voided = session.execute(select(License).where(License.voided_at.is_not(None))).scalars().all()  # type: ignore[union-attr]
    assert len(voided) == 2
    assert {t.status for t in session.execute(select(Transfer)).scalars()} == {TransferStatus.REVERSED}
    for row in session.execute(select(Transfer)).scalars():  # reversed at Stripe too
        assert server.transfers[row.provider_transfer_id]["amount_reversed"] == row.amount_minor  # type: ignore[index]
    assert json.dumps(outcomes)


def test_a_payment_stripe_refuses_frees_the_exclusive_and_keeps_the_cart(
        session: Session, stripe_env: LocalStripeCommerce, monkeypatch: pytest.MonkeyPatch) -> None:
    from maxbooster.models.marketplace import CartLine, ExclusiveClaim
    from maxbooster.services.errors import DomainError, ErrorCode
    from maxbooster.services.marketplace import cart, checkout
    from maxbooster.settings import get_settings

    seller = _seller(session, stripe_env, "producer@example.com")
    beat = ready_listing(session, seller, prices=TIERS)
    listings.publish(session=session, actor=actor_for(seller), listing_id=beat.id)
    buyer = make_user(session, "buyer@example.com")
    cart.add_to_cart(session=session, actor=actor_for(buyer), listing_id=beat.id,
                     tier_id=tier(session, beat, "exclusive").id)
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_revoked")  # Stripe answers 401
    get_settings.cache_clear()
    with pytest.raises(DomainError) as err:
        checkout.checkout(session=session, actor=actor_for(buyer))
    assert err.value.code == ErrorCode.PAYMENTS_UNAVAILABLE and "Invalid API Key" in err.value.message
    session.expire_all()
    [order] = session.execute(select(Order)).scalars().all()
    assert order.status == OrderStatus.FAILED and order.provider_payment_id is None
    assert count(session, ExclusiveClaim) == 0 and count(session, CartLine) == 1
    assert not stripe_env.payment_intents or all(
        pi["metadata"].get("order_id") != str(order.id) for pi in stripe_env.payment_intents.values())
