"""Browser routes that connect a social account through the network's sign-in (OAuth 2.0).

GET /api/social/connect/{network} (signed in; ?instance=… for Mastodon) keeps the attempt server-side
and sends the browser to the network's consent page; a plain HTML form can POST the instance address to
/api/social/mastodon/connect (Origin checked), which starts the same attempt (the accounts page itself starts
it through its state and navigates to the instance: its CSP's form-action keeps form posts on our origin, and
Chromium applies that to the redirect to the instance too). GET …/callback
completes it for the same signed-in owner and lands on the social accounts page with ?connected=network
and ?notice=<a sentence>, or ?error=<what to do next>. Nothing travels in a cookie of ours: the state
names the attempt, which can be used once.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from maxbooster import routes
from maxbooster.api.deps import request_actor
from maxbooster.api.web import forms
from maxbooster.db import session_scope
from maxbooster.models.social import SocialNetwork
from maxbooster.services.accounts import sessions
from maxbooster.services.actor import Actor
from maxbooster.services.errors import DomainError, LoginRequired
from maxbooster.services.social import accounts, oauth
from maxbooster.settings import Settings, get_settings

router = APIRouter(tags=["social"])
log = logging.getLogger(__name__)


def redirect_uri(settings: Settings, network: str) -> str:
    """The callback URL registered at the network: from API_URL, never from the request's Host."""
    return oauth.callback_url(network, settings)


def _owner(request: Request, db: Session, settings: Settings) -> Actor | None:
    info = sessions.validate_session(request.cookies.get(settings.session_cookie_name), session=db)
    return info.actor(request_actor(request)) if info is not None else None


def _to_app(settings: Settings, path: str, **query: str) -> RedirectResponse:
    url = settings.app_url.rstrip("/") + path + ("?" + urlencode(query) if query else "")
    return RedirectResponse(url, status_code=303)


@router.get(routes.SOCIAL_CONNECT, response_class=RedirectResponse, status_code=302)
def social_connect(network: str, request: Request, instance: str = "") -> RedirectResponse:
    """302 to the network's consent page (state and PKCE S256 kept server-side), or back with the reason."""
    settings = get_settings()
    with session_scope() as db:
        actor = _owner(request, db, settings)
        if actor is None:
            return _to_app(settings, routes.LOGIN, next=routes.SOCIAL_ACCOUNTS)
        try:
            url = accounts.begin_connect(session=db, actor=actor, network=network, instance_url=instance,
                                         redirect_uri=redirect_uri(settings, network))
        except DomainError as exc:
            return _to_app(settings, routes.SOCIAL_ACCOUNTS, network=network[:40], error=exc.message)
    return RedirectResponse(url, status_code=302)


@router.get(routes.SOCIAL_CONNECT_CALLBACK, response_class=RedirectResponse, status_code=303)
def social_connect_callback(network: str, request: Request) -> RedirectResponse:
    """Finish the connect: 303 to the social accounts page, saying what was connected or what went wrong."""
    settings = get_settings()
    with session_scope() as db:
        actor = _owner(request, db, settings)
        if actor is None:
            return _to_app(settings, routes.LOGIN, next=routes.SOCIAL_ACCOUNTS)
        try:
            connected = accounts.complete_connect(session=db, actor=actor, network=network,
                                                  params=dict(request.query_params))
        except DomainError as exc:
            log.info("social connect (%s) refused: %s", network[:40], exc.message)
            return _to_app(settings, routes.SOCIAL_ACCOUNTS, network=network[:40], error=exc.message)
        handles = ", ".join(a.handle for a in connected)
    notice = f"Connected {handles}." if handles else "Connected."
    return _to_app(settings, routes.SOCIAL_ACCOUNTS, connected=network, accounts=handles[:500], notice=notice[:500])


@router.post(routes.SOCIAL_MASTODON_CONNECT)
async def mastodon_connect(request: Request) -> Response:
    """The accounts page's form (field `instance`): 303 to the instance's consent page, or back with the reason."""
    settings = get_settings()
    if not forms.origin_allowed(request):
        return _to_app(settings, routes.SOCIAL_ACCOUNTS,
                       error="This form came from another site; open the accounts page and try again.")
    try:
        fields = await forms.read_fields(request)
    except DomainError as exc:
        return _to_app(settings, routes.SOCIAL_ACCOUNTS, error=exc.message)
    network = SocialNetwork.MASTODON.value

    def begin() -> str:
        with session_scope() as db:
            actor = _owner(request, db, settings)
            if actor is None:
                raise LoginRequired()
            return accounts.begin_connect(session=db, actor=actor, network=network,
                                          instance_url=fields.get("instance", "")[:300],
                                          redirect_uri=redirect_uri(settings, network))

    try:
        url = await run_in_threadpool(begin)
    except LoginRequired:
        return RedirectResponse(forms.app_url(routes.LOGIN), status_code=303)
    except DomainError as exc:
        return _to_app(settings, routes.SOCIAL_ACCOUNTS, error=exc.message)
    return RedirectResponse(url, status_code=303)
