"""Job monitor: a job started from the page shows live progress and ends done."""

from __future__ import annotations

import re

import pytest

from tests.support.e2e import RunningApp, screenshot

pytestmark = pytest.mark.e2e


def test_self_test_job_progresses_live(page, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.fill("input[name=email]", running_app.demo_email)
    page.fill("input[name=password]", running_app.demo_password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/studio/?$"), timeout=30_000)
    page.goto("/jobs")
    page.get_by_role("button", name="Run self-test").click()
    row = page.get_by_test_id("job-row").first
    row.get_by_text("Running", exact=True).wait_for(timeout=60_000)  # picked up by the real worker
    seen = set()
    for _ in range(60):  # the bar moves while the page is open (no reload)
        seen.add(row.get_by_role("progressbar").get_attribute("aria-valuenow") or "")
        if row.get_by_text("Done", exact=True).count():
            break
        page.wait_for_timeout(500)
    row.get_by_text("Done", exact=True).wait_for(timeout=30_000)
    assert len(seen - {""}) >= 2, f"progress never moved live: {seen}"
    screenshot(page, "jobs")
    assert page.console_errors == []
