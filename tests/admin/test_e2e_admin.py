"""Admin › Users: admins see it and can give a plan for free; a normal user is turned away."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys

import pytest

from tests.support.e2e import ROOT, RunningApp, screenshot, sign_in

pytestmark = pytest.mark.e2e

ADMIN_EMAIL = "boss@example.com"
ADMIN_PASSWORD = "a long admin password 42"




def test_admin_sets_plan_and_user_is_refused(browser, page, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    env = {"MAXBOOSTER_DATA_DIR": str(running_app.data_dir), "PATH": "/usr/bin:/bin"}
    made = subprocess.run([sys.executable, "-m", "maxbooster.cli", "create-admin", ADMIN_EMAIL, "--password-stdin"],
                          input=ADMIN_PASSWORD + "\n", text=True, capture_output=True, cwd=ROOT, env=env)
    assert made.returncode == 0, made.stderr

    user_page = browser.new_context(base_url=running_app.url).new_page()
    sign_in(user_page, running_app.demo_email, running_app.demo_password)
    assert user_page.get_by_text("ADMIN").count() == 0  # no admin navigation for a normal user
    user_page.goto("/admin/users")
    user_page.wait_for_url(re.compile(r"/studio/?$"), timeout=30_000)

    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto("/admin/users")
    row = page.get_by_test_id("user-row").filter(has_text=running_app.demo_email)
    row.wait_for(timeout=30_000)
    row.get_by_role("button", name="Give plan").click()
    page.get_by_role("dialog").get_by_role("button", name="Give plan").click()  # Pro, no end date
    page.get_by_text("Pro given for free").wait_for(timeout=30_000)
    row.get_by_test_id("user-comp").get_by_text("Pro for free with no end date").wait_for(timeout=30_000)
    screenshot(page, "admin-users")

    with sqlite3.connect(running_app.data_dir / "maxbooster.db") as db:
        plan = db.execute("SELECT plan FROM users WHERE email = ?", (running_app.demo_email,)).fetchone()[0]
        actions = [r[0] for r in db.execute("SELECT action FROM audit_log")]
    assert plan == "pro" and "billing.comp_granted" in actions


def test_last_admin_keeps_their_role_and_outbox_shows_links(browser, page, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    env = {"MAXBOOSTER_DATA_DIR": str(running_app.data_dir), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-m", "maxbooster.cli", "create-admin", ADMIN_EMAIL, "--password-stdin"],
                   input=ADMIN_PASSWORD + "\n", text=True, capture_output=True, cwd=ROOT, env=env, check=True)
    # The browser tests share one app: admins other tests made (e.g. the billing test's) step down first,
    # so this one is the last active admin whatever order the tests run in.
    with sqlite3.connect(running_app.data_dir / "maxbooster.db") as db:
        db.execute("UPDATE users SET role = 'user' WHERE role = 'admin' AND email != ?", (ADMIN_EMAIL,))
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto("/admin/users")
    me = page.get_by_test_id("user-row").filter(has=page.get_by_text(ADMIN_EMAIL, exact=True))
    me.wait_for(timeout=30_000)
    me.get_by_role("combobox").first.click()  # the role select of my own row
    page.get_by_role("option", name="user").click()
    page.get_by_text("Change your own role?").wait_for(timeout=10_000)  # asked first
    page.get_by_role("button", name="Change my role").click()
    page.get_by_text("This is the last active admin").wait_for(timeout=30_000)
    assert me.get_by_role("combobox").first.inner_text().strip() == "admin"  # the row shows what is stored
    with sqlite3.connect(running_app.data_dir / "maxbooster.db") as db:
        role = db.execute("SELECT role FROM users WHERE email = ?", (ADMIN_EMAIL,)).fetchone()[0]
    assert role == "admin"

    # A sign-up on a server without SMTP: the admin finds the confirmation link in the Outbox.
    visitor = browser.new_context(base_url=running_app.url).new_page()
    visitor.goto("/signup")
    visitor.fill("input[name=display_name]", "Outbox Reader")
    visitor.fill("input[name=email]", "outbox.reader@example.com")
    visitor.fill("input[name=password]", "a fine long passphrase")
    visitor.get_by_role("button", name="Create account").click()
    visitor.get_by_test_id("form-notice").wait_for(timeout=30_000)
    page.goto("/admin/outbox")
    page.get_by_test_id("mail-row").filter(has_text="outbox.reader@example.com").get_by_role("button").click()
    link = page.get_by_test_id("mail-link").first
    link.wait_for(timeout=30_000)
    screenshot(page, "admin-outbox")
    visitor.goto(link.get_attribute("href") or "")
    visitor.wait_for_url(re.compile(r"/login/?\?notice=verified$"), timeout=30_000)
