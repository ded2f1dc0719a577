"""Build and start the real app (production mode, temp data dir, free port) and a Chromium.

The app is started with the same `maxbooster run` the README's first command uses.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import REQUIRE_SERVICES

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
RESULTS = ROOT / "test-results"


@dataclass
class RunningApp:
    url: str
    data_dir: Path
    demo_email: str
    demo_password: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited early:\n{log.read_text(errors='replace')[-4000:]}")
        try:
            if httpx.get(f"{url}/api/health/ready", timeout=3).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"app not ready after {timeout_s}s:\n{log.read_text(errors='replace')[-4000:]}")


def _demo_login(log: Path) -> tuple[str, str]:
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("Demo login:"):
            parts = line.split()
            return parts[2], parts[4]
    raise RuntimeError("the run command did not print a demo login")


@pytest.fixture(scope="session")
def running_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    port = _free_port()
    data_dir = tmp_path_factory.mktemp("e2e-data")
    url = f"http://localhost:{port}"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"}}
    env.update(MAXBOOSTER_DATA_DIR=str(data_dir), APP_URL=url, MAXBOOSTER_ENV="development",
               # every browser test signs in from 127.0.0.1 against this one app: the per-IP sign-in
               # budget is for one person's address (tests/core checks the limit itself)
               RATE_LIMIT_IP="1000/15 minutes",
               # the Mastodon test connects to its protocol server on 127.0.0.1 (refused in production)
               SOCIAL_ALLOW_PRIVATE_INSTANCES="true")
    env["PATH"] = f"{ROOT / '.tools' / 'node_modules' / '.bin'}{os.pathsep}{env['PATH']}"
    log = data_dir / "run.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "maxbooster.cli", "run", "--port", str(port)],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_ready(url, proc, log, timeout_s=420)
        email, password = _demo_login(log)
        yield RunningApp(url=url, data_dir=data_dir, demo_email=email, demo_password=password)
    finally:
        proc.send_signal(2)  # Ctrl-C, exactly as a user stops it
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing (run ./mb test as root to install Debian's chromium)"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, running_app: RunningApp):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1366, "height": 860}, base_url=running_app.url)
    pg = context.new_page()
    pg.console_errors = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))  # type: ignore[attr-defined]
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))  # type: ignore[attr-defined]
    yield pg
    context.close()


def screenshot(pg, name: str) -> Path:  # type: ignore[no-untyped-def]
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    return path


def cleanup_web_build() -> None:
    shutil.rmtree(ROOT / ".web" / "build", ignore_errors=True)


def sign_in(pg, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    """Log in through the real form and wait for the signed-in home page."""
    pg.goto("/login")
    pg.fill("input[name=email]", email)
    pg.fill("input[name=password]", password)
    pg.get_by_role("button", name="Log in").click()
    pg.wait_for_url(re.compile(r"/studio/?$"), timeout=30_000)


WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}
BERLIN = "Europe/Berlin"  # the social and campaign browser tests' viewer lives here


def app_db(app: RunningApp, sql: str, *args: object) -> list[tuple]:
    """Read the shared app's embedded database (look up only your own rows: the app is shared)."""
    with sqlite3.connect(app.data_dir / "maxbooster.db") as db:
        return db.execute(sql, args).fetchall()


def new_context(browser, app: RunningApp, width: str = "desktop", timezone_id: str = BERLIN):  # type: ignore[no-untyped-def]
    """A browser context at a WIDTHS size in a time zone, and its page collecting page errors in `page.errors`."""
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, base_url=app.url, timezone_id=timezone_id)
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda e: page.errors.append(str(e)))  # type: ignore[attr-defined]
    return context, page


def fitting_screenshot(page, name: str, settle_ms: int = 600) -> None:  # type: ignore[no-untyped-def]
    """Let the page settle, check nothing scrolls sideways, and keep a screenshot."""
    page.wait_for_timeout(settle_ms)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, name
    screenshot(page, name)
