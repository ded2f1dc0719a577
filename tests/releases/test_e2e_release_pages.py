"""The release pages in Chromium against the real app (worker included): start a release, fill it in
(every field saves by itself; a reload shows what was typed), the store-style rule offers "Move it" and
moves the featured artist out of the title, a track from a finished master of the library, a cover too
small (the finding is shown) then a good one, codes from prefixes set in the page, check, submit to the
delivery folder until "Delivered", take it down until "Taken down". The smart link is set and a fan's
emailed unsubscribe link works (twice) while a damaged one changes nothing. The same release's money:
a collaborator invited at 30 % accepts from the emailed link, a statement for the allocated ISRC is
imported, and both see their earnings. Screenshots of the list, the
editor and the check view at 1440 and 390 px; nothing scrolls sideways on a phone; no page errors."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from maxbooster import routes
from tests.e2e.test_every_page import _axe
from tests.releases.support import image_bytes, in_days
from tests.royalties import test_e2e_royalty_pages as royalty_pages
from tests.support.e2e import ROOT, RunningApp, screenshot, sign_in
from tests.support.library import music_bytes

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "release.artist@example.com", "release artist long password"


def _artist(app: RunningApp) -> dict[str, str]:
    """A confirmed artist on the Pro plan (lossless masters); bearer headers for the REST API."""
    env = {"MAXBOOSTER_DATA_DIR": str(app.data_dir), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-m", "maxbooster.cli", "create-admin", EMAIL, "--password-stdin",
                    "--name", "Ava North"], input=PASSWORD + "\n", text=True, capture_output=True, cwd=ROOT,
                   env=env, check=True)
    with sqlite3.connect(app.data_dir / "maxbooster.db") as db:
        db.execute("UPDATE users SET plan = 'pro' WHERE email = ?", (EMAIL,))
    token = httpx.post(f"{app.url}{routes.V1_TOKEN}", json={"email": EMAIL, "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def _wait(url: str, auth: dict[str, str], done: str, what: str, timeout_s: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        body = httpx.get(url, headers=auth, timeout=30).json()
        if body["status"] == done:
            return body
        assert body["status"] != "failed", body
        assert time.monotonic() < deadline, f"{what} not {done} in time: {body['status']}"
        time.sleep(1)


def _mastered_track(app: RunningApp, auth: dict[str, str]) -> str:
    """A 32 s song uploaded and processed (a ready library track), then mastered for Spotify."""
    made = httpx.post(f"{app.url}{routes.V1_TRACKS}", headers=auth, timeout=60, files={
        "file": ("Night Drive.wav", music_bytes("WAV", seconds=32, seed=41, level=0.2, subtype="PCM_24"))}).json()
    track_id = made["track"]["id"]
    _wait(f"{app.url}{routes.V1_TRACK.format(track_id=track_id)}", auth, "ready", "the upload")
    [master] = httpx.post(f"{app.url}{routes.V1_TRACK_MASTERS.format(track_id=track_id)}", headers=auth,
                          json={"presets": ["spotify"]}, timeout=60).json()
    _wait(f"{app.url}{routes.V1_MASTER.format(master_id=master['id'])}", auth, "ready", "the master")
    return str(master["id"])


def _stored(app: RunningApp, auth: dict[str, str], release_id: str) -> dict[str, Any]:
    return httpx.get(f"{app.url}{routes.V1_RELEASE.format(release_id=release_id)}", headers=auth).json()


def _until(check: Any, what: str, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.25)


def _type(page, selector: str, text: str) -> None:  # type: ignore[no-untyped-def]
    page.fill(selector, text)
    page.locator(selector).blur()


def _fits(page) -> None:  # type: ignore[no-untyped-def]
    """No sideways scroll, and no serious or critical axe-core finding."""
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert _axe(page) == []


def test_release_from_draft_to_taken_down(browser, running_app: RunningApp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = running_app
    auth = _artist(app)
    _mastered_track(app, auth)
    context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=app.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    sign_in(page, EMAIL, PASSWORD)

    page.goto(routes.RELEASES)
    page.get_by_text("No releases yet").wait_for(timeout=30_000)
    page.get_by_test_id("new-release").click()
    page.fill("#new-release-title", "Night Drive (feat. Bo)")
    page.get_by_test_id("create-release").click()
    page.wait_for_url(re.compile(r"/releases/[0-9a-f-]{36}/?$"), timeout=30_000)
    release_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    page.locator("#rel-title").wait_for(timeout=30_000)

    # Every field saves by itself (on typing and on leaving the field).
    page.get_by_test_id("add-artist").click()
    _type(page, "[aria-label='Artist name'] >> nth=0", "Ava North")
    for selector, text in (("#rel-label", "North Records"), ("#rel-genre", "Electronic"),
                           ("#rel-release_date", str(in_days(30))), ("#rel-p_year", "2026"),
                           ("#rel-p_owner", "North Records"), ("#rel-c_year", "2026"),
                           ("#rel-c_owner", "North Records")):
        _type(page, selector, text)
    page.select_option("#rel-price_tier", "front")
    _until(lambda: _stored(app, auth, release_id)["price_tier"] == "front" and
           _stored(app, auth, release_id)["c_owner"] == "North Records", "the fields were saved")
    stored = _stored(app, auth, release_id)
    assert (stored["label"], stored["genre"], stored["release_date"], stored["p_year"]) == \
        ("North Records", "Electronic", str(in_days(30)), 2026)
    assert stored["artists"] == [{"name": "Ava North", "role": "primary"}]
    _until(lambda: page.get_by_test_id("save-state").inner_text() == "Saved", "the indicator says Saved")

    # The style rule: "feat." in the title; "Move it" moves Bo into the artists.
    hint = page.get_by_test_id("style-hint-release")
    assert "feat." in hint.inner_text()
    page.get_by_test_id("move-it-release").click()
    _until(lambda: _stored(app, auth, release_id)["title"] == "Night Drive", "Move it")
    assert _stored(app, auth, release_id)["artists"][1] == {"name": "Bo", "role": "featured"}
    hint.wait_for(state="detached", timeout=10_000)
    assert page.locator("#rel-title").input_value() == "Night Drive"

    # Typing alone saves too (no need to leave the field): the change goes out once typing pauses.
    page.locator("#rel-subgenre").press_sequentially("Synthwave", delay=40)
    _until(lambda: _stored(app, auth, release_id)["subgenre"] == "Synthwave", "a save while typing")

    # A reload shows exactly what was saved.
    page.reload()
    page.locator("#rel-title").wait_for(timeout=30_000)
    assert page.locator("#rel-title").input_value() == "Night Drive"
    assert page.locator("#rel-label").input_value() == "North Records"
    assert page.locator("#rel-subgenre").input_value() == "Synthwave"
    assert page.locator("#rel-release_date").input_value() == str(in_days(30))
    assert page.locator("#rel-price_tier").input_value() == "front"
    assert [page.locator("[aria-label='Artist name']").nth(i).input_value() for i in range(2)] == ["Ava North", "Bo"]

    # A cover too small: the finding says so; a 3000×3000 JPEG replaces it.
    upload = page.get_by_test_id("artwork-uploader").locator("input[type=file]")
    upload.set_input_files(files=[{"name": "small.jpg", "mimeType": "image/jpeg",
                                   "buffer": image_bytes((1000, 1000))}])
    finding = page.get_by_test_id("artwork-finding")
    finding.wait_for(timeout=30_000)
    assert "1000×1000" in finding.inner_text() and "3000" in finding.inner_text()
    screenshot(page, "releases-editor-desktop")
    upload.set_input_files(files=[{"name": "cover.jpg", "mimeType": "image/jpeg", "buffer": image_bytes()}])
    finding.wait_for(state="detached", timeout=30_000)
    assert _stored(app, auth, release_id)["artwork"]["width"] == 3000

    # A track from the finished master, with its composer.
    page.get_by_role("tab", name="Tracks").click()
    page.get_by_test_id("add-tracks").click()
    page.get_by_test_id("add-master").first.click()
    page.get_by_test_id("release-track").wait_for(timeout=30_000)
    page.get_by_role("button", name="Add credit").click()
    _type(page, "[aria-label='Credit name'] >> nth=0", "Ava North")
    _until(lambda: _stored(app, auth, release_id)["tracks"][0]["contributors"] ==
           [{"name": "Ava North", "role": "composer"}], "the composer credit")
    screenshot(page, "releases-tracks-desktop")

    # Check, codes (the prefixes are asked for first), check again, submit, delivered.
    page.get_by_role("tab", name="Check & send").click()
    page.get_by_test_id("check-release").click()
    assert "to fix" in page.get_by_test_id("check-summary").inner_text(timeout=60_000)
    assert page.get_by_test_id("submit").is_disabled()
    assert "no UPC" in page.get_by_test_id("finding-group").filter(has_text="Codes").inner_text()
    page.get_by_test_id("get-codes").click()
    page.fill("#code-isrc_country", "US")
    page.fill("#code-isrc_registrant", "MB1")
    page.fill("#code-gs1_prefix", "0614141")
    page.get_by_test_id("save-prefixes").click()
    page.get_by_test_id("save-prefixes").wait_for(state="detached", timeout=10_000)
    page.get_by_test_id("get-codes").click()
    _until(lambda: page.get_by_test_id("isrc").first.inner_text().startswith("US-MB1-"), "an ISRC on the page")
    assert _stored(app, auth, release_id)["upc"] == "0614141000012"
    page.get_by_test_id("check-release").click()
    _until(lambda: page.get_by_test_id("check-summary").inner_text().startswith("Ready to submit"), "a clean check",
           timeout_s=60)
    screenshot(page, "releases-check-desktop")
    page.get_by_test_id("submit").click()
    state = page.get_by_test_id("delivery-state").first
    _until(lambda: state.inner_text() == "Delivered", "delivered to the folder", timeout_s=180)
    assert page.get_by_test_id("locked").is_visible()  # delivered: details can't change now
    with sqlite3.connect(app.data_dir / "maxbooster.db") as db:
        [batches] = db.execute("SELECT batches FROM deliveries WHERE release_id = ?",  # other tests share the app
                               (uuid.UUID(release_id).hex,)).fetchone()
    assert json.loads(batches)[0]["schema_validated"] is True  # the ERN message passed DDEX's XSD
    screenshot(page, "releases-delivered-desktop")

    page.get_by_test_id("take-down").click()
    page.get_by_test_id("confirm-take-down").click()
    _until(lambda: state.inner_text() == "Taken down", "taken down", timeout_s=180)
    assert _stored(app, auth, release_id)["deliveries"][0]["state"] == "taken_down"

    # The smart link: set it, see its numbers, open the public page.
    page.get_by_role("tab", name="Smart link").click()
    page.fill("#link-slug", "night-drive-ui")
    page.fill("#link-spotify", "https://open.spotify.com/album/ui")
    page.get_by_test_id("save-link").click()
    page.get_by_test_id("open-link").wait_for(timeout=15_000)
    assert page.get_by_test_id("fans-csv").get_attribute("href") == \
        routes.V1_RELEASE_SMART_LINK_FANS.format(release_id=release_id)

    page.goto(routes.RELEASES)
    row = page.get_by_test_id("release-row")
    row.wait_for(timeout=30_000)
    assert "Night Drive" in row.inner_text() and "Taken down" in row.inner_text()
    screenshot(page, "releases-list-desktop")
    _royalties_of_the_release(browser, app, page, auth, release_id, tmp_path)
    assert errors == []
    context.close()
    _phone(browser, app, release_id)
    _unsubscribe(browser, app)


COLLAB = "mo.mixer@example.com"


def _royalties_of_the_release(browser, app: RunningApp, page, auth: dict[str, str],  # type: ignore[no-untyped-def]
                              release_id: str, tmp_path: Path) -> None:
    """The same release's money: a collaborator invited at 30 % accepts from the emailed link, a
    distributor statement for the ISRC we allocated is imported, and both see their earnings."""
    track = _stored(app, auth, release_id)["tracks"][0]
    isrc = track["isrc"].replace("-", "")
    page.goto(routes.ROYALTY_SPLITS)
    page.get_by_role("button", name=f"Edit the split of {track['title']}").click()
    rows = page.get_by_test_id("split-row")
    rows.first.wait_for(timeout=30_000)
    rows.nth(0).get_by_label("Share in percent").fill("70")
    rows.nth(1).get_by_label("Collaborator email").fill(COLLAB)
    rows.nth(1).get_by_label("Share in percent").fill("30")
    page.get_by_role("button", name="Save and send invitations").click()
    page.get_by_role("dialog").wait_for(state="detached", timeout=15_000)

    # The collaborator (an account of their own) opens the link from the email and accepts.
    env = {"MAXBOOSTER_DATA_DIR": str(app.data_dir), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-m", "maxbooster.cli", "create-admin", COLLAB, "--password-stdin",
                    "--name", "Mo Mixer"], input=PASSWORD + "\n", text=True, capture_output=True, cwd=ROOT,
                   env=env, check=True)
    link = royalty_pages._mail_link(app, COLLAB, routes.ROYALTY_INVITE)
    theirs = browser.new_context(viewport={"width": 390, "height": 844}, base_url=app.url)
    other = theirs.new_page()
    sign_in(other, COLLAB, PASSWORD)
    other.goto(link)
    offer = other.get_by_test_id("invite-offer")
    offer.wait_for(timeout=30_000)
    assert "30 %" in offer.inner_text() and track["title"] in offer.inner_text()
    accept = other.get_by_role("button", name="Accept my share")
    other.wait_for_function("() => !document.evaluate(\"//button[.='Accept my share']\", document, null, 9, null)"
                            ".singleNodeValue.disabled", timeout=30_000)
    accept.click()
    other.get_by_test_id("invite-answered").wait_for(timeout=15_000)

    # A statement for the allocated ISRC: 10.00 earned, 7.00 to the artist and 3.00 to the collaborator.
    statement = tmp_path / "statement.csv"
    statement.write_text("isrc,period,store,territory,units,amount,currency\n"
                         f"{isrc},2026-11,Spotify,DE,1520,8.00,USD\n{isrc},2026-11,Apple Music,FR,300,2.00,USD\n")
    page.goto(routes.ROYALTY_STATEMENTS)
    uploader = page.get_by_test_id("statement-uploader").locator("input[type=file]")
    uploader.wait_for(state="attached", timeout=30_000)
    uploader.set_input_files(str(statement))
    page.get_by_test_id("import-report").wait_for(timeout=30_000)
    assert "Credited 2" in re.sub(r"\s+", " ", page.get_by_test_id("import-report").inner_text())
    page.goto(routes.EARNINGS)
    page.get_by_test_id("balance-row").first.wait_for(timeout=30_000)
    mine = royalty_pages._balances(page, "my-earnings")
    assert len(mine) == 1 and "USD 7.00" in mine[0]
    catalogue = royalty_pages._balances(page, "catalogue-earnings")
    assert any(COLLAB in row or "Mo Mixer" in row for row in catalogue if "USD 3.00" in row), catalogue
    other.goto(routes.EARNINGS)
    other.get_by_test_id("balance-row").first.wait_for(timeout=30_000)
    theirs_now = royalty_pages._balances(other, "my-earnings")
    assert len(theirs_now) == 1 and "USD 3.00" in theirs_now[0]
    screenshot(other, "releases-royalties-collaborator-phone")
    theirs.close()


def _phone(browser, app: RunningApp, release_id: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=app.url,
                                  bypass_csp=True)  # for axe-core's injected script
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, EMAIL, PASSWORD)
    page.goto(routes.RELEASES)
    page.get_by_test_id("release-row").wait_for(timeout=30_000)
    _fits(page)
    screenshot(page, "releases-list-phone")
    page.goto(routes.release_page(release_id))
    page.locator("#rel-title").wait_for(timeout=30_000)
    _fits(page)
    screenshot(page, "releases-editor-phone")
    for tab, name in (("Tracks", "tracks"), ("Check & send", "check"), ("Smart link", "link")):
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(400)
        _fits(page)
        screenshot(page, f"releases-{name}-phone")
    assert errors == []
    context.close()


FAN = "night.drive.fan@example.com"  # other tests share the app: everything looked up is this fan's


def _unsubscribe(browser, app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    """A fan signs up on the smart link and confirms; the unsubscribe link in the email works, twice."""
    sent = httpx.post(f"{app.url}{routes.V1_SMART_LINK_FANS.format(slug='night-drive-ui')}",
                      json={"email": FAN, "consent": True})
    assert sent.status_code == 202, sent.text
    with sqlite3.connect(app.data_dir / "maxbooster.db") as db:
        [body] = db.execute("SELECT text_body FROM email_outbox WHERE to_addr = ?", (FAN,)).fetchone()
    confirm, unsubscribe = re.findall(r"https?://\S+", body)
    assert httpx.get(confirm, follow_redirects=False).status_code == 303
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=app.url)
    page = context.new_page()
    page.goto(unsubscribe)
    page.get_by_text("Stop these emails?").wait_for(timeout=30_000)  # opening the link only asks
    with sqlite3.connect(app.data_dir / "maxbooster.db") as db:
        assert db.execute("SELECT count(*) FROM smart_link_fans WHERE email = ?", (FAN,)).fetchone() == (1,)
    page.get_by_test_id("unsubscribe-confirm").click()
    page.get_by_text("You're unsubscribed").wait_for(timeout=30_000)
    assert "Ava North" in page.get_by_test_id("unsubscribe-message").inner_text()
    page.goto(unsubscribe)  # the same link again: the same answer, nothing left to remove
    page.get_by_text("You're unsubscribed").wait_for(timeout=30_000)
    screenshot(page, "releases-unsubscribed-phone")
    page.goto(unsubscribe[:-4])
    page.get_by_text("This unsubscribe link doesn't work").wait_for(timeout=30_000)
    assert "nothing was changed" in page.get_by_test_id("unsubscribe-message").inner_text()
    with sqlite3.connect(app.data_dir / "maxbooster.db") as db:
        assert db.execute("SELECT count(*) FROM smart_link_fans WHERE email = ?", (FAN,)).fetchone() == (0,)
    context.close()
