"""Email backends: the outbox table and SMTP against a local aiosmtpd server."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session

from maxbooster.services.email import EmailMessage, get_backend, send_email
from maxbooster.services.email.outbox import OutboxBackend, list_outbox
from maxbooster.services.email.smtp import SmtpBackend
from tests.support import accounts as fx

acct_env = fx.acct_env
MSG = EmailMessage(to="artist@example.com", subject="Hello", text="plain body", html="<p>html body</p>")


class Sink:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Sink, int]]:
    sink, port = Sink(), _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


def test_outbox_is_the_default(session: Session, acct_env: object) -> None:
    assert isinstance(get_backend(session=session), OutboxBackend)
    send_email(session=session, message=MSG)
    [row] = list_outbox(session=session, to="artist@example.com")
    assert (row.subject, row.text_body, row.html_body, row.status) == ("Hello", "plain body",
                                                                      "<p>html body</p>", "stored")


def test_smtp_backend_delivers(session: Session, acct_env: object, smtp_server: tuple[Sink, int]) -> None:
    sink, port = smtp_server
    backend = SmtpBackend(host="127.0.0.1", port=port, sender="Max Booster <no-reply@mb.test>",
                          starttls=False, record_in=session)
    backend.send(MSG)
    deadline = time.time() + 5
    while not sink.messages and time.time() < deadline:
        time.sleep(0.05)
    mail_from, rcpts, content = sink.messages[0]
    assert mail_from == "no-reply@mb.test" and rcpts == ["artist@example.com"]
    parsed = message_from_bytes(content)
    assert parsed["Subject"] == "Hello"
    assert "plain body" in content.decode() and "html body" in content.decode()
    assert list_outbox(session=session)[0].status == "sent"


def test_smtp_failure_is_recorded(session: Session, acct_env: object) -> None:
    backend = SmtpBackend(host="127.0.0.1", port=_free_port(), sender="x@mb.test", starttls=False,
                          timeout_s=2, record_in=session)
    with pytest.raises(OSError):
        backend.send(MSG)
    assert list_outbox(session=session)[0].status == "failed"
