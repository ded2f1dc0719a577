"""The social pages in Chromium against the real app (the browser in Europe/Berlin): connect the sandbox
network; compose with live checks (a text over the limit is refused with the count and Post now is off);
post now and see it published once (one SandboxPost row) in the list; schedule another and drag it to the
next day in the calendar (one reschedule, same local time); send a review link and approve through it
signed out (the link then refuses a second use); disconnect with a confirmation. Screenshots of every
social page at 1440 and 390 px: no sideways scroll and no page errors."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from maxbooster import routes
from tests.support.e2e import BERLIN, ROOT, RunningApp, fitting_screenshot, sign_in
from tests.support.e2e import app_db as _db
from tests.support.e2e import new_context as _context

pytestmark = pytest.mark.e2e

OWNER, PASSWORD = "social.artist@example.com", "social pages long password"
TZ = BERLIN


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    fitting_screenshot(page, name, 500)


def _connect_sandbox(page) -> None:  # type: ignore[no-untyped-def]
    page.goto(routes.SOCIAL_ACCOUNTS)
    page.get_by_text("practice network — nothing is really posted").first.wait_for(timeout=30_000)
    page.get_by_label("Sandbox handle").fill("ava")
    page.get_by_test_id("connect-sandbox").click()
    page.get_by_test_id("account-card").first.wait_for(timeout=15_000)
    assert page.get_by_test_id("account-handle").first.inner_text() == "@ava@sandbox"
    assert "Connected" in page.get_by_test_id("account-card").first.inner_text()
    _shot(page, "social-accounts-desktop")


def _compose(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(routes.SOCIAL_NEW)
    page.get_by_test_id("pick-account").first.wait_for(timeout=30_000)
    page.get_by_test_id("check-row").first.wait_for(timeout=15_000)  # one account: chosen already
    page.get_by_test_id("post-text").fill(text)
    page.wait_for_function(f"() => (document.querySelector('[data-testid=char-count]') || {{}}).innerText"
                           f" === '{len(text):,} / 1,000'", timeout=15_000)


def test_connect_compose_publish_reschedule_and_approve(browser, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    env = {"MAXBOOSTER_DATA_DIR": str(running_app.data_dir), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-m", "maxbooster.cli", "create-admin", OWNER, "--password-stdin", "--name",
                    "Ava North"], input=PASSWORD + "\n", text=True, capture_output=True, cwd=ROOT, env=env, check=True)
    context, page = _context(browser, running_app)
    sign_in(page, OWNER, PASSWORD)
    _connect_sandbox(page)
    (account_id,) = _db(running_app, "SELECT a.id FROM social_accounts a JOIN users u ON u.id = a.owner_id WHERE "
                        "a.handle = '@ava@sandbox' AND u.email = ?", OWNER)[0]  # other tests connect an @ava too

    # live validation: over the sandbox's 1,000 characters is shown and nothing can be sent
    _compose(page, "x" * 1003)
    assert "is over the sandbox's limit of 1000 (remove 3)" in page.get_by_test_id("check-problem").inner_text()
    assert page.get_by_test_id("post-now").is_disabled()
    _compose(page, "New single out now! https://example.com/night-drive")
    assert page.get_by_test_id("check-problem").count() == 0
    _shot(page, "social-composer-desktop")
    page.get_by_test_id("post-now").click()
    page.wait_for_url(re.compile(r"/social/?\?day=.*saved=now"), timeout=30_000)
    deadline = time.monotonic() + 60
    while not _db(running_app, "SELECT id FROM social_sandbox_posts WHERE account_id = ?", account_id):
        assert time.monotonic() < deadline, "the post was not published within 60 s"
        time.sleep(1)
    time.sleep(6)  # a later sweep must not publish it again
    assert len(_db(running_app, "SELECT id FROM social_sandbox_posts WHERE account_id = ?", account_id)) == 1
    page.reload()
    page.get_by_role("radio", name="List").click()
    page.get_by_test_id("post-row").first.wait_for(timeout=15_000)
    assert page.get_by_test_id("variant-state").first.inner_text() == "Published"
    _shot(page, "social-list-desktop")

    # a post scheduled for tomorrow 18:00 (Berlin), dragged to the day after: one reschedule, same time
    tomorrow = datetime.now(ZoneInfo(TZ)).date() + timedelta(days=1)
    _compose(page, "Tomorrow's teaser")
    page.locator("#post-day").fill(tomorrow.isoformat())
    page.locator("#post-at").fill("18:00")
    page.get_by_test_id("schedule").click()
    page.wait_for_url(re.compile(rf"day={tomorrow.isoformat()}"), timeout=30_000)
    target = tomorrow + timedelta(days=1)
    chip = page.locator(f"[data-day='{tomorrow.isoformat()}'] [data-testid=post-chip]")
    chip.wait_for(timeout=15_000)
    if target.month != tomorrow.month:  # the month view ends with whole weeks, so the next day may be shown
        assert page.locator(f"[data-day='{target.isoformat()}']").count() == 1
    _shot(page, "social-calendar-month-desktop")
    chip.drag_to(page.locator(f"[data-day='{target.isoformat()}']"))
    page.locator(f"[data-day='{target.isoformat()}'] [data-testid=post-chip]").wait_for(timeout=15_000)
    ((when,),) = _db(running_app, "SELECT scheduled_at FROM social_posts WHERE id IN (SELECT post_id FROM "
                     "social_post_variants WHERE text = ? AND account_id = ?)", "Tomorrow's teaser", account_id)
    moved = datetime.fromisoformat(str(when)).replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(TZ))
    assert (moved.date(), moved.strftime("%H:%M")) == (target, "18:00")
    assert len(_db(running_app, "SELECT action FROM audit_log WHERE action = 'social.post.create'")) >= 2

    # approval through an external link, signed out
    page.locator(f"[data-day='{target.isoformat()}'] [data-testid=post-chip]").click()
    page.get_by_test_id("make-review-link").click()
    link = page.get_by_test_id("review-link")
    link.wait_for(timeout=15_000)
    url = link.input_value()
    assert url.startswith(running_app.url + routes.SOCIAL_REVIEW + "?token=")
    assert "Awaiting approval" in page.get_by_test_id("post-dialog").inner_text()
    _shot(page, "social-post-dialog-desktop")
    page.keyboard.press("Escape")
    visitor, vpage = _context(browser, running_app, "phone")
    vpage.goto(url)
    vpage.get_by_text("Tomorrow's teaser").wait_for(timeout=30_000)
    _shot(vpage, "social-review-phone")
    vpage.get_by_label("Your name").fill("Mia (label)")
    vpage.get_by_test_id("send-review").click()
    vpage.get_by_test_id("review-done").wait_for(timeout=15_000)
    assert _db(running_app, "SELECT h.state, h.decided_by FROM social_post_holds h JOIN users u ON u.id = h.owner_id "
               "WHERE u.email = ?", OWNER) == [
        ("approved", "Mia (label) (review link)")]
    vpage.goto(url)
    vpage.get_by_test_id("review-error").wait_for(timeout=30_000)
    assert "already used" in vpage.get_by_test_id("review-error").inner_text()
    assert vpage.errors == []  # type: ignore[attr-defined]
    visitor.close()

    page.goto(routes.with_query(routes.SOCIAL, day=target.isoformat()))
    page.get_by_role("radio", name="Week").click()
    page.locator(f"[data-day='{target.isoformat()}'] [data-testid=post-chip]").wait_for(timeout=15_000)
    _shot(page, "social-calendar-week-desktop")
    _phone_screenshots(browser, running_app, target)

    # disconnect asks first and deletes the account (tokens with it)
    page.goto(routes.SOCIAL_ACCOUNTS)
    page.get_by_test_id("disconnect").first.click()
    page.get_by_test_id("confirm-disconnect").click()
    # this tab's state may still show the notice of the connect above: wait for the disconnect's own
    page.get_by_test_id("social-notice").filter(has_text="Disconnected").wait_for(timeout=15_000)
    assert page.get_by_test_id("account-card").count() == 0
    assert _db(running_app, "SELECT id FROM social_accounts WHERE id = ?", account_id) == []
    assert page.errors == [], page.errors  # type: ignore[attr-defined]
    context.close()


def _phone_screenshots(browser, app: RunningApp, day: date) -> None:  # type: ignore[no-untyped-def]
    context, page = _context(browser, app, "phone")
    sign_in(page, OWNER, PASSWORD)
    for path, name in ((routes.SOCIAL_ACCOUNTS, "social-accounts-phone"), (routes.SOCIAL_NEW, "social-composer-phone"),
                       (routes.with_query(routes.SOCIAL, day=day.isoformat()), "social-calendar-month-phone")):
        page.goto(path)
        page.locator("main").first.wait_for(timeout=30_000)
        page.wait_for_timeout(1200)
        _shot(page, name)
    page.get_by_role("radio", name="Week").click()
    page.wait_for_timeout(800)
    _shot(page, "social-calendar-week-phone")
    page.get_by_role("radio", name="List").click()
    page.get_by_test_id("post-row").first.wait_for(timeout=15_000)
    _shot(page, "social-list-phone")
    assert page.errors == [], page.errors  # type: ignore[attr-defined]
    context.close()
