"""The landing page a logged-out visitor sees, in real Chromium against the built app."""

from __future__ import annotations

import re
import subprocess

import httpx
import pytest

from tests.support.e2e import ROOT, RunningApp, screenshot

pytestmark = pytest.mark.e2e


def test_landing_page_renders_without_console_errors(page, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    page.get_by_text("Your whole music career in one studio.").wait_for(timeout=30_000)
    assert page.title() == "Music career studio · Max Booster"
    assert page.get_by_role("link", name="Start free").first.is_visible()
    page.wait_for_timeout(1000)
    assert page.console_errors == []
    assert screenshot(page, "landing").stat().st_size > 10_000


def test_signed_in_visitor_is_offered_the_studio(page, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.fill("input[name=email]", running_app.demo_email)
    page.fill("input[name=password]", running_app.demo_password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/studio/?$"), timeout=30_000)
    page.goto("/")
    page.get_by_role("link", name="Open studio").first.wait_for(timeout=30_000)
    assert page.get_by_role("link", name="Start free").count() == 0
    assert page.get_by_role("link", name="Log in").count() == 0


def test_ready_endpoint_reports_worker(running_app: RunningApp) -> None:
    body = httpx.get(f"{running_app.url}/api/health/ready").json()
    assert body["ready"] is True and body["checks"]["worker"]["ok"] is True


def test_signed_out_visitor_is_sent_to_login(page, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    page.goto("/jobs")
    page.wait_for_url(re.compile(r"/login/?(\?.*)?$"), timeout=30_000)


def test_running_the_app_leaves_the_tracked_lock_files_alone(running_app: RunningApp) -> None:
    """`./mb run` builds the frontend; the committed reflex.lock must come out unchanged."""
    changed = subprocess.run(["git", "status", "--porcelain", "--", "reflex.lock", "rxconfig.py"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
    assert changed == ""
