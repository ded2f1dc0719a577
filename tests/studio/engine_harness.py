"""Null-test harness for the Studio's browser engine (maxbooster/components/studio_engine.js).

Serves a temp directory (the engine module, a blank page, float32 WAV files written at the
document's rate) on 127.0.0.1 (a secure context, as AudioWorklet needs), renders documents with
the engine's ``renderOffline`` in headless Chromium and compares them with
``audio.mix.render_arrangement`` on the same document and the same samples.
"""

from __future__ import annotations

import base64
import functools
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from audio.arrangement import Arrangement
from audio.mix import render_arrangement

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "maxbooster" / "components" / "studio_engine.js"
PAGE = "<!doctype html><html lang='en'><title>studio engine</title><button id='go'>go</button></html>"

# Decode the files in the page (no resampling: they are at the document's rate), render, and send
# the channels back as base64 float32 (JSON arrays of floats would be ~10x larger).
RENDER_JS = """async ({doc, files}) => {
  const engine = await import('/studio_engine.js');
  const decoder = new OfflineAudioContext({numberOfChannels: 2, length: 1, sampleRate: doc.sample_rate});
  const buffers = new Map();
  for (const name of files) {
    const data = await (await fetch('/' + encodeURIComponent(name))).arrayBuffer();
    buffers.set(name, await decoder.decodeAudioData(data));
  }
  const b64 = (x) => {
    const bytes = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(s);
  };
  const t0 = performance.now();
  const [left, right] = await engine.renderOffline(doc, buffers);
  return {ms: performance.now() - t0, length: engine.renderLengthFrames(doc), left: b64(left), right: b64(right)};
}"""


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@contextmanager
def static_server(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on a free 127.0.0.1 port; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def peak_dbfs(x: np.ndarray) -> float:
    """Peak of |x| in dBFS (−inf for silence)."""
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    return 20.0 * np.log10(peak) if peak > 0 else float("-inf")


def rms_dbfs(x: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0
    return 20.0 * np.log10(rms) if rms > 0 else float("-inf")


@dataclass
class Comparison:
    """Browser vs server render of one document."""

    browser: np.ndarray
    server: np.ndarray
    render_ms: float

    @property
    def residual_dbfs(self) -> float:
        return peak_dbfs(self.browser - self.server)

    @property
    def residual_rms_dbfs(self) -> float:
        return rms_dbfs(self.browser - self.server)

    @property
    def signal_dbfs(self) -> float:
        return peak_dbfs(self.server)

    def report(self, name: str) -> str:
        return (f"{name}: peak residual {self.residual_dbfs:.1f} dBFS, RMS residual "
                f"{self.residual_rms_dbfs:.1f} dBFS (signal peak {self.signal_dbfs:.1f} dBFS, "
                f"{self.server.shape[1]} frames, browser render {self.render_ms:.0f} ms)")


class EngineBench:
    """One served directory and one page: write files, render documents both ways."""

    def __init__(self, page: Any, directory: Path, base_url: str) -> None:
        self.page = page
        self.directory = directory
        self.base_url = base_url
        self.files: dict[str, np.ndarray] = {}

    def write(self, name: str, x: np.ndarray, sample_rate: int) -> str:
        """Write ``x`` ``(channels, n)`` as a float32 WAV (exact samples for both renderers)."""
        x = np.ascontiguousarray(x, dtype=np.float32)
        sf.write(self.directory / name, x.T, sample_rate, subtype="FLOAT")
        self.files[name] = x
        return name

    def _load(self, name: str) -> tuple[np.ndarray, int]:
        info = sf.info(str(self.directory / name))
        return self.files[name].copy(), int(info.samplerate)

    def server_render(self, doc: dict[str, Any]) -> np.ndarray:
        return render_arrangement(Arrangement.from_dict(doc), loader=self._load, owned_loads=True)

    def browser_render(self, doc: dict[str, Any]) -> tuple[np.ndarray, float, int]:
        names = sorted({c["file"] for t in doc["tracks"] for c in t["clips"]})
        out = self.page.evaluate(RENDER_JS, {"doc": doc, "files": names})
        channels = [np.frombuffer(base64.b64decode(out[k]), dtype=np.float32) for k in ("left", "right")]
        return np.vstack(channels), float(out["ms"]), int(out["length"])

    def compare(self, doc: dict[str, Any]) -> Comparison:
        browser, ms, length = self.browser_render(doc)
        server = self.server_render(doc)
        if length != server.shape[1] or browser.shape != server.shape:
            raise AssertionError(f"length: browser renderLengthFrames {length}, browser render "
                                 f"{browser.shape[1]}, server {server.shape[1]}")
        return Comparison(browser, server, ms)

    def evaluate(self, script: str, arg: Any = None) -> Any:
        """Run ``script`` (an async arrow function taking ``arg``) in the page."""
        return self.page.evaluate(script, arg)


@contextmanager
def engine_bench(browser: Any, directory: Path) -> Iterator[EngineBench]:
    """A page on a local server that can import the engine module."""
    shutil.copy(ENGINE, directory / "studio_engine.js")
    (directory / "index.html").write_text(PAGE)
    with static_server(directory) as url:
        context = browser.new_context()
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{url}/index.html")
        try:
            yield EngineBench(page, directory, url)
        finally:
            context.close()
        if errors:
            raise AssertionError(f"page errors: {errors}")
