"""Licenses (terms from the tier's template, hash, PDF, public verify), downloads (signed links, counts,
expiry) and refunds/disputes (per line: license void, downloads revoked, transfers reversed in
proportion) on both databases with the sandbox provider."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select
from sqlmodel import Session

from maxbooster.models.accounts import User
from maxbooster.models.marketplace import (
    DownloadGrant,
    License,
    Order,
    OrderLine,
    OrderStatus,
    Refund,
    Transfer,
    TransferStatus,
)
from maxbooster.services.actor import Actor
from maxbooster.services.billing import webhooks
from maxbooster.services.billing.webhooks import apply_stored_event
from maxbooster.services.errors import DomainError, ErrorCode, NotFound
from maxbooster.services.marketplace import downloads, licenses, refunds
from maxbooster.services.storage import get_storage
from tests.marketplace.commerce import buy, count, published
from tests.support.accounts import actor_for, make_user

ANON = Actor.anonymous()


def _lines(session: Session, order: Order) -> dict[str, OrderLine]:
    rows = session.execute(select(OrderLine).where(OrderLine.order_id == order.id)).scalars().all()
    return {r.listing_title: r for r in rows}


def test_license_terms_hash_pdf_and_verify(session: Session, payable_seller: User) -> None:
    beat = published(session, payable_seller, title="Night Drive")
    buyer = make_user(session, "buyer@example.com")
    order = buy(session, buyer, (beat, "wav_lease"))
    line = _lines(session, order)["Night Drive"]
    lic = licenses.get_license(session=session, actor=actor_for(buyer), order_line_id=line.id)
    assert lic.terms_text.startswith("NON-EXCLUSIVE WAV LEASE")
    for text in ("Licensee (buyer): Buyer <buyer@example.com>", 'Work: "Night Drive"', "Price paid: USD 49.99",
                 "Audio streams, all services together: Unlimited", f"order {order.id}"):
        assert text in lic.terms_text
    assert lic.sha256 == licenses.digest(lic.terms_text) and len(lic.sha256) == 64
    pdf = licenses.pdf(session=session, actor=actor_for(buyer), order_line_id=line.id)
    assert pdf.startswith(b"%PDF") and lic.sha256.encode() in pdf and b"Night Drive" in pdf
    # the seller may read it, a stranger may not
    licenses.pdf(session=session, actor=actor_for(payable_seller), order_line_id=line.id)
    with pytest.raises(NotFound):
        licenses.pdf(session=session, actor=actor_for(make_user(session, "x@example.com")), order_line_id=line.id)
    assert licenses.verify(session=session, actor=ANON, sha256=lic.sha256.upper()).status == "valid"
    assert licenses.verify(session=session, actor=ANON, sha256="0" * 64).status == "unknown"
    with pytest.raises(DomainError, match="64 characters"):
        licenses.verify(session=session, actor=ANON, sha256="not-a-hash")


def test_download_links_count_and_refuse_after_expiry(session: Session, payable_seller: User,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    beat = published(session, payable_seller)
    buyer = make_user(session, "buyer@example.com")
    line = _lines(session, buy(session, buyer, (beat, "wav_lease")))["Night Drive"]
    links = downloads.issue_links(session=session, actor=actor_for(buyer), order_line_id=line.id)
    assert sorted(lk.deliverable for lk in links) == ["license_pdf", "mp3", "wav"]
    pdf_link = next(lk for lk in links if lk.deliverable == "license_pdf")
    token = pdf_link.url.rsplit("/", 1)[1]
    got = downloads.open_download(session=session, actor=actor_for(buyer), token=token)
    assert got.data is not None and got.data.startswith(b"%PDF") and got.filename == "Night Drive license.pdf"
    wav = next(lk for lk in links if lk.deliverable == "wav")
    grant = session.get(DownloadGrant, wav.grant_id)
    assert grant is not None and grant.listing_file_id is not None
    key = downloads.open_download(session=session, actor=actor_for(buyer), token=wav.url.rsplit("/", 1)[1])
    assert key.storage_key and key.content_type == "audio/wav"
    session.expire_all()
    assert session.get(DownloadGrant, pdf_link.grant_id).download_count == 1  # type: ignore[union-attr]
    # someone else with the link, a tampered link, an expired link
    with pytest.raises(NotFound):
        downloads.open_download(session=session, actor=actor_for(payable_seller), token=token)
    with pytest.raises(NotFound):
        downloads.open_download(session=session, actor=actor_for(buyer),
                                token=token[:-1] + ("1" if token.endswith("0") else "0"))  # always a changed byte
    monkeypatch.setattr(time, "time", lambda: 4_000_000_000.0)
    with pytest.raises(DomainError) as err:
        downloads.open_download(session=session, actor=actor_for(buyer), token=token)
    assert err.value.code == ErrorCode.DOWNLOAD_EXPIRED and "get a new link" in err.value.message
    session.expire_all()
    assert session.get(DownloadGrant, pdf_link.grant_id).download_count == 1  # type: ignore[union-attr]
    assert get_storage() is not None


def test_partial_refund_of_one_line_voids_it_and_reverses_in_proportion(session: Session,
                                                                         payable_seller: User) -> None:
    one = published(session, payable_seller, title="One")
    two = published(session, payable_seller, title="Two")
    buyer = make_user(session, "buyer@example.com")
    order = buy(session, buyer, (one, "wav_lease"), (two, "mp3_lease"))
    lines = _lines(session, order)
    links = downloads.issue_links(session=session, actor=actor_for(buyer), order_line_id=lines["One"].id)
    token = links[0].url.rsplit("/", 1)[1]
    stranger = make_user(session, "stranger@example.com")
    with pytest.raises(NotFound):  # only the seller (or an admin) refunds
        refunds.refund_line(session=session, actor=actor_for(stranger), order_line_id=lines["One"].id)
    for bad in ("0", "-5", "12.345", "49.991", "50.00", "ten"):
        with pytest.raises(DomainError):
            refunds.refund_line(session=session, actor=actor_for(payable_seller), order_line_id=lines["One"].id,
                                amount=bad)
    assert count(session, Refund) == 0

    refunds.refund_line(session=session, actor=actor_for(payable_seller), order_line_id=lines["One"].id,
                        amount="20.00", reason="buyer asked")
    session.expire_all()
    order = session.get(Order, order.id)
    assert order is not None and order.status == OrderStatus.PARTIALLY_REFUNDED and order.refunded_minor == 2000
    t_one = session.execute(select(Transfer).where(Transfer.order_line_id == lines["One"].id)).scalar_one()
    # 20.00 of 49.99 refunded: the seller's net 44.99 is taken back in proportion: 2000 * 4499 // 4999 = 1799
    assert t_one.reversed_minor == 1799 and t_one.status == TransferStatus.PAID
    lic = session.execute(select(License).where(License.order_line_id == lines["One"].id)).scalar_one()
    assert lic.voided_at is not None
    assert licenses.verify(session=session, actor=ANON, sha256=lic.sha256).status == "void"
    assert "refunded" in licenses.verify(session=session, actor=ANON, sha256=lic.sha256).reason
    with pytest.raises(DomainError) as err:  # a link handed out before the refund
        downloads.open_download(session=session, actor=actor_for(buyer), token=token)
    assert err.value.code == ErrorCode.DOWNLOAD_REVOKED and "refunded" in err.value.message
    with pytest.raises(DomainError) as err:
        downloads.issue_links(session=session, actor=actor_for(buyer), order_line_id=lines["One"].id)
    assert err.value.code == ErrorCode.DOWNLOAD_REVOKED
    # the other line is untouched
    assert downloads.issue_links(session=session, actor=actor_for(buyer), order_line_id=lines["Two"].id)
    with pytest.raises(DomainError, match="nothing to refund"):
        refunds.refund_line(session=session, actor=actor_for(payable_seller), order_line_id=lines["One"].id)

    # an admin refunds the rest: the order is refunded, every transfer reversed in full
    admin = make_user(session, "admin@example.com", role="admin")
    refunds.refund_line(session=session, actor=actor_for(admin), order_line_id=lines["Two"].id)
    session.expire_all()
    assert session.get(Order, order.id).status == OrderStatus.REFUNDED  # type: ignore[union-attr]
    t_two = session.execute(select(Transfer).where(Transfer.order_line_id == lines["Two"].id)).scalar_one()
    assert t_two.status == TransferStatus.REVERSED and t_two.reversed_minor == t_two.amount_minor


def test_charge_refunded_and_dispute_events(session: Session, payable_seller: User) -> None:
    one = published(session, payable_seller, title="One")
    buyer = make_user(session, "buyer@example.com")
    order = buy(session, buyer, (one, "mp3_lease"))
    line = _lines(session, order)["One"]
    charge = {"id": order.provider_charge_id, "object": "charge", "payment_intent": order.provider_payment_id,
              "amount": order.total_minor, "amount_refunded": 1000,
              "refunds": {"data": [{"id": "re_dash_1", "amount": 1000, "status": "succeeded", "metadata": {}}]}}
    for attempt in range(2):  # the same refund in two events: applied once
        event = {"id": f"evt_ref_{attempt}", "object": "event", "type": "charge.refunded", "created": 1_800_000_000,
                 "data": {"object": charge}}
        row, _ = webhooks.receive_event(session=session, provider="sandbox", event=event)
        apply_stored_event(session=session, webhook_event_id=row.id)
    assert count(session, Refund) == 1
    session.expire_all()
    assert session.get(Order, order.id).refunded_minor == 1000  # type: ignore[union-attr]

    other = published(session, payable_seller, title="Other")
    order2 = buy(session, buyer, (other, "wav_lease"))
    dispute = {"id": "dp_1", "object": "dispute", "charge": order2.provider_charge_id, "amount": order2.total_minor,
               "reason": "fraudulent", "status": "needs_response"}
    row, _ = webhooks.receive_event(session=session, provider="sandbox", event={
        "id": "evt_dp", "object": "event", "type": "charge.dispute.created", "created": 1_800_000_000,
        "data": {"object": dispute}})
    assert "dispute open" in apply_stored_event(session=session, webhook_event_id=row.id)
    line2 = _lines(session, order2)["Other"]
    lic = session.execute(select(License).where(License.order_line_id == line2.id)).scalar_one()
    assert lic.voided_at is None and lic.disputed_at is not None  # frozen, not void: the dispute may be won
    t = session.execute(select(Transfer).where(Transfer.order_line_id == line2.id)).scalar_one()
    assert t.status == TransferStatus.PAID
    assert line.id != line2.id
