"""Held transfers: a collaborator still onboarding gets a held transfer; the `marketplace.pay_held` sweep sends
it once their account can be paid (once), and never for a line refunded meanwhile."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from maxbooster.models.accounts import User
from maxbooster.models.marketplace import Transfer, TransferStatus
from maxbooster.services import jobs
from maxbooster.services.billing.sandbox import SandboxProvider
from maxbooster.services.marketplace import listings, payouts, sellers
from maxbooster.services.marketplace.listings import CollaboratorInput
from tests.marketplace.commerce import buy
from tests.marketplace.support import onboard, ready_listing
from tests.support.accounts import actor_for, make_user


def _split_beat(session: Session, seller: User, title: str) -> object:
    listing = ready_listing(session, seller, title=title, prices={"wav_lease": "20.00"})
    listings.set_collaborators(session=session, actor=actor_for(seller), listing_id=listing.id, collaborators=[
        CollaboratorInput(email="producer@example.com", share_percent="50"),
        CollaboratorInput(email="collab@example.com", share_percent="50")])
    return listings.publish(session=session, actor=actor_for(seller), listing_id=listing.id)


def _transfer_to(session: Session, user: User) -> list[Transfer]:
    session.expire_all()
    return list(session.execute(select(Transfer).where(col(Transfer.recipient_id) == user.id)
                                .order_by(col(Transfer.created_at))).scalars())


def test_a_held_transfer_is_sent_once_the_collaborator_can_be_paid(session: Session, payable_seller: User) -> None:
    collab = make_user(session, "collab@example.com")
    beat = _split_beat(session, payable_seller, "Held Beat")
    buyer = make_user(session, "buyer@example.com")
    buy(session, buyer, (beat, "wav_lease"))  # type: ignore[arg-type]
    [held] = _transfer_to(session, collab)
    assert held.status == TransferStatus.PENDING and held.provider_transfer_id is None and held.error == payouts.HELD
    assert payouts.send_held(session=session) == 0  # still onboarding: nothing is sent

    onboard(session, collab)
    assert "marketplace.pay_held" in jobs.PERIODIC
    assert payouts.send_held(session=session) == 1
    [sent] = _transfer_to(session, collab)
    assert sent.status == TransferStatus.PAID and sent.provider_transfer_id and sent.error == ""
    account = sellers.find_account(session=session, owner_id=collab.id)
    assert account is not None and sent.seller_account_id == account.id
    balance = SandboxProvider(session=session).retrieve_balance(account.provider_account_id)
    assert balance.available == {"USD": sent.amount_minor} and sent.amount_minor == 900  # half of 20.00 − 10 %
    assert payouts.send_held(session=session) == 0  # sent once


def test_a_held_transfer_of_a_refunded_line_is_never_sent(session: Session, payable_seller: User) -> None:
    from maxbooster.services.marketplace import refunds

    collab = make_user(session, "collab@example.com")
    beat = _split_beat(session, payable_seller, "Refunded Beat")
    buyer = make_user(session, "buyer@example.com")
    buy(session, buyer, (beat, "wav_lease"))  # type: ignore[arg-type]
    [held] = _transfer_to(session, collab)
    refunds.refund_line(session=session, actor=actor_for(payable_seller), order_line_id=held.order_line_id)
    [cancelled] = _transfer_to(session, collab)
    assert cancelled.status == TransferStatus.REVERSED and cancelled.provider_transfer_id is None

    onboard(session, collab)
    assert payouts.send_held(session=session) == 0
    [still] = _transfer_to(session, collab)
    assert still.status == TransferStatus.REVERSED and still.provider_transfer_id is None
    account = sellers.find_account(session=session, owner_id=collab.id)
    assert account is not None
    assert SandboxProvider(session=session).retrieve_balance(account.provider_account_id).available in ({}, {"USD": 0})
