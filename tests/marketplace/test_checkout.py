"""Cart and checkout on both databases with the sandbox provider: one payment for a multi-seller cart,
the platform fee, transfers to each seller and collaborator (sum + fee == total), license, downloads,
receipt email; refusals (currency mismatch, unpublished meanwhile, changed price, empty cart) change
nothing and charge nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from maxbooster.models.accounts import User
from maxbooster.models.email import EmailOutbox
from maxbooster.models.marketplace import (
    CartLine,
    DownloadGrant,
    License,
    Listing,
    ListingStatus,
    Order,
    OrderLine,
    OrderStatus,
    Transfer,
    TransferStatus,
)
from maxbooster.services.billing.webhooks import apply_stored_event
from maxbooster.services.errors import DomainError, ErrorCode
from maxbooster.services.marketplace import cart, checkout, listings
from maxbooster.services.marketplace.listings import CollaboratorInput
from tests.marketplace.commerce import buy, count, pay, published, start, tier
from tests.marketplace.support import onboard, ready_listing
from tests.support.accounts import actor_for, make_user


def test_multi_seller_cart_pays_each_seller_and_collaborator(session: Session, payable_seller: User) -> None:
    other = make_user(session, "second@example.com")
    onboard(session, other)
    collab = make_user(session, "collab@example.com")
    onboard(session, collab)
    beat = published(session, payable_seller, title="Night Drive")
    # a split listing: 66.67 % producer, 33.33 % collaborator
    split = ready_listing(session, other, title="Split Beat", prices={"wav_lease": "10.01"})
    listings.set_collaborators(session=session, actor=actor_for(other), listing_id=split.id, collaborators=[
        CollaboratorInput(email="second@example.com", share_percent="66.67"),
        CollaboratorInput(email="collab@example.com", share_percent="33.33")])
    listings.publish(session=session, actor=actor_for(other), listing_id=split.id)
    buyer = make_user(session, "buyer@example.com")

    result = start(session, buyer, (beat, "wav_lease"), (split, "wav_lease"))
    order = result.order
    assert result.test_mode and result.payment.url.endswith(f"/sandbox/pay/{order.id}")
    assert (order.status, order.total_minor, order.currency, order.fee_bps) == ("pending", 4999 + 1001, "USD", 1000)
    assert count(session, Transfer) == 0 and count(session, CartLine) == 0  # nothing moves before the payment

    assert pay(session, buyer, order) == f"order {order.id}: paid"
    session.expire_all()
    order = session.get(Order, order.id)
    assert order is not None and order.status == OrderStatus.PAID and order.provider_charge_id.startswith("ch_sbx_")
    transfers = session.execute(select(Transfer)).scalars().all()
    assert all(t.status == TransferStatus.PAID and t.provider_transfer_id for t in transfers)
    by_recipient = {t.recipient_id: t.amount_minor for t in transfers}
    # fees: 10 % of 49.99 = 5.00 (half up), of 10.01 = 1.00; the split line's net 9.01: 3.00 (33.33 %, down)
    assert order.fee_minor == 500 + 100
    assert by_recipient == {payable_seller.id: 4499, collab.id: 300, other.id: 601}
    assert sum(by_recipient.values()) + order.fee_minor == order.total_minor
    assert count(session, License) == 2
    assert count(session, DownloadGrant) == 6  # mp3 + wav + license PDF for each line
    listing = session.get(Listing, beat.id)
    assert listing is not None and listing.sales_count == 1
    mail = session.execute(select(EmailOutbox).where(col(EmailOutbox.to_addr) == "buyer@example.com")).scalars().all()
    assert len(mail) == 1 and "Night Drive" in mail[0].text_body and "USD 60.00" in mail[0].subject

    # the same payment event delivered again changes nothing (one order, no new transfers, one receipt)
    assert "already" in pay(session, buyer, order) or count(session, Transfer) == 3
    assert count(session, Transfer) == 3 and count(session, License) == 2


def test_cart_refuses_a_second_currency(session: Session, payable_seller: User) -> None:
    usd = published(session, payable_seller, title="Dollar Beat")
    eur = ready_listing(session, payable_seller, title="Euro Beat", prices={})
    listings.set_tiers(session=session, actor=actor_for(payable_seller), listing_id=eur.id, tiers=[
        listings.TierInput(kind="mp3_lease", price="19.00", currency="EUR", deliverables=["mp3"])])
    eur = listings.publish(session=session, actor=actor_for(payable_seller), listing_id=eur.id)
    buyer = make_user(session, "buyer@example.com")
    actor = actor_for(buyer)
    cart.add_to_cart(session=session, actor=actor, listing_id=usd.id, tier_id=tier(session, usd, "mp3_lease").id)
    with pytest.raises(DomainError) as err:
        cart.add_to_cart(session=session, actor=actor, listing_id=eur.id, tier_id=tier(session, eur, "mp3_lease").id)
    assert err.value.code == ErrorCode.CART_CURRENCY_MISMATCH
    assert "USD" in err.value.message and "EUR" in err.value.message
    view = cart.get_cart(session=session, actor=actor)
    assert [i.listing_title for i in view.items] == ["Dollar Beat"] and view.currency == "USD"
    assert [i.seller_name for i in view.items] == [payable_seller.display_name or "Seller"]


def test_checkout_of_a_listing_unpublished_meanwhile_is_refused(session: Session, payable_seller: User) -> None:
    beat = published(session, payable_seller)
    buyer = make_user(session, "buyer@example.com")
    cart.add_to_cart(session=session, actor=actor_for(buyer), listing_id=beat.id,
                     tier_id=tier(session, beat, "mp3_lease").id)
    listings.unpublish(session=session, actor=actor_for(payable_seller), listing_id=beat.id)
    with pytest.raises(DomainError) as err:
        checkout.checkout(session=session, actor=actor_for(buyer))
    assert err.value.code == ErrorCode.LISTING_UNAVAILABLE and "nothing was charged" in err.value.message
    assert count(session, Order) == 0 and count(session, OrderLine) == 0
    assert count(session, CartLine) == 1  # the cart is kept so the buyer sees what to remove


def test_changed_price_and_empty_cart_are_refused(session: Session, payable_seller: User) -> None:
    beat = published(session, payable_seller)
    buyer = make_user(session, "buyer@example.com")
    with pytest.raises(DomainError, match="cart is empty"):
        checkout.checkout(session=session, actor=actor_for(buyer))
    cart.add_to_cart(session=session, actor=actor_for(buyer), listing_id=beat.id,
                     tier_id=tier(session, beat, "mp3_lease").id)
    line = session.execute(select(CartLine)).scalar_one()
    line.price_minor = 100  # the price the buyer saw is not the price now
    session.add(line)
    session.commit()
    with pytest.raises(DomainError, match="changed from USD 1.00 to USD 29.99"):
        checkout.checkout(session=session, actor=actor_for(buyer))
    assert count(session, Order) == 0


def test_own_listing_and_unknown_order_event(session: Session, payable_seller: User) -> None:
    beat = published(session, payable_seller)
    with pytest.raises(DomainError, match="your own listing"):
        cart.add_to_cart(session=session, actor=actor_for(payable_seller), listing_id=beat.id,
                         tier_id=tier(session, beat, "mp3_lease").id)
    buyer = make_user(session, "buyer@example.com")
    order = buy(session, buyer, (beat, "mp3_lease"))
    assert order.status == OrderStatus.PAID
    assert session.get(Listing, beat.id).status == ListingStatus.PUBLISHED  # type: ignore[union-attr]


def test_expired_checkout_is_cancelled_and_a_late_payment_refunded(session: Session, payable_seller: User) -> None:
    from datetime import timedelta

    from maxbooster.models.base import utcnow

    beat = published(session, payable_seller)
    buyer = make_user(session, "buyer@example.com")
    order = start(session, buyer, (beat, "exclusive")).order
    assert checkout.expire_pending(session=session, now=utcnow() + timedelta(minutes=31)) == 1
    session.expire_all()
    assert session.get(Order, order.id).status == OrderStatus.CANCELED  # type: ignore[union-attr]
    assert count(session, checkout.ExclusiveClaim) == 0
    with pytest.raises(DomainError, match="canceled"):
        checkout.pay_in_sandbox(session=session, actor=actor_for(buyer), order_id=order.id)
    # a payment event that still arrives (paid just before the expiry) is refunded, nothing is delivered
    from maxbooster.services.billing import webhooks

    event = {"id": "evt_late", "object": "event", "type": "payment_intent.succeeded", "created": 1_800_000_000,
             "data": {"object": checkout.payment_intent_object(session.get(Order, order.id))}}  # type: ignore[arg-type]
    row, _ = webhooks.receive_event(session=session, provider="sandbox", event=event)
    assert "late payment is refunded" in apply_stored_event(session=session, webhook_event_id=row.id)
    assert count(session, License) == 0 and count(session, Transfer) == 0


def test_refund_event_before_the_payment_waits_for_it(session: Session, payable_seller: User) -> None:
    """Out of order: a charge.refunded applied before payment_intent.succeeded fails (the job retries it)
    and changes nothing; after the payment it applies once. The seller's balance is the sale minus the
    fee, then minus the refund's share."""
    from maxbooster.models.billing import WebhookEvent
    from maxbooster.services.billing import webhooks
    from maxbooster.services.billing.sandbox import SandboxProvider
    from maxbooster.services.marketplace import sellers

    beat = published(session, payable_seller)
    buyer = make_user(session, "buyer@example.com")
    order = start(session, buyer, (beat, "wav_lease")).order
    pi = checkout.payment_intent_object(order)
    charge = {"id": pi["latest_charge"], "object": "charge", "payment_intent": order.provider_payment_id,
              "amount": 4999, "amount_refunded": 4999,
              "refunds": {"data": [{"id": "re_early", "amount": 4999, "status": "succeeded", "metadata": {}}]}}
    row, _ = webhooks.receive_event(session=session, provider="sandbox", event={
        "id": "evt_refund_first", "object": "event", "type": "charge.refunded", "created": 1_800_000_100,
        "data": {"object": charge}})
    with pytest.raises(DomainError, match="not paid yet"):
        apply_stored_event(session=session, webhook_event_id=row.id)
    session.expire_all()
    assert session.get(WebhookEvent, row.id).applied_at is None  # type: ignore[union-attr]
    assert session.get(Order, order.id).status == OrderStatus.PENDING  # type: ignore[union-attr]

    pay(session, buyer, order)
    account = sellers.find_account(session=session, owner_id=payable_seller.id)
    assert account is not None
    balance = SandboxProvider(session=session).retrieve_balance(account.provider_account_id)
    assert balance.available == {"USD": 4999 - 500}  # the sale minus the 10 % fee
    assert "1 line refund(s) applied" in apply_stored_event(session=session, webhook_event_id=row.id)
    assert apply_stored_event(session=session, webhook_event_id=row.id) == "already applied"
    session.expire_all()
    assert session.get(Order, order.id).status == OrderStatus.REFUNDED  # type: ignore[union-attr]
    assert SandboxProvider(session=session).retrieve_balance(account.provider_account_id).available == {"USD": 0}


def test_the_periodic_sweep_enqueues_the_expiry_job(session: Session, payable_seller: User,
                                                    jobs_held: object) -> None:
    from datetime import timedelta

    from maxbooster.models.jobs import Job

    beat = published(session, payable_seller)
    order = start(session, make_user(session, "buyer@example.com"), (beat, "exclusive")).order
    checkout._periodic_expire()
    assert count(session, Job, kind=checkout.EXPIRE_KIND) == 0  # not due yet
    stored = session.get(Order, order.id)
    assert stored is not None
    stored.created_at = stored.created_at - timedelta(minutes=31)
    session.add(stored)
    session.commit()
    checkout._periodic_expire()
    assert count(session, Job, kind=checkout.EXPIRE_KIND) == 1
