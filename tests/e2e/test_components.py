"""The wrapped JS components (waveform thumbnail, track player, uploader) in headless Chromium.

A small Reflex app (tests/e2e/component_demo) shows them with generated audio and peaks, behind the
real SecurityMiddleware (so the real Content-Security-Policy applies), with a media route that
answers Range requests and a slow multipart upload endpoint. Measured: pixels drawn, playback time,
seek accuracy, the peaks level fetched per zoom, A/B position continuity, upload progress and
events, no console errors, no horizontal scroll at 390 px, no serious/critical axe findings.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile as sf

from audio.peaks import build_peaks, read_dat
from tests.support.e2e import ROOT, _free_port, screenshot

pytestmark = pytest.mark.e2e

DEMO = Path(__file__).parent / "component_demo"
AXE = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
MEDIA = "/api/demo/media"
DURATION_S = 60.0
MB = 1024 * 1024


def _write_media(out: Path) -> None:
    """60 s stereo 'song' (beat + tone + noise), a louder clipped 'master', a quiet mono file; peaks."""
    sr = 44100
    t = np.arange(int(sr * DURATION_S)) / sr
    rng = np.random.default_rng(1)
    kick = np.sin(2 * np.pi * 55 * t) * np.exp(-(t % 0.5) * 9.0)
    swell = 0.35 + 0.65 * (0.5 + 0.5 * np.sin(2 * np.pi * t / 20))
    tone = 0.3 * np.sin(2 * np.pi * 220 * t + 0.5 * np.sin(2 * np.pi * 3 * t)) * swell
    noise = rng.standard_normal(t.size) * 0.08 * np.exp(-(t % 0.25) * 30)
    song = (np.stack([0.6 * kick + tone + noise, 0.6 * kick + 0.8 * tone + noise], axis=1) * 0.5).astype(np.float32)
    files = {"song": song, "master": np.tanh(song * 3.0) * 0.9, "quiet": song[:, :1] * 0.3}
    for name, data in files.items():
        sf.write(out / f"{name}.wav", data.astype(np.float32), sr, subtype="PCM_16")
        build_peaks(out / f"{name}.wav", out, json_levels=())


@dataclass
class Demo:
    url: str
    media: Path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    media = tmp_path_factory.mktemp("component-media")
    _write_media(media)
    if not (DEMO / "reflex.lock").exists():  # start from the app's pinned frontend packages
        shutil.copytree(ROOT / "reflex.lock", DEMO / "reflex.lock")
    port = _free_port()
    url = f"http://localhost:{port}"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"}}
    env.update(PYTHONPATH=str(ROOT), MAXBOOSTER_DATA_DIR=str(media / "data"), APP_URL=url,
               COMPONENT_DEMO_MEDIA=str(media), REFLEX_TELEMETRY_ENABLED="false", GRANIAN_WORKERS="1")
    env["PATH"] = f"{ROOT / '.tools' / 'node_modules' / '.bin'}{os.pathsep}{env['PATH']}"
    log = media / "app.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "reflex", "run", "--env", "prod", "--single-port",
                                 "--frontend-port", str(port), "--backend-port", str(port)],
                                cwd=DEMO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 420  # a first build installs the frontend packages
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"demo app did not start:\n{log.read_text(errors='replace')[-4000:]}")
            try:
                if httpx.get(f"{url}{MEDIA}/song.4096.dat", timeout=3).status_code == 200 \
                        and httpx.get(url, timeout=3).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(1)
        yield Demo(url, media)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _open(browser, url: str, *, width: int = 1440, height: int = 900, bypass_csp: bool = False):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=bypass_csp)
    pg = context.new_page()
    pg.problems = []  # console errors/warnings, page errors, failed requests
    pg.dat = Counter()  # requests per peaks file (player: song.<spp>.dat)
    # answers that are errors on purpose: an absent peaks file (thumbnail error state), a refused upload
    expected = {(404, "/missing.4096.dat"), (422, "/api/demo/upload")}

    def console(msg) -> None:  # type: ignore[no-untyped-def]
        if msg.type not in ("error", "warning") or "willReadFrequently" in msg.text:  # that one is our pixel reads
            return
        if not msg.text.startswith("Failed to load resource: the server responded"):  # checked per response
            pg.problems.append(f"{msg.type}: {msg.text}")

    def response(r) -> None:  # type: ignore[no-untyped-def]
        if r.status >= 400 and not any(r.status == code and r.url.endswith(end) for code, end in expected):
            pg.problems.append(f"{r.status} {r.url}")

    pg.on("console", console)
    pg.on("response", response)
    pg.on("pageerror", lambda e: pg.problems.append(f"pageerror: {e}"))
    pg.on("request", lambda r: pg.dat.update([r.url.rsplit("/", 1)[-1]]) if ".dat" in r.url else None)
    pg.goto(url)
    pg.locator("[data-testid=player] canvas").first.wait_for(timeout=60_000)
    return pg


@pytest.fixture
def page(browser, demo: Demo) -> Iterator[object]:  # type: ignore[no-untyped-def]
    pg = _open(browser, demo.url)
    yield pg
    problems = pg.problems
    pg.context.close()
    assert problems == [], "console errors under the real CSP"


def _events(pg) -> dict[str, list]:  # type: ignore[no-untyped-def]
    return json.loads(pg.get_by_test_id("events").inner_text())


def _wait_events(pg, key: str, count: int, timeout_s: float = 10) -> list:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = _events(pg)[key]
        if len(found) >= count:
            return found
        pg.wait_for_timeout(100)
    raise AssertionError(f"expected {count} {key} events, got {_events(pg)[key]}")


# per canvas column: the topmost and bottommost row with any ink (-1 when the column is empty)
_INK = """(el) => {
  const c = el.querySelector('canvas'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const top = new Array(c.width).fill(-1), bottom = new Array(c.width).fill(-1);
  for (let y = 0; y < c.height; y++) for (let x = 0; x < c.width; x++)
    if (d[(y * c.width + x) * 4 + 3] > 0) { if (top[x] < 0) top[x] = y; bottom[x] = y; }
  return {width: c.width, height: c.height, cssWidth: el.clientWidth, top, bottom};
}"""


def _expected_tops(dat: Path, width: int, height: int) -> list[int]:
    """Row where each column's bar starts: the max over the column's peaks and both channels."""
    peaks = read_dat(dat)
    highs = peaks.data[:, :, 1].max(axis=0) / 32768
    n = peaks.length
    tops = []
    for x in range(width):
        i0, i1 = (x * n) // width, ((x + 1) * n) // width
        high = highs[i0:max(i1, i0 + 1)].max()
        tops.append(int(np.floor(height / 2 - high * (height - 2) / 2)))
    return tops


def test_thumbnails_draw_from_peaks_and_show_errors(page, demo: Demo) -> None:  # type: ignore[no-untyped-def]
    first = page.get_by_test_id("thumb-0")
    for i in (0, 2):
        page.locator(f"[data-testid=thumb-{i}][data-state=ready]").wait_for(timeout=20_000)
    for i, stem in ((0, "song"), (2, "quiet")):  # stereo (drawn as the max over channels) and mono
        ink = page.get_by_test_id(f"thumb-{i}").evaluate(_INK)
        assert ink["width"] == ink["cssWidth"] > 100  # fills the container (devicePixelRatio 1 here)
        want = _expected_tops(demo.media / f"{stem}.4096.dat", ink["width"], ink["height"])
        close = sum(abs(got - exp) <= 1 for got, exp in zip(ink["top"], want, strict=True))
        assert close >= 0.98 * ink["width"], (stem, close, ink["width"])
        assert min(ink["top"]) < ink["height"] / 2 - 2  # real bars, not the placeholder line
    # below the fold: fetched only when scrolled near (a page of 50 thumbnails must stay cheap)
    assert "missing.4096.dat" not in page.dat
    broken = page.get_by_test_id("thumb-49")
    broken.scroll_into_view_if_needed()
    page.locator("[data-testid=thumb-49][data-state=error]").wait_for(timeout=10_000)
    assert "HTTP 404" in (broken.get_attribute("title") or "")
    flat = broken.evaluate(_INK)
    assert max(flat["bottom"]) - min(t for t in flat["top"] if t >= 0) <= 1  # a flat line only
    page.set_viewport_size({"width": 900, "height": 900})  # ResizeObserver redraws at the new width
    page.wait_for_timeout(500)
    ink = first.evaluate(_INK)
    want = _expected_tops(demo.media / "song.4096.dat", ink["width"], ink["height"])
    assert ink["width"] == ink["cssWidth"]
    assert sum(abs(g - w) <= 1 for g, w in zip(ink["top"], want, strict=True)) >= 0.98 * ink["width"]
    assert len([k for k in page.dat if k.startswith(("song.4096.dat?", "master.4096", "quiet.4096"))]) >= 30


def _audio(pg, version: str = "a") -> float:  # type: ignore[no-untyped-def]
    selector = f"[data-testid=player] audio[data-version={version}]"
    return float(pg.evaluate(f"document.querySelector('{selector}').currentTime"))


def _player_dat(pg) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Peaks requests of the player (thumbnails' URLs carry ?n=)."""
    return {k: v for k, v in pg.dat.items() if k.startswith("song.") and "?" not in k}


def _click_at(pg, fraction: float) -> None:  # type: ignore[no-untyped-def]
    box = pg.get_by_role("slider", name="Playback position").bounding_box()
    pg.mouse.click(box["x"] + fraction * box["width"], box["y"] + 80)


def test_player_plays_seeks_and_zooms_with_the_right_level(page) -> None:  # type: ignore[no-untyped-def]
    player = page.get_by_test_id("player")
    page.locator("[data-testid=player][data-level]").wait_for(timeout=20_000)
    assert player.get_attribute("data-level") == "1024"  # ~1200 px for 60 s at 44.1 kHz ≈ 2,200 spp
    assert _player_dat(page) == {"song.1024.dat": 1}

    page.get_by_role("button", name="Play").click()
    page.wait_for_timeout(1500)
    played = _audio(page)
    assert 0.8 < played < 3.0, played
    page.get_by_role("button", name="Pause").click()
    positions = _wait_events(page, "positions", 1)
    assert abs(positions[-1] - _audio(page)) < 0.01

    for fraction in (0.37, 0.81):  # at "fit" the waveform spans the whole width
        _click_at(page, fraction)
        page.wait_for_timeout(150)
        assert abs(_audio(page) / DURATION_S - fraction) < 0.01, (_audio(page), fraction)
    assert abs(_wait_events(page, "positions", 3)[-1] - 0.81 * DURATION_S) < 0.6
    assert re.fullmatch(r"0:48\.\d / 1:00", page.locator(".mbtp-time").inner_text())

    zoom_in = page.get_by_role("button", name="Zoom in")
    zoom_in.click()
    zoom_in.click()
    page.wait_for_function("document.querySelector('[data-testid=player]').dataset.level === '256'")
    zoom_in.click()
    zoom_in.click()
    page.wait_for_function("document.querySelector('[data-testid=player]').dataset.level === '64'")
    page.get_by_role("button", name="Fit whole track").click()
    page.wait_for_function("document.querySelector('[data-testid=player]').dataset.level === '1024'")
    zoom_in.click()
    zoom_in.click()
    page.wait_for_timeout(300)
    song = _player_dat(page)
    assert song == {"song.1024.dat": 1, "song.256.dat": 1, "song.64.dat": 1}, song  # lazy, cached

    scroller = page.get_by_role("slider", name="Playback position")
    left = scroller.evaluate("el => el.scrollLeft")
    box = scroller.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 80)
    page.mouse.wheel(300, 0)  # horizontal wheel / trackpad
    page.wait_for_timeout(200)
    assert scroller.evaluate("el => el.scrollLeft") > left
    before = _audio(page)
    left = scroller.evaluate("el => el.scrollLeft")
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 - 200, box["y"] + 80, steps=8)
    page.mouse.up()
    assert abs(scroller.evaluate("el => el.scrollLeft") - (left + 200)) < 2  # dragged, not seeked
    assert _audio(page) == before

    # Ctrl + wheel zooms around the pointer: the time under it stays put
    page.get_by_role("button", name="Fit whole track").click()
    x = box["x"] + 0.6 * box["width"]
    page.mouse.move(x, box["y"] + 80)
    page.keyboard.down("Control")
    page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    page.wait_for_timeout(200)
    assert scroller.evaluate("el => el.scrollWidth") > 3 * box["width"]
    page.mouse.click(x, box["y"] + 80)
    page.wait_for_timeout(150)
    assert abs(_audio(page) - 0.6 * DURATION_S) < 0.1, _audio(page)

    # keyboard: arrows on the focused waveform seek; Space anywhere outside controls plays/pauses
    scroller.focus()
    start = _audio(page)
    page.keyboard.press("ArrowRight")
    assert abs(_audio(page) - (start + 5)) < 0.01
    page.get_by_role("heading", name="Component demo").click()
    page.keyboard.press("Space")
    page.wait_for_function("document.querySelector('[data-testid=player]').dataset.playing === 'true'")
    page.wait_for_timeout(600)
    page.keyboard.press("Space")
    page.wait_for_function("document.querySelector('[data-testid=player]').dataset.playing === 'false'")
    assert _audio(page) > start + 5.3
    # Space on one of the player's buttons plays/pauses instead of pressing that button
    width = scroller.evaluate("el => el.scrollWidth")
    zoom_in.focus()
    page.keyboard.press("Space")
    page.wait_for_function("document.querySelector('[data-testid=player]').dataset.playing === 'true'")
    assert scroller.evaluate("el => el.scrollWidth") == width
    # scrolling away while playing is not undone by the playhead following
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 80)
    page.mouse.wheel(-width, 0)
    page.wait_for_timeout(400)
    away = scroller.evaluate("el => el.scrollLeft")
    assert away == 0 and _audio(page) / DURATION_S * width > box["width"]  # the playhead is off screen
    page.keyboard.press("Space")
    page.wait_for_function("document.querySelector('[data-testid=player]').dataset.playing === 'false'")
    assert scroller.evaluate("el => el.scrollLeft") == away


def test_ab_switch_keeps_the_position_and_applies_loudness_offsets(page) -> None:  # type: ignore[no-untyped-def]
    player = page.get_by_test_id("player")
    assert player.get_attribute("data-gains") == "1.000,0.000"  # A heard at +0 dB, B silent
    page.get_by_role("button", name="Play").click()
    page.wait_for_timeout(1500)
    jumps = []
    for target, source in (("Master", "a"), ("Original", "b"), ("Master", "a")):
        measured = page.evaluate(
            """([label, source]) => {
                const el = (v) => document.querySelector(`[data-testid=player] audio[data-version=${v}]`);
                const other = source === 'a' ? 'b' : 'a';
                const before = el(source).currentTime, drift = el(other).currentTime - before;
                const buttons = [...document.querySelectorAll('[data-testid=player] button')];
                buttons.find(b => b.textContent === label).click();
                return {before, after: el(other).currentTime, drift};
            }""", [target, source])
        jumps.append(measured)
        assert abs(measured["after"] - measured["before"]) < 0.05, measured
        page.wait_for_timeout(700)
    assert player.get_attribute("data-ab") == "b"
    assert player.get_attribute("data-gains") == "0.000,0.501"  # B at −6 dB: both equally loud
    assert _wait_events(page, "ab", 3) == ["b", "a", "b"]
    assert _audio(page, "b") > jumps[-1]["after"] + 0.5  # still playing, now from B
    page.get_by_role("button", name="Match loudness").click()
    assert player.get_attribute("data-gains") == "0.000,1.000"  # real levels
    assert _wait_events(page, "matched", 1) == [False]
    page.get_by_role("button", name="Pause").click()
    assert abs(_audio(page, "a") - _audio(page, "b")) < 0.002  # both parked at the same time


def test_renewed_addresses_keep_playing_from_the_playhead(page) -> None:  # type: ignore[no-untyped-def]
    """Pages re-issue signed URLs when they refresh; the player must not stop or jump back to 0."""
    player = page.get_by_test_id("player")
    page.get_by_role("button", name="Play").click()
    page.wait_for_timeout(1200)
    page.get_by_role("button", name="Master", exact=True).click()
    before = _audio(page, "b")
    page.get_by_test_id("renew").click()
    page.wait_for_function("""() => document.querySelector('[data-testid=player] audio[data-version=b]')
        .getAttribute('src').endsWith('renewal=1')""")
    page.wait_for_timeout(1000)
    assert player.get_attribute("data-playing") == "true"
    assert _audio(page, "b") > before + 0.5, (before, _audio(page, "b"))  # went on from where it was
    assert abs(_audio(page, "a") - _audio(page, "b")) < 0.3  # the other side rejoined at the playhead
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Original").click()


def _file(folder: Path, name: str, size: int) -> Path:
    path = folder / name
    with open(path, "wb") as f:
        f.truncate(size)
    return path


def _rows(pg) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    return pg.evaluate("""() => [...document.querySelectorAll('[data-testid=uploader] li')].map(li => ({
        status: li.dataset.status, text: li.innerText}))""")


def _upload_until_done(pg, timeout_s: float = 90) -> dict[str, object]:  # type: ignore[no-untyped-def]
    seen = {"max_active": 0, "progress": set(), "processing": False}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        rows = _rows(pg)
        active = [r for r in rows if r["status"] in ("uploading", "processing")]
        seen["max_active"] = max(seen["max_active"], len(active))
        for row in active:
            match = re.search(r"(\d+)% · (\d+\.\d) / (\d+\.\d) MB", row["text"])
            if match and 0 < int(match.group(1)) < 100:
                seen["progress"].add(row["text"].split("\n")[0])
            seen["processing"] |= "Processing…" in row["text"]
        if rows and all(r["status"] in ("added", "duplicate", "error", "cancelled") for r in rows):
            return seen
        pg.wait_for_timeout(50)
    raise AssertionError(f"uploads did not finish: {_rows(pg)}")


def test_uploader_progress_outcomes_and_events(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    files = [_file(tmp_path, "first take.wav", 3 * MB), _file(tmp_path, "album master.wav", 24 * MB),
             _file(tmp_path, "dup-song.wav", MB), _file(tmp_path, "reject-me.wav", MB),
             _file(tmp_path, "too-big.wav", 45 * MB)]
    page.get_by_test_id("uploader").locator("input[type=file]").set_input_files(files)
    seen = _upload_until_done(page)
    assert seen["max_active"] == 3  # four uploads, at most three at once
    assert "album master.wav" in seen["progress"] and seen["processing"]
    rows = {r["text"].split("\n")[0]: r for r in _rows(page)}
    assert rows["first take.wav"]["status"] == "added" and "Added" in rows["first take.wav"]["text"]
    assert rows["dup-song.wav"]["status"] == "duplicate" and "Already in your library" in rows["dup-song.wav"]["text"]
    assert "This file is not audio we can read." in rows["reject-me.wav"]["text"]
    assert "Too large: 45.0 MB. Files up to 40.0 MB can be uploaded." in rows["too-big.wav"]["text"]
    uploaded = [json.loads(u) for u in _wait_events(page, "uploaded", 3)]
    assert sorted(u["track"]["title"] for u in uploaded) == ["album master.wav", "dup-song.wav", "first take.wav"]
    assert next(u for u in uploaded if u["track"]["title"] == "album master.wav")["track"]["bytes"] > 24 * MB
    failed = {f["name"]: f for f in map(json.loads, _wait_events(page, "failed", 2))}
    assert failed["reject-me.wav"]["code"] == "invalid_input"
    assert failed["too-big.wav"]["code"] == "body_too_large"

    # Cancel aborts the request; drop adds files like the picker; a dropped text file is refused
    page.get_by_role("button", name="Clear finished").click()
    page.get_by_test_id("uploader").locator("input[type=file]").set_input_files([_file(tmp_path, "long.wav", 30 * MB)])
    page.wait_for_function("/\\d+% · [1-9]/.test(document.querySelector('[data-testid=uploader] li').innerText)")
    page.get_by_role("button", name="Cancel upload of long.wav").click()
    page.locator("[data-testid=uploader] li[data-status=cancelled]").wait_for()
    page.get_by_role("button", name=re.compile("Drop audio files here")).evaluate("""zone => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(300000)], 'dropped.wav', {type: 'audio/wav'}));
        dt.items.add(new File(['hello'], 'notes.txt', {type: 'text/plain'}));
        for (const type of ['dragenter', 'dragover', 'drop'])
            zone.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: dt}));
    }""")
    _upload_until_done(page)
    rows = {r["text"].split("\n")[0]: r["status"] for r in _rows(page)}
    assert rows == {"long.wav": "cancelled", "dropped.wav": "added", "notes.txt": "error"}
    assert _events(page)["uploaded"][-1].count("dropped.wav") == 1
    assert len(_wait_events(page, "failed", 3)) == 3  # cancelling is not a failure


@pytest.mark.parametrize("viewport", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_layout_screenshots_and_axe(browser, demo: Demo, tmp_path: Path,  # type: ignore[no-untyped-def]
                                    viewport: tuple[int, int]) -> None:
    pg = _open(browser, demo.url, width=viewport[0], height=viewport[1], bypass_csp=True)  # axe is injected
    pg.locator("[data-testid=player][data-level]").wait_for(timeout=20_000)
    pg.get_by_test_id("uploader").locator("input[type=file]").set_input_files(
        [_file(tmp_path, "take 3 (final).wav", 2 * MB), _file(tmp_path, "too-big-for-this-demo.wav", 41 * MB)])
    _upload_until_done(pg)
    pg.get_by_role("button", name="Zoom in").click()
    pg.get_by_role("button", name="Play").click()
    pg.wait_for_timeout(1200)
    pg.get_by_role("button", name="Master").click()
    pg.wait_for_timeout(300)
    name = "components-" + ("desktop" if viewport[0] > 1000 else "phone")
    screenshot(pg, name)
    pg.get_by_role("button", name="Pause").click()
    assert pg.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    pg.add_script_tag(path=str(AXE))
    found = pg.evaluate("async () => (await axe.run()).violations.map(v => [v.impact, v.id, "
                        "v.nodes.slice(0, 3).map(n => n.target.join(' '))])")
    assert [v for v in found if v[0] in ("serious", "critical")] == []
    assert pg.problems == []
    pg.context.close()
