"""The billing pages in Chromium against the real app, sandbox provider (test mode): a signed-in user opens
the plan page and upgrades to Pro through the sandbox checkout; the decline card 4000 0000 0000 0002 shows
the message and changes nothing; with the worker paused the success page says it is waiting for
confirmation and the stored plan is still Free; once the worker applies the webhook events the page shows
Pro (and so does the database); the invoices page shows the paid invoice; the sandbox portal cancels at the
period's end; a failed renewal shows the grace banner on every signed-in page; an admin gives a plan for
free and takes it back. Every page at 1440 and 390 px: no sideways scroll, no page errors, no serious axe
finding."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from maxbooster import routes
from tests.e2e.test_every_page import _axe
from tests.support.e2e import ROOT, RunningApp, screenshot, sign_in

pytestmark = pytest.mark.e2e

BUYER, ADMIN = "buyer.artist@example.com", "billing.boss@example.com"
PASSWORD = "billing pages long password"
WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}

MAKE_USER = """
import sys
from maxbooster.db import session_scope
from maxbooster.models.accounts import User
from maxbooster.services.accounts.passwords import hash_password
with session_scope() as s:
    s.add(User(email=sys.argv[1], display_name="Buyer Artist", email_verified=True,
               password_hash=hash_password(sys.argv[2])))
    s.commit()
"""

FAIL_RENEWAL = """
import sys
from sqlmodel import select
from maxbooster.db import session_scope
from maxbooster.models.billing import Subscription
from maxbooster.services.billing import sandbox
with session_scope() as s:
    sub = s.exec(select(Subscription)).one()
    sandbox.renew(session=s, subscription_id=sub.provider_subscription_id, paid=False, now=sub.current_period_end)
"""


def _env(app: RunningApp) -> dict[str, str]:
    return {"MAXBOOSTER_DATA_DIR": str(app.data_dir), "PATH": "/usr/bin:/bin"}


def _py(app: RunningApp, script: str, *args: str) -> None:
    subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, env=_env(app), check=True, capture_output=True)


def _db(app: RunningApp, sql: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(app.data_dir / "maxbooster.db") as db:
        return db.execute(sql, params).fetchall()


def _plan(app: RunningApp, email: str = BUYER) -> str:
    return str(_db(app, "SELECT plan FROM users WHERE email = ?", email)[0][0])


def _worker_pids(app: RunningApp) -> list[int]:
    """This app's job worker processes (the Celery parent and its pool children)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            env = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"maxbooster.cli worker" in cmd and f"MAXBOOSTER_DATA_DIR={app.data_dir}".encode() in env:
            pids.append(int(entry.name))
    return pids


def _until(check: Callable[[], bool], what: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.25)


def _context(browser, app: RunningApp, width: str):  # type: ignore[no-untyped-def]
    w, h = WIDTHS[width]
    page = browser.new_context(viewport={"width": w, "height": h}, base_url=app.url, bypass_csp=True).new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda e: page.errors.append(str(e)))  # type: ignore[attr-defined]
    return page


def _check(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Screenshot, no sideways scroll, no serious or critical axe-core finding."""
    page.mouse.move(0, 0)  # a button left hovered by the last click shows its hover colour (not what axe checks)
    page.wait_for_timeout(500)
    screenshot(page, name)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, name
    assert _axe(page) == [], name


def _pay(page, card: str) -> None:  # type: ignore[no-untyped-def]
    page.fill("#card-card", card)
    page.fill("#card-expiry", "12/34")
    page.fill("#card-cvc", "123")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()


def test_upgrade_through_the_sandbox_checkout_portal_and_grace_banner(browser, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    app = running_app
    _py(app, MAKE_USER, BUYER, PASSWORD)
    page = _context(browser, app, "desktop")
    sign_in(page, BUYER, PASSWORD)

    page.goto(routes.ACCOUNT_PLAN)
    page.get_by_test_id("plan-card").nth(2).wait_for(timeout=30_000)
    assert page.get_by_test_id("test-mode").first.inner_text().strip() == "Test mode — no real money"
    assert page.get_by_test_id("current-plan").inner_text().strip() == "Free"
    assert "USD 12.00" in page.get_by_test_id("plan-card").nth(1).inner_text()
    page.get_by_role("radio", name=re.compile("Yearly")).click()
    page.get_by_text("USD 120.00").wait_for(timeout=10_000)
    page.get_by_role("radio", name="Monthly").click()
    _check(page, "billing-plan-desktop")

    page.get_by_role("button", name="Upgrade to Pro").click()
    page.wait_for_url(re.compile(r"/billing/sandbox/checkout/?\?session=cs_sbx_"), timeout=30_000)
    page.get_by_test_id("checkout-price").get_by_text("USD 12.00 per month").wait_for(timeout=30_000)
    _check(page, "billing-checkout-desktop")

    _pay(page, "4000 0000 0000 0002")  # the decline card
    page.get_by_test_id("card-error").get_by_text("Your card was declined").wait_for(timeout=30_000)
    _check(page, "billing-checkout-declined-desktop")
    assert _db(app, "SELECT count(*) FROM billing_webhook_events")[0][0] == 0 and _plan(app) == "free"

    workers = _worker_pids(app)
    assert workers, "the app's job worker was not found"
    for pid in workers:  # hold the worker: the provider's events are received but not yet applied
        os.kill(pid, signal.SIGSTOP)
    try:
        _pay(page, "4242 4242 4242 4242")
        page.wait_for_url(re.compile(r"/account/plan/success/?\?session_id=cs_sbx_"), timeout=30_000)
        page.get_by_test_id("checkout-waiting").get_by_text("Waiting for confirmation").wait_for(timeout=30_000)
        _until(lambda: _db(app, "SELECT count(*) FROM billing_webhook_events")[0][0] == 3, "events received")
        assert _db(app, "SELECT count(*) FROM billing_webhook_events WHERE applied_at IS NOT NULL")[0][0] == 0
        assert _plan(app) == "free"  # paid, not yet confirmed by the applied webhook
        _check(page, "billing-success-waiting-desktop")
    finally:
        for pid in workers:
            os.kill(pid, signal.SIGCONT)
    page.get_by_test_id("checkout-confirmed").wait_for(timeout=60_000)
    assert page.get_by_role("heading", name="You are on Pro").is_visible()
    assert _plan(app) == "pro"
    _check(page, "billing-success-confirmed-desktop")

    page.goto(routes.ACCOUNT_INVOICES)
    row = page.get_by_test_id("invoice-row").first
    row.wait_for(timeout=30_000)
    assert "USD 12.00" in row.inner_text() and "paid" in row.inner_text()
    _check(page, "billing-invoices-desktop")

    page.goto(routes.ACCOUNT_PLAN)
    page.get_by_test_id("plan-summary").get_by_text(re.compile("Pro, billed monthly · renews on")).wait_for(
        timeout=30_000)
    page.get_by_role("button", name="Manage or cancel").click()
    page.wait_for_url(re.compile(r"/billing/sandbox/portal/?$"), timeout=30_000)
    page.get_by_role("button", name="Cancel at period end").click()
    page.get_by_role("button", name="Resume subscription").wait_for(timeout=30_000)
    assert _db(app, "SELECT cancel_at_period_end, status FROM billing_subscriptions")[0] == (1, "active")
    assert _plan(app) == "pro"  # kept until the period ends
    _check(page, "billing-portal-desktop")

    _py(app, FAIL_RENEWAL)  # the renewal at the period's end fails: grace period
    _until(lambda: _db(app, "SELECT grace_until IS NOT NULL FROM billing_subscriptions")[0][0] == 1, "grace")
    page.goto(routes.HOME)
    banner = page.get_by_test_id("grace-banner")
    banner.wait_for(timeout=30_000)
    assert re.search(r"Your payment didn't go through\. Update your card by \d\d \w+ \d{4} to keep Pro\.",
                     banner.inner_text())
    _check(page, "billing-grace-banner-desktop")
    banner.get_by_role("button", name="Update card").click()
    page.wait_for_url(re.compile(r"/billing/sandbox/portal/?$"), timeout=30_000)

    phone = _context(browser, app, "phone")
    sign_in(phone, BUYER, PASSWORD)
    for path, name in ((routes.ACCOUNT_PLAN, "plan"), (routes.ACCOUNT_INVOICES, "invoices"),
                       (routes.SANDBOX_PORTAL, "portal"), (routes.HOME, "grace-banner")):
        phone.goto(path)
        phone.get_by_test_id("grace-banner").wait_for(timeout=30_000)
        _check(phone, f"billing-{name}-phone")
    assert page.errors == [] and phone.errors == []  # type: ignore[attr-defined]


def test_checkout_pages_on_a_phone_and_admin_comp(browser, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    app = running_app
    email = "phone.buyer@example.com"
    _py(app, MAKE_USER, email, PASSWORD)
    phone = _context(browser, app, "phone")
    sign_in(phone, email, PASSWORD)
    phone.goto(routes.ACCOUNT_PLAN)
    phone.get_by_role("button", name="Upgrade to Label").click()
    phone.wait_for_url(re.compile(r"/billing/sandbox/checkout/?\?session="), timeout=30_000)
    phone.get_by_test_id("checkout-price").get_by_text("USD 49.00 per month").wait_for(timeout=30_000)
    _check(phone, "billing-checkout-phone")
    _pay(phone, "4242 4242 4242 4242")
    phone.get_by_test_id("checkout-confirmed").wait_for(timeout=60_000)
    _check(phone, "billing-success-phone")
    assert _plan(app, email) == "label"

    subprocess.run([sys.executable, "-m", "maxbooster.cli", "create-admin", ADMIN, "--password-stdin"],
                   input=PASSWORD + "\n", text=True, capture_output=True, cwd=ROOT, env=_env(app), check=True)
    admin = _context(browser, app, "desktop")
    sign_in(admin, ADMIN, PASSWORD)
    admin.goto(routes.ADMIN_USERS)
    row = admin.get_by_test_id("user-row").filter(has_text=BUYER)
    row.wait_for(timeout=30_000)
    row.get_by_role("button", name="Give plan").click()
    dialog = admin.get_by_role("dialog")
    dialog.get_by_role("combobox").click()
    admin.get_by_role("option", name="label").click()
    dialog.locator("#comp-until").fill("2099-01-31")
    dialog.get_by_role("button", name="Give plan").click()
    row.get_by_test_id("user-comp").get_by_text("Label for free until 31 Jan 2099").wait_for(timeout=30_000)
    assert _plan(app) == "label"
    assert _db(app, "SELECT c.plan FROM billing_comps c JOIN users u ON u.id = c.user_id WHERE u.email = ?",
               BUYER)[0][0] == "label"  # this buyer's comp (the browser tests share one app)
    _check(admin, "billing-admin-comp-desktop")
    row.get_by_role("button", name="Take back").click()
    admin.get_by_text("Free plan taken back").wait_for(timeout=30_000)
    assert _plan(app) == "pro"  # what they still pay for (cancelled at the period's end, in grace)
    actions = [r[0] for r in _db(app, "SELECT action FROM audit_log")]
    assert {"billing.comp_granted", "billing.comp_revoked"} <= set(actions)
    assert phone.errors == [] and admin.errors == []  # type: ignore[attr-defined]
