"""SMTP backend over smtplib: STARTTLS when SMTP_STARTTLS, login when SMTP_USER is set."""

from __future__ import annotations

import email.message
import logging
import smtplib
import ssl

from sqlmodel import Session

from maxbooster.models.email import EmailStatus
from maxbooster.services.email import EmailMessage
from maxbooster.settings import get_settings

log = logging.getLogger(__name__)


class SmtpBackend:
    """Delivers through an SMTP server; records each message in the outbox when given a session."""

    def __init__(self, *, host: str, port: int, sender: str, user: str = "", password: str = "",
                 starttls: bool = True, timeout_s: float = 10, record_in: Session | None = None) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.user, self.password, self.starttls = user, password, starttls
        self.timeout_s, self.record_in = timeout_s, record_in

    @classmethod
    def from_settings(cls, *, record_in: Session | None = None) -> SmtpBackend:
        s = get_settings()
        return cls(host=s.smtp_host, port=s.smtp_port, sender=s.smtp_from, user=s.smtp_user,
                   password=s.smtp_password, starttls=s.smtp_starttls, timeout_s=s.smtp_timeout_s,
                   record_in=record_in)

    def _build(self, message: EmailMessage) -> email.message.EmailMessage:
        msg = email.message.EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, message.to, message.subject
        msg.set_content(message.text)
        if message.html:
            msg.add_alternative(message.html, subtype="html")
        return msg

    def send(self, message: EmailMessage) -> None:
        """Send now; raises smtplib/OSError on failure (recorded as "failed" first)."""
        from maxbooster.services.email.outbox import record

        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(self._build(message))
        except (smtplib.SMTPException, OSError):
            log.warning("SMTP delivery to %s:%s failed", self.host, self.port)
            if self.record_in is not None:
                record(session=self.record_in, message=message, status=EmailStatus.FAILED)
            raise
        if self.record_in is not None:
            record(session=self.record_in, message=message, status=EmailStatus.SENT)
