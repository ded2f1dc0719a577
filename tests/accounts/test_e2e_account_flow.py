"""Sign up → verify from the outbox → log in → change password → old session gone → log out.

Runs in real Chromium against the built app; a second browser context plays the user's
other device, whose session must die when the password changes.
"""

from __future__ import annotations

import re
import sqlite3
import time

import pytest

from maxbooster.services.errors import MESSAGES, ErrorCode
from tests.support.e2e import RunningApp, screenshot

pytestmark = pytest.mark.e2e

EMAIL = "e2e.artist@example.com"
OLD_PASSWORD = "first password for e2e"
NEW_PASSWORD = "second password, even longer"


def _verification_link(app: RunningApp, email: str, timeout_s: float = 20) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with sqlite3.connect(app.data_dir / "maxbooster.db") as db:
            row = db.execute("SELECT text_body FROM email_outbox WHERE to_addr = ? ORDER BY created_at DESC",
                             (email,)).fetchone()
        if row:
            match = re.search(r"https?://\S+/api/auth/verify-email\?token=\S+", row[0])
            assert match, row[0]
            return match.group(0)
        time.sleep(0.5)
    raise AssertionError(f"no verification email for {email} in the outbox")


def at(path: str, query: str = "") -> re.Pattern[str]:
    """The app's URL for `path` (Reflex may add a trailing slash), with an exact query."""
    return re.compile(rf"{re.escape(path)}/?" + (rf"\?{re.escape(query)}$" if query else r"(\?.*)?$"))


def _login(pg, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    pg.goto("/login")
    pg.fill("input[name=email]", email)
    pg.fill("input[name=password]", password)
    pg.get_by_role("button", name="Log in").click()


def _sign_up(pg, password: str) -> None:  # type: ignore[no-untyped-def]
    pg.goto("/signup")
    pg.fill("input[name=display_name]", "E2E Artist")
    pg.fill("input[name=email]", EMAIL)
    pg.fill("input[name=password]", password)
    pg.get_by_role("button", name="Create account").click()


def test_sign_up_verify_login_change_password_logout(browser, page, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    _sign_up(page, "7 chars")  # too short: the page says what to do, not "something went wrong"
    page.get_by_test_id("form-error").wait_for(timeout=30_000)
    assert page.get_by_test_id("form-error").inner_text().strip() == MESSAGES[ErrorCode.PASSWORD_TOO_SHORT]

    _sign_up(page, OLD_PASSWORD)
    page.get_by_test_id("form-notice").wait_for(timeout=30_000)
    assert "confirm your email" in page.get_by_test_id("form-notice").inner_text()

    _login(page, EMAIL, OLD_PASSWORD)  # not confirmed yet: a clear message and a way to get a new link
    page.get_by_test_id("form-error").wait_for(timeout=30_000)
    assert page.get_by_test_id("form-error").inner_text().strip() == MESSAGES[ErrorCode.EMAIL_UNVERIFIED]
    page.get_by_role("link", name="Send me a new confirmation link").wait_for()

    page.goto(_verification_link(running_app, EMAIL))
    page.wait_for_url(at("/login", "notice=verified"), timeout=30_000)

    other = browser.new_context(base_url=running_app.url).new_page()  # the user's other device
    _login(other, EMAIL, OLD_PASSWORD)
    other.wait_for_url(at("/studio"), timeout=30_000)

    other.goto("/jobs")
    other.get_by_role("button", name="Run self-test").wait_for(timeout=30_000)  # socket open, signed in

    _login(page, EMAIL, OLD_PASSWORD)
    page.wait_for_url(at("/studio"), timeout=30_000)
    page.get_by_text("Welcome back, E2E Artist").wait_for(timeout=30_000)
    screenshot(page, "studio-home")

    page.goto("/settings")
    page.get_by_test_id("session-row").nth(1).wait_for(timeout=30_000)  # both devices listed
    assert page.get_by_test_id("plan-name").inner_text().strip() == "Free"  # the plan and what it allows
    limits = {r.split("\t")[0]: r.split("\t")[1:] for r in page.get_by_test_id("limit-row").all_inner_texts()}
    assert limits, "the Account page lists the plan's limits"
    assert any("1 GB" in allowed[-1] for allowed in limits.values()), limits  # Free: 1 GB of storage
    page.fill("input[name=current_password]", OLD_PASSWORD)
    page.fill("input[name=new_password]", NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    page.wait_for_url(at("/settings", "notice=password_changed"), timeout=30_000)
    page.get_by_test_id("session-row").first.wait_for(timeout=30_000)
    assert page.get_by_test_id("session-row").count() == 1  # the other device's session is gone
    screenshot(page, "settings-after-password-change")

    # The other device's already-open page: its very next websocket event is refused.
    other.get_by_role("button", name="Run self-test").click()
    other.wait_for_url(at("/login"), timeout=30_000)
    with sqlite3.connect(running_app.data_dir / "maxbooster.db") as db:
        started = db.execute("SELECT count(*) FROM jobs WHERE owner_id = (SELECT id FROM users WHERE email = ?)",
                             (EMAIL,)).fetchone()[0]
    assert started == 0  # the refused event started nothing

    # The session id lives only in the HttpOnly cookie: not in web storage, not readable by JS.
    # (Reflex's own per-tab "token" in sessionStorage is a websocket state key, not a credential.)
    cookie = next(c for c in page.context.cookies() if c["name"] == "mb_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    storage = page.evaluate("JSON.stringify({...localStorage, ...sessionStorage})")
    assert cookie["value"] not in storage and "mb_session" not in storage
    assert "mb_session" not in page.evaluate("document.cookie")

    page.get_by_role("button", name="Log out").first.click()
    page.wait_for_url(at("/login", "notice=logged_out"), timeout=30_000)
    page.goto("/settings")
    page.wait_for_url(at("/login"), timeout=30_000)
    _login(page, EMAIL, OLD_PASSWORD)
    page.get_by_test_id("form-error").wait_for(timeout=30_000)  # the old password no longer works
    assert page.console_errors == []
