"""/api/v1/auth/token, /refresh, /revoke and /api/v1/me."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlmodel import Session

from maxbooster.api.deps import current_user_api, get_db, request_client
from maxbooster.models.accounts import User
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


@router.post("/auth/token", response_model=TokenOut)
def token(body: PasswordGrant, request: Request, db: Session = Depends(get_db)) -> TokenOut:
    """Email + password → access JWT (15 min) + refresh token."""
    pair = api_tokens.password_grant(db, email=body.email, password=body.password, client=request_client(request))
    return _out(pair)


@router.post("/auth/refresh", response_model=TokenOut)
def refresh(body: RefreshBody, request: Request, db: Session = Depends(get_db)) -> TokenOut:
    """Rotate a refresh token; a reused one revokes its family and answers 401."""
    return _out(api_tokens.refresh(db, refresh_token=body.refresh_token, client=request_client(request)))


@router.post("/auth/revoke")
def revoke(body: RefreshBody, db: Session = Depends(get_db)) -> dict[str, bool]:
    """Revoke a refresh token's whole family (always 200, RFC 7009)."""
    api_tokens.revoke(db, refresh_token=body.refresh_token)
    return {"ok": True}


@router.get("/me", response_model=MeOut)
def me(user: User = Depends(current_user_api)) -> MeOut:
    """The caller's own account."""
    return MeOut(id=user.id, email=user.email, display_name=user.display_name, role=user.role,
                 plan=user.plan, email_verified=user.email_verified)
