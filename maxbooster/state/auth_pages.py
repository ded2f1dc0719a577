"""Sign-in family of pages: maps redirect codes to plain words; knows if Google is offered."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import reflex as rx

from maxbooster.settings import get_settings
from maxbooster.state.auth import AuthState

NOTICES = {
    "check_email": "Account created. We sent you a link to verify your email address.",
    "verified": "Email verified. You can log in now.",
    "logged_out": "You are logged out.",
    "verification_sent": "If that address has an unverified account, a new link is on its way.",
    "reset_sent": "If an account exists for that address, a reset link is on its way.",
    "password_reset": "Password changed. Log in with your new password.",
    "password_changed": "Password changed. Your other sessions were signed out.",
    "email_change_sent": "Check your new address for a confirmation link.",
    "email_changed": "Your email address is changed.",
    "profile_saved": "Profile saved.",
    "sessions_revoked": "All your other sessions are signed out.",
    "session_revoked": "That session is signed out.",
    "account_deleted": "Your account and its data are deleted.",
}
ERRORS = {
    "invalid_credentials": "Email or password is not correct.",
    "rate_limited": "Too many attempts. Wait a few minutes and try again.",
    "common_password": "This password is too common; choose another one.",
    "weak_password": "Use at least 8 characters.",
    "invalid_email": "Enter a valid email address.",
    "email_taken": "That email address is already in use.",
    "invalid_display_name": "Display name must be 1 to 100 characters.",
    "invalid_token": "This link is invalid or has expired; request a new one.",
    "wrong_password": "Your current password is not correct.",
    "same_email": "That is already your email address.",
    "email_not_verified": "Verify your email address first; we can send a new link.",
    "google": "Google sign-in did not complete. Try again or use your password.",
    "forbidden": "That request came from another site and was refused.",
}


class AuthPagesState(AuthState):
    notice: str = ""
    error: str = ""
    token: str = ""
    google_enabled: bool = False

    @rx.event
    def load_form(self):  # type: ignore[no-untyped-def]
        """Read the ?notice=/?error=/?token= the last redirect carried (display only)."""
        query = parse_qs(urlsplit(str(self.router.url)).query)
        first = {k: v[0] for k, v in query.items() if v}
        self.notice = NOTICES.get(first.get("notice", ""), "")
        code = first.get("error", "")
        self.error = ERRORS.get(code, "Something went wrong; please try again." if code else "")
        self.token = first.get("token", "")[:200]
        from maxbooster.services.accounts.google import google_enabled

        self.google_enabled = google_enabled(get_settings())
        self._sync(self._current_user())
