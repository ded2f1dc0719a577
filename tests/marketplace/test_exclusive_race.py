"""An exclusive is sold exactly once: 20 buyers check out at the same moment (threads, own sessions,
both databases) → one order holds the exclusive, the 19 others are refused before any payment exists
(never charged); once paid the beat leaves the store and an earlier lease stays valid."""

from __future__ import annotations

import threading

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from maxbooster.models.accounts import User
from maxbooster.models.marketplace import ExclusiveClaim, License, Listing, ListingStatus, Order, OrderStatus
from maxbooster.services.actor import Actor
from maxbooster.services.errors import DomainError, ErrorCode
from maxbooster.services.marketplace import cart, checkout
from maxbooster.services.marketplace.licenses import verify
from tests.marketplace.commerce import buy, count, pay, published, tier
from tests.support.accounts import actor_for, make_user

RACERS = 20


def test_twenty_buyers_race_for_one_exclusive(session: Session, engine: Engine, payable_seller: User) -> None:
    beat = published(session, payable_seller)
    lease_holder = make_user(session, "early@example.com")
    lease = buy(session, lease_holder, (beat, "mp3_lease"))
    buyers = [make_user(session, f"racer{i}@example.com") for i in range(RACERS)]
    exclusive = tier(session, beat, "exclusive")
    for b in buyers:
        cart.add_to_cart(session=session, actor=actor_for(b), listing_id=beat.id, tier_id=exclusive.id)
    barrier = threading.Barrier(RACERS)
    outcomes: dict[int, str] = {}

    def race(i: int) -> None:
        with Session(engine, expire_on_commit=False) as own:
            barrier.wait()
            try:
                result = checkout.checkout(session=own, actor=actor_for(buyers[i]))
                outcomes[i] = f"order {result.order.id}"
            except DomainError as exc:
                outcomes[i] = exc.code

    threads = [threading.Thread(target=race, args=(i,)) for i in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    winners = [i for i, o in outcomes.items() if o.startswith("order")]
    assert len(winners) == 1, outcomes
    assert sorted(o for o in outcomes.values() if not o.startswith("order")) == [ErrorCode.EXCLUSIVE_TAKEN] * 19
    session.expire_all()
    # only the winner's order exists, so only the winner was ever asked to pay
    pending = session.execute(select(Order).where(Order.status == OrderStatus.PENDING)).scalars().all()
    assert len(pending) == 1 and pending[0].owner_id == buyers[winners[0]].id and pending[0].provider_payment_id
    assert count(session, ExclusiveClaim) == 1

    pay(session, buyers[winners[0]], pending[0])
    session.expire_all()
    assert session.get(Listing, beat.id).status == ListingStatus.SOLD_EXCLUSIVE  # type: ignore[union-attr]
    assert session.get(Order, pending[0].id).status == OrderStatus.PAID  # type: ignore[union-attr]
    # the beat is off the store: a late buyer cannot even start; the earlier lease is still valid
    late = buyers[(winners[0] + 1) % RACERS]
    try:
        checkout.checkout(session=session, actor=actor_for(late))
        raise AssertionError("a checkout after the exclusive sold must be refused")
    except DomainError as exc:
        assert exc.code == ErrorCode.LISTING_UNAVAILABLE
    early = session.execute(select(License).join_from(License, Order, License.owner_id == Order.owner_id)
                            .where(Order.id == lease.id)).scalars().first()
    assert early is not None and verify(session=session, actor=Actor.anonymous(), sha256=early.sha256).status == "valid"
    assert count(session, Order, status=OrderStatus.PAID) == 2
