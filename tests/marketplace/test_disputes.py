"""Payment disputes (issue 12, "Refunds and disputes"): opened → downloads held and the license marked
disputed; closed won → all restored; closed lost → license void, downloads revoked, the seller's transfer
reversed and a refund recorded, as a refund does it. Every order of the three events, with duplicate
deliveries, ends in the same stored state, on both databases."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session

from maxbooster.models.accounts import User
from maxbooster.models.marketplace import (
    DisputeStatus,
    DownloadGrant,
    License,
    Listing,
    Order,
    OrderLine,
    OrderStatus,
    Refund,
    Transfer,
    TransferStatus,
)
from maxbooster.services.actor import Actor
from maxbooster.services.billing import drain, webhooks
from maxbooster.services.errors import DomainError, ErrorCode
from maxbooster.services.marketplace import checkout, downloads, licenses, refunds
from tests.marketplace.commerce import buy, published, start
from tests.support.accounts import actor_for, make_user


def _dispute(order: Order, kind: str, status: str, n: int = 0) -> dict[str, Any]:
    obj = {"id": f"dp_{order.id.hex[:10]}", "object": "dispute", "charge": order.provider_charge_id or
           checkout.payment_intent_object(order)["latest_charge"], "payment_intent": order.provider_payment_id,
           "amount": order.total_minor, "currency": order.currency.lower(), "reason": "fraudulent", "status": status}
    return {"id": f"evt_{kind}_{order.id.hex[:10]}_{n}", "object": "event", "type": f"charge.dispute.{kind}",
            "created": 1_800_000_100, "data": {"object": obj}}


def _receive_and_drain(session: Session, events: list[dict[str, Any]]) -> None:
    for event in events:
        webhooks.receive_event(session=session, provider="sandbox", event=event)
        drain.apply_pending(session=session)


def _line(session: Session, order: Order) -> OrderLine:
    return session.execute(select(OrderLine).where(OrderLine.order_id == order.id)).scalar_one()


def _state(session: Session, order: Order) -> dict[str, Any]:
    """What the buyer, the seller and the verify page see of an order (no timestamps)."""
    session.expire_all()
    fresh = session.get(Order, order.id)
    assert fresh is not None
    line = _line(session, fresh)
    lic = session.execute(select(License).where(License.order_line_id == line.id)).scalar_one()
    grants = session.execute(select(DownloadGrant).where(DownloadGrant.order_line_id == line.id)
                             .order_by(DownloadGrant.deliverable)).scalars().all()
    transfers = session.execute(select(Transfer).where(Transfer.order_line_id == line.id)).scalars().all()
    refunds_ = session.execute(select(Refund).where(Refund.order_id == order.id)).scalars().all()
    return {"order": (fresh.status, fresh.dispute_status, fresh.refunded_minor), "line": (line.status,),
            "license": (lic.voided_at is not None, lic.void_reason, lic.disputed_at is not None),
            "grants": [(g.deliverable, g.revoked_at is not None, g.revoke_reason) for g in grants],
            "transfers": [(t.status, t.reversed_minor) for t in transfers],
            "refunds": [(r.amount_minor, (r.provider_refund_id or "").startswith("dp_")) for r in refunds_],
            "verify": licenses.verify(session=session, actor=Actor.anonymous(), sha256=lic.sha256).status}


def test_an_open_dispute_holds_the_downloads_and_a_won_one_gives_them_back(
        session: Session, payable_seller: User) -> None:
    beat = published(session, payable_seller)
    buyer = make_user(session, "buyer@example.com")
    order = buy(session, buyer, (beat, "wav_lease"))
    line = _line(session, order)
    before = _state(session, order)

    _receive_and_drain(session, [_dispute(order, "created", "needs_response")])
    held = _state(session, order)
    assert held["order"] == (OrderStatus.PAID, DisputeStatus.OPEN, 0)
    assert held["license"][0:1] == (False,) and held["license"][2] is True and held["verify"] == "disputed"
    assert all(revoked and "on hold" in reason for _, revoked, reason in held["grants"])
    assert held["transfers"] == [(TransferStatus.PAID, 0)]  # nothing taken from the seller while it is open
    with pytest.raises(DomainError) as paused:
        downloads.issue_links(session=session, actor=actor_for(buyer), order_line_id=line.id)
    assert paused.value.code == ErrorCode.DOWNLOAD_REVOKED and "paused" in str(paused.value)

    _receive_and_drain(session, [_dispute(order, "closed", "won")])
    won = _state(session, order)
    assert won == {**before, "order": (OrderStatus.PAID, DisputeStatus.WON, 0)}
    assert downloads.issue_links(session=session, actor=actor_for(buyer), order_line_id=line.id)
    _receive_and_drain(session, [_dispute(order, "created", "needs_response", n=1)])  # a late "opened"
    assert _state(session, order) == won


def test_a_lost_dispute_is_refunded_like_a_refund(session: Session, payable_seller: User) -> None:
    beat = published(session, payable_seller)
    buyer = make_user(session, "buyer@example.com")
    order = buy(session, buyer, (beat, "exclusive"))
    _receive_and_drain(session, [_dispute(order, "created", "needs_response"), _dispute(order, "closed", "lost")])
    lost = _state(session, order)
    assert lost["order"] == (OrderStatus.REFUNDED, DisputeStatus.LOST, order.total_minor)
    assert lost["license"] == (True, refunds.DISPUTE_LOST, True) and lost["verify"] == "void"
    assert all(revoked and reason == refunds.DISPUTE_LOST for _, revoked, reason in lost["grants"])
    net = _line(session, order).price_minor - _line(session, order).fee_minor
    assert lost["transfers"] == [(TransferStatus.REVERSED, net)]
    assert lost["refunds"] == [(order.total_minor, True)]  # recorded under the dispute's id
    listing = session.get(Listing, beat.id)
    assert listing is not None and listing.status == "unpublished"  # the exclusive is free again
    _receive_and_drain(session, [_dispute(order, "closed", "lost", n=1), _dispute(order, "closed", "won", n=2)])
    assert _state(session, order) == lost  # a closed dispute stays closed; refunded once


@pytest.mark.parametrize("outcome", ["won", "lost"])
def test_every_order_of_payment_and_dispute_events_ends_the_same(session: Session, payable_seller: User,
                                                                 outcome: str) -> None:
    beat = published(session, payable_seller)
    states = []
    for n, perm in enumerate(itertools.permutations(range(3))):
        buyer = make_user(session, f"buyer{n}@example.com")
        order = start(session, buyer, (beat, "wav_lease")).order
        paid = {"id": f"evt_pay_{n}", "object": "event", "type": "payment_intent.succeeded",
                "created": 1_800_000_000, "data": {"object": checkout.payment_intent_object(order)}}
        events = [paid, _dispute(order, "created", "needs_response"), _dispute(order, "closed", outcome)]
        deliveries = [events[i] for i in perm] + [events[perm[n % 3]]]  # and one delivered twice
        _receive_and_drain(session, deliveries)
        state = _state(session, order)
        states.append(state)
        assert state == states[0], f"order {[events[i]['type'] for i in perm]} ended differently"
    assert states[0]["order"][1] == outcome
