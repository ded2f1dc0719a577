"""Browser auth routes under /api/auth: HTML form posts that answer 303 to an APP_URL page.

Every POST checks Origin (or Referer) against ALLOWED_ORIGINS (403 otherwise) and accepts
application/x-www-form-urlencoded, multipart or JSON. Success redirects to `path?notice=<code>`,
failure to the form's page with `?error=<code>` (the DomainError code, e.g.
invalid_credentials, rate_limited, common_password). With `Accept: application/json` the reply
is JSON instead: {"ok": true, "redirect": ...} or the common error body with its status.
The session id travels only in the HttpOnly, SameSite=Lax `mb_session` cookie.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from maxbooster.api.deps import request_client
from maxbooster.api.errors import error_body
from maxbooster.db import session_scope
from maxbooster.services.accounts import account_changes, recovery, sessions, users
from maxbooster.services.accounts.common import Client, hash_token
from maxbooster.services.errors import DomainError, NotFound, RateLimited
from maxbooster.settings import get_settings

router = APIRouter(prefix="/api/auth", tags=["auth"])


class LoginRequired(DomainError):
    code = "login_required"
    http_status = 401


@dataclass
class Ctx:
    db: Session
    fields: dict[str, str]
    client: Client
    raw: str | None  # the session cookie as sent

    def user(self) -> sessions.SessionInfo:
        info = sessions.validate_session(self.raw, session=self.db)
        if info is None:
            raise LoginRequired("Please log in.")
        return info


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


async def _fields(request: Request) -> dict[str, str]:
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        data = json.loads(await request.body() or b"{}")
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    if ctype.startswith("multipart/form-data"):
        form = await request.form()
        return {k: str(v) for k, v in form.items()}
    body = (await request.body()).decode("utf-8", errors="replace")
    return dict(parse_qsl(body, keep_blank_values=True))


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _url(path: str, key: str, value: str) -> str:
    sep = "&" if "?" in path else "?"
    return f"{get_settings().app_url.rstrip('/')}{path}{sep}{key}={quote(value)}"


def _set_cookie(resp: Response, outcome: Outcome) -> None:
    s = get_settings()
    if outcome.cookie:
        max_age = int(s.session_absolute_days * 86400) if outcome.remember else None
        resp.set_cookie(s.session_cookie_name, outcome.cookie, max_age=max_age, path="/",
                        httponly=True, samesite="lax", secure=s.cookie_secure)
    elif outcome.clear:
        resp.delete_cookie(s.session_cookie_name, path="/", httponly=True, samesite="lax",
                           secure=s.cookie_secure)


def _success(request: Request, outcome: Outcome) -> Response:
    url = _url(outcome.path, "notice", outcome.notice) if outcome.notice else \
        get_settings().app_url.rstrip("/") + outcome.path
    resp: Response = JSONResponse({"ok": True, "redirect": url, "notice": outcome.notice}) \
        if _wants_json(request) else RedirectResponse(url, status_code=303)
    _set_cookie(resp, outcome)
    return resp


def _failure(request: Request, back: str, exc: DomainError) -> Response:
    headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, RateLimited) else {}
    if _wants_json(request):
        return error_body(exc.code, exc.message, exc.http_status, headers or None)
    target = "/login" if isinstance(exc, LoginRequired) else back
    return RedirectResponse(_url(target, "error", exc.code), status_code=303, headers=headers)


Action = Callable[[Ctx], Outcome]
Back = str | Callable[[dict[str, str]], str]


async def _handle(request: Request, back: Back, action: Action, *, csrf: bool = True) -> Response:
    if csrf and not origin_allowed(request):
        return error_body("forbidden", "Cross-origin request refused (Origin not allowed).", 403)
    fields = await _fields(request) if request.method == "POST" else dict(request.query_params)
    client, raw = request_client(request), request.cookies.get(get_settings().session_cookie_name)

    def run() -> Outcome:
        with session_scope() as db:
            return action(Ctx(db, fields, client, raw))

    try:
        outcome = await run_in_threadpool(run)
    except DomainError as exc:
        return _failure(request, back(fields) if callable(back) else back, exc)
    return _success(request, outcome)


def _safe_next(value: str | None) -> str:
    """Only same-site paths are allowed as post-login targets (no open redirect)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/studio"


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in {"1", "on", "true", "yes"}


@router.post("/signup")
async def signup(request: Request) -> Response:
    def act(c: Ctx) -> Outcome:
        users.signup(c.db, email=c.fields.get("email", ""), password=c.fields.get("password", ""),
                     display_name=c.fields.get("display_name", ""), client=c.client)
        return Outcome("/login", "check_email")
    return await _handle(request, "/signup", act)


@router.post("/login")
async def login(request: Request) -> Response:
    def act(c: Ctx) -> Outcome:
        remember = _truthy(c.fields.get("remember"))
        _, new_raw = users.login(c.db, email=c.fields.get("email", ""), password=c.fields.get("password", ""),
                                 client=c.client, remember=remember)
        if c.raw:  # never keep a pre-login session id alive (fixation)
            sessions.get_store(c.db).delete(hash_token(c.raw))
        return Outcome(_safe_next(c.fields.get("next")), cookie=new_raw, remember=remember)
    return await _handle(request, "/login", act)


@router.post("/logout")
async def logout(request: Request) -> Response:
    def act(c: Ctx) -> Outcome:
        sessions.end_session(c.db, raw_id=c.raw, client=c.client)
        return Outcome("/login", "logged_out", clear=True)
    return await _handle(request, "/login", act)


@router.post("/resend-verification")
async def resend_verification(request: Request) -> Response:
    def act(c: Ctx) -> Outcome:
        users.resend_verification(c.db, email=c.fields.get("email", ""), client=c.client)
        return Outcome("/login", "verification_sent")
    return await _handle(request, "/login", act)


@router.get("/verify-email")
async def verify_email(request: Request) -> Response:
    def act(c: Ctx) -> Outcome:
        _, purpose = users.verify_email(c.db, token=c.fields.get("token", ""), client=c.client)
        return Outcome("/settings", "email_changed") if purpose == "change_email" else Outcome("/login", "verified")
    return await _handle(request, "/login", act, csrf=False)


@router.post("/forgot-password")
async def forgot_password(request: Request) -> Response:
    def act(c: Ctx) -> Outcome:
        recovery.forgot_password(c.db, email=c.fields.get("email", ""), client=c.client)
        return Outcome("/forgot", "reset_sent")
    return await _handle(request, "/forgot", act)


@router.post("/reset-password")
async def reset_password(request: Request) -> Response:
    def act(c: Ctx) -> Outcome:
        recovery.reset_password(c.db, token=c.fields.get("token", ""), new_password=c.fields.get("password", ""),
                                client=c.client)
        return Outcome("/login", "password_reset", clear=True)

    def back(f: dict[str, str]) -> str:
        return f"/reset?token={quote(f.get('token', ''))}"
    return await _handle(request, back, act)


@router.post("/change-password")
async def change_password(request: Request) -> Response:
    def act(c: Ctx) -> Outcome:
        info = c.user()
        new_raw = account_changes.change_password(
            c.db, user_id=info.user_id, current_password=c.fields.get("current_password", ""),
            new_password=c.fields.get("new_password", ""), client=c.client, current_raw_id=c.raw)
        return Outcome("/settings", "password_changed", cookie=new_raw, remember=info.remember)
    return await _handle(request, "/settings", act)


@router.post("/change-email")
async def change_email(request: Request) -> Response:
    def act(c: Ctx) -> Outcome:
        account_changes.request_email_change(c.db, user_id=c.user().user_id, password=c.fields.get("password", ""),
                                             new_email=c.fields.get("new_email", ""), client=c.client)
        return Outcome("/settings", "email_change_sent")
    return await _handle(request, "/settings", act)


@router.post("/profile")
async def profile(request: Request) -> Response:
    def act(c: Ctx) -> Outcome:
        users.update_profile(c.db, user_id=c.user().user_id, data=c.fields)
        return Outcome("/settings", "profile_saved")
    return await _handle(request, "/settings", act)


@router.post("/logout-others")
async def logout_others(request: Request) -> Response:
    def act(c: Ctx) -> Outcome:
        info = c.user()
        sessions.revoke_all_sessions(c.db, user_id=info.user_id, client=c.client,
                                     keep_session_id=info.session_id, reason="logout_others")
        return Outcome("/settings", "sessions_revoked")
    return await _handle(request, "/settings", act)


@router.post("/revoke-session")
async def revoke_session(request: Request) -> Response:
    def act(c: Ctx) -> Outcome:
        info = c.user()
        target = c.fields.get("session_id", "")
        if not sessions.revoke_session(c.db, user_id=info.user_id, session_id=target, client=c.client):
            raise NotFound("Session not found.")
        return Outcome("/login", "logged_out", clear=True) if target == info.session_id \
            else Outcome("/settings", "session_revoked")
    return await _handle(request, "/settings", act)


@router.post("/delete-account")
async def delete_account(request: Request) -> Response:
    def act(c: Ctx) -> Outcome:
        account_changes.delete_account(c.db, user_id=c.user().user_id, password=c.fields.get("password", ""),
                                       client=c.client)
        return Outcome("/login", "account_deleted", clear=True)
    return await _handle(request, "/settings", act)
