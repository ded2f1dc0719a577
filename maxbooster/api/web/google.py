"""Browser routes for "Continue with Google" (OpenID Connect, see services/accounts/google.py).

GET /login sets the encrypted login-transaction cookie and sends the browser to the provider;
GET /callback consumes that cookie (always cleared: single use), signs the user in with the
same `mb_session` cookie as the password login, or sends them to confirm a link. POST /link
is the confirm form (token, password, optional email). Failures land on the login page.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from maxbooster import routes
from maxbooster.api.deps import request_actor
from maxbooster.api.web import forms
from maxbooster.db import session_scope
from maxbooster.models.accounts import User
from maxbooster.services.accounts import google, sessions
from maxbooster.services.accounts.common import hash_token
from maxbooster.services.actor import Actor
from maxbooster.services.errors import DomainError
from maxbooster.settings import Settings, get_settings

router = APIRouter(tags=["auth"])
log = logging.getLogger(__name__)

COOKIE_PATH = routes.GOOGLE
TRANSACTION_COOKIE = "mb_google_tx"
CALLBACK_PATH = routes.GOOGLE_CALLBACK


def redirect_uri(settings: Settings) -> str:
    """The callback URL registered at Google: from API_URL, never from the request's Host."""
    return settings.api_url.rstrip("/") + CALLBACK_PATH


@router.get(routes.GOOGLE_LOGIN, response_class=RedirectResponse, status_code=302)
def google_login() -> RedirectResponse:
    """302 to the provider's consent page with state, nonce and an S256 PKCE challenge."""
    settings = get_settings()
    try:
        url, transaction = google.begin_login(settings=settings,
                                              redirect_uri=redirect_uri(settings))
    except DomainError as exc:
        log.info("Google sign-in could not start: %s", exc.message)
        return _to_app(settings, routes.LOGIN, error="google")
    response = RedirectResponse(url, status_code=302)
    response.set_cookie(
        TRANSACTION_COOKIE, transaction.seal(settings),
        max_age=int(google.TRANSACTION_TTL.total_seconds()), path=COOKIE_PATH,
        httponly=True, samesite="lax", secure=settings.cookie_secure,
    )
    return response


@router.get(routes.GOOGLE_CALLBACK, response_class=RedirectResponse, status_code=303)
def google_callback(request: Request) -> RedirectResponse:
    """Finish the sign-in: 303 to the studio, to the link confirmation, or back to login."""
    settings = get_settings()
    transaction = google.LoginTransaction.unseal(
        settings, request.cookies.get(TRANSACTION_COOKIE))
    actor = request_actor(request)
    try:
        with session_scope() as db:
            result = google.complete_login(
                session=db, settings=settings, transaction=transaction,
                params=dict(request.query_params), redirect_uri=redirect_uri(settings),
                actor=actor,
            )
            if result.user is not None:
                response = _signed_in(db, settings, request, result.user, actor)
            else:  # link_required: the owner must confirm with their password first
                response = _to_app(settings, routes.LINK_GOOGLE, token=result.pending_token or "")
    except DomainError as exc:
        log.info("Google sign-in refused: %s", exc.message)
        response = _to_app(settings, routes.LOGIN, error="google")
    response.delete_cookie(TRANSACTION_COOKIE, path=COOKIE_PATH, httponly=True,
                           samesite="lax", secure=settings.cookie_secure)
    return response


@router.post(routes.GOOGLE_LINK)
async def google_link(request: Request) -> Response:
    """Confirm linking with the local password (fields: token, password, optional email).

    Same contract as the other /api/auth form posts: Origin checked, 303 to the studio with the
    session cookie, or back to /link-google?token=...&error=<code> (JSON with Accept: json).
    """
    def act(c: forms.Ctx) -> forms.Outcome:
        settings, token = get_settings(), c.field("token")
        email = c.field("email") or google.pending_link_email(settings=settings, pending_token=token) or ""
        user = google.confirm_link(session=c.db, pending_token=token, email=email, password=c.field("password"),
                                   settings=settings, actor=c.actor)
        _drop_previous_session(c.db, c.raw)
        raw = sessions.create_session(session=c.db, actor=c.actor.as_user(user.id, user.role), user_id=user.id)
        return forms.Outcome(routes.HOME, cookie=raw)

    def back(fields: dict[str, str]) -> str:
        return routes.with_query(routes.LINK_GOOGLE, token=fields.get("token", ""))

    return await forms.handle(request, back, act)


def _signed_in(
    db: Session, settings: Settings, request: Request, user: User, actor: Actor
) -> RedirectResponse:
    """Start a brand-new session (the browser's previous one is dropped: no fixation)."""
    _drop_previous_session(db, request.cookies.get(settings.session_cookie_name))
    raw = sessions.create_session(session=db, actor=actor.as_user(user.id, user.role), user_id=user.id)
    response = _to_app(settings, routes.HOME)
    forms.set_session_cookie(response, raw)
    return response


def _drop_previous_session(db: Session, raw: str | None) -> None:
    if raw:
        sessions.get_store(session=db).delete(hash_token(raw))


def _to_app(settings: Settings, path: str, **query: str) -> RedirectResponse:
    url = settings.app_url.rstrip("/") + path
    if query:
        url += "?" + urlencode(query)
    return RedirectResponse(url, status_code=303)
