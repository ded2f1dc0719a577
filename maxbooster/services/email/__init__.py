"""Email service: one interface, an outbox backend (embedded default) and an SMTP backend.

EMAIL_BACKEND=outbox stores every message in `email_outbox` (admins can read it; the e2e test
opens the verification link from there). EMAIL_BACKEND=smtp sends through SMTP_HOST:SMTP_PORT
with optional STARTTLS and login; each message is also recorded in the outbox with its status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlmodel import Session

from maxbooster.settings import get_settings


@dataclass(frozen=True)
class EmailMessage:
    to: str
    subject: str
    text: str
    html: str | None = None


class EmailBackend(Protocol):
    def send(self, message: EmailMessage) -> None: ...


def get_backend(session: Session) -> EmailBackend:
    """The configured backend (outbox unless EMAIL_BACKEND=smtp)."""
    from maxbooster.services.email.outbox import OutboxBackend
    from maxbooster.services.email.smtp import SmtpBackend

    s = get_settings()
    if s.email_backend == "smtp":
        return SmtpBackend.from_settings(record_in=session)
    return OutboxBackend(session)


def send_email(session: Session, *, message: EmailMessage) -> None:
    """Send `message` through the configured backend."""
    get_backend(session).send(message)
