"""Browser account endpoints under /api/auth (see forms.py for how every form post behaves).

The session id travels only in the HttpOnly, SameSite=Lax session cookie.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from maxbooster import routes
from maxbooster.api.web.forms import Ctx, Outcome, handle, safe_next, truthy
from maxbooster.models.accounts import TokenPurpose
from maxbooster.services.accounts import account_changes, recovery, sessions, users
from maxbooster.services.accounts.common import hash_token, is_local_path
from maxbooster.services.errors import NotFound

router = APIRouter(tags=["auth"])


def _keeping_next(page: str, fields: dict[str, str]) -> str:
    """`page`, carrying the form's `next` along when it is a same-site path (an invitation waiting)."""
    wanted = fields.get("next", "")
    return routes.with_query(page, next=wanted) if is_local_path(wanted) else page


@router.post(routes.AUTH_SIGNUP)
async def signup(request: Request) -> Response:
    def act(c: Ctx) -> Outcome:
        users.signup(session=c.db, actor=c.actor, email=c.field("email"), password=c.field("password"),
                     display_name=c.field("display_name"), next_path=c.fields.get("next", ""))
        return Outcome(_keeping_next(routes.LOGIN, c.fields), "check_email")
    return await handle(request, lambda f: _keeping_next(routes.SIGNUP, f), act)


@router.post(routes.AUTH_LOGIN)
async def login(request: Request) -> Response:
    def act(c: Ctx) -> Outcome:
        remember = truthy(c.field("remember"))
        _, new_raw = users.login(session=c.db, actor=c.actor, email=c.field("email"), password=c.field("password"),
                                 remember=remember)
        if c.raw:  # never keep a pre-login session id alive (fixation)
            sessions.get_store(session=c.db).delete(hash_token(c.raw))
        return Outcome(safe_next(c.field("next")), cookie=new_raw, remember=remember)
    return await handle(request, lambda f: _keeping_next(routes.LOGIN, f), act)


@router.post(routes.AUTH_LOGOUT)
async def logout(request: Request) -> Response:
    def act(c: Ctx) -> Outcome:
        sessions.end_session(session=c.db, actor=c.actor, raw_id=c.raw)
        return Outcome(routes.LOGIN, "logged_out", clear=True)
    return await handle(request, routes.LOGIN, act)


@router.post(routes.AUTH_RESEND_VERIFICATION)
async def resend_verification(request: Request) -> Response:
    def act(c: Ctx) -> Outcome:
        users.resend_verification(session=c.db, actor=c.actor, email=c.field("email"))
        return Outcome(routes.LOGIN, "verification_sent")
    return await handle(request, routes.VERIFY, act)


@router.get(routes.AUTH_VERIFY_EMAIL)
async def verify_email(request: Request) -> Response:
    def act(c: Ctx) -> Outcome:
        _, purpose = users.verify_email(session=c.db, actor=c.actor, token=c.field("token"))
        return Outcome(routes.SETTINGS, "email_changed") if purpose == TokenPurpose.CHANGE_EMAIL \
            else Outcome(_keeping_next(routes.LOGIN, c.fields), "verified")
    return await handle(request, routes.VERIFY, act, csrf=False)


@router.post(routes.AUTH_FORGOT_PASSWORD)
async def forgot_password(request: Request) -> Response:
    def act(c: Ctx) -> Outcome:
        recovery.forgot_password(session=c.db, actor=c.actor, email=c.field("email"))
        return Outcome(routes.FORGOT, "reset_sent")
    return await handle(request, routes.FORGOT, act)


@router.post(routes.AUTH_RESET_PASSWORD)
async def reset_password(request: Request) -> Response:
    def act(c: Ctx) -> Outcome:
        recovery.reset_password(session=c.db, actor=c.actor, token=c.field("token"),
                                new_password=c.field("password"))
        return Outcome(routes.LOGIN, "password_reset", clear=True)

    def back(f: dict[str, str]) -> str:
        return routes.with_query(routes.RESET, token=f.get("token", ""))
    return await handle(request, back, act)


@router.post(routes.AUTH_CHANGE_PASSWORD)
async def change_password(request: Request) -> Response:
    def act(c: Ctx) -> Outcome:
        info, actor = c.signed_in()
        new_raw = account_changes.change_password(
            session=c.db, actor=actor, current_password=c.field("current_password"),
            new_password=c.field("new_password"), current_raw_id=c.raw)
        return Outcome(routes.SETTINGS, "password_changed", cookie=new_raw, remember=info.remember)
    return await handle(request, routes.SETTINGS, act)


@router.post(routes.AUTH_CHANGE_EMAIL)
async def change_email(request: Request) -> Response:
    def act(c: Ctx) -> Outcome:
        _, actor = c.signed_in()
        account_changes.request_email_change(session=c.db, actor=actor, password=c.field("password"),
                                             new_email=c.field("new_email"))
        return Outcome(routes.SETTINGS, "email_change_sent")
    return await handle(request, routes.SETTINGS, act)


@router.post(routes.AUTH_PROFILE)
async def profile(request: Request) -> Response:
    def act(c: Ctx) -> Outcome:
        _, actor = c.signed_in()
        users.update_profile(session=c.db, actor=actor, data=c.fields)
        return Outcome(routes.SETTINGS, "profile_saved")
    return await handle(request, routes.SETTINGS, act)


@router.post(routes.AUTH_LOGOUT_OTHERS)
async def logout_others(request: Request) -> Response:
    def act(c: Ctx) -> Outcome:
        info, actor = c.signed_in()
        sessions.revoke_all_sessions(session=c.db, actor=actor, user_id=info.user_id,
                                     keep_session_id=info.session_id, reason="logout_others")
        return Outcome(routes.SETTINGS, "sessions_revoked")
    return await handle(request, routes.SETTINGS, act)


@router.post(routes.AUTH_REVOKE_SESSION)
async def revoke_session(request: Request) -> Response:
    def act(c: Ctx) -> Outcome:
        info, actor = c.signed_in()
        target = c.field("session_id")
        if not sessions.revoke_session(session=c.db, actor=actor, session_id=target):
            raise NotFound("That session is already signed out.")
        return Outcome(routes.LOGIN, "logged_out", clear=True) if target == info.session_id \
            else Outcome(routes.SETTINGS, "session_revoked")
    return await handle(request, routes.SETTINGS, act)


@router.post(routes.AUTH_DELETE_ACCOUNT)
async def delete_account(request: Request) -> Response:
    def act(c: Ctx) -> Outcome:
        _, actor = c.signed_in()
        account_changes.delete_account(session=c.db, actor=actor, password=c.field("password"),
                                       confirm_email=c.field("confirm_email"))
        return Outcome(routes.LOGIN, "account_deleted", clear=True)
    return await handle(request, routes.SETTINGS, act)
