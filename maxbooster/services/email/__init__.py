"""Email service: one interface, an outbox backend (embedded default) and an SMTP backend.

EMAIL_BACKEND=outbox stores every message in `email_outbox` (admins can read it; the e2e test
opens the verification link from there). EMAIL_BACKEND=smtp sends through SMTP_HOST:SMTP_PORT
with optional STARTTLS and login; each message is also recorded in the outbox with its status.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path
from string import Template
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


def get_backend(*, session: Session) -> EmailBackend:
    """The configured backend (outbox unless EMAIL_BACKEND=smtp)."""
    from maxbooster.services.email.outbox import OutboxBackend
    from maxbooster.services.email.smtp import SmtpBackend

    s = get_settings()
    if s.email_backend == "smtp":
        return SmtpBackend.from_settings(record_in=session)
    return OutboxBackend(session)


def send_email(*, session: Session, message: EmailMessage) -> None:
    """Send `message` through the configured backend."""
    get_backend(session=session).send(message)


_AFTER_COMMIT = "maxbooster.emails_after_commit"


def send_after_commit(*, session: Session, message: EmailMessage) -> None:
    """Queue `message` on the session; the caller that owns the transaction sends it with `send_queued`
    once its commit succeeded (a rolled-back effect sends nothing, and no mail goes out mid-transaction)."""
    session.info.setdefault(_AFTER_COMMIT, []).append(message)


def queued(*, session: Session) -> int:
    return len(session.info.get(_AFTER_COMMIT, []))


def drop_queued(*, session: Session, keep: int = 0) -> None:
    """Forget messages queued after the first `keep` (their effect was rolled back)."""
    del session.info.setdefault(_AFTER_COMMIT, [])[keep:]


def send_queued(*, session: Session) -> None:
    """Send what `send_after_commit` queued (call after the commit); the outbox stores them all with one
    commit."""
    messages = session.info.pop(_AFTER_COMMIT, [])
    backend = get_backend(session=session)
    from maxbooster.services.email.outbox import OutboxBackend

    if isinstance(backend, OutboxBackend):
        backend.send_many(messages)
        return
    for message in messages:
        backend.send(message)


def store_queued(*, session: Session) -> None:
    """With the outbox backend, store what `send_after_commit` queued now, as rows of the caller's
    transaction (they commit or roll back with the effect that queued them: no second commit); with SMTP
    they stay queued for `send_queued` after the commit."""
    from maxbooster.services.email.outbox import OutboxBackend

    backend = get_backend(session=session)
    if isinstance(backend, OutboxBackend):
        backend.send_many(session.info.pop(_AFTER_COMMIT, []), commit=False)


_TEMPLATES = Path(__file__).parent / "templates"


def render(template: str, *, to: str, **values: str) -> EmailMessage:
    """An EmailMessage from `templates/<template>.txt` (first line `Subject: …`) and the
    optional `.html` twin; values are substituted with string.Template (HTML-escaped in HTML)."""
    text = Template((_TEMPLATES / f"{template}.txt").read_text(encoding="utf-8")).substitute(values)
    subject_line, _, body = text.partition("\n")
    html_path = _TEMPLATES / f"{template}.html"
    html = None
    if html_path.exists():
        escaped = {k: escape(v, quote=True) for k, v in values.items()}
        html = Template(html_path.read_text(encoding="utf-8")).substitute(escaped)
    return EmailMessage(to=to, subject=subject_line.removeprefix("Subject:").strip(), text=body.lstrip("\n"),
                        html=html)
