"""Admin › Users: admins see it and can change a plan; a normal user is turned away."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.e2e.conftest import ROOT, RunningApp, screenshot

ADMIN_EMAIL = "boss@example.com"
ADMIN_PASSWORD = "a long admin password 42"


def _login(pg, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    pg.goto("/login")
    pg.fill("input[name=email]", email)
    pg.fill("input[name=password]", password)
    pg.get_by_role("button", name="Log in").click()
    pg.wait_for_url(re.compile(r"/studio/?$"), timeout=30_000)


def test_admin_sets_plan_and_user_is_refused(browser, page, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    env = {"MAXBOOSTER_DATA_DIR": str(running_app.data_dir), "PATH": "/usr/bin:/bin"}
    made = subprocess.run([sys.executable, "-m", "maxbooster.cli", "create-admin", ADMIN_EMAIL, "--password-stdin"],
                          input=ADMIN_PASSWORD + "\n", text=True, capture_output=True, cwd=ROOT, env=env)
    assert made.returncode == 0, made.stderr

    user_page = browser.new_context(base_url=running_app.url).new_page()
    _login(user_page, running_app.demo_email, running_app.demo_password)
    assert user_page.get_by_text("ADMIN").count() == 0  # no admin navigation for a normal user
    user_page.goto("/admin/users")
    user_page.wait_for_url(re.compile(r"/studio/?$"), timeout=30_000)

    _login(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto("/admin/users")
    row = page.get_by_test_id("user-row").filter(has_text=running_app.demo_email)
    row.wait_for(timeout=30_000)
    row.get_by_role("combobox").first.click()
    page.get_by_role("option", name="pro").click()
    page.get_by_text("Plan set to pro").wait_for(timeout=30_000)
    screenshot(page, "admin-users")
    import sqlite3

    with sqlite3.connect(running_app.data_dir / "maxbooster.db") as db:
        plan = db.execute("SELECT plan FROM users WHERE email = ?", (running_app.demo_email,)).fetchone()[0]
        actions = [r[0] for r in db.execute("SELECT action FROM audit_log")]
    assert plan == "pro" and "plan.change" in actions
