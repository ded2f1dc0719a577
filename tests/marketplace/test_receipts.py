"""Receipts by email through a local SMTP server: one when the payment is applied, and again whenever the
buyer asks (service and REST), limited to RATE_LIMIT_RECEIPTS per buyer and audited; someone else's order,
an unpaid order and a mail server that does not answer are refused with what to do, sending nothing."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from maxbooster import routes
from maxbooster.models.accounts import User
from maxbooster.models.audit import AuditLog
from maxbooster.services.errors import Conflict, EmailUnavailable, NotFound, RateLimited
from maxbooster.services.marketplace import orders
from maxbooster.settings import get_settings
from tests.core.test_email import Sink, _free_port, smtp_server
from tests.marketplace.commerce import buy, published, start
from tests.support.accounts import actor_for, make_user
from tests.support.library import api_client, bearer

__all__ = ["api_client", "smtp_server"]


@pytest.fixture
def smtp(smtp_server: tuple[Sink, int], acct_env: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sink]:
    """Email goes out by SMTP to the local server; two re-sent receipts an hour per buyer."""
    sink, port = smtp_server
    for name, value in {"EMAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port),
                        "SMTP_STARTTLS": "false", "RATE_LIMIT_RECEIPTS": "2/hour"}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield sink
    get_settings.cache_clear()


def _mails(sink: Sink) -> list[Message]:
    """What the server received (sending is synchronous: the server stored it before answering 250)."""
    return [message_from_bytes(content) for _, _, content in sink.messages]


def _audits(session: Session, action: str) -> list[AuditLog]:
    session.expire_all()
    return list(session.execute(select(AuditLog).where(col(AuditLog.action) == action)).scalars())


def test_buyer_gets_the_receipt_again_until_the_limit(session: Session, payable_seller: User, smtp: Sink) -> None:
    beat = published(session, payable_seller)
    buyer = make_user(session, "buyer@example.com")
    order = buy(session, buyer, (beat, "mp3_lease"))
    [first] = _mails(smtp)  # the receipt sent when the payment was applied
    assert first["To"] == "buyer@example.com" and first["Subject"] == "Your Max Booster receipt: USD 29.99"

    assert orders.resend_receipt(session=session, actor=actor_for(buyer), order_id=order.id) == "buyer@example.com"
    mails = _mails(smtp)
    assert len(mails) == 2 and mails[1]["Subject"] == first["Subject"]
    body = mails[1].get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "Night Drive (mp3 lease): USD 29.99" in body and "test mode" in body
    assert f"http://localhost:3000{routes.MARKET_ORDER}?id={order.id}" in body  # the order page, not the API
    [audit] = _audits(session, "marketplace.receipt_resent")
    assert (audit.target, audit.actor_id) == (f"order:{order.id}", buyer.id)

    orders.resend_receipt(session=session, actor=actor_for(buyer), order_id=order.id)
    with pytest.raises(RateLimited, match="several times already. Wait an hour") as limited:
        orders.resend_receipt(session=session, actor=actor_for(buyer), order_id=order.id)
    assert limited.value.retry_after_s > 0
    assert len(_mails(smtp)) == 3 and len(_audits(session, "marketplace.receipt_resent")) == 2


def test_refusals_send_nothing(session: Session, payable_seller: User, smtp: Sink,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    beat = published(session, payable_seller)
    buyer, other = make_user(session, "buyer@example.com"), make_user(session, "other@example.com")
    order = buy(session, buyer, (beat, "mp3_lease"))
    _mails(smtp)
    with pytest.raises(NotFound):
        orders.resend_receipt(session=session, actor=actor_for(other), order_id=order.id)
    unpaid = start(session, other, (beat, "wav_lease")).order
    with pytest.raises(Conflict, match="no receipt yet: the payment is not confirmed"):
        orders.resend_receipt(session=session, actor=actor_for(other), order_id=unpaid.id)
    monkeypatch.setenv("SMTP_PORT", str(_free_port()))  # nobody listens there
    monkeypatch.setenv("SMTP_TIMEOUT", "2")
    get_settings.cache_clear()
    with pytest.raises(EmailUnavailable, match="could not send the receipt right now. Try again"):
        orders.resend_receipt(session=session, actor=actor_for(buyer), order_id=order.id)
    assert len(_mails(smtp)) == 1
    assert _audits(session, "marketplace.receipt_resent") == []
    assert [a.target for a in _audits(session, "marketplace.receipt_failed")] == [f"order:{order.id}"]


def test_receipt_over_rest(session: Session, payable_seller: User, smtp: Sink, api_client: TestClient) -> None:
    beat = published(session, payable_seller)
    buyer = make_user(session, "buyer@example.com")
    make_user(session, "other@example.com")
    order = buy(session, buyer, (beat, "mp3_lease"))
    url = routes.V1_MARKETPLACE_ORDER_RECEIPT.format(order_id=order.id)
    auth = bearer(api_client, "buyer@example.com")
    assert api_client.post(url, headers=bearer(api_client, "other@example.com")).status_code == 404
    for _ in range(2):
        sent = api_client.post(url, headers=auth)
        assert sent.status_code == 202 and sent.json() == {"sent_to": "buyer@example.com"}
    limited = api_client.post(url, headers=auth)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert "Wait an hour" in limited.json()["error"]["message"]
    assert len(_mails(smtp)) == 3  # the first receipt and two re-sent
