"""The landing page a logged-out visitor sees, in real Chromium against the built app."""

from __future__ import annotations

import re

import httpx

from tests.e2e.conftest import RunningApp, screenshot


def test_landing_page_renders_without_console_errors(page, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    page.get_by_text("Your whole music career in one studio.").wait_for(timeout=30_000)
    assert page.title() == "Music career studio · Max Booster"
    assert page.get_by_role("link", name="Create account").first.is_visible()
    page.wait_for_timeout(1000)
    assert page.console_errors == []
    assert screenshot(page, "landing").stat().st_size > 10_000


def test_ready_endpoint_reports_worker(running_app: RunningApp) -> None:
    body = httpx.get(f"{running_app.url}/api/health/ready").json()
    assert body["ready"] is True and body["checks"]["worker"]["ok"] is True


def test_signed_out_visitor_is_sent_to_login(page, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    page.goto("/jobs")
    page.wait_for_url(re.compile(r"/login/?(\?.*)?$"), timeout=30_000)
