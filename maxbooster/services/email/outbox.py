"""The embedded email backend: messages are rows in `email_outbox`."""

from __future__ import annotations

import uuid

from sqlalchemy import insert, select
from sqlmodel import Session, col

from maxbooster.models.base import row_values, utcnow
from maxbooster.models.email import EmailOutbox, EmailStatus
from maxbooster.services.email import EmailMessage


class OutboxBackend:
    """Stores each message (status "stored") and commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def send(self, message: EmailMessage) -> None:
        record(session=self.session, message=message, status=EmailStatus.STORED)

    def send_many(self, messages: list[EmailMessage], *, commit: bool = True) -> None:
        """Store every message with one commit (or, without `commit`, as rows of the caller's transaction)."""
        if messages:
            self.session.execute(insert(EmailOutbox), [row_values(
                EmailOutbox, to_addr=m.to, subject=m.subject[:300], text_body=m.text, html_body=m.html,
                status=EmailStatus.STORED) for m in messages], execution_options={"render_nulls": True})
            if commit:
                self.session.commit()


def record(*, session: Session, message: EmailMessage, status: EmailStatus) -> uuid.UUID:
    row = EmailOutbox(to_addr=message.to, subject=message.subject[:300], text_body=message.text,
                      html_body=message.html, status=status,
                      sent_at=utcnow() if status == EmailStatus.SENT else None)
    session.add(row)
    session.commit()
    return row.id


def list_outbox(*, session: Session, to: str | None = None, limit: int = 50) -> list[EmailOutbox]:
    """Newest messages first, optionally only those sent to `to` (admin view, tests)."""
    stmt = select(EmailOutbox).order_by(col(EmailOutbox.created_at).desc()).limit(limit)
    if to:
        stmt = stmt.where(col(EmailOutbox.to_addr) == to.strip().lower())
    return list(session.execute(stmt).scalars())
