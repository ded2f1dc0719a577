"""Browser routes for connecting a Mastodon account (OAuth with state and PKCE, see
services/social/accounts.py).

POST /connect (a native form on the accounts page: field `instance`; Origin checked) registers our app at
the instance if needed, keeps the sealed transaction in an HttpOnly cookie for this path and answers 303 to
the instance's consent page. GET /callback consumes that cookie (always cleared: single use), stores the
account and answers 303 back to the accounts page with ?notice= or ?error= (a sentence the page shows).
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from maxbooster import routes
from maxbooster.api.deps import request_actor
from maxbooster.api.web import forms
from maxbooster.db import session_scope
from maxbooster.services.accounts import sessions
from maxbooster.services.errors import DomainError, LoginRequired
from maxbooster.services.social import accounts
from maxbooster.settings import Settings, get_settings

router = APIRouter(tags=["social"])
log = logging.getLogger(__name__)
TRANSACTION_COOKIE = "mb_social_tx"
COOKIE_PATH = routes.SOCIAL_API


def redirect_uri(settings: Settings) -> str:
    """The callback registered at each instance: from API_URL, never from the request's Host."""
    return settings.api_url.rstrip("/") + routes.SOCIAL_MASTODON_CALLBACK


def _back(**query: str) -> RedirectResponse:
    return RedirectResponse(forms.app_url(routes.SOCIAL_ACCOUNTS, **query), status_code=303)


@router.post(routes.SOCIAL_MASTODON_CONNECT)
async def mastodon_connect(request: Request) -> Response:
    """303 to the instance's consent page, or back to the accounts page with the reason it cannot start."""
    if not forms.origin_allowed(request):
        return _back(error="This form came from another site; open the accounts page and try again.")
    try:
        fields = await forms.read_fields(request)
    except DomainError as exc:
        return _back(error=exc.message)
    settings, actor = get_settings(), request_actor(request)
    raw = request.cookies.get(settings.session_cookie_name)

    def begin() -> tuple[str, str]:
        with session_scope() as db:
            info = sessions.validate_session(raw, session=db)
            if info is None:
                raise LoginRequired()
            return accounts.begin_mastodon_connect(session=db, actor=info.actor(actor),
                                                   instance_url=fields.get("instance", "")[:300],
                                                   redirect_uri=redirect_uri(settings))

    try:
        url, transaction = await run_in_threadpool(begin)
    except LoginRequired:
        return RedirectResponse(forms.app_url(routes.LOGIN), status_code=303)
    except DomainError as exc:
        return _back(error=exc.message)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(TRANSACTION_COOKIE, transaction, max_age=accounts.CONNECT_TTL_S, path=COOKIE_PATH,
                        httponly=True, samesite="lax", secure=settings.cookie_secure)
    return response


@router.get(routes.SOCIAL_MASTODON_CALLBACK)
def mastodon_callback(request: Request) -> RedirectResponse:
    """Finish the connection and go back to the accounts page saying what happened."""
    settings = get_settings()
    raw = request.cookies.get(settings.session_cookie_name)
    try:
        with session_scope() as db:
            info = sessions.validate_session(raw, session=db)
            if info is None:
                raise LoginRequired()
            account = accounts.complete_mastodon_connect(
                session=db, actor=info.actor(request_actor(request)),
                transaction=request.cookies.get(TRANSACTION_COOKIE), params=dict(request.query_params))
            response = _back(notice=f"Connected {account.handle}.")
    except LoginRequired:
        response = RedirectResponse(forms.app_url(routes.LOGIN), status_code=303)
    except DomainError as exc:
        log.info("Mastodon connection refused: %s", exc.message)
        response = _back(error=exc.message)
    response.delete_cookie(TRANSACTION_COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax",
                           secure=settings.cookie_secure)
    return response
