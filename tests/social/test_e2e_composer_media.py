"""The composer's library panels in Chromium against the real app and its worker: an excerpt past the end
of the track is refused with what to change (no audiogram stored); a good one renders with its progress
shown and is attached when ready; a release's smart link is added tagged for the network, shown in the
account's preview and counted in its length; Post now publishes the text with the link and the video.
The smart-link page opened from the post carries the post's utm_source on its buttons. Screenshots at
1440 and 390 px: no sideways scroll and no page errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest

from maxbooster import routes
from tests.support.e2e import BERLIN, ROOT, RunningApp, fitting_screenshot, sign_in
from tests.support.e2e import app_db as _db
from tests.support.e2e import new_context as _context

pytestmark = pytest.mark.e2e

OWNER, PASSWORD = "composer.media@example.com", "composer media long password"
TZ = BERLIN


def _seed(app: RunningApp) -> str:
    keep = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"}}
    env = {**keep, "MAXBOOSTER_DATA_DIR": str(app.data_dir), "APP_URL": app.url, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "tests.social.e2e_composer_seed", OWNER], text=True,
                          capture_output=True, cwd=ROOT, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    fitting_screenshot(page, name, 600)


def test_make_an_audiogram_link_a_release_and_post(browser, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    env = {"MAXBOOSTER_DATA_DIR": str(running_app.data_dir), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-m", "maxbooster.cli", "create-admin", OWNER, "--password-stdin", "--name",
                    "Ava Stone"], input=PASSWORD + "\n", text=True, capture_output=True, cwd=ROOT, env=env, check=True)
    slug = _seed(running_app)
    context, page = _context(browser, running_app)
    sign_in(page, OWNER, PASSWORD)
    page.goto(routes.SOCIAL_ACCOUNTS)
    page.get_by_label("Sandbox handle").fill("ava")
    page.get_by_test_id("connect-sandbox").click()
    page.get_by_test_id("account-card").first.wait_for(timeout=15_000)

    page.goto(routes.SOCIAL_NEW)
    page.get_by_test_id("check-row").first.wait_for(timeout=30_000)  # one account: chosen already
    assert page.get_by_test_id("media-choice").all_inner_texts() == ["Cover of Night Drive"]
    page.get_by_test_id("post-text").fill("Night Drive is out now.")
    page.get_by_test_id("gram-track").wait_for(timeout=15_000)
    assert page.get_by_test_id("gram-track").locator("option").all_inner_texts() == ["Midnight Drive (0:12)"]
    assert page.get_by_test_id("gram-length").input_value() == "12"  # 30 s would not fit this track

    # bad input: the excerpt runs past the end of the 12 s track; said so, nothing stored
    page.get_by_test_id("gram-start").fill("8")
    page.get_by_test_id("gram-length").fill("6")
    page.get_by_test_id("make-gram").click()
    page.get_by_test_id("gram-error").wait_for(timeout=15_000)
    assert page.get_by_test_id("gram-error").inner_text() == (
        "The excerpt 8–14 s runs past the end of the track (12.0 s); start earlier or make it shorter.")
    assert _db(running_app, "SELECT id FROM social_audiograms") == []

    page.get_by_test_id("gram-start").fill("2")
    page.get_by_test_id("gram-length").fill("4")
    page.get_by_test_id("gram-shape").select_option("square")
    page.get_by_test_id("make-gram").click()
    page.get_by_test_id("gram-progress").wait_for(timeout=15_000)
    _shot(page, "social-composer-audiogram-progress-desktop")
    chosen = page.locator("[data-testid=media-choice][aria-pressed=true]")
    chosen.wait_for(timeout=180_000)
    assert chosen.inner_text() == "Audiogram of Midnight Drive (square)"
    assert _db(running_app, "SELECT status FROM social_audiograms") == [("ready",)]

    # a release's smart link, tagged for the sandbox, in the account's preview and its count
    page.get_by_test_id("post-release").select_option(label=f"Night Drive (/r/{slug})")
    # the preview shows the text alone at once: wait for the link to join it
    page.get_by_test_id("check-preview").filter(has_text="utm_source=sandbox").wait_for(timeout=15_000)
    preview = page.get_by_test_id("check-preview").inner_text()
    text, link = preview.split("\n\n")
    assert text == "Night Drive is out now." and urlsplit(link).path == routes.smart_link_page(slug)
    assert parse_qs(urlsplit(link).query) == {"utm_source": ["sandbox"], "utm_medium": ["social"],
                                              "utm_campaign": [slug]}
    assert page.get_by_test_id("char-count").inner_text() == f"{len(preview):,} / 1,000"
    _shot(page, "social-composer-media-desktop")
    page.get_by_test_id("post-now").click()
    page.wait_for_url(re.compile(r"/social/?\?day=.*saved=now"), timeout=30_000)
    ((posted, media),) = _db(running_app, "SELECT v.text, v.media FROM social_post_variants v JOIN social_posts p ON "
                             "p.id = v.post_id JOIN users u ON u.id = p.owner_id WHERE u.email = ?", OWNER)
    assert posted == preview and [m["kind"] for m in json.loads(media)] == ["audiogram"]

    # the link as a listener opens it from the post: its buttons carry the network on
    page.goto(link)
    button = page.get_by_role("link", name=re.compile("Spotify"))
    button.wait_for(timeout=30_000)
    assert parse_qs(urlsplit(button.get_attribute("href") or "").query) == {"utm_source": ["sandbox"]}
    assert page.errors == [], page.errors  # type: ignore[attr-defined]
    context.close()

    phone, ppage = _context(browser, running_app, "phone")
    sign_in(ppage, OWNER, PASSWORD)
    for path, name, ready in ((routes.SOCIAL_NEW, "social-composer-media-phone", "gram-track"),
                              (routes.SOCIAL_ACCOUNTS, "social-accounts-followers-phone", "account-card")):
        ppage.goto(path)
        ppage.get_by_test_id(ready).first.wait_for(timeout=30_000)
        _shot(ppage, name)
    assert ppage.errors == [], ppage.errors  # type: ignore[attr-defined]
    phone.close()
