"""The campaigns pages in Chromium against the real app (the browser in Europe/Berlin): connect the
sandbox, a baseline of usual posts (published and measured by the real services against the app's
database), create a campaign through the form (a single variant is refused in plain words and nothing is
stored), see its planned slots, let the campaign run (slots filled by Thompson sampling, published on the
sandbox, measured), and read the uplift report: the summary sentence per variant, the charts and the
slots with the variant each got. Screenshots at 1440 and 390 px: no sideways scroll, no page errors."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from maxbooster import routes
from tests.support.e2e import BERLIN, ROOT, RunningApp, fitting_screenshot, sign_in
from tests.support.e2e import app_db as _db
from tests.support.e2e import new_context as _context

pytestmark = pytest.mark.e2e

OWNER, PASSWORD = "campaign.artist@example.com", "campaign pages long password"
TZ = BERLIN


def _env(app: RunningApp) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"}}
    return {**keep, "MAXBOOSTER_DATA_DIR": str(app.data_dir), "APP_URL": app.url, "PYTHONPATH": str(ROOT)}


def _seed(app: RunningApp, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "tests.campaigns.e2e_seed", *args], text=True, capture_output=True,
                          cwd=ROOT, env=_env(app), timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    fitting_screenshot(page, name, 700)


def test_create_a_campaign_run_it_and_read_the_uplift_report(browser, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    env = {"MAXBOOSTER_DATA_DIR": str(running_app.data_dir), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-m", "maxbooster.cli", "create-admin", OWNER, "--password-stdin", "--name",
                    "Cara West"], input=PASSWORD + "\n", text=True, capture_output=True, cwd=ROOT, env=env, check=True)
    context, page = _context(browser, running_app)
    sign_in(page, OWNER, PASSWORD)
    page.goto(routes.CAMPAIGNS)
    page.get_by_test_id("no-campaigns").wait_for(timeout=30_000)
    _shot(page, "campaigns-empty-desktop")

    page.goto(routes.SOCIAL_ACCOUNTS)
    page.get_by_label("Sandbox handle").fill("cara")
    page.get_by_test_id("connect-sandbox").click()
    page.get_by_test_id("account-card").first.wait_for(timeout=15_000)
    ((user_id,),) = _db(running_app, "SELECT id FROM users WHERE email = ?", OWNER)
    _seed(running_app, "baseline", OWNER)

    # the composer: three caption ideas by the built-in writer about the release; one goes into the text;
    # a best-time chip sets the date and time
    page.goto(routes.SOCIAL_NEW)
    page.get_by_test_id("write-captions").wait_for(timeout=30_000)
    page.get_by_test_id("write-captions").click()
    page.get_by_test_id("caption-idea").nth(2).wait_for(timeout=15_000)
    assert page.get_by_test_id("caption-idea").count() == 3
    assert page.get_by_test_id("caption-writer").inner_text() == "Written by the built-in writer"
    idea = page.get_by_test_id("caption-idea").nth(1).locator("p, span").first.inner_text()
    page.get_by_test_id("use-caption").nth(1).click()
    page.wait_for_function("t => document.querySelector('#post-text').value === t", arg=idea, timeout=15_000)
    assert "Night Drive" in idea
    chip = page.get_by_test_id("best-time").first
    chip.wait_for(timeout=15_000)
    assert "common good times" in page.get_by_test_id("best-note").first.inner_text()
    chip.click()
    page.wait_for_timeout(500)
    label = chip.inner_text()  # e.g. "Sat 05 Dec 19:00"
    assert label.endswith(page.locator("#post-at").input_value())
    _shot(page, "social-composer-ai-desktop")

    page.goto(routes.CAMPAIGN_NEW)
    page.get_by_test_id("network-sandbox").wait_for(timeout=30_000)
    assert page.get_by_test_id("network-sandbox").get_attribute("aria-pressed") == "true"  # the only one: chosen
    first = datetime.now(ZoneInfo(TZ)).date() + timedelta(days=1)
    page.get_by_test_id("campaign-name").fill("Night Drive launch")
    page.get_by_test_id("hook-A").fill("A new song.")
    page.get_by_test_id("caption-A").fill("The new single, made in one night.")
    page.locator("#c-start").fill(first.isoformat())
    page.locator("#c-end").fill((first + timedelta(days=3)).isoformat())
    page.locator("#c-per-day").fill("3")
    page.get_by_test_id("create-campaign").click()
    page.get_by_test_id("campaign-error").wait_for(timeout=15_000)
    assert page.get_by_test_id("campaign-error").inner_text() == \
        "Add at least two variants: the campaign learns by comparing them."
    assert _db(running_app, "SELECT id FROM campaigns") == []
    _shot(page, "campaign-create-desktop")

    page.get_by_test_id("hook-B").fill("Out now: stream it here")
    page.get_by_test_id("caption-B").fill("The new single, made in one night.")
    page.get_by_test_id("create-campaign").click()
    page.wait_for_url(re.compile(r"/campaigns/report\?id="), timeout=30_000)
    ((campaign_id, goal),) = _db(running_app, "SELECT id, goal FROM campaigns WHERE owner_id = ?", user_id)
    assert goal == "link_clicks"
    planned = _db(running_app, "SELECT count(*) FROM campaign_slots WHERE campaign_id = ?", campaign_id)[0][0]
    assert planned == 12  # 3 a day on the one sandbox account for 4 days
    page.get_by_test_id("slot-row").first.wait_for(timeout=15_000)
    assert page.get_by_test_id("slot-row").count() == planned
    assert set(page.get_by_test_id("slot-state").all_inner_texts()) == {"Planned"}
    assert "No campaign post has been measured yet" in page.get_by_test_id("report-message").inner_text()

    _seed(running_app, "simulate", str(uuid_of(campaign_id)))
    assert _db(running_app, "SELECT count(*) FROM social_sandbox_posts sp JOIN social_accounts a ON "
               "a.id = sp.account_id WHERE a.owner_id = ?", user_id)[0][0] == 6 + planned  # each posted once
    # a published post's engagement in the post dialog: latest counts (marked simulated) and readings
    page.goto(routes.with_query(routes.SOCIAL, day=first.isoformat()))
    page.get_by_role("radio", name="List").click()
    row = page.get_by_test_id("post-row").filter(has_text="Out now: stream it here").first
    row.wait_for(timeout=30_000)
    row.get_by_role("button", name="Open").click()
    dialog = page.get_by_test_id("post-dialog")
    dialog.get_by_test_id("show-engagement").first.click()
    dialog.get_by_test_id("engagement-counts").wait_for(timeout=15_000)
    counts = dialog.get_by_test_id("engagement-counts").inner_text()
    assert "Reach" in counts and "Link clicks" in counts and "Likes" in counts
    assert dialog.get_by_test_id("simulated").is_visible()
    _shot(page, "social-post-engagement-desktop")
    page.keyboard.press("Escape")

    page.goto(routes.campaign_report_page(uuid_of(campaign_id)))
    page.get_by_test_id("report-summary").wait_for(timeout=30_000)
    summary = page.get_by_test_id("report-summary").inner_text()
    assert re.search(r"Variant B gets \d+\.\d smart-link clicks per 1,000 people reached \(between \d+\.\d and "
                     r"\d+\.\d\); your usual posts got none\.", summary), summary
    assert page.get_by_test_id("rate-chart").locator(".recharts-bar-rectangle").count() >= 2
    rows = page.get_by_test_id("slot-row")
    assert rows.count() == planned
    states = page.get_by_test_id("slot-state").all_inner_texts()  # the posts' own state, not the slot's "scheduled"
    assert len(states) == planned and all(s.startswith("Published") for s in states), states
    _shot(page, "campaign-report-desktop")

    page.goto(routes.CAMPAIGNS)
    page.get_by_test_id("campaign-row").first.wait_for(timeout=30_000)
    assert "Night Drive launch" in page.get_by_test_id("campaign-row").first.inner_text()
    _shot(page, "campaigns-list-desktop")
    assert page.errors == [], page.errors  # type: ignore[attr-defined]
    context.close()

    phone, ppage = _context(browser, running_app, "phone")
    sign_in(ppage, OWNER, PASSWORD)
    for path, name, ready in ((routes.SOCIAL_NEW, "social-composer-ai-phone", "write-captions"),
                              (routes.CAMPAIGNS, "campaigns-list-phone", "campaign-row"),
                              (routes.CAMPAIGN_NEW, "campaign-create-phone", "network-sandbox"),
                              (routes.campaign_report_page(uuid_of(campaign_id)), "campaign-report-phone",
                               "report-summary")):
        ppage.goto(path)
        ppage.get_by_test_id(ready).first.wait_for(timeout=30_000)
        _shot(ppage, name)
    assert ppage.errors == [], ppage.errors  # type: ignore[attr-defined]
    phone.close()


def uuid_of(raw: object) -> str:
    """SQLite stores the ids as 32 hex digits."""
    import uuid

    return str(uuid.UUID(str(raw)))
