"""Studio acceptance checks in Chromium against the real app, beside tests/studio/test_e2e_studio.py
(same app and helpers):

- 6: a 32-track project with real media plays for 60 s with the mixer's meters moving, and the page
  sends not one websocket frame of its own meanwhile; one clip drag then sends exactly one frame.
- 3: the fade-out handle and the master bus's inserts (add, change a parameter, remove), edited in
  the page, each leave the browser's document equal to the stored one, one version later.
- 8: in the app page, with Chromium's fake microphone playing a click file and the page's output
  looped back into the input: arm, measure the recording delay (the app's own step), record after a
  one-bar count-in, and the take lands on the timeline within 1 ms of where the loop put the sound.

Projects are built through the REST API (one edit), not by clicks, to keep the wall time down.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from maxbooster import routes
from tests.studio.test_e2e_studio import PASSWORD, _artist, _open_editor, _ready_track, _server, _settled
from tests.support.e2e import RunningApp, screenshot, sign_in
from tests.support.library import music_bytes

pytestmark = pytest.mark.e2e

PLAY_S = 60.0  # acceptance 6: a minute of playback
TRACKS, CLIP_S, CLIPS = 32, 10.0, 7  # 32 tracks of 7 back-to-back 10 s clips: 70 s of audio on each


class Frames:
    """Every frame on the page's Reflex websocket, sent and received, in order, with a clock."""

    def __init__(self, page) -> None:  # type: ignore[no-untyped-def]
        self.sent: list[tuple[float, str | bytes]] = []
        self.received: list[tuple[float, str | bytes]] = []
        page.on("websocket", self._attach)

    def _attach(self, ws) -> None:  # type: ignore[no-untyped-def]
        ws.on("framesent", lambda f: self.sent.append((time.monotonic(), f)))
        ws.on("framereceived", lambda f: self.received.append((time.monotonic(), f)))

    def mark(self) -> tuple[int, int]:
        return len(self.sent), len(self.received)

    def since(self, mark: tuple[int, int]) -> tuple[list[str | bytes], list[str | bytes]]:
        """(frames the page sent, engine.io pings the server sent) since `mark`."""
        sent = [f for _, f in self.sent[mark[0]:]]
        pings = [f for _, f in self.received[mark[1]:] if f == "2"]
        return sent, pings


def _own(sent: list[str | bytes], pings: list[str | bytes]) -> list[str | bytes]:
    """The frames the page sent of its own accord: all of them, less one engine.io pong ("3") per
    ping the server sent in the same window (the socket's keep-alive answers the server; Reflex's
    ping interval is 25 s, so a minute holds two or three). A pong with no ping stays counted."""
    own = list(sent)
    for _ in pings:
        if "3" in own:
            own.remove("3")
    return own


def _ready_tracks(app: RunningApp, auth: dict[str, str], files: list[tuple[str, bytes]]) -> list[str]:
    """Upload every file, then wait until all are processed (the worker takes them one after another)."""
    made = [httpx.post(f"{app.url}{routes.V1_TRACKS}", headers=auth, timeout=60, files={"file": f}) for f in files]
    ids = [str(m.json()["track"]["id"]) for m in made]
    deadline = time.monotonic() + 120
    for track_id in ids:
        url = f"{app.url}{routes.V1_TRACK.format(track_id=track_id)}"
        while httpx.get(url, headers=auth).json()["status"] != "ready":
            assert time.monotonic() < deadline, "the tracks were not processed in time"
            time.sleep(0.3)
    return ids


def _edit(app: RunningApp, auth: dict[str, str], project_id: str, base: int, ops: list[dict[str, Any]]) -> None:
    made = httpx.post(f"{app.url}{routes.V1_PROJECT_EDITS.format(project_id=project_id)}", headers=auth, timeout=60,
                      json={"base_version": base, "txn_id": f"acceptance-{project_id}-{base}", "ops": ops})
    assert made.status_code == 200, made.text


def test_a_minute_of_32_track_playback_sends_nothing_and_a_drag_sends_one_frame(  # type: ignore[no-untyped-def]
        browser, running_app: RunningApp) -> None:
    email = "studio.minute@example.com"
    auth = _artist(running_app, email)
    files = _ready_tracks(running_app, auth, [(f"Loop {i + 1}.wav", music_bytes("WAV", seconds=CLIP_S, seed=80 + i,
                                                                           level=0.2)) for i in range(4)])
    made = httpx.post(f"{running_app.url}{routes.V1_PROJECTS}", headers=auth, json={"name": "A minute"}).json()
    pid = made["id"]
    tracks = [{"id": f"t{i}", "name": f"Track {i + 1}", "volume_db": -18.0, "pan": round(-0.9 + 1.8 * i / 31, 3),
               "clips": [{"id": f"c{i}x{j}", "file": files[(i + j) % 4], "start_s": j * CLIP_S, "length_s": CLIP_S,
                          "fade_in_s": 0.01, "fade_out_s": 0.2} for j in range(CLIPS)]} for i in range(TRACKS)]
    _edit(running_app, auth, pid, 0, [{"op": "track.add", "track": t} for t in tracks])

    context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=running_app.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    frames = Frames(page)  # every socket the page opens, from its first frame
    sign_in(page, email, PASSWORD)
    page.goto(routes.project_page(pid))
    page.get_by_test_id("timeline").wait_for(timeout=60_000)
    doc = _settled(page, running_app, auth, pid, 1)
    assert len(doc["tracks"]) == TRACKS and sum(len(t["clips"]) for t in doc["tracks"]) == TRACKS * CLIPS
    page.wait_for_function(f"() => {{ const m = window.__studio.media(); return {files!r}.every("
                           "(id) => m[id] && m[id].state === 'ready'); }", timeout=60_000)
    mixer = page.get_by_role("tabpanel", name="Mixer")
    assert mixer.is_visible()
    assert page.locator(".mbst-meter i").count() == TRACKS + 1  # one per track and the master

    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__studio.playing() && window.__studio.position() > 0.05", timeout=30_000)
    mark, started = frames.mark(), time.monotonic()
    mixer.evaluate("el => el.scrollIntoView({block: 'end'})")  # below the lanes: a user scrolls to watch the meters
    # every meter moves while it plays (read in the page: no event reaches the server)
    page.wait_for_function("""() => [...document.querySelectorAll('.mbst-meter i')]
        .every((el) => /scaleX\\((0\\.[1-9]|0\\.0[1-9]|1)/.test(el.style.transform))""", timeout=30_000)
    in_view = page.evaluate("""() => [...document.querySelectorAll('.mbst-meter i')].filter((el) => {
        const r = el.parentElement.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth;
    }).length""")
    layout = page.evaluate("""() => { const m = document.querySelector('.mbst-mixer').getBoundingClientRect();
        return {top: m.top, bottom: m.bottom, left: m.left, right: m.right, scrollY, innerHeight,
                page: document.documentElement.scrollHeight}; }""")
    assert in_view >= 6, f"only {in_view} meters on screen; mixer at {layout}"
    screenshot(page, "studio-minute-playing")
    page.wait_for_function(f"() => window.__studio.position() >= {PLAY_S + 0.5}", polling=500,
                           timeout=int((PLAY_S + 30) * 1000))
    assert page.evaluate("window.__studio.playing()")
    sent, pings = frames.since(mark)
    wall = time.monotonic() - started
    page.get_by_test_id("play").click()
    print(f"\n{wall:.1f} s of playback: {len(sent)} frames sent ({sent[:6]}), {len(pings)} server pings")
    assert wall >= PLAY_S
    assert _own(sent, pings) == []  # not one frame: playhead, time display and meters stay in the page

    # One clip drag: exactly one frame leaves the page, the edit (whatever else it sends counts too).
    page.wait_for_function("() => !window.__studio.playing()")
    page.wait_for_timeout(300)
    mark = frames.mark()
    page.get_by_test_id("timeline").evaluate("el => { window.scrollTo(0, 0); el.closest('.mbst-arr').scrollTo(0, 0); }")
    lane = page.get_by_test_id("timeline").bounding_box()
    x0, y0 = lane["x"] + 40 * 3, lane["y"] + 26 + 40  # track 1's first clip (0–10 s at 40 px/s)
    page.mouse.move(x0, y0)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x0 + 8 * step, y0)
    page.mouse.up()
    doc = _settled(page, running_app, auth, pid, 2)
    page.wait_for_timeout(1000)  # anything the page would send after the edit is counted too
    sent, pings = frames.since(mark)
    own = _own(sent, pings)
    assert len(own) == 1 and "commit" in str(own[0]), own
    assert doc["tracks"][0]["clips"][0]["start_s"] == 2.0
    assert _server(running_app, auth, pid)["version"] == 2
    assert errors == []
    context.close()


def test_fade_out_handle_and_master_inserts_from_the_page(browser, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    email = "studio.fadeout@example.com"
    auth = _artist(running_app, email)
    song = _ready_track(running_app, auth, "Pad.wav", seed=91, seconds=6)
    made = httpx.post(f"{running_app.url}{routes.V1_PROJECTS}", headers=auth, json={"name": "Fade out"}).json()
    pid = made["id"]
    _edit(running_app, auth, pid, 0, [
        {"op": "track.add", "track": {"id": "pad", "name": "Pad", "role": "music"}},
        {"op": "clip.add", "track": "pad", "clip": {"id": "p1", "file": song, "start_s": 1.0, "length_s": 6.0}}])
    context, page, errors = _open_editor(browser, running_app, email, pid)
    version = 1
    doc = _settled(page, running_app, auth, pid, version)
    page.wait_for_function(f"() => window.__studio.media()['{song}']?.state === 'ready'", timeout=60_000)

    def step(action) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        nonlocal version
        action()
        version += 1
        return _settled(page, running_app, auth, pid, version)

    box = page.get_by_test_id("timeline").bounding_box()
    right, top = box["x"] + 40 * 7.0, box["y"] + 26 + 3  # the clip ends at 7 s (40 px/s); its top edge

    def drag_fade_out() -> None:
        page.mouse.move(right - 2, top + 4)  # the fade-out handle, at the clip's top right corner
        page.mouse.down()
        for k in range(1, 9):
            page.mouse.move(right - 2 - 40 * k / 8, top + 4)
        page.mouse.up()

    doc = step(drag_fade_out)  # 40 px to the left: a 1 s fade out, nothing else changed
    clip = doc["tracks"][0]["clips"][0]
    assert clip["fade_out_s"] == pytest.approx(1.0)
    assert (clip["start_s"], clip["length_s"], clip["fade_in_s"]) == (1.0, pytest.approx(6.0), 0.0)

    doc = step(lambda: page.get_by_label("Add an effect to Master").select_option("compressor"))
    assert [fx["type"] for fx in doc["master"]["inserts"]] == ["compressor"]
    assert doc["tracks"][0]["inserts"] == []
    threshold = doc["master"]["inserts"][0]["threshold_db"]
    doc = step(lambda: (page.get_by_label("Master Compressor Threshold").focus(), page.keyboard.press("ArrowLeft")))
    assert doc["master"]["inserts"][0]["threshold_db"] < threshold
    doc = step(lambda: page.get_by_label("Add an effect to Master").select_option("gain"))
    assert [fx["type"] for fx in doc["master"]["inserts"]] == ["compressor", "gain"]
    doc = step(lambda: page.get_by_label("Remove Compressor from Master").click())
    assert [fx["type"] for fx in doc["master"]["inserts"]] == ["gain"]
    screenshot(page, "studio-master-inserts")

    # Undo puts the removed compressor back, one version later.
    page.get_by_test_id("timeline").focus()
    doc = step(lambda: page.keyboard.press("Control+z"))
    assert [fx["type"] for fx in doc["master"]["inserts"]] == ["compressor", "gain"]
    assert errors == []
    context.close()


# A loopback cable for the app page, installed before the page's scripts run: whatever the page
# plays into its AudioContext's destination also goes, LOOP_FRAMES later, into a MediaStream, and
# getUserMedia returns that stream with Chromium's fake microphone (the click file) mixed in. The
# page's own code is untouched: it opens "the microphone", measures its delay and records from it.
LOOP_FRAMES = 2437
LOOPBACK_JS = """(() => {
  const D = LOOP_FRAMES;
  const connect = AudioNode.prototype.connect;
  const loops = new WeakMap();
  const loopOf = (ctx) => {
    let delay = loops.get(ctx);
    if (!delay) {
      delay = new DelayNode(ctx, {delayTime: D / ctx.sampleRate, maxDelayTime: 1});
      loops.set(ctx, delay);
      window.__loopContext = ctx;
    }
    return delay;
  };
  AudioNode.prototype.connect = function (target, ...rest) {
    const out = connect.call(this, target, ...rest);
    if (target instanceof AudioDestinationNode) connect.call(this, loopOf(this.context), ...rest);
    return out;
  };
  const getUserMedia = MediaDevices.prototype.getUserMedia;
  MediaDevices.prototype.getUserMedia = async function (constraints) {
    const mic = await getUserMedia.call(this, constraints);
    const ctx = window.__loopContext;
    if (!ctx) return mic;
    const cable = new MediaStreamAudioDestinationNode(ctx, {channelCount: 2});
    connect.call(loopOf(ctx), cable);
    connect.call(new MediaStreamAudioSourceNode(ctx, {mediaStream: mic}), cable);
    window.__loopbackUsed = true;
    return cable.stream;
  };
})();""".replace("LOOP_FRAMES", str(LOOP_FRAMES))


def _burst_wav(rate: int) -> tuple[bytes, Any]:
    """3 s of near-silence (a −90 dBFS noise bed) with one 20 ms noise burst at 0.25 s; (file, burst)."""
    import io

    import numpy as np
    import soundfile as sf

    rng = np.random.default_rng(5)
    x = rng.standard_normal((3 * rate, 2)) * 3e-5
    burst = rng.standard_normal(int(0.02 * rate)) * 0.3
    at = int(0.25 * rate)
    x[at : at + burst.size] += burst[:, None]
    buf = io.BytesIO()
    sf.write(buf, x, rate, format="WAV", subtype="FLOAT")
    return buf.getvalue(), burst


def test_record_in_the_app_with_the_measured_delay_after_a_count_in(  # type: ignore[no-untyped-def]
        browser, running_app: RunningApp, tmp_path) -> None:
    """Acceptance 8 in the app page: Chromium's fake microphone plays a click file, and a loopback
    cable (LOOPBACK_JS) carries the page's output back into that input 2,437 frames later plus
    whatever Chromium's MediaStream FIFO adds. Arm the Vocals track, press "Measure recording
    delay" (the app's calibration), turn on the one-bar count-in, record over a clip that holds one
    noise burst at 1.25 s on the timeline: the take is uploaded and placed, the burst heard in it
    sits within 1 ms of 1.25 s on the timeline, and so do the count-in's four clicks (−2 to −0.5 s,
    trimmed from the clip's head but in the take); the click file is in the take too."""
    import io

    import numpy as np
    import soundfile as sf
    from scipy.signal import correlate

    from tests.studio.test_recording import click_bar, tick_starts
    from tests.support.e2e import CHROMIUM, CHROMIUM_FLAGS

    rate = 48000
    clicks = tmp_path / "clicks.wav"  # the click bar, quieter than the loop, over a -70 dBFS hiss (never silent)
    hiss = np.random.default_rng(9).standard_normal((2, 2 * 44100)) * 3e-4
    sf.write(clicks, (click_bar(44100) * 0.1 + hiss).T, 44100, subtype="PCM_16")
    email = "studio.looper@example.com"
    auth = _artist(running_app, email)
    data, burst = _burst_wav(rate)
    [song] = _ready_tracks(running_app, auth, [("Burst.wav", data)])
    made = httpx.post(f"{running_app.url}{routes.V1_PROJECTS}", headers=auth,
                      json={"name": "Loop", "sample_rate": rate}).json()
    pid = made["id"]
    _edit(running_app, auth, pid, 0, [
        {"op": "track.add", "track": {"id": "vox", "name": "Vocals", "role": "vocals"}},
        {"op": "track.add", "track": {"id": "guide", "name": "Guide", "role": "other"}},
        {"op": "clip.add", "track": "guide", "clip": {"id": "g1", "file": song, "start_s": 1.0, "length_s": 3.0}}])
    mic = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=[
        *CHROMIUM_FLAGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-audio-capture={clicks}", "--autoplay-policy=no-user-gesture-required"])
    try:
        context, page, errors = _open_editor(mic, running_app, email, pid)
        context.add_init_script(LOOPBACK_JS)
        page.reload()
        page.get_by_test_id("timeline").wait_for(timeout=60_000)
        _settled(page, running_app, auth, pid, 1)
        page.wait_for_function(f"() => window.__studio.media()['{song}']?.state === 'ready'", timeout=60_000)
        message = page.get_by_test_id("studio-message")

        page.get_by_role("button", name="Record on Vocals").click()
        message.filter(has_text="Ready to record on Vocals").wait_for(timeout=30_000)
        assert page.evaluate("window.__loopbackUsed === true")
        page.wait_for_timeout(1000)  # the input settles (Chromium's FIFO), as a singer takes a breath
        page.get_by_role("button", name="Measure recording delay").click()
        message.filter(has_text="Recording delay measured").wait_for(timeout=30_000)
        latency = int(page.evaluate(f"Number(localStorage.getItem('mb-studio-latency-{rate}'))"))
        assert latency >= LOOP_FRAMES  # the FIFO only adds to the loop
        shown = float(message.inner_text().split("measured: ")[1].split(" ms")[0])
        assert shown == pytest.approx(latency / rate * 1000, abs=0.05)

        page.get_by_role("button", name="1 bar in").click()
        page.get_by_test_id("record").click()
        message.filter(has_text="Recording after the count-in").wait_for(timeout=30_000)
        page.wait_for_function("() => window.__studio.recording() && window.__studio.position() > 2.5",
                               timeout=30_000)
        screenshot(page, "studio-recording-loopback")
        page.get_by_test_id("record").click()
        doc = _settled(page, running_app, auth, pid, 2)
        assert page.evaluate("window.__studio.lastError()") in (None, "")
        assert "missed" not in (message.inner_text() if message.count() else "")  # no dropout reported
        vocals = doc["tracks"][0]
        assert vocals["id"] == "vox" and len(vocals["clips"]) == 1
        clip = vocals["clips"][0]
        # the count-in bar (2 s at 120 BPM) and the measured delay are trimmed from the take's head
        assert clip["start_s"] == 0.0 and clip["offset_s"] > 2.0 + latency / rate

        take = httpx.get(f"{running_app.url}{routes.V1_TRACK.format(track_id=clip['file'])}", headers=auth).json()
        original = take["original_url"]
        body = httpx.get(running_app.url + original if original.startswith("/") else original, headers=auth).content
        x, sr = sf.read(io.BytesIO(body), dtype="float64", always_2d=True)
        assert sr == rate
        left = x[:, 0]

        def ncc(template: Any) -> Any:
            energy = np.convolve(left * left, np.ones(template.size), "valid")
            return correlate(left, template, mode="valid", method="fft") / (
                np.linalg.norm(template) * np.sqrt(np.maximum(energy, 1e-20)))

        def timeline_s(frame: float) -> float:  # a take frame's place on the timeline, as the clip puts it
            return clip["start_s"] + frame / rate - clip["offset_s"]

        score = ncc(burst)
        heard = int(np.argmax(score))
        placed = timeline_s(heard)  # the burst's position on the timeline
        # The count-in's four clicks (engine's makeClick: 1,760 Hz on the bar, then 1,320 Hz) were played
        # at -2.0, -1.5, -1.0 and -0.5 s on the timeline: the take heard each of them there too.
        n = np.arange(int(0.01 * rate))
        count_in = []
        for k, freq in enumerate([1760.0, 1320.0, 1320.0, 1320.0]):
            tone = ncc(np.sin(2 * np.pi * freq * n / rate) * np.exp(-n / (0.006 * rate)))
            at = int(round((-2.0 + 0.5 * k - clip["start_s"] + clip["offset_s"]) * rate))
            assert at > 480, "the take does not reach back over the count-in"
            near = at - 480 + int(np.argmax(tone[at - 480 : at + 480]))
            count_in.append((round((timeline_s(near) - (-2.0 + 0.5 * k)) * 1000, 3), round(float(tone[near]), 3)))
        ticks = tick_starts(left)  # the fake microphone's click file, under the loop
        print(f"\nmeasured delay {latency} frames ({latency / rate * 1000:.3f} ms; loop {LOOP_FRAMES} + FIFO); "
              f"take {x.shape[0]} frames, offset {clip['offset_s']:.6f} s; burst heard at take frame {heard} "
              f"(NCC {score[heard]:.3f}), {ticks.size} clicks of the fake microphone -> timeline {placed:.6f} s, "
              f"off by {(placed - 1.25) * 1000:+.3f} ms; count-in clicks (ms off, NCC): {count_in}")
        assert score[heard] > 0.9
        assert all(score > 0.9 and abs(off) <= 1.0 for off, score in count_in), count_in
        assert ticks.size >= 3, f"the fake microphone's click file is not in the take ({ticks.size} ticks)"
        assert abs(placed - 1.25) <= 0.001
        assert errors == []
        context.close()
    finally:
        mic.close()
