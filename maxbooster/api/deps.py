"""FastAPI dependencies shared by routers: DB session, the acting caller, admin guard."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlmodel import Session

from maxbooster.db import session_scope
from maxbooster.models.accounts import User
from maxbooster.services.access import require_admin as require_admin_service
from maxbooster.services.accounts import api_tokens, sessions
from maxbooster.services.accounts.netaddr import client_ip
from maxbooster.services.actor import Actor
from maxbooster.services.errors import AuthenticationFailed
from maxbooster.settings import get_settings


def get_db() -> Iterator[Session]:
    """One session per request (services commit their own work)."""
    with session_scope() as session:
        yield session


def request_actor(request: Request, *, via: str = "web") -> Actor:
    """An anonymous actor for this request: resolved client IP (trusted proxies only) and user agent."""
    peer = request.client.host if request.client else ""
    return Actor.anonymous(ip=client_ip(peer, request.headers), user_agent=request.headers.get("user-agent", ""),
                           via=via)


def _unauthorized() -> HTTPException:
    return HTTPException(401, "Missing or invalid access token.",
                         headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def api_user(request: Request, db: Session = Depends(get_db)) -> User:
    """The user of a valid `Authorization: Bearer <access JWT>`; 401 otherwise."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or len(token) > 4096:
        raise _unauthorized()
    try:
        return api_tokens.user_from_access_token(session=db, token=token.strip())
    except AuthenticationFailed as exc:
        raise _unauthorized() from exc


def api_actor(request: Request, user: User = Depends(api_user)) -> Actor:
    """The bearer token's user as the acting caller."""
    return request_actor(request, via="api").as_user(user.id, user.role)


def viewer_actor(request: Request, db: Session = Depends(get_db)) -> Actor:
    """Whoever is asking, for routes that browsers and API clients both use (media): the user of
    the session cookie, else of a valid bearer token, else an anonymous actor (never a 401)."""
    base = request_actor(request)
    info = sessions.validate_session(request.cookies.get(get_settings().session_cookie_name), session=db)
    if info is not None:
        return info.actor(base)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip() and len(token) <= 4096:
        try:
            user = api_tokens.user_from_access_token(session=db, token=token.strip())
        except AuthenticationFailed:
            return base
        return request_actor(request, via="api").as_user(user.id, user.role)
    return base


def caller_actor(request: Request, db: Session = Depends(get_db)) -> Actor:
    """The caller of an endpoint the browser and API clients share: a bearer token, or the
    session cookie (then, for requests that change something, only from our own origin)."""
    if request.headers.get("authorization"):
        return request_actor(request, via="api").as_user(*_bearer_user(request, db))
    from maxbooster.api.web.forms import origin_allowed

    info = sessions.validate_session(request.cookies.get(get_settings().session_cookie_name), session=db)
    if info is None:
        raise _unauthorized()
    if request.method not in ("GET", "HEAD", "OPTIONS") and not origin_allowed(request):
        raise HTTPException(403, "Cross-origin request refused (Origin not allowed).")
    return info.actor(request_actor(request))


def _bearer_user(request: Request, db: Session) -> tuple[uuid.UUID, str]:
    user = api_user(request, db)
    return user.id, user.role


def admin_actor(request: Request, actor: Actor = Depends(api_actor), db: Session = Depends(get_db)) -> Actor:
    """Admin-only API routes: 403 (common body) for everyone else; denials are audited."""
    require_admin_service(session=db, actor=actor, action=f"api:{request.url.path}")
    return actor


DbSession = Annotated[Session, Depends(get_db)]
CallerActor = Annotated[Actor, Depends(caller_actor)]
ViewerActor = Annotated[Actor, Depends(viewer_actor)]
ApiActor = Annotated[Actor, Depends(api_actor)]
ApiUser = Annotated[User, Depends(api_user)]
AdminActor = Annotated[Actor, Depends(admin_actor)]
