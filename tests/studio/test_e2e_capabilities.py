"""The Studio's smaller capabilities in Chromium against the running app, each failing if the
feature broke: zoom by wheel and by the slider (drawn from the pyramid level the zoom needs), the
snap toggle, a loop region dragged on the ruler, the shortcut overlay, the time display, the
metronome (heard on the click bus, never in the mix), dismissing the mix assistant, "Send to
mastering", upload progress, clips whose file was deleted, a stale edit refused in plain words
and rolled back, the websocket going down and coming back (edits kept, replayed once), and the
projects page's rename / copy / delete."""

from __future__ import annotations

import math
import re
from typing import Any

import httpx
import pytest

from maxbooster import routes
from tests.studio.test_e2e_studio import (
    PASSWORD,
    RULER_PX,
    TRACK_PX,
    _artist,
    _expected_rows,
    _open_editor,
    _ready_track,
    _server,
    _settled,
)
from tests.support.e2e import RESULTS, RunningApp, screenshot, sign_in
from tests.support.library import music_bytes

pytestmark = pytest.mark.e2e

CLIP = {"offset_s": 0.0, "gain_db": 0.0, "fade_in_s": 0.0, "fade_out_s": 0.0}


def _project(app: RunningApp, auth: dict[str, str], name: str, ops: list[dict[str, Any]] | None = None,
             **settings: Any) -> str:
    made = httpx.post(f"{app.url}{routes.V1_PROJECTS}", headers=auth, json={"name": name, **settings})
    assert made.status_code in (200, 201), made.text
    project_id = str(made.json()["id"])
    if ops:
        edit = httpx.post(f"{app.url}{routes.V1_PROJECT_EDITS.format(project_id=project_id)}", headers=auth,
                          json={"base_version": 0, "txn_id": f"setup-{project_id}", "ops": ops})
        assert edit.status_code == 200, edit.text
    return project_id


def _commits(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Every edit event the page sends on Reflex's websocket from now on."""
    sent: list[str] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: (
        sent.append(frame) if isinstance(frame, str) and "commit" in frame else None)))
    return sent


DRAWN_JS = """([x0, cols, top, height, wave]) => {
    const c = document.querySelector('.mbst-lane canvas');
    const img = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    const out = [];
    for (const col of cols) {
        const x = Math.round(x0 + col);
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
}"""


def _check_drawn(page, dat: bytes, rate: int, zoom: float, offset_s: float, columns: list[int]) -> None:  # type: ignore[no-untyped-def]
    """The clip (at 0 s, first track, colour #e8d13d) drawn at `zoom` px/s matches the .dat within ±1 px."""
    RESULTS.mkdir(exist_ok=True)  # _expected_rows reads the .dat from there
    top = RULER_PX + 3 + 14
    height = (TRACK_PX - 7) - 16
    drawn = page.evaluate(DRAWN_JS, [0, columns, top, height, [232, 209, 61]])
    expected = _expected_rows(dat, offset_s * rate, rate / zoom, columns, top, height)
    for col, (first, last), (y_max, y_min) in zip(columns, drawn, expected, strict=True):
        assert first >= 0, f"column {col} at {zoom:.2f} px/s: no waveform pixel"
        assert abs(first - y_max) <= 1.0 and abs(last - max(y_min, y_max + 1) + 1) <= 1.0, \
            f"column {col} at {zoom:.2f} px/s: drawn rows {first}..{last}, peaks say {y_max:.1f}..{y_min:.1f}"


def test_zoom_by_wheel_and_by_the_slider_draws_from_the_level_the_zoom_needs(  # type: ignore[no-untyped-def]
        browser, running_app: RunningApp) -> None:
    email = "studio.zoomer@example.com"
    auth = _artist(running_app, email)
    song = _ready_track(running_app, auth, "Zoom Song.wav", seed=81, seconds=11)
    project_id = _project(running_app, auth, "Zoom", [
        {"op": "track.add", "track": {"id": "t", "name": "Song", "role": "music", "color": "#e8d13d"}},
        {"op": "clip.add", "track": "t", "clip": {**CLIP, "id": "c", "file": song, "start_s": 0.0, "offset_s": 0.5,
                                                 "length_s": 10.0}}])
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

    def level_for(zoom: float) -> int:  # the coarsest level still at least as fine as the view
        return max((spp for spp in levels.values() if spp <= rate / zoom), default=min(levels.values()))

    def fetched() -> set[int]:
        return {levels[u.split("#")[0]] for u in requested if u.split("#")[0] in levels}

    def dat_of(spp: int) -> bytes:
        url = next(u for u, s in levels.items() if s == spp)
        return page.request.get(running_app.url + url if url.startswith("/") else url).body()

    def drawn_from(spp: int) -> None:  # the level arrived and the canvas was drawn after it
        url = next(u for u, s in levels.items() if s == spp).split("#")[0]
        page.wait_for_function("(n) => performance.getEntriesByType('resource').some(e => e.name.includes(n) "
                               "&& e.responseEnd > 0)", arg=url, timeout=10_000)
        page.wait_for_timeout(300)

    assert len(set(levels.values())) >= 3, f"a pyramid of at least 3 levels, got {sorted(levels.values())}"
    page.wait_for_function("() => { const c = document.querySelector('.mbst-lane canvas');"
                           "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                           "for (let i = 0; i < d.length; i += 4) if (d[i] === 232 && d[i+1] === 209) return true;"
                           "return false; }", timeout=30_000)
    assert fetched() == {level_for(40)}

    # Ctrl + wheel over the timeline: one notch in is ×1.25, and the time under the pointer stays put.
    requested.clear()
    box = page.get_by_test_id("timeline").bounding_box()
    page.mouse.move(box["x"] + 120, box["y"] + RULER_PX + 30)
    page.keyboard.down("Control")
    page.mouse.wheel(0, -100)
    page.keyboard.up("Control")
    page.wait_for_function("() => window.__studio.zoom() === 50", timeout=10_000)
    page.wait_for_timeout(200)
    scroll = page.evaluate("document.querySelector('.mbst-arr').scrollLeft")
    assert (scroll + 120) / 50 == pytest.approx(120 / 40, abs=1 / 50)  # 3 s still under the pointer
    assert page.evaluate("window.scrollY") == 0  # the wheel zoomed, it did not scroll the page
    wheel_level = level_for(50)
    drawn_from(wheel_level)
    assert min(fetched()) == wheel_level, f"at 50 px/s fetched {fetched()}, the zoom needs {wheel_level}"
    page.evaluate("document.querySelector('.mbst-arr').scrollLeft = 0")
    page.wait_for_timeout(300)
    _check_drawn(page, dat_of(wheel_level), rate, 50, 0.5, [10 + 9 * k for k in range(20)])
    page.keyboard.down("Control")
    page.mouse.wheel(0, 100)  # and out again
    page.keyboard.up("Control")
    page.wait_for_function("() => Math.abs(window.__studio.zoom() - 40) < 1e-9", timeout=10_000)

    # The zoom slider, clicked a fifth of the way along: zoomed far out, drawn from the coarsest level it needs.
    requested.clear()
    slider = page.get_by_role("slider", name="Zoom", exact=True)
    sbox = slider.bounding_box()
    page.mouse.click(sbox["x"] + sbox["width"] * 0.2, sbox["y"] + sbox["height"] / 2)
    page.wait_for_function("() => window.__studio.zoom() < 20", timeout=10_000)
    zoom = page.evaluate("window.__studio.zoom()")
    assert float(slider.input_value()) == pytest.approx(math.log(zoom), abs=1e-9)
    slider_level = level_for(zoom)
    assert slider_level > level_for(40)  # coarser than anything fetched so far
    drawn_from(slider_level)
    assert fetched() == {slider_level}, f"at {zoom:.1f} px/s fetched {fetched()}, wanted only {slider_level}"
    width = int(10.0 * zoom)
    step = max(1, (width - 10) // 20)  # 20 columns clear of the clip's rounded right end
    _check_drawn(page, dat_of(slider_level), rate, zoom, 0.5, [4 + step * k for k in range(20)])
    screenshot(page, "studio-zoomed-out")
    context.close()


BEAT_110 = 60 / 110  # s per beat at 110 BPM (a quarter note, 3/4)


def _on_sample(seconds: float, rate: int = 48000) -> float:
    return round(seconds * rate) / rate


def _bars_beats(seconds: float, bpm: float, per_bar: int, unit: int) -> str:
    beat = 60 / bpm * 4 / unit
    beats = seconds / beat
    ticks = int(round((beats - math.floor(beats + 1e-9)) * 960, 6)) if beats % 1 > 1e-9 else 0
    whole = math.floor(beats + 1e-9)
    return f"{whole // per_bar + 1:03d}|{whole % per_bar + 1}|{ticks:03d}"


def _clock(seconds: float) -> str:
    ms = math.floor(seconds * 1000 + 1e-6)
    return f"{ms // 60000}:{(ms % 60000) / 1000:06.3f}"


CAPTURE_JS = """async () => {
    // Tap the metronome's bus and the mix's master output with an AudioWorklet: click onsets at
    // exact context frames (with their peak) and the loudest sample of the mix.
    const {ctx, transport} = window.__studio.engine();
    const code = `registerProcessor('mb-test-tap', class extends AudioWorkletProcessor {
        constructor(options) { super(); this.mode = options.processorOptions.mode; this.last = -1e12;
                               this.open = null; this.peak = 0; }
        process(inputs) {
            const ch = inputs[0] && inputs[0][0];
            for (let i = 0; ch && i < ch.length; i++) {
                const f = currentFrame + i, v = Math.abs(ch[i]);
                if (this.mode === 'peak') {
                    if (v > this.peak) { this.peak = v; this.port.postMessage({peak: v}); }
                    continue;
                }
                if (this.open && f - this.open.frame >= 0.03 * sampleRate) {
                    this.port.postMessage(this.open);
                    this.open = null;
                }
                if (v > 0.05 && f - this.last > 0.2 * sampleRate) { this.last = f; this.open = {frame: f, peak: v}; }
                else if (this.open) this.open.peak = Math.max(this.open.peak, v);
            }
            return true;
        }
    });`;
    await ctx.audioWorklet.addModule(URL.createObjectURL(new Blob([code], {type: 'text/javascript'})));
    const cap = window.__cap = {onsets: [], mixPeak: 0};
    const tap = (node, mode) => {
        const t = new AudioWorkletNode(ctx, 'mb-test-tap', {numberOfInputs: 1, numberOfOutputs: 1,
                                                             processorOptions: {mode}});
        node.connect(t);
        t.connect(ctx.destination);  // the tap's output is silence
        return t;
    };
    tap(transport.clickGain, 'onsets').port.onmessage = (e) => cap.onsets.push(e.data);
    tap(transport.graph.masterFader, 'peak').port.onmessage = (e) => {
        cap.mixPeak = Math.max(cap.mixPeak, e.data.peak);
    };
}"""


def test_snap_loop_shortcuts_time_display_and_metronome(browser, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    """A 110 BPM 3/4 project: snap on and off, a loop dragged on the ruler, the shortcut list, the
    bars|beats and mm:ss display after seeking, and the metronome clicking the bar (count-in too)."""
    email = "studio.grid@example.com"
    auth = _artist(running_app, email)
    song = _ready_track(running_app, auth, "Grid Keys.wav", seed=82, seconds=5)
    project_id = _project(running_app, auth, "Three four", [
        {"op": "track.add", "track": {"id": "t", "name": "Keys", "role": "music"}},
        {"op": "clip.add", "track": "t", "clip": {**CLIP, "id": "c", "file": song, "start_s": 1.0, "length_s": 4.0}}],
        tempo_bpm=110, beats_per_bar=3, beat_unit=4)
    context, page, errors = _open_editor(browser, running_app, email, project_id)
    commits = _commits(page)
    _settled(page, running_app, auth, project_id, 1)
    lane = page.get_by_test_id("timeline")
    snap_button = page.get_by_role("button", name="Snap")
    version = 1

    def at(x: float, y: float) -> tuple[float, float]:
        box = lane.bounding_box()
        return box["x"] + x, box["y"] + y

    def drag(x0: float, y0: float, dx: float) -> None:
        page.mouse.move(*at(x0, y0))
        page.mouse.down()
        for k in range(1, 9):
            page.mouse.move(*at(x0 + dx * k / 8, y0))
        page.mouse.up()

    # Snap on (the default): a clip dragged 0.925 s lands on the nearest beat.
    assert page.evaluate("window.__studio.snap()") and snap_button.get_attribute("aria-pressed") == "true"
    clip_y = RULER_PX + 40
    drag(40 * 1.5, clip_y, 37)
    version += 1
    start = _settled(page, running_app, auth, project_id, version)["tracks"][0]["clips"][0]["start_s"]
    assert start == _on_sample(4 * BEAT_110)  # 1.925 s → beat 4 (2.1818 s)

    # G turns snap off: the same drag lands where the pointer let go, off the grid, on a whole sample.
    lane.focus()
    page.keyboard.press("g")
    assert not page.evaluate("window.__studio.snap()") and snap_button.get_attribute("aria-pressed") == "false"
    drag(start * 40 + 60, clip_y, 37)
    version += 1
    moved = _settled(page, running_app, auth, project_id, version)["tracks"][0]["clips"][0]["start_s"]
    assert moved == pytest.approx(start + 37 / 40, abs=1 / 40)
    beats = moved / BEAT_110
    assert abs(beats - round(beats)) > 0.05, f"{moved} s is on the beat grid with snap off"
    assert moved * 48000 == pytest.approx(round(moved * 48000), abs=1e-6)
    snap_button.click()  # the button turns it back on
    assert page.evaluate("window.__studio.snap()") and snap_button.get_attribute("aria-pressed") == "true"

    # A loop dragged on the ruler from 1 s to 5 s: snapped to beats 2 and 9, loop switched on, no edit.
    before = len(commits)
    page.mouse.move(*at(40, 10))
    page.mouse.down()
    for k in range(1, 9):
        page.mouse.move(*at(40 + 160 * k / 8, 10))
    page.mouse.up()
    loop = page.evaluate("window.__studio.loop()")
    assert loop == {"on": True, "start": _on_sample(2 * BEAT_110), "end": _on_sample(9 * BEAT_110)}
    assert page.get_by_role("button", name="Loop").get_attribute("aria-pressed") == "true"
    page.wait_for_timeout(300)
    assert len(commits) == before and _server(running_app, auth, project_id)["version"] == version
    screenshot(page, "studio-loop")
    page.get_by_role("button", name="Loop").click()  # off again for the rest
    assert page.evaluate("window.__studio.loop()")["on"] is False

    # The time display after seeking: on the ruler at 7.64 s → beat 14 = bar 5, beat 3 (7.636 s).
    lcd = page.get_by_role("timer", name="Playhead position")
    page.mouse.click(*at(7.64 * 40, 10))
    assert page.evaluate("window.__studio.position()") == _on_sample(14 * BEAT_110)
    page.wait_for_timeout(200)  # the display follows on the next animation frames
    assert (lcd.locator("b").text_content(), lcd.locator("span").text_content()) == ("005|3|000", "0:07.636")
    # and off the grid (snap off, a click on the track after its clip): 10.25 s
    page.keyboard.press("g")
    page.mouse.click(*at(10.25 * 40, clip_y))
    position = page.evaluate("window.__studio.position()")
    assert position == pytest.approx(10.25, abs=1 / 40)
    want = (_bars_beats(position, 110, 3, 4), _clock(position))
    page.wait_for_timeout(200)
    assert (lcd.locator("b").text_content(), lcd.locator("span").text_content()) == want
    page.keyboard.press("g")
    page.keyboard.press("Home")
    page.wait_for_function("() => document.querySelector('.mbst-lcd b').textContent === '001|1|000'", timeout=5_000)
    assert lcd.locator("span").text_content() == "0:00.000"

    # ? shows every shortcut; Escape closes the list.
    page.keyboard.press("?")
    overlay = page.get_by_role("dialog", name="Keyboard shortcuts")
    overlay.wait_for(timeout=5_000)
    rows = overlay.locator("tr").all_inner_texts()
    for key, what in [("Space", "Play / stop"), ("G", "Snap to the grid on / off"), ("C", "Metronome on / off"),
                      ("L", "Loop on / off"), ("Ctrl+Z", "Undo"), ("?", "Show this list")]:
        assert any(r.split("\t")[0].strip() == key and what in r for r in rows), f"{key} ({what}) not listed"
    assert len(rows) >= 17
    screenshot(page, "studio-shortcuts")
    page.keyboard.press("Escape")
    overlay.wait_for(state="hidden", timeout=5_000)
    page.get_by_role("button", name="Keyboard shortcuts").click()  # the toolbar button opens it too
    overlay.wait_for(timeout=5_000)
    page.keyboard.press("Escape")
    overlay.wait_for(state="hidden", timeout=5_000)

    # The metronome (C) clicks each beat and accents each bar's first beat, on its own bus: the mix
    # (the only track muted) stays silent. A one-bar count-in clicks three beats before the song.
    page.mouse.click(*at(moved * 40 + 60, clip_y))  # select the clip and its track
    page.keyboard.press("m")
    version += 1
    _settled(page, running_app, auth, project_id, version)
    lane.focus()
    page.keyboard.press("c")
    assert page.evaluate("window.__studio.metronome()")
    assert page.get_by_role("button", name="Metronome").get_attribute("aria-pressed") == "true"
    page.keyboard.press("Space")  # the audio engine starts with the first play
    page.wait_for_function("() => window.__studio.playing()", timeout=30_000)
    page.keyboard.press("Space")
    page.keyboard.press("Home")
    page.evaluate(CAPTURE_JS)
    page.get_by_role("button", name="1 bar in").click()
    lane.focus()
    page.keyboard.press("Space")
    page.wait_for_function("() => window.__studio.playing()", timeout=30_000)
    origin = page.evaluate("window.__studio.engine().transport.originFrame")
    page.wait_for_function("() => window.__studio.position() > 2.9", timeout=30_000)
    page.keyboard.press("Space")
    page.wait_for_timeout(300)  # the last click's window closes
    cap = page.evaluate("({onsets: window.__cap.onsets, mixPeak: window.__cap.mixPeak})")
    beat = BEAT_110 * 48000
    # each click starts on its beat's frame (its first sample is 0: heard from the next one)
    ks = [(o["frame"] - 1 - origin) / beat for o in cap["onsets"]]
    assert all(abs(k - round(k)) * beat <= 1.5 for k in ks), f"clicks off the beat (in beats): {ks}"
    beats_heard = [round(k) for k in ks]
    assert beats_heard[:9] == list(range(-3, 6)), f"beats clicked {beats_heard}"  # count-in -3..-1, then the song
    accents = [b for b, o in zip(beats_heard, cap["onsets"], strict=True) if o["peak"] > 0.43]
    assert accents == [b for b in beats_heard if b % 3 == 0], f"accented beats {accents} of {beats_heard}"
    assert cap["mixPeak"] < 1e-4, f"the mix carried {cap['mixPeak']:.4f} with its only track muted"
    assert errors == []
    context.close()


def test_the_mix_assistant_can_be_dismissed_and_send_to_mastering_opens_the_mastering_panel(  # type: ignore[no-untyped-def]
        browser, running_app: RunningApp) -> None:
    email = "studio.dismiss@example.com"
    auth = _artist(running_app, email)
    quiet = _ready_track(running_app, auth, "Soft Pad.wav", seed=83, seconds=4)
    loud = _ready_track(running_app, auth, "Hard Kick.wav", seed=84, seconds=4)
    project_id = _project(running_app, auth, "Dismissed", [
        {"op": "track.add", "track": {"id": "pad", "name": "Pad", "role": "music"}},
        {"op": "track.add", "track": {"id": "kick", "name": "Kick", "role": "drums"}},
        {"op": "clip.add", "track": "pad", "clip": {**CLIP, "id": "p1", "file": quiet, "start_s": 0.0,
                                                    "length_s": 3.0}},
        {"op": "clip.add", "track": "kick", "clip": {**CLIP, "id": "k1", "file": loud, "start_s": 0.0,
                                                     "length_s": 3.0, "gain_db": 6.0}}])
    context, page, errors = _open_editor(browser, running_app, email, project_id)
    commits = _commits(page)
    before = _settled(page, running_app, auth, project_id, 1)

    page.get_by_test_id("assistant").click()
    panel = page.get_by_test_id("assistant-panel")
    panel.wait_for(timeout=60_000)
    assert panel.locator("li").count() == 2  # a suggestion to dismiss
    panel.get_by_role("button", name="Dismiss").click()
    panel.wait_for(state="hidden", timeout=5_000)
    page.wait_for_timeout(500)
    assert commits == []  # no edit event at all
    assert _settled(page, running_app, auth, project_id, 1) == before
    assert page.get_by_role("button", name="Undo").is_disabled()  # nothing to undo either

    # Bounce, then "Master it": the library page of the bounced mix with its mastering panel on screen.
    page.get_by_test_id("bounce").click()
    page.get_by_test_id("bounce-start").click()
    page.get_by_text("Your mix is ready.").wait_for(timeout=120_000)
    href = page.get_by_test_id("send-to-mastering").get_attribute("href")
    page.get_by_test_id("send-to-mastering").click()
    page.wait_for_url(re.compile(r"/library/[0-9a-f-]{36}/?(#.*)?$"), timeout=30_000)
    track_id = re.search(r"/library/([0-9a-f-]{36})", page.url).group(1)  # type: ignore[union-attr]
    assert href.split("#")[0].rstrip("/").endswith(track_id)
    track = httpx.get(f"{running_app.url}{routes.V1_TRACK.format(track_id=track_id)}", headers=auth).json()
    assert track["title"].startswith("Dismissed")  # the bounce of this project
    heading = page.get_by_role("heading", name="Master this track")
    heading.wait_for(timeout=120_000)
    page.get_by_test_id("start-master").wait_for()
    assert heading.evaluate("h => { const r = h.getBoundingClientRect(); "
                            "return r.top >= 0 && r.bottom <= innerHeight; }")  # on screen, no scrolling
    screenshot(page, "studio-sent-to-mastering")
    assert errors == []
    context.close()


def test_upload_progress_and_a_clip_whose_file_was_deleted(browser, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    email = "studio.missing@example.com"
    auth = _artist(running_app, email)
    kept = _ready_track(running_app, auth, "Kept Bass.wav", seed=85, seconds=4)
    gone = _ready_track(running_app, auth, "Gone Vocal.wav", seed=86, seconds=4)
    project_id = _project(running_app, auth, "Missing", [
        {"op": "track.add", "track": {"id": "a", "name": "Bass", "role": "bass"}},
        {"op": "track.add", "track": {"id": "b", "name": "Vocal", "role": "vocals"}},
        {"op": "clip.add", "track": "a", "clip": {**CLIP, "id": "ka", "file": kept, "start_s": 0.0, "length_s": 3.0}},
        {"op": "clip.add", "track": "b", "clip": {**CLIP, "id": "gb", "file": gone, "start_s": 1.0, "length_s": 3.0}}])
    assert httpx.delete(f"{running_app.url}{routes.V1_TRACK.format(track_id=gone)}", headers=auth).status_code == 204
    context, page, errors = _open_editor(browser, running_app, email, project_id)
    _settled(page, running_app, auth, project_id, 1)

    # The deleted file's clip is drawn red-brown with "Missing file"; the bar offers to remove it.
    notice = page.get_by_test_id("missing-files")
    notice.wait_for(timeout=10_000)
    assert "1 clip has no audio file any more" in notice.inner_text()
    fill = page.evaluate(f"""() => {{
        const c = document.querySelector('.mbst-lane canvas');
        return [...c.getContext('2d').getImageData(2 * 40 + 20, {RULER_PX + TRACK_PX + TRACK_PX - 12}, 1, 1).data];
    }}""")
    assert fill[:3] == [0x4A, 0x22, 0x26], f"the missing clip is drawn {fill}"
    screenshot(page, "studio-missing-file")
    page.get_by_test_id("remove-missing").click()
    doc = _settled(page, running_app, auth, project_id, 2)
    assert [[c["id"] for c in t["clips"]] for t in doc["tracks"]] == [["ka"], []]
    notice.wait_for(state="hidden", timeout=5_000)
    page.get_by_test_id("timeline").focus()
    page.keyboard.press("Control+z")  # one undoable edit: the clip (still missing) comes back
    doc = _settled(page, running_app, auth, project_id, 3)
    assert [[c["id"] for c in t["clips"]] for t in doc["tracks"]] == [["ka"], ["gb"]]
    notice.wait_for(timeout=5_000)

    # A dropped file shows its upload progress (uploads held to ~250 kB/s here) until it is placed.
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                  "uploadThroughput": 250_000})
    page.evaluate("""() => { window.__progress = [];
        new MutationObserver(() => { for (const el of document.querySelectorAll('[data-testid=upload-progress]'))
            window.__progress.push(el.innerText); }).observe(document.body, {subtree: true, childList: true,
                                                                            characterData: true}); }""")
    audio = music_bytes("WAV", seconds=5, seed=87, level=0.3)
    page.get_by_test_id("timeline").evaluate("""(lane, bytes) => {
        const r = lane.getBoundingClientRect();
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], 'Slow upload.wav', {type: 'audio/wav'}));
        for (const type of ['dragenter', 'dragover', 'drop'])
            lane.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: dt,
                                                    clientX: r.left + 200, clientY: r.top + 26 + 76 * 2 + 30}));
    }""", list(audio))
    bar = page.get_by_role("progressbar", name="Upload of Slow upload.wav")
    bar.wait_for(timeout=10_000)
    screenshot(page, "studio-uploading")
    page.set_viewport_size({"width": 390, "height": 844})  # phones hide the library column: the status bar tells
    page.locator(".mbst-upnote").filter(has_text="Uploading Slow upload.wav:").wait_for(timeout=5_000)
    screenshot(page, "studio-uploading-phone")
    page.set_viewport_size({"width": 1440, "height": 900})
    doc = _settled(page, running_app, auth, project_id, 4)
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                  "uploadThroughput": -1})
    assert doc["tracks"][2]["name"] == "Slow upload"
    shown = [int(m.group(1)) for text in page.evaluate("window.__progress")
             for m in [re.search(r"Uploading (\d+) %", text)] if m]
    assert len(set(shown)) >= 3 and shown == sorted(shown) and 0 < shown[len(shown) // 2] < 100, \
        f"progress shown while uploading: {sorted(set(shown))}"
    assert any("Processing…" in t for t in page.evaluate("window.__progress"))
    assert errors == []
    context.close()


def test_a_refused_stale_edit_is_shown_and_rolled_back_and_edits_survive_the_connection_going_down(  # type: ignore[no-untyped-def]
        browser, running_app: RunningApp) -> None:
    email = "studio.offline@example.com"
    auth = _artist(running_app, email)
    project_id = _project(running_app, auth, "Offline", [
        {"op": "track.add", "track": {"id": "t1", "name": "Guitar", "role": "music"}},
        {"op": "track.add", "track": {"id": "t2", "name": "Drums", "role": "drums"}}])
    link = {"down": False, "open": []}

    def relay(ws) -> None:  # type: ignore[no-untyped-def]
        if link["down"]:
            ws.close(code=1006, reason="offline")  # the network is gone: every new connection fails
            return
        link["open"].append((ws, ws.connect_to_server()))

    context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=running_app.url)
    context.route_web_socket(re.compile(r"/_event"), relay)
    context.route(re.compile(r"/_event/"), lambda route: route.abort("internetdisconnected") if link["down"]
                  else route.continue_())  # no long-polling fallback around the cut either
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, email, PASSWORD)
    page.goto(routes.project_page(project_id))
    page.get_by_test_id("timeline").wait_for(timeout=60_000)
    _settled(page, running_app, auth, project_id, 1)

    # Elsewhere the guitar track is renamed; this tab renames it too, from the version it has: refused.
    made = httpx.post(f"{running_app.url}{routes.V1_PROJECT_EDITS.format(project_id=project_id)}", headers=auth,
                      json={"base_version": 1, "txn_id": "elsewhere", "ops": [
                          {"op": "track.set", "id": "t1", "field": "name", "value": "Lead guitar"}]})
    assert made.status_code == 200, made.text
    page.get_by_label("Name of track 1").fill("My guitar")
    page.keyboard.press("Enter")
    message = page.get_by_test_id("studio-message")
    message.filter(has_text="Someone else changed the same thing").wait_for(timeout=30_000)
    assert "your change was not saved" in message.inner_text() and "make your change again" in message.inner_text()
    doc = _settled(page, running_app, auth, project_id, 2)  # the browser shows what is stored: theirs
    assert doc["tracks"][0]["name"] == "Lead guitar"
    assert page.get_by_label("Name of track 1").input_value() == "Lead guitar"
    screenshot(page, "studio-stale-refused")

    # The connection drops. Three edits made meanwhile stay in this browser (and its storage).
    link["down"] = True
    for ws, server in link["open"]:
        server.close()
        ws.close(code=1006, reason="offline")
    page.wait_for_timeout(500)
    page.get_by_label("Mute Lead guitar").first.click()
    page.get_by_label("Solo Drums").first.click()
    page.get_by_label("Name of track 2").fill("Beat")
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.__studio.pending() === 3", timeout=5_000)
    page.get_by_text("Saving… (3 changes waiting)").wait_for(timeout=5_000)
    kept = page.evaluate(f"JSON.parse(localStorage.getItem('mb-studio-pending-{project_id}'))")
    assert len(kept["items"]) == 3
    offline_doc = page.evaluate("window.__studio.doc()")
    assert (offline_doc["tracks"][0]["mute"], offline_doc["tracks"][1]["solo"], offline_doc["tracks"][1]["name"]) == \
        (True, True, "Beat")
    # Down for longer than the editor's resend timer (10 s): the first edit is queued twice by now.
    page.wait_for_timeout(12_000)
    assert _server(running_app, auth, project_id)["version"] == 2
    screenshot(page, "studio-offline")

    # Back: everything is sent, each edit applied exactly once.
    link["down"] = False
    doc = _settled(page, running_app, auth, project_id, 5)
    assert doc == offline_doc
    page.wait_for_timeout(1500)
    stored = _server(running_app, auth, project_id)
    assert stored["version"] == 5 and stored["document"] == offline_doc
    history = httpx.get(f"{running_app.url}{routes.V1_PROJECT_EDITS.format(project_id=project_id)}",
                        headers=auth).json()
    assert len(history) == 5 and [h["version"] for h in history] == [1, 2, 3, 4, 5]
    assert page.evaluate(f"localStorage.getItem('mb-studio-pending-{project_id}')") is None
    assert errors == []
    context.close()


def test_projects_page_rename_copy_and_delete(browser, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    email = "studio.projects@example.com"
    auth = _artist(running_app, email)
    project_id = _project(running_app, auth, "Demo Song", [
        {"op": "track.add", "track": {"id": "t", "name": "Lead", "role": "vocals"}}], tempo_bpm=93)
    context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=running_app.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, email, PASSWORD)
    page.goto(routes.PROJECTS)

    def stored() -> dict[str, dict[str, Any]]:
        listed = httpx.get(f"{running_app.url}{routes.V1_PROJECTS}", headers=auth).json()
        return {p["name"]: p for p in (listed["items"] if isinstance(listed, dict) else listed)}

    page.get_by_role("button", name="Rename Demo Song").click()
    page.get_by_label("Project name").fill("Summer Song")
    page.get_by_role("button", name="Save").click()
    page.get_by_test_id("project-name").filter(has_text="Summer Song").wait_for(timeout=15_000)
    assert list(stored()) == ["Summer Song"] and stored()["Summer Song"]["id"] == project_id

    page.get_by_role("button", name="Make a copy of Summer Song").click()
    page.get_by_test_id("project-name").filter(has_text="Summer Song (copy)").wait_for(timeout=15_000)
    projects = stored()
    assert set(projects) == {"Summer Song", "Summer Song (copy)"}
    copy_id = projects["Summer Song (copy)"]["id"]
    original = _server(running_app, auth, project_id)["document"]
    copied = _server(running_app, auth, copy_id)["document"]
    assert copy_id != project_id and copied == original and projects["Summer Song (copy)"]["tempo_bpm"] == 93
    screenshot(page, "studio-projects-copied")

    # Delete asks first: "Keep it" keeps it, "Delete" deletes it.
    page.get_by_role("button", name="Delete Summer Song (copy)").click()
    dialog = page.get_by_role("alertdialog")
    dialog.get_by_text("“Summer Song (copy)” and its history will be deleted.").wait_for(timeout=10_000)
    dialog.get_by_role("button", name="Keep it").click()
    dialog.wait_for(state="hidden", timeout=10_000)
    assert set(stored()) == {"Summer Song", "Summer Song (copy)"}
    page.get_by_role("button", name="Delete Summer Song (copy)").click()
    dialog.get_by_role("button", name="Delete").click()
    page.get_by_test_id("project-name").filter(has_text="Summer Song (copy)").wait_for(state="detached",
                                                                                       timeout=15_000)
    assert list(stored()) == ["Summer Song"]
    gone = httpx.get(f"{running_app.url}{routes.V1_PROJECT.format(project_id=copy_id)}", headers=auth)
    assert gone.status_code == 404
    assert page.get_by_test_id("project-card").count() == 1
    assert errors == []
    context.close()
