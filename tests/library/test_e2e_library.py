"""The artist's first session: drop a WAV on the Library, see it processed and its waveform drawn,
open it, play it, master it for Spotify, switch A/B at the same position, download the 24-bit
WAV and measure it with an independent meter (pyloudnorm): −14 ±0.3 LUFS."""

from __future__ import annotations

import io
import re
import sqlite3
import subprocess
import sys

import httpx
import numpy as np
import pyloudnorm
import pytest
import soundfile as sf

from tests.support.e2e import ROOT, RunningApp, screenshot, sign_in
from tests.support.library import music_bytes

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "library.artist@example.com", "library artist long password"


def _pro_artist(app: RunningApp) -> None:
    """A signed-up, confirmed artist on the Pro plan (24-bit downloads are a Pro format)."""
    env = {"MAXBOOSTER_DATA_DIR": str(app.data_dir), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-m", "maxbooster.cli", "create-admin", EMAIL, "--password-stdin",
                    "--name", "Library Artist"], input=PASSWORD + "\n", text=True, capture_output=True, cwd=ROOT,
                   env=env, check=True)
    with sqlite3.connect(app.data_dir / "maxbooster.db") as db:
        db.execute("UPDATE users SET plan = 'pro' WHERE email = ?", (EMAIL,))




def _drop(page, name: str, data: bytes) -> None:  # type: ignore[no-untyped-def]
    """Drop a file on the Library's drop zone, as a browser drag-and-drop does."""
    page.get_by_role("button", name=re.compile("Drop audio files here")).evaluate("""(zone, [name, bytes]) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], name, {type: 'audio/wav'}));
        for (const type of ['dragenter', 'dragover', 'drop'])
            zone.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: dt}));
    }""", [name, list(data)])


def _audio_time(page, which: str) -> float:  # type: ignore[no-untyped-def]
    return float(page.evaluate(
        f"document.querySelector('[data-testid=track-player] audio[data-version={which}]').currentTime"))


def test_drop_process_play_master_compare_download(page, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    _pro_artist(running_app)
    sign_in(page, EMAIL, PASSWORD)

    page.goto("/library")
    page.get_by_text("Your library is empty").wait_for(timeout=30_000)
    song = music_bytes("WAV", seconds=20, seed=11, level=0.25)
    _drop(page, "First Song.wav", song)
    page.locator("[data-testid=uploader] li[data-status=added]").wait_for(timeout=60_000)
    card = page.get_by_test_id("track-card").first
    card.get_by_text("Ready").wait_for(timeout=60_000)  # processed by the real worker
    canvas = card.locator("canvas")
    canvas.wait_for(timeout=30_000)
    page.wait_for_function("""() => { const c = document.querySelector('[data-testid=track-card] canvas');
        if (!c) return false; const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return true; return false; }""", timeout=30_000)
    screenshot(page, "library")

    card.get_by_test_id("track-title").click()
    page.wait_for_url(re.compile(r"/library/[0-9a-f-]{36}/?$"), timeout=30_000)
    player = page.get_by_test_id("track-player")
    player.get_by_role("button", name="Play").click()
    page.wait_for_timeout(1500)
    assert _audio_time(page, "a") > 0.5  # the audio element plays through our media URL
    player.get_by_role("button", name="Pause").click()

    page.get_by_test_id("start-master").click()  # Spotify is picked by default
    version = page.get_by_test_id("master-version").first
    version.get_by_role("columnheader", name="After").wait_for(timeout=120_000)
    loudness_row = version.get_by_role("row").filter(has_text="Loudness").first.inner_text()
    shown_after = float(re.findall(r"(-?\d+\.\d+) LUFS", loudness_row)[-1])
    assert abs(shown_after + 14.0) <= 0.1, loudness_row  # the page shows the engine's figure
    screenshot(page, "track-mastered")

    # A/B: the master is loaded as B; switching keeps the playhead
    player.get_by_role("button", name="Play").click()
    page.wait_for_timeout(1200)
    before = _audio_time(page, "a")
    player.get_by_role("button", name="Master", exact=True).click()
    page.wait_for_timeout(100)
    after = _audio_time(page, "b")
    assert abs(after - (before + 0.1)) < 0.2, (before, after)
    player.get_by_role("button", name="Pause").click()

    link = version.get_by_test_id("download-wav24")
    link.wait_for(timeout=60_000)
    href = link.get_attribute("href") or ""
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    reply = httpx.get(running_app.url + href, cookies=cookies, follow_redirects=True, timeout=60)
    assert reply.status_code == 200 and "attachment" in reply.headers["content-disposition"]
    x, rate = sf.read(io.BytesIO(reply.content))
    assert sf.info(io.BytesIO(reply.content)).subtype == "PCM_24" and rate == 44100
    lufs = pyloudnorm.Meter(rate).integrated_loudness(x)
    assert abs(lufs + 14.0) <= 0.3, lufs
    assert 20 * np.log10(np.max(np.abs(x))) <= -1.0 + 0.01
    stranger = httpx.get(running_app.url + href, timeout=30)  # the link is tied to its owner
    assert stranger.status_code == 404
    assert page.console_errors == []


def _titles(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.strip() for t in page.get_by_test_id("track-title").all_inner_texts()]


def test_find_sort_edit_and_delete_tracks_and_see_their_jobs(browser, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    """Three songs (via the API, as another device would); then the Library page: search, sort,
    rename inline, delete with confirmation (space given back), and their jobs on the Jobs page."""
    email, password = "library.organiser@example.com", "library organiser long password"
    env = {"MAXBOOSTER_DATA_DIR": str(running_app.data_dir), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-m", "maxbooster.cli", "create-admin", email, "--password-stdin"],
                   input=password + "\n", text=True, capture_output=True, cwd=ROOT, env=env, check=True)
    token = httpx.post(f"{running_app.url}/api/v1/auth/token", json={"email": email, "password": password}).json()
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    for name, seconds in (("Blue Hour.wav", 4), ("Amber Lights.wav", 6), ("Cold Water.wav", 5)):
        made = httpx.post(f"{running_app.url}/api/v1/tracks", headers=auth, timeout=60,
                          files={"file": (name, music_bytes("WAV", seconds=seconds, seed=seconds))})
        assert made.status_code == 201, made.text

    ctx = browser.new_context(viewport={"width": 1366, "height": 860}, base_url=running_app.url)
    page = ctx.new_page()
    sign_in(page, email, password)
    page.goto("/library")
    page.get_by_test_id("track-card").nth(2).wait_for(timeout=30_000)
    page.wait_for_function("document.querySelectorAll('[data-testid=track-card] .rt-Badge').length >= 3 && "
                           "[...document.querySelectorAll('[data-testid=track-card]')].every(c => "
                           "c.innerText.includes('Ready'))", timeout=90_000)
    assert _titles(page) == ["Cold Water", "Amber Lights", "Blue Hour"]  # newest first

    page.get_by_role("combobox", name="Sort").click()
    page.get_by_role("option", name="Title A–Z").click()
    page.wait_for_function("document.querySelector('[data-testid=track-title]').innerText.trim() === 'Amber Lights'")
    assert _titles(page) == ["Amber Lights", "Blue Hour", "Cold Water"]
    page.get_by_role("combobox", name="Sort").click()
    page.get_by_role("option", name="Longest").click()
    page.wait_for_function("document.querySelector('[data-testid=track-title]').innerText.trim() === 'Amber Lights'"
                           " && document.querySelectorAll('[data-testid=track-title]')[1].innerText.trim() === "
                           "'Cold Water'")

    page.get_by_label("Search tracks").fill("water")
    page.get_by_role("button", name="Search").click()
    page.wait_for_function("document.querySelectorAll('[data-testid=track-card]').length === 1")
    assert _titles(page) == ["Cold Water"]
    assert page.get_by_test_id("track-count").inner_text() == "1 track"
    page.get_by_label("Search tracks").fill("no such song")
    page.get_by_role("button", name="Search").click()
    page.get_by_text("Nothing matches your search").wait_for(timeout=30_000)
    page.get_by_label("Search tracks").fill("")
    page.get_by_role("button", name="Search").click()
    page.get_by_test_id("track-card").nth(2).wait_for(timeout=30_000)

    page.get_by_role("button", name="Edit Blue Hour").click()
    page.get_by_label("Title").fill("Blue Hour (Night Version)")
    page.get_by_label("Artist").fill("The Organisers")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Blue Hour (Night Version)").wait_for(timeout=30_000)
    page.get_by_text("The Organisers").wait_for(timeout=30_000)
    listed = httpx.get(f"{running_app.url}/api/v1/tracks", headers=auth).json()
    stored = {t["title"]: t["artist"] for t in listed["items"]}
    assert stored["Blue Hour (Night Version)"] == "The Organisers"  # what the page shows is what is stored

    page.get_by_role("button", name="Delete Cold Water").click()
    dialog = page.get_by_role("alertdialog")
    dialog.get_by_text("“Cold Water” and all its masters will be deleted").wait_for(timeout=30_000)
    dialog.get_by_role("button", name="Keep it").click()
    assert page.get_by_test_id("track-card").count() == 3  # kept
    page.get_by_role("button", name="Delete Cold Water").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    page.wait_for_function("document.querySelectorAll('[data-testid=track-card]').length === 2")
    assert "Cold Water" not in _titles(page)
    remaining = httpx.get(f"{running_app.url}/api/v1/tracks", headers=auth).json()
    assert sorted(t["title"] for t in remaining["items"]) == ["Amber Lights", "Blue Hour (Night Version)"]
    screenshot(page, "library-organised")

    page.goto("/jobs")
    page.get_by_test_id("job-row").nth(2).wait_for(timeout=30_000)
    rows = page.get_by_test_id("job-row").all_inner_texts()
    assert len(rows) == 3 and all("Done" in r for r in rows), rows  # each upload's processing job, finished
    ctx.close()
