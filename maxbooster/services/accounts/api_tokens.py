"""REST API tokens: 15-minute HS256 JWT access tokens and rotating, hashed refresh tokens.

Access tokens carry iss/aud/exp/iat/sub/jti and typ="access" and are decoded with an explicit
algorithm list. Refresh tokens are opaque random strings stored as sha256; each use marks the
row used and issues a successor in the same family. Presenting a used (or revoked) refresh
token revokes the whole family: a stolen token is only good until either party uses it again.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import timedelta

import jwt
from sqlalchemy import select, update
from sqlmodel import Session, col

from maxbooster.models.accounts import RefreshToken, User
from maxbooster.services import audit
from maxbooster.services.accounts.common import hash_token, new_token, utcnow
from maxbooster.services.accounts.users import authenticate
from maxbooster.services.actor import Actor
from maxbooster.services.errors import AuthenticationFailed
from maxbooster.settings import get_settings

ALGORITHM = "HS256"
INVALID = "Invalid or expired token; sign in again."


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"  # noqa: S105  (OAuth token type, not a secret)


def encode_access(user_id: uuid.UUID) -> str:
    s, now = get_settings(), utcnow()
    claims = {"iss": s.jwt_issuer, "aud": s.jwt_audience, "sub": str(user_id), "iat": now,
              "exp": now + timedelta(minutes=s.jwt_access_minutes), "jti": uuid.uuid4().hex,
              "typ": "access"}
    return jwt.encode(claims, s.secret_key, algorithm=ALGORITHM)


def _issue_pair(*, session: Session, user_id: uuid.UUID, family_id: uuid.UUID | None = None) -> TokenPair:
    raw, now = new_token(), utcnow()
    session.add(RefreshToken(user_id=user_id, family_id=family_id or uuid.uuid4(), token_hash=hash_token(raw),
                             created_at=now, expires_at=now + timedelta(days=get_settings().jwt_refresh_days)))
    session.commit()
    return TokenPair(encode_access(user_id), raw, get_settings().jwt_access_minutes * 60)


def password_grant(*, session: Session, actor: Actor, email: str, password: str) -> TokenPair:
    """Exchange email + password for a token pair (same limits and lockout as browser login)."""
    user = authenticate(session=session, actor=actor, email=email, password=password)
    audit.record(session, actor.as_user(user.id, user.role), "login.success", target=f"user:{user.id}",
                 details={"via": "api"})
    return _issue_pair(session=session, user_id=user.id)


def refresh(*, session: Session, actor: Actor, refresh_token: str) -> TokenPair:
    """Rotate: mark the presented token used, issue its successor; reuse revokes the family."""
    now, token_hash = utcnow(), hash_token(refresh_token or "")
    row = session.execute(select(RefreshToken).where(col(RefreshToken.token_hash) == token_hash)).scalar_one_or_none()
    if row is None:
        raise AuthenticationFailed(INVALID)
    claimed = session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.id) == row.id, col(RefreshToken.used_at).is_(None),
               col(RefreshToken.revoked_at).is_(None), col(RefreshToken.expires_at) > now)
        .values(used_at=now)
    ).rowcount  # type: ignore[attr-defined]
    if claimed != 1:
        reused = row.used_at is not None or row.revoked_at is not None
        session.rollback()
        if reused:
            revoke_family(session=session, family_id=row.family_id)
            audit.record(session, actor.as_user(row.user_id), "token.reuse", target=f"user:{row.user_id}",
                         details={"family": str(row.family_id)})
            session.commit()
        raise AuthenticationFailed(INVALID)
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        session.rollback()
        raise AuthenticationFailed(INVALID)
    return _issue_pair(session=session, user_id=row.user_id, family_id=row.family_id)


def revoke_family(*, session: Session, family_id: uuid.UUID) -> None:
    """Revoke every token of one family (joins the caller's transaction)."""
    session.execute(update(RefreshToken).where(col(RefreshToken.family_id) == family_id,
                                               col(RefreshToken.revoked_at).is_(None))
                    .values(revoked_at=utcnow()))


def revoke(*, session: Session, refresh_token: str) -> None:
    """Revoke the family of a presented refresh token; silent for unknown tokens (RFC 7009)."""
    row = session.execute(select(RefreshToken).where(
        col(RefreshToken.token_hash) == hash_token(refresh_token or ""))).scalar_one_or_none()
    if row is not None:
        revoke_family(session=session, family_id=row.family_id)
        session.commit()


def revoke_all_for_user(*, session: Session, user_id: uuid.UUID) -> None:
    """Revoke every refresh token of a user (joins the caller's transaction)."""
    session.execute(update(RefreshToken).where(col(RefreshToken.user_id) == user_id,
                                               col(RefreshToken.revoked_at).is_(None))
                    .values(revoked_at=utcnow()))


def user_from_access_token(*, session: Session, token: str) -> User:
    """Verify an access JWT (signature, alg, iss, aud, exp, typ) and return its active user."""
    s = get_settings()
    try:
        claims = jwt.decode(token, s.secret_key, algorithms=[ALGORITHM], audience=s.jwt_audience,
                            issuer=s.jwt_issuer,
                            options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]})
        user_id = uuid.UUID(str(claims["sub"]))
    except (jwt.PyJWTError, ValueError) as exc:
        raise AuthenticationFailed(INVALID) from exc
    if claims.get("typ") != "access":
        raise AuthenticationFailed(INVALID)
    user = session.get(User, user_id, populate_existing=True)
    if user is None or not user.is_active:
        raise AuthenticationFailed(INVALID)
    cutoff = user.tokens_valid_after
    # iat has 1 s resolution: refuse the whole second of the cut-off (safety over convenience)
    if cutoff is not None and int(claims["iat"]) < math.ceil(cutoff.timestamp()):
        raise AuthenticationFailed(INVALID)
    return user
