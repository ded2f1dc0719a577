"""How every browser form endpoint works: Origin check, robust field parsing, one service call in
a worker thread, then a 303 to a page (or JSON with `Accept: application/json`).

Success redirects to `path?notice=<code>`, failure to the form's page with `?error=<ErrorCode>`;
the page shows `message_for(code)`. A body that cannot be read (truncated JSON, invalid UTF-8,
deep nesting, lone surrogates, non-text values) is a 400 `malformed_request` and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlsplit

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from maxbooster import routes
from maxbooster.api.deps import request_actor
from maxbooster.api.errors import domain_error_response, error_body
from maxbooster.db import session_scope
from maxbooster.services.accounts import sessions
from maxbooster.services.accounts.common import is_local_path, is_text
from maxbooster.services.actor import Actor
from maxbooster.services.errors import DomainError, ErrorCode, LoginRequired, RateLimited
from maxbooster.settings import get_settings

MAX_FIELDS = 50
MAX_FIELD_CHARS = 10_000


class MalformedRequest(DomainError):
    code = ErrorCode.MALFORMED_REQUEST
    http_status = 400


@dataclass
class Ctx:
    """What an action sees: a DB session, the parsed fields, the anonymous actor and the cookie."""

    db: Session
    fields: dict[str, str]
    actor: Actor
    raw: str | None  # the session cookie as sent

    def field(self, name: str) -> str:
        return self.fields.get(name, "")

    def signed_in(self) -> tuple[sessions.SessionInfo, Actor]:
        """The live session behind the cookie and the actor as that user, else LoginRequired."""
        info = sessions.validate_session(self.raw, session=self.db)
        if info is None:
            raise LoginRequired()
        return info, info.actor(self.actor)


@dataclass
class Outcome:
    path: str
    notice: str | None = None
    cookie: str | None = None  # new raw session id to set
    clear: bool = False
    remember: bool = False


def origin_allowed(request: Request) -> bool:
    """CSRF guard: Origin, else Referer's origin, must be one of ALLOWED_ORIGINS."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        parts = urlsplit(request.headers.get("referer", ""))
        origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    return bool(origin) and origin.rstrip("/") in get_settings().allowed_origins


def _clean(data: dict[object, object]) -> dict[str, str]:
    if len(data) > MAX_FIELDS:
        raise MalformedRequest("Too many fields in this form.")
    fields: dict[str, str] = {}
    for key, value in data.items():
        if not isinstance(key, str) or not isinstance(value, str | int | float | bool) or value is None:
            raise MalformedRequest()
        text = value if isinstance(value, str) else json.dumps(value)
        if not is_text(key) or not is_text(text) or len(text) > MAX_FIELD_CHARS:
            raise MalformedRequest()
        fields[key] = text
    return fields


async def read_fields(request: Request) -> dict[str, str]:
    """Form fields from urlencoded, multipart or JSON bodies; MalformedRequest when unreadable."""
    ctype = request.headers.get("content-type", "").lower()
    try:
        if ctype.startswith("multipart/form-data"):
            form = await request.form(max_files=0, max_fields=MAX_FIELDS)
            return _clean({k: v for k, v in form.items() if isinstance(v, str)})
        body = await request.body()
        if ctype.startswith("application/json"):
            data = json.loads(body.decode("utf-8") or "{}")
            if not isinstance(data, dict):
                raise MalformedRequest()
            return _clean(data)
        return _clean(dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)))
    except MalformedRequest:
        raise
    except (ValueError, RecursionError, UnicodeError, KeyError, TypeError) as exc:
        raise MalformedRequest() from exc
    except Exception as exc:  # noqa: BLE001  (multipart parser errors have no common base class)
        raise MalformedRequest() from exc


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def app_url(path: str, **query: str) -> str:
    return get_settings().app_url.rstrip("/") + routes.with_query(path, **query)


def _with(path: str, key: str, value: str) -> str:
    sep = "&" if "?" in path else "?"
    return f"{get_settings().app_url.rstrip('/')}{path}{sep}{key}={quote(value)}"


def set_session_cookie(resp: Response, raw: str | None, *, remember: bool = False, clear: bool = False) -> None:
    s = get_settings()
    if raw:
        max_age = int(s.session_absolute_days * 86400) if remember else None
        resp.set_cookie(s.session_cookie_name, raw, max_age=max_age, path="/",
                        httponly=True, samesite="lax", secure=s.cookie_secure)
    elif clear:
        resp.delete_cookie(s.session_cookie_name, path="/", httponly=True, samesite="lax", secure=s.cookie_secure)


def _success(request: Request, outcome: Outcome) -> Response:
    url = _with(outcome.path, "notice", outcome.notice) if outcome.notice else app_url(outcome.path)
    resp: Response = JSONResponse({"ok": True, "redirect": url, "notice": outcome.notice}) \
        if _wants_json(request) else RedirectResponse(url, status_code=303)
    set_session_cookie(resp, outcome.cookie, remember=outcome.remember, clear=outcome.clear)
    return resp


def _failure(request: Request, back: str, exc: DomainError) -> Response:
    if _wants_json(request) or isinstance(exc, MalformedRequest):
        return domain_error_response(exc)
    headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, RateLimited) else {}
    target = routes.LOGIN if isinstance(exc, LoginRequired) else back
    return RedirectResponse(_with(target, "error", exc.code), status_code=303, headers=headers)


Action = Callable[[Ctx], Outcome]
Back = str | Callable[[dict[str, str]], str]


async def handle(request: Request, back: Back, action: Action, *, csrf: bool = True) -> Response:
    """Run `action` for this form post; every failure becomes a redirect (or error body)."""
    if csrf and not origin_allowed(request):
        return error_body(ErrorCode.FORBIDDEN, "Cross-origin request refused (Origin not allowed).", 403)
    fields: dict[str, str] = {}
    try:
        fields = await read_fields(request) if request.method == "POST" else _clean(dict(request.query_params))
        actor, raw = request_actor(request), request.cookies.get(get_settings().session_cookie_name)

        def run() -> Outcome:
            with session_scope() as db:
                return action(Ctx(db, fields, actor, raw))

        outcome = await run_in_threadpool(run)
    except DomainError as exc:
        return _failure(request, back(fields) if callable(back) else back, exc)
    return _success(request, outcome)


def truthy(value: str | None) -> bool:
    return (value or "").lower() in {"1", "on", "true", "yes"}


def safe_next(value: str | None) -> str:
    """Only same-site paths are allowed as post-login targets (no open redirect)."""
    if value and is_local_path(value):
        return value
    return routes.HOME
