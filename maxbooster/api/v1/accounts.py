"""/api/v1/auth/token, /refresh, /revoke and /api/v1/me (the accounts area of the REST API)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlmodel import Session

from maxbooster import routes
from maxbooster.api.deps import ApiUser, get_db, request_actor
from maxbooster.services.accounts import api_tokens

router = APIRouter(tags=["auth"])


class PasswordGrant(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class RefreshBody(BaseModel):
    refresh_token: str = Field(max_length=200)


class TokenOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105  (OAuth token type, not a secret)
    expires_in: int


class MeOut(BaseModel):
    id: uuid.UUID
    email: str
    display_name: str
    role: str
    plan: str
    email_verified: bool


def _out(pair: api_tokens.TokenPair) -> TokenOut:
    return TokenOut(access_token=pair.access_token, refresh_token=pair.refresh_token,
                    token_type=pair.token_type, expires_in=pair.expires_in)


@router.post(routes.V1_TOKEN, response_model=TokenOut)
def token(body: PasswordGrant, request: Request, db: Session = Depends(get_db)) -> TokenOut:
    """Email + password → access JWT (15 min) + refresh token."""
    pair = api_tokens.password_grant(session=db, actor=request_actor(request, via="api"), email=body.email,
                                     password=body.password)
    return _out(pair)


@router.post(routes.V1_REFRESH, response_model=TokenOut)
def refresh(body: RefreshBody, request: Request, db: Session = Depends(get_db)) -> TokenOut:
    """Rotate a refresh token; a reused one revokes its family and answers 401."""
    return _out(api_tokens.refresh(session=db, actor=request_actor(request, via="api"),
                                   refresh_token=body.refresh_token))


@router.post(routes.V1_REVOKE)
def revoke(body: RefreshBody, db: Session = Depends(get_db)) -> dict[str, bool]:
    """Revoke a refresh token's whole family (always 200, RFC 7009)."""
    api_tokens.revoke(session=db, refresh_token=body.refresh_token)
    return {"ok": True}


@router.get(routes.V1_ME, response_model=MeOut)
def me(user: ApiUser) -> MeOut:
    """The caller's own account."""
    return MeOut(id=user.id, email=user.email, display_name=user.display_name, role=user.role,
                 plan=user.plan, email_verified=user.email_verified)
