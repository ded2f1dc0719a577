"""Admin › Outbox: the emails this server sent or stored, so a fresh install without SMTP can
still hand out verification and reset links."""

from __future__ import annotations

import re
import uuid

from sqlmodel import Session

from maxbooster.models.email import EmailOutbox
from maxbooster.services.access import require_admin
from maxbooster.services.actor import Actor
from maxbooster.services.email.outbox import list_outbox
from maxbooster.services.errors import NotFound

_LINK = re.compile(r"https?://[^\s<>\"']+")


def latest(*, session: Session, actor: Actor, to: str = "", limit: int = 100) -> list[EmailOutbox]:
    """Newest emails first (optionally to one address)."""
    require_admin(session=session, actor=actor, action="outbox.list")
    return list_outbox(session=session, to=to.strip() or None, limit=max(1, min(limit, 500)))


def open_email(*, session: Session, actor: Actor, email_id: uuid.UUID) -> EmailOutbox:
    require_admin(session=session, actor=actor, action="outbox.open")
    row = session.get(EmailOutbox, email_id)
    if row is None:
        raise NotFound("That email is no longer in the outbox.")
    return row


def links_in(text: str) -> list[str]:
    """The http(s) links in an email's text body, in order, without duplicates."""
    return list(dict.fromkeys(m.group(0).rstrip(".,)") for m in _LINK.finditer(text)))
