"""The emails the accounts area sends (texts are templates under services/email/templates).

Links: verification and email change point straight at the API route
`{API_URL}/api/auth/verify-email?token=...` (it redirects to `{APP_URL}/login?notice=verified`);
password reset points at the page `{APP_URL}/reset?token=...`, which POSTs the token and the
new password to `/api/auth/reset-password`.
"""

from __future__ import annotations

from maxbooster import routes
from maxbooster.services.email import EmailMessage, render
from maxbooster.settings import get_settings


def _api(path: str) -> str:
    return get_settings().api_url.rstrip("/") + path


def _app(path: str) -> str:
    return get_settings().app_url.rstrip("/") + path


def _minutes() -> str:
    return str(get_settings().account_token_minutes)


def verification(to: str, name: str, raw_token: str, next_path: str = "") -> EmailMessage:
    """The confirm link; `next_path` (a same-site page waiting for them, e.g. an invitation) rides along."""
    extra = {"next": next_path} if next_path else {}
    link = _api(routes.with_query(routes.AUTH_VERIFY_EMAIL, token=raw_token, **extra))
    return render("verify_email", to=to, name=name, link=link, minutes=_minutes())


def email_change(to: str, name: str, raw_token: str) -> EmailMessage:
    link = _api(routes.with_query(routes.AUTH_VERIFY_EMAIL, token=raw_token))
    return render("change_email", to=to, name=name, link=link, minutes=_minutes())


def password_reset(to: str, name: str, raw_token: str) -> EmailMessage:
    link = _app(routes.with_query(routes.RESET, token=raw_token))
    return render("reset_password", to=to, name=name, link=link, minutes=_minutes())


def already_registered(to: str) -> EmailMessage:
    return render("already_registered", to=to, login_link=_app(routes.LOGIN), forgot_link=_app(routes.FORGOT))
