"""Browser routes for "Continue with Google" (OpenID Connect, see services/accounts/google.py).

GET /login sets the encrypted login-transaction cookie and sends the browser to the provider;
GET /callback consumes that cookie (always cleared: single use), signs the user in with the
same `mb_session` cookie as the password login, or sends them to confirm a link. POST /link
is the confirm form (token, password, optional email). Failures land on the login page.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from maxbooster.db import session_scope
from maxbooster.models.accounts import User
from maxbooster.services.accounts import google, sessions
from maxbooster.services.accounts.common import Client
from maxbooster.services.accounts.netaddr import client_ip
from maxbooster.services.errors import DomainError
from maxbooster.settings import Settings, get_settings

router = APIRouter(prefix="/api/auth/google", tags=["auth"])
log = logging.getLogger(__name__)

COOKIE_PATH = "/api/auth/google"
TRANSACTION_COOKIE = "mb_google_tx"
CALLBACK_PATH = f"{COOKIE_PATH}/callback"


def redirect_uri(settings: Settings) -> str:
    """The callback URL registered at Google: from API_URL, never from the request's Host."""
    return settings.api_url.rstrip("/") + CALLBACK_PATH


@router.get("/login", response_class=RedirectResponse, status_code=302)
async def google_login() -> RedirectResponse:
    """302 to the provider's consent page with state, nonce and an S256 PKCE challenge."""
    settings = get_settings()
    try:
        url, transaction = await run_in_threadpool(
            lambda: google.begin_login(settings=settings, redirect_uri=redirect_uri(settings))
        )
    except DomainError as exc:
        log.info("Google sign-in could not start: %s", exc.message)
        return _to_app(settings, "/login", error="google")
    response = RedirectResponse(url, status_code=302)
    response.set_cookie(
        TRANSACTION_COOKIE, transaction.seal(settings),
        max_age=int(google.TRANSACTION_TTL.total_seconds()), path=COOKIE_PATH,
        httponly=True, samesite="lax", secure=settings.cookie_secure,
    )
    return response


@router.get("/callback", response_class=RedirectResponse, status_code=303)
def google_callback(request: Request) -> RedirectResponse:
    """Finish the sign-in: 303 to the studio, to the link confirmation, or back to login."""
    settings = get_settings()
    transaction = google.LoginTransaction.unseal(
        settings, request.cookies.get(TRANSACTION_COOKIE))
    client = _client(request)
    try:
        with session_scope() as db:
            result = google.complete_login(
                session=db, settings=settings, transaction=transaction,
                params=dict(request.query_params), redirect_uri=redirect_uri(settings),
                client=client,
            )
            if result.kind == "link_required":
                response = _to_app(settings, "/link-google", token=result.pending_token or "")
            else:
                assert result.user is not None
                response = _signed_in(db, settings, request, result.user, client)
    except DomainError as exc:
        log.info("Google sign-in refused: %s", exc.message)
        response = _to_app(settings, "/login", error="google")
    response.delete_cookie(TRANSACTION_COOKIE, path=COOKIE_PATH, httponly=True,
                           samesite="lax", secure=settings.cookie_secure)
    return response


@router.post("/link", response_class=RedirectResponse, status_code=303)
def google_link(
    request: Request,
    token: str = Form(..., max_length=4096),
    password: str = Form(..., max_length=1024),
    email: str = Form("", max_length=320),
) -> RedirectResponse:
    """Confirm linking with the local password; back to the form with ?error=<code> if wrong."""
    settings = get_settings()
    account_email = email or google.pending_link_email(settings=settings, pending_token=token)
    if not account_email:
        return _to_app(settings, "/login", error="google")
    client = _client(request)
    try:
        with session_scope() as db:
            user = google.confirm_link(session=db, pending_token=token, email=account_email,
                                       password=password, settings=settings, client=client)
            return _signed_in(db, settings, request, user, client)
    except DomainError as exc:
        return _to_app(settings, "/link-google", token=token, error=exc.code)


def _signed_in(
    db: Session, settings: Settings, request: Request, user: User, client: Client
) -> RedirectResponse:
    """End any session the browser already had (no fixation), start a new one, set the cookie."""
    cookie = settings.session_cookie_name
    previous = request.cookies.get(cookie)
    if previous:
        sessions.end_session(db, raw_id=previous, client=client)
    raw = sessions.create_session(db, user_id=user.id, client=client)
    response = _to_app(settings, "/studio")
    response.set_cookie(cookie, raw, path="/", httponly=True, samesite="lax",
                        secure=settings.cookie_secure)
    return response


def _client(request: Request) -> Client:
    peer = request.client.host if request.client else ""
    return Client(ip=client_ip(peer, request.headers),
                  user_agent=request.headers.get("user-agent", "")[:300])


def _to_app(settings: Settings, path: str, **query: str) -> RedirectResponse:
    url = settings.app_url.rstrip("/") + path
    if query:
        url += "?" + urlencode(query)
    return RedirectResponse(url, status_code=303)
