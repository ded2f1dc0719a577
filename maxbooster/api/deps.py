"""FastAPI dependencies shared by routers: DB session, caller identity, admin guard."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, HTTPException, Request
from sqlmodel import Session

from maxbooster.db import session_scope
from maxbooster.models.accounts import User
from maxbooster.services.accounts import api_tokens
from maxbooster.services.accounts.admin import require_admin as require_admin_service
from maxbooster.services.accounts.common import AuthenticationFailed, Client
from maxbooster.services.accounts.netaddr import client_ip
from maxbooster.services.accounts.sessions import SessionInfo, validate_session
from maxbooster.settings import get_settings


def get_db() -> Iterator[Session]:
    """One session per request (services commit their own work)."""
    with session_scope() as session:
        yield session


def request_client(request: Request) -> Client:
    """Resolved client IP (trusted proxies only) and user agent of this request."""
    peer = request.client.host if request.client else ""
    return Client(ip=client_ip(peer, request.headers), user_agent=request.headers.get("user-agent", "")[:300])


def _unauthorized(message: str = "Missing or invalid access token.") -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def current_user_api(request: Request, db: Session = Depends(get_db)) -> User:
    """The user of a valid `Authorization: Bearer <access JWT>`; 401 otherwise."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized()
    try:
        return api_tokens.user_from_access_token(db, token=token.strip())
    except AuthenticationFailed as exc:
        raise _unauthorized() from exc


def require_admin(request: Request, user: User = Depends(current_user_api),
                  db: Session = Depends(get_db)) -> User:
    """Admin-only API routes: 403 (common body) for everyone else; denials are audited."""
    require_admin_service(user, session=db, action=f"api:{request.url.path}", client=request_client(request))
    return user


def current_browser_session(request: Request) -> SessionInfo | None:
    """The session behind the `mb_session` cookie, checked against the store on every call."""
    return validate_session(request.cookies.get(get_settings().session_cookie_name))
