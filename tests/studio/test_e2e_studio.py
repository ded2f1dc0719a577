"""The Studio in Chromium against the real app: start a project, drag two songs from the library
panel onto the timeline, move a clip by dragging it (exactly one event), change a fader, undo and
redo, see an impossible edit refused with the field path and rolled back, play without a single
websocket event, reload and find exactly what was saved, and close the tab with edits still
unsent: they are replayed once when the project is opened again.

After every step the browser's document equals the one stored on the server (JSON equality),
and the version counts the committed gestures."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest

from maxbooster import routes
from tests.support.e2e import ROOT, RunningApp, screenshot, sign_in
from tests.support.library import music_bytes

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "studio.artist@example.com", "studio artist long password"


def _artist(app: RunningApp, email: str = EMAIL) -> dict[str, str]:
    """A confirmed artist on the Pro plan; returns bearer headers for the REST API."""
    env = {"MAXBOOSTER_DATA_DIR": str(app.data_dir), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-m", "maxbooster.cli", "create-admin", email, "--password-stdin",
                    "--name", "Studio Artist"], input=PASSWORD + "\n", text=True, capture_output=True, cwd=ROOT,
                   env=env, check=True)
    with sqlite3.connect(app.data_dir / "maxbooster.db") as db:
        db.execute("UPDATE users SET plan = 'pro' WHERE email = ?", (email,))
    token = httpx.post(f"{app.url}{routes.V1_TOKEN}", json={"email": email, "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def _ready_track(app: RunningApp, auth: dict[str, str], name: str, seed: int, seconds: float) -> str:
    made = httpx.post(f"{app.url}{routes.V1_TRACKS}", headers=auth, timeout=60,
                      files={"file": (name, music_bytes("WAV", seconds=seconds, seed=seed, level=0.2))}).json()
    url = f"{app.url}{routes.V1_TRACK.format(track_id=made['track']['id'])}"
    deadline = time.monotonic() + 120
    while httpx.get(url, headers=auth).json()["status"] != "ready":
        assert time.monotonic() < deadline, "the track was not processed in time"
        time.sleep(0.5)
    return str(made["track"]["id"])


def _server(app: RunningApp, auth: dict[str, str], project_id: str) -> dict[str, Any]:
    return httpx.get(f"{app.url}{routes.V1_PROJECT.format(project_id=project_id)}", headers=auth).json()


def _settled(page, app: RunningApp, auth: dict[str, str], project_id: str, version: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Wait until the browser has no unsent edit and the server is at `version`; both documents."""
    page.wait_for_function(f"() => window.__studio && window.__studio.pending() === 0 "
                           f"&& window.__studio.version() === {version}", timeout=60_000)
    stored = _server(app, auth, project_id)
    assert stored["version"] == version
    assert page.evaluate("window.__studio.doc()") == stored["document"]
    return stored["document"]


def _open_editor(browser, app: RunningApp, email: str, project_id: str, **options):  # type: ignore[no-untyped-def]
    """A new 1440×900 context signed in as `email` with the project open; (context, page, page errors)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=app.url, **options)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, email, PASSWORD)
    page.goto(routes.project_page(project_id))
    page.get_by_test_id("timeline").wait_for(timeout=60_000)
    return context, page, errors


def _drag_library_item(page, index: int, x: float, y: float) -> None:  # type: ignore[no-untyped-def]
    """Drag the library panel's item `index` onto the timeline at (x, y) px inside the lane."""
    page.evaluate("""([index, x, y]) => {
        const item = document.querySelectorAll('[data-testid=library-item]')[index];
        const lane = document.querySelector('[data-testid=timeline]');
        const r = lane.getBoundingClientRect();
        const dt = new DataTransfer();
        item.dispatchEvent(new DragEvent('dragstart', {bubbles: true, dataTransfer: dt}));
        for (const type of ['dragenter', 'dragover', 'drop'])
            lane.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: dt,
                                                    clientX: r.left + x, clientY: r.top + y}));
    }""", [index, x, y])


def test_studio_edit_play_undo_reload_and_replay(browser, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    auth = _artist(running_app)
    _ready_track(running_app, auth, "Drums.wav", seed=31, seconds=6)
    _ready_track(running_app, auth, "Bass.wav", seed=32, seconds=5)
    context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=running_app.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sent: list[str] = []  # every frame the page sends on Reflex's websocket
    commits: list[str] = []  # the edit events among them
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: (
        sent.append(frame), commits.append(frame) if isinstance(frame, str) and "commit" in frame else None)))
    sign_in(page, EMAIL, PASSWORD)

    page.goto(routes.PROJECTS)
    page.get_by_text("No projects yet").wait_for(timeout=30_000)
    screenshot(page, "studio-projects-empty")
    page.get_by_test_id("new-project").click()
    page.get_by_label("Name").fill("First Beat")
    page.get_by_test_id("create-project").click()
    page.wait_for_url(re.compile(r"/projects/[0-9a-f-]{36}/?$"), timeout=30_000)
    project_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    page.get_by_test_id("timeline").wait_for(timeout=60_000)
    page.locator("[data-testid=library-item]").nth(1).wait_for(timeout=30_000)
    start = _settled(page, running_app, auth, project_id, 0)
    assert start["tracks"] == []

    # Two songs dragged from the library: each drop is one edit (a new track with its clip).
    _drag_library_item(page, 0, 40 * 2, 40)  # 2 s at the default 40 px/s, below the ruler: a new track
    _settled(page, running_app, auth, project_id, 1)
    _drag_library_item(page, 1, 40 * 1, 26 + 76 + 30)  # second lane row: another new track
    doc = _settled(page, running_app, auth, project_id, 2)
    assert [len(t["clips"]) for t in doc["tracks"]] == [1, 1]
    assert doc["tracks"][0]["clips"][0]["start_s"] == 2.0 and doc["tracks"][1]["clips"][0]["start_s"] == 1.0
    page.wait_for_timeout(800)  # peaks drawn
    screenshot(page, "studio-arrange")

    # Move the first clip by dragging it 2 s to the right: exactly one event, sample-exact seconds.
    before = len(commits)
    lane = page.get_by_test_id("timeline").bounding_box()
    x0, y0 = lane["x"] + 40 * 3, lane["y"] + 26 + 40
    page.mouse.move(x0, y0)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x0 + 8 * step, y0)
    page.mouse.up()
    doc = _settled(page, running_app, auth, project_id, 3)
    assert len(commits) - before == 1
    assert doc["tracks"][0]["clips"][0]["start_s"] == 4.0  # snapped to the beat grid (0.5 s at 120 BPM)

    # A fader gesture commits once, on release.
    before = len(commits)
    fader = page.get_by_label(f"{doc['tracks'][0]['name']} volume")
    fader.focus()
    for _ in range(5):
        page.keyboard.press("ArrowLeft")  # keyboard: each key release commits, like a mouse release
    page.wait_for_function("() => window.__studio.pending() === 0", timeout=30_000)
    version = _server(running_app, auth, project_id)["version"]
    doc = _settled(page, running_app, auth, project_id, version)
    assert version - 3 == len(commits) - before == 5  # one event per key release, nothing while held
    assert doc["tracks"][0]["volume_db"] == pytest.approx(-0.5)

    # Undo puts back the document before the fader moves and the drag, redo brings the last one back.
    version = _server(running_app, auth, project_id)["version"]
    page.get_by_test_id("timeline").focus()
    undos = 0
    while page.evaluate("window.__studio.doc()")["tracks"][0]["clips"][0]["start_s"] != 2.0:
        page.keyboard.press("Control+z")
        undos += 1
        _settled(page, running_app, auth, project_id, version + undos)
        assert undos < 60
    doc = _settled(page, running_app, auth, project_id, version + undos)
    assert doc["tracks"][0]["volume_db"] == 0.0
    page.keyboard.press("Control+Shift+z")
    doc = _settled(page, running_app, auth, project_id, version + undos + 1)
    assert doc["tracks"][0]["clips"][0]["start_s"] == 4.0

    # An impossible edit (fades longer than the clip) is refused with the field path and rolled back.
    version = _server(running_app, auth, project_id)["version"]
    clip_id = doc["tracks"][0]["clips"][0]["id"]
    page.evaluate("id => window.__studio.commit([{op: 'clip.set', id, field: 'fade_in_s', value: 1000}], 'x')",
                  clip_id)
    page.get_by_test_id("studio-message").filter(has_text="fade_in_s").wait_for(timeout=30_000)
    assert _settled(page, running_app, auth, project_id, version) == doc  # nothing stored, browser back in step

    # Playing sends nothing to the server: the playhead moves on the audio clock in the browser.
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__studio.playing()", timeout=30_000)
    before = len(sent)
    page.wait_for_function("() => window.__studio.playing() && window.__studio.position() > 1.0", timeout=30_000)
    screenshot(page, "studio-playing")
    page.wait_for_timeout(1500)
    position = page.evaluate("window.__studio.position()")
    assert len(sent) == before  # not one websocket frame while playing: playhead and meters stay local
    page.get_by_test_id("play").click()
    assert position > 1.5

    # Reload: exactly what was saved.
    saved = _server(running_app, auth, project_id)
    page.reload()
    page.get_by_test_id("timeline").wait_for(timeout=60_000)
    assert _settled(page, running_app, auth, project_id, saved["version"]) == saved["document"]

    # Edits made just before the tab closes are kept in the browser and sent once on the next visit.
    tracks = saved["document"]["tracks"]
    page.evaluate("""(ids) => { for (const [i, id] of ids.entries())
        window.__studio.commit([{op: 'track.set', id, field: 'name', value: 'Renamed ' + i}], 'Rename'); }""",
                  [t["id"] for t in tracks])
    page.close()
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(routes.project_page(project_id))
    page.get_by_test_id("timeline").wait_for(timeout=60_000)
    doc = _settled(page, running_app, auth, project_id, saved["version"] + len(tracks))
    assert [t["name"] for t in doc["tracks"]] == [f"Renamed {i}" for i in range(len(tracks))]
    page.wait_for_timeout(500)
    assert _server(running_app, auth, project_id)["version"] == saved["version"] + len(tracks)  # once each

    # The mixer and a phone-width view, for the record.
    page.get_by_role("tab", name="Mixer").click()
    screenshot(page, "studio-mixer")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(400)
    screenshot(page, "studio-phone")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert errors == []
    context.close()


def test_studio_assistant_bounce_export_and_import(browser, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    email = "studio.mixer@example.com"
    auth = _artist(running_app, email)
    quiet = _ready_track(running_app, auth, "Soft Keys.wav", seed=41, seconds=4)
    loud = _ready_track(running_app, auth, "Big Drums.wav", seed=42, seconds=4)
    made = httpx.post(f"{running_app.url}{routes.V1_PROJECTS}", headers=auth, json={"name": "Mixdown"}).json()
    project_id = made["id"]
    clip = {"offset_s": 0.0, "length_s": 3.0, "gain_db": 0.0, "fade_in_s": 0.1, "fade_out_s": 0.5}
    edit = httpx.post(f"{running_app.url}{routes.V1_PROJECT_EDITS.format(project_id=project_id)}", headers=auth, json={
        "base_version": 0, "txn_id": "e2e-mixdown-1", "ops": [
            {"op": "track.add", "track": {"id": "keys", "name": "Keys", "role": "music"}},
            {"op": "track.add", "track": {"id": "drums", "name": "Drums", "role": "drums", "volume_db": 0.0}},
            {"op": "clip.add", "track": "keys", "clip": {"id": "k1", "file": quiet, "start_s": 0.0, **clip}},
            {"op": "clip.add", "track": "drums", "clip": {"id": "d1", "file": loud, "start_s": 1.0, **clip}}]})
    assert edit.status_code == 200, edit.text
    context, page, errors = _open_editor(browser, running_app, email, project_id, accept_downloads=True)
    before = _settled(page, running_app, auth, project_id, 1)

    # The mix assistant's suggestion is shown as a diff; applying it is one undoable edit.
    page.get_by_test_id("assistant").click()
    page.get_by_test_id("assistant-panel").wait_for(timeout=60_000)
    screenshot(page, "studio-assistant")
    page.get_by_test_id("assistant-apply").click()
    doc = _settled(page, running_app, auth, project_id, 2)
    assert doc["tracks"][0]["volume_db"] != 0.0 or doc["tracks"][1]["volume_db"] != 0.0
    page.get_by_test_id("timeline").focus()
    page.keyboard.press("Control+z")
    assert _settled(page, running_app, auth, project_id, 3) == before

    # Bounce to MP3 with stems: the mix lands in the library (to master it), MP3 and stems download.
    page.get_by_test_id("bounce").click()
    page.get_by_label("MP3, 320 kbps (to share)").check()
    page.get_by_label("Also stems: one file per track, before the master bus").check()
    page.get_by_test_id("bounce-start").click()
    panel = page.get_by_test_id("bounce-panel")
    panel.get_by_text("Your mix is ready.").wait_for(timeout=120_000)
    screenshot(page, "studio-bounced")
    mp3 = page.request.get(panel.get_by_role("link", name="Download the mix").get_attribute("href"))
    assert mp3.ok and (mp3.body()[:3] == b"ID3" or mp3.body()[:2] in (b"\xff\xfb", b"\xff\xf3"))
    stems = page.request.get(panel.get_by_role("link", name="Download the stems").get_attribute("href"))
    assert stems.ok and stems.body()[:2] == b"PK"

    # Export for another DAW, then import that file as a new project from the projects page.
    page.get_by_test_id("export-dawproject").click()
    link = page.get_by_test_id("export-download")
    link.wait_for(timeout=120_000)
    package = page.request.get(link.get_attribute("href")).body()
    assert package[:2] == b"PK"
    panel.get_by_test_id("send-to-mastering").click()
    page.wait_for_url(re.compile(r"/library/[0-9a-f-]{36}/?$"), timeout=30_000)  # the track page masters it
    page.goto(routes.PROJECTS)
    page.get_by_test_id("import-dawproject").wait_for(timeout=30_000)
    page.get_by_role("button", name=re.compile("Drop a .dawproject file here")).evaluate("""(zone, bytes) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], 'Mixdown.dawproject', {type: 'application/zip'}));
        for (const type of ['dragenter', 'dragover', 'drop'])
            zone.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: dt}));
    }""", list(package))
    page.wait_for_url(re.compile(r"/projects/[0-9a-f-]{36}/?$"), timeout=120_000)
    imported = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert imported != project_id
    page.get_by_test_id("timeline").wait_for(timeout=60_000)
    got = _server(running_app, auth, imported)["document"]
    assert [(t["name"], [(c["start_s"], c["length_s"], c["fade_in_s"], c["fade_out_s"]) for c in t["clips"]])
            for t in got["tracks"]] == [("Keys", [(0.0, 3.0, 0.1, 0.5)]), ("Drums", [(1.0, 3.0, 0.1, 0.5)])]
    screenshot(page, "studio-imported")
    assert errors == []
    context.close()


RULER_PX, TRACK_PX = 26, 76  # studio.jsx: ruler height and lane height (css px)


def _expected_rows(dat: bytes, start_sample: float, per: float, columns: list[int], top: float,
                   height: float) -> list[tuple[float, float]]:
    """(y of the max, y of the min) per device column, as studio.jsx draws them, from the .dat itself."""
    from audio.waveform_files import read_dat

    path = RESULTS_TMP / "level.dat"
    path.write_bytes(dat)
    peaks = read_dat(path)
    scale = 1 / 128 if peaks.bits == 8 else 1 / 32768
    mins = peaks.data[:, :, 0].min(axis=0) * scale
    maxs = peaks.data[:, :, 1].max(axis=0) * scale
    spp = peaks.samples_per_pixel
    mid, amp = top + height / 2, height / 2
    rows = []
    for x in columns:
        s0 = start_sample + x * per
        i0, i1 = int(s0 // spp), int((s0 + per) // spp)
        i1 = max(i1, i0 + 1)
        lo, hi = float(mins[i0:i1].min()), float(maxs[i0:i1].max())
        rows.append((mid - hi * amp, mid - lo * amp))
    return rows


RESULTS_TMP = ROOT / "test-results"


def test_waveform_drawn_from_the_peaks_and_zoom_picks_the_level(browser, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    email = "studio.waves@example.com"
    auth = _artist(running_app, email)
    song = _ready_track(running_app, auth, "Loud Song.wav", seed=51, seconds=6)
    made = httpx.post(f"{running_app.url}{routes.V1_PROJECTS}", headers=auth, json={"name": "Waves"}).json()
    project_id = made["id"]
    edit = httpx.post(f"{running_app.url}{routes.V1_PROJECT_EDITS.format(project_id=project_id)}", headers=auth, json={
        "base_version": 0, "txn_id": "e2e-waves-1", "ops": [
            {"op": "track.add", "track": {"id": "t", "name": "Song", "role": "music", "color": "#e8d13d"}},
            {"op": "clip.add", "track": "t", "clip": {"id": "c", "file": song, "start_s": 2.0, "offset_s": 0.5,
                                                     "length_s": 5.0, "gain_db": 0.0, "fade_in_s": 0.0,
                                                     "fade_out_s": 0.0}}]})
    assert edit.status_code == 200, edit.text
    context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=running_app.url,
                                  device_scale_factor=1)
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url.removeprefix(running_app.url)))
    sign_in(page, email, PASSWORD)
    page.goto(routes.project_page(project_id))
    page.get_by_test_id("timeline").wait_for(timeout=60_000)
    levels = {url: int(spp) for spp, url in page.evaluate(f"window.__studio.media()['{song}'].peaks_urls").items()}
    rate = page.evaluate(f"window.__studio.media()['{song}'].sample_rate")
    wanted = max(spp for spp in levels.values() if spp <= rate / 40)  # 40 px/s: the coarsest level still fine enough
    page.wait_for_function("() => { const c = document.querySelector('.mbst-lane canvas');"
                           "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                           "for (let i = 0; i < d.length; i += 4) if (d[i] === 232 && d[i+1] === 209) return true;"
                           "return false; }", timeout=30_000)
    fetched = {levels[u.split("#")[0]] for u in requested if u.split("#")[0] in levels}
    assert fetched == {wanted}, f"fetched peaks levels {fetched}, wanted only {wanted}"
    url = next(u for u, spp in levels.items() if spp == wanted)

    # 20 columns of the drawn waveform against the .dat: top and bottom pixel within ±1 px.
    clip_x = 2.0 * 40  # css px from the lane's left edge (no scroll)
    top = RULER_PX + 3 + 14
    height = (TRACK_PX - 7) - 16
    columns = [10 + 9 * k for k in range(20)]
    drawn = page.evaluate("""([x0, cols, top, height]) => {
        const c = document.querySelector('.mbst-lane canvas');
        const g = c.getContext('2d');
        const img = g.getImageData(0, 0, c.width, c.height);
        const wave = [232, 209, 61];
        const out = [];
        for (const col of cols) {
            const x = x0 + col;
            let first = -1, last = -1;
            for (let y = Math.floor(top) - 2; y <= Math.ceil(top + height) + 2; y++) {
                const i = (y * img.width + x) * 4;
                const d = Math.abs(img.data[i] - wave[0]) + Math.abs(img.data[i + 1] - wave[1])
                    + Math.abs(img.data[i + 2] - wave[2]);
                if (d < 150) { if (first < 0) first = y; last = y; }
            }
            out.push([first, last]);
        }
        return out;
    }""", [clip_x, columns, top, height])
    dat = page.request.get(running_app.url + url if url.startswith("/") else url).body()
    expected = _expected_rows(dat, 0.5 * rate, rate / 40, columns, top, height)
    for col, (first, last), (y_max, y_min) in zip(columns, drawn, expected, strict=True):
        assert first >= 0, f"column {col}: no waveform pixel"
        assert abs(first - y_max) <= 1.0 and abs(last - max(y_min, y_max + 1) + 1) <= 1.0, \
            f"column {col}: drawn rows {first}..{last}, peaks say {y_max:.1f}..{y_min:.1f}"

    # Zooming in asks for a finer level (and only the one the zoom needs); no canvas is wider than 4,096 px.
    requested.clear()
    page.get_by_test_id("timeline").focus()
    for _ in range(4):
        page.keyboard.press("+")
    zoom = page.evaluate("window.__studio.zoom()")
    finer = max((spp for spp in levels.values() if spp <= rate / zoom), default=min(levels.values()))
    page.wait_for_timeout(1000)
    fetched = {levels[u.split("#")[0]] for u in requested if u.split("#")[0] in levels}
    # each zoom step may fetch its own level on the way in; never one finer than the final zoom needs
    assert finer in fetched and min(fetched) == finer, f"after zooming to {zoom:.0f} px/s fetched {fetched}"
    assert page.evaluate("Math.max(...[...document.querySelectorAll('canvas')].map(c => c.width))") <= 4096
    screenshot(page, "studio-zoomed")
    context.close()


def test_a_file_dropped_on_the_timeline_is_uploaded_placed_and_drawn(browser, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    email = "studio.dropper@example.com"
    auth = _artist(running_app, email)
    made = httpx.post(f"{running_app.url}{routes.V1_PROJECTS}", headers=auth, json={"name": "Drops"}).json()
    context, page, errors = _open_editor(browser, running_app, email, made["id"])
    page.get_by_text("Drag a song from your library").wait_for()
    page.get_by_test_id("timeline").evaluate("""(lane, bytes) => {
        const r = lane.getBoundingClientRect();
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], 'Vocal take.wav', {type: 'audio/wav'}));
        for (const type of ['dragenter', 'dragover', 'drop'])
            lane.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: dt,
                                                    clientX: r.left + 120, clientY: r.top + 60}));
    }""", list(music_bytes("WAV", seconds=4, seed=61, level=0.3)))
    doc = _settled(page, running_app, auth, made["id"], 1)  # the clip is placed as soon as the upload answers
    track = doc["tracks"][0]
    assert (track["name"], track["role"]) == ("Vocal take", "vocals")
    clip = track["clips"][0]
    assert clip["start_s"] == 3.0 and clip["length_s"] == pytest.approx(4.0, abs=1e-3)
    page.wait_for_function(f"() => window.__studio.media()['{clip['file']}']?.state === 'ready'", timeout=90_000)
    page.wait_for_function("() => { const c = document.querySelector('.mbst-lane canvas');"
                           "const d = c.getContext('2d').getImageData(120, 26 + 20, 80, 40).data;"
                           "for (let i = 0; i < d.length; i += 4) if (d[i] === 224 && d[i+1] === 113) return true;"
                           "return false; }", timeout=30_000)  # the waveform in the vocals colour
    screenshot(page, "studio-dropped")
    assert errors == []
    context.close()


def test_record_a_take_onto_an_armed_track(browser, running_app: RunningApp, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Chromium's fake microphone plays a click track; the take is captured, uploaded through the
    library path and placed on the armed track as one edit."""
    import numpy as np
    import soundfile as sf

    from tests.support.e2e import CHROMIUM, CHROMIUM_FLAGS

    clicks = np.zeros((48000 * 4, 2), dtype=np.float32)
    for k in range(8):
        clicks[k * 24000 : k * 24000 + 240] = 0.5
    wav = tmp_path / "clicks.wav"
    sf.write(wav, clicks, 48000, subtype="PCM_16")
    email = "studio.singer@example.com"
    auth = _artist(running_app, email)
    made = httpx.post(f"{running_app.url}{routes.V1_PROJECTS}", headers=auth, json={"name": "Takes"}).json()
    httpx.post(f"{running_app.url}{routes.V1_PROJECT_EDITS.format(project_id=made['id'])}", headers=auth, json={
        "base_version": 0, "txn_id": "e2e-takes-1",
        "ops": [{"op": "track.add", "track": {"id": "vox", "name": "Vocals", "role": "vocals"}}]}).raise_for_status()
    mic = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=[
        *CHROMIUM_FLAGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}", "--autoplay-policy=no-user-gesture-required"])
    try:
        context, page, errors = _open_editor(mic, running_app, email, made["id"])
        page.get_by_test_id("record").click()
        page.get_by_test_id("studio-message").filter(has_text="Arm a track first").wait_for()
        page.get_by_test_id("arm").click()
        page.get_by_test_id("studio-message").filter(has_text="Ready to record on Vocals").wait_for(timeout=30_000)
        page.wait_for_timeout(600)  # the input settles (the recorder is made when the track is armed)
        page.get_by_test_id("record").click()
        page.wait_for_function("() => window.__studio.recording() && window.__studio.position() > 2.5",
                               timeout=30_000)
        screenshot(page, "studio-recording")
        page.get_by_test_id("record").click()
        doc = _settled(page, running_app, auth, made["id"], 2)
        clip = doc["tracks"][0]["clips"][0]
        assert clip["start_s"] == 0.0 and 2.4 < clip["length_s"] < 4.0
        take = httpx.get(f"{running_app.url}{routes.V1_TRACK.format(track_id=clip['file'])}", headers=auth).json()
        assert take["title"].startswith("Vocals take")
        page.wait_for_function(f"() => window.__studio.media()['{clip['file']}']?.state === 'ready'",
                               timeout=90_000)

        # A second take over the first: the new one plays, the first is kept on a muted takes track.
        page.get_by_role("button", name="Back to the start").click()
        page.get_by_test_id("record").click()
        page.wait_for_function("() => window.__studio.recording() && window.__studio.position() > 1.5",
                               timeout=30_000)
        page.get_by_test_id("record").click()
        doc = _settled(page, running_app, auth, made["id"], 3)
        vocals, takes = doc["tracks"]
        assert [c["id"] for c in takes["clips"]] == [clip["id"]] and takes["mute"] and takes["name"] == "Vocals takes"
        assert len(vocals["clips"]) == 1 and vocals["clips"][0]["file"] != clip["file"]
        assert errors == []
        context.close()
    finally:
        mic.close()


def test_every_edit_kind_from_the_ui_keeps_browser_and_server_equal(browser, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    email = "studio.editor@example.com"
    auth = _artist(running_app, email)
    _ready_track(running_app, auth, "Guitar.wav", seed=71, seconds=6)
    made = httpx.post(f"{running_app.url}{routes.V1_PROJECTS}", headers=auth, json={"name": "Every edit"}).json()
    pid = made["id"]
    context, page, errors = _open_editor(browser, running_app, email, pid)
    page.locator("[data-testid=library-item]").first.wait_for(timeout=30_000)
    version = 0

    def step(action) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        nonlocal version
        action()
        version += 1
        return _settled(page, running_app, auth, pid, version)

    lane = page.get_by_test_id("timeline")

    def at(x: float, y: float) -> tuple[float, float]:
        box = lane.bounding_box()
        return box["x"] + x, box["y"] + y

    def drag(x0: float, y0: float, dx: float, dy: float = 0) -> None:
        page.mouse.move(*at(x0, y0))
        page.mouse.down()
        for k in range(1, 9):
            page.mouse.move(*at(x0 + dx * k / 8, y0 + dy * k / 8))
        page.mouse.up()

    doc = step(lambda: _drag_library_item(page, 0, 40, 40))  # track.add + clip.add (at 1 s)
    name = doc["tracks"][0]["name"]
    doc = step(lambda: page.get_by_test_id("add-track").click())  # track.add
    assert len(doc["tracks"]) == 2
    doc = step(lambda: (page.get_by_label("Name of track 1").fill("Lead"), page.keyboard.press("Enter")))
    assert doc["tracks"][0]["name"] == "Lead"
    name = "Lead"
    doc = step(lambda: (page.get_by_label(f"Colour of {name}").click(),
                        page.get_by_label("Colour #e8a23d").click()))
    assert doc["tracks"][0]["color"] == "#e8a23d"
    assert doc["tracks"][0]["role"] == "music"  # guessed from "Guitar"
    doc = step(lambda: page.get_by_label(f"Kind of track {name}").select_option("vocals"))
    assert doc["tracks"][0]["role"] == "vocals"
    clip_y = 26 + 40
    doc = step(lambda: drag(40 + 100, clip_y, 40))  # move by 1 s
    assert doc["tracks"][0]["clips"][0]["start_s"] == 2.0
    doc = step(lambda: drag(80 + 240 - 3, clip_y, -40))  # trim right by 1 s
    assert doc["tracks"][0]["clips"][0]["length_s"] == pytest.approx(5.0)
    doc = step(lambda: drag(80 + 2, clip_y + 10, 40))  # trim left by 1 s: start, offset and length
    c = doc["tracks"][0]["clips"][0]
    assert (c["start_s"], c["offset_s"], c["length_s"]) == (3.0, pytest.approx(1.0), pytest.approx(4.0))
    doc = step(lambda: drag(120 + 2, 26 + 5, 20))  # fade-in handle
    assert doc["tracks"][0]["clips"][0]["fade_in_s"] == pytest.approx(0.5)
    page.mouse.click(*at(200, 10))  # the ruler: playhead to 5 s (no edit)
    page.mouse.click(*at(250, clip_y))  # select the clip
    doc = step(lambda: page.keyboard.press("s"))  # split at the playhead
    assert [round(x["start_s"], 3) for x in doc["tracks"][0]["clips"]] == [3.0, 5.0]
    doc = step(lambda: page.keyboard.press("Control+d"))  # duplicate the selected clip
    assert len(doc["tracks"][0]["clips"]) == 3
    doc = step(lambda: page.keyboard.press("Delete"))  # delete it again
    assert len(doc["tracks"][0]["clips"]) == 2
    doc = step(lambda: drag(250, clip_y, 0, 76))  # to the second track
    assert len(doc["tracks"][1]["clips"]) == 1
    page.mouse.click(*at(130, clip_y))  # select the first track's clip (and its track)
    doc = step(lambda: page.keyboard.press("m"))
    assert doc["tracks"][0]["mute"] is True
    doc = step(lambda: page.keyboard.press("Shift+S"))
    assert doc["tracks"][0]["solo"] is True
    doc = step(lambda: (page.get_by_label(f"{name} pan").focus(), page.keyboard.press("ArrowRight")))
    assert doc["tracks"][0]["pan"] == pytest.approx(0.01)
    doc = step(lambda: page.get_by_label(f"Add an effect to {name}").select_option("compressor"))
    assert doc["tracks"][0]["inserts"][0]["type"] == "compressor"
    doc = step(lambda: (page.get_by_label(f"{name} Compressor Threshold").focus(), page.keyboard.press("ArrowLeft")))
    assert doc["tracks"][0]["inserts"][0]["threshold_db"] < -18.0
    doc = step(lambda: page.get_by_label(f"Remove Compressor from {name}").click())
    assert doc["tracks"][0]["inserts"] == []
    doc = step(lambda: (page.get_by_label("Master volume").focus(), page.keyboard.press("ArrowLeft")))
    assert doc["master"]["volume_db"] == pytest.approx(-0.1)
    doc = step(lambda: (page.get_by_label("Tempo in BPM").fill("96"), page.keyboard.press("Enter")))
    assert doc["tempo_bpm"] == 96
    page.get_by_role("tab", name="Clip").click()
    page.mouse.click(*at(130, clip_y))
    doc = step(lambda: (page.get_by_label("Clip Gain").fill("-3"), page.keyboard.press("Enter")))
    assert doc["tracks"][0]["clips"][0]["gain_db"] == -3
    second = doc["tracks"][1]["name"]
    doc = step(lambda: page.get_by_label(f"Move {second} up").click())
    assert doc["tracks"][0]["name"] == second
    doc = step(lambda: page.get_by_label(f"Delete track {second}").click())
    assert [t["name"] for t in doc["tracks"]] == [name]
    screenshot(page, "studio-every-edit")
    assert errors == []
    context.close()


def test_a_reloaded_tab_edits_the_saved_version_not_the_one_it_first_opened(  # type: ignore[no-untyped-def]
        browser, running_app: RunningApp) -> None:
    """A reloaded tab first gets its earlier state back (with the document as it was when it first
    opened) and only then the fresh one. Here the fresh answer is held back on the websocket for a
    while: the editor must wait for it rather than start on the old version."""
    email = "studio.reload@example.com"
    auth = _artist(running_app, email)
    made = httpx.post(f"{running_app.url}{routes.V1_PROJECTS}", headers=auth, json={"name": "Reload"})
    project_id = made.json()["id"]
    context, page, errors = _open_editor(browser, running_app, email, project_id)
    _settled(page, running_app, auth, project_id, 0)
    # Elsewhere (another device), the project moves on by two edits.
    for n in (1, 2):
        made = httpx.post(f"{running_app.url}{routes.V1_PROJECT_EDITS.format(project_id=project_id)}", headers=auth,
                          json={"base_version": n - 1, "txn_id": f"elsewhere-{n}",
                                "ops": [{"op": "track.add", "track": {"id": f"t{n}", "name": f"Track {n}"}}]})
        assert made.status_code == 200, made.text

    held: list[str] = []
    hold = {"on": False}

    def relay(ws) -> None:  # type: ignore[no-untyped-def]
        server = ws.connect_to_server()
        ws.on_message(server.send)

        def to_page(message: str | bytes) -> None:
            if hold["on"]:
                held.append(message)  # type: ignore[arg-type]
                return
            ws.send(message)
            if isinstance(message, str) and '"boot_rx_state_"' in message:  # the snapshot; hold what follows
                hold["on"] = True
        server.on_message(to_page)
        hold["ws"] = ws  # type: ignore[assignment]

    page.route_web_socket(re.compile(r"/_event"), relay)
    page.reload()
    deadline = time.monotonic() + 60
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert held, "the page's load answer never came"
    page.wait_for_timeout(1500)  # the tab sits on its old snapshot
    assert page.evaluate("window.__studio === undefined")  # no editing session on a stale document
    hold["on"] = False
    for message in held:
        hold["ws"].send(message)  # type: ignore[attr-defined]
    doc = _settled(page, running_app, auth, project_id, 2)
    assert [t["name"] for t in doc["tracks"]] == ["Track 1", "Track 2"]
    page.evaluate("id => window.__studio.commit([{op: 'track.set', id, field: 'name', value: 'Lead'}], 'Rename')", "t1")
    assert [t["name"] for t in _settled(page, running_app, auth, project_id, 3)["tracks"]] == ["Lead", "Track 2"]
    assert errors == []
    context.close()
