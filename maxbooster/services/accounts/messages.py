"""The emails the accounts area sends, with absolute links.

Links: verification and email change point straight at the API route
`{API_URL}/api/auth/verify-email?token=...` (it redirects to `{APP_URL}/login?notice=verified`);
password reset points at the Reflex page `{APP_URL}/reset?token=...`, which POSTs the token
and the new password to `/api/auth/reset-password`.
"""

from __future__ import annotations

from urllib.parse import quote

from maxbooster.services.email import EmailMessage
from maxbooster.settings import get_settings


def _api(path: str) -> str:
    return get_settings().api_url.rstrip("/") + path


def _app(path: str) -> str:
    return get_settings().app_url.rstrip("/") + path


def verification(to: str, name: str, raw_token: str) -> EmailMessage:
    link = _api(f"/api/auth/verify-email?token={quote(raw_token)}")
    text = (f"Hi {name},\n\nConfirm your email address for Max Booster:\n{link}\n\n"
            "The link works once and expires in 60 minutes.\n")
    return EmailMessage(to=to, subject="Confirm your email for Max Booster", text=text,
                        html=f'<p>Hi {_esc(name)},</p><p><a href="{link}">Confirm your email</a></p>')


def email_change(to: str, name: str, raw_token: str) -> EmailMessage:
    link = _api(f"/api/auth/verify-email?token={quote(raw_token)}")
    text = (f"Hi {name},\n\nConfirm this new address for your Max Booster account:\n{link}\n\n"
            "The link works once and expires in 60 minutes. Ignore this email if you did not ask.\n")
    return EmailMessage(to=to, subject="Confirm your new email for Max Booster", text=text,
                        html=f'<p>Hi {_esc(name)},</p><p><a href="{link}">Confirm new email</a></p>')


def password_reset(to: str, name: str, raw_token: str) -> EmailMessage:
    link = _app(f"/reset?token={quote(raw_token)}")
    text = (f"Hi {name},\n\nReset your Max Booster password here:\n{link}\n\n"
            "The link works once and expires in 60 minutes. Ignore this email if you did not ask.\n")
    return EmailMessage(to=to, subject="Reset your Max Booster password", text=text,
                        html=f'<p>Hi {_esc(name)},</p><p><a href="{link}">Reset your password</a></p>')


def already_registered(to: str) -> EmailMessage:
    text = ("Someone tried to create a Max Booster account with this address, which already has "
            f"one. If it was you, log in at {_app('/login')} or reset your password at "
            f"{_app('/forgot')}.\n")
    return EmailMessage(to=to, subject="You already have a Max Booster account", text=text)


def _esc(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
