"""Single-use account tokens (email verification, email change, password reset), stored hashed.

A token expires after ACCOUNT_TOKEN_MINUTES (60), is consumed atomically (a conditional
UPDATE, so two concurrent uses cannot both succeed) and is invalidated by a newer token of
the same purpose or by a password change. These helpers join the caller's transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from maxbooster.models.accounts import AccountToken, TokenPurpose
from maxbooster.services.accounts.common import hash_token, new_token, utcnow
from maxbooster.services.errors import ErrorCode, invalid
from maxbooster.settings import get_settings


def issue(*, session: Session, user_id: uuid.UUID, purpose: TokenPurpose, new_email: str | None = None) -> str:
    """Invalidate the user's older tokens of `purpose`, store a new one, return the raw token."""
    now = utcnow()
    invalidate(session=session, user_id=user_id, purposes=[purpose], now=now)
    raw = new_token()
    session.add(AccountToken(
        user_id=user_id, purpose=purpose, token_hash=hash_token(raw), new_email=new_email,
        created_at=now, expires_at=now + timedelta(minutes=get_settings().account_token_minutes),
    ))
    session.flush()
    return raw


def consume(*, session: Session, raw: str, purposes: Iterable[TokenPurpose]) -> AccountToken:
    """Mark a live token used and return it; InvalidInput(invalid_token) otherwise."""
    now, token_hash, purposes = utcnow(), hash_token(raw or ""), list(purposes)
    stmt = (
        update(AccountToken)
        .where(col(AccountToken.token_hash) == token_hash, col(AccountToken.used_at).is_(None),
               col(AccountToken.expires_at) > now, col(AccountToken.purpose).in_(purposes))
        .values(used_at=now)
    )
    if not raw or session.execute(stmt).rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise invalid(ErrorCode.INVALID_TOKEN)
    row = session.execute(select(AccountToken).where(col(AccountToken.token_hash) == token_hash)).scalar_one()
    return row


def invalidate(*, session: Session, user_id: uuid.UUID, purposes: Iterable[TokenPurpose],
               now: datetime | None = None) -> None:
    """Make every unused token of these purposes unusable."""
    session.execute(
        update(AccountToken)
        .where(col(AccountToken.user_id) == user_id, col(AccountToken.used_at).is_(None),
               col(AccountToken.purpose).in_(list(purposes)))
        .values(used_at=now or utcnow())
    )


def issued_since(*, session: Session, user_id: uuid.UUID, purpose: TokenPurpose, since: datetime) -> int:
    """How many tokens of `purpose` were issued to the user since `since` (email caps)."""
    stmt = select(func.count()).select_from(AccountToken).where(
        col(AccountToken.user_id) == user_id, col(AccountToken.purpose) == purpose,
        col(AccountToken.created_at) >= since)
    return int(session.execute(stmt).scalar_one())
