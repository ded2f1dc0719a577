"""Every page in routes.py, signed out and signed in as an admin, at 1440×900 and 390×844:

it renders (one h1, a <main>), has no horizontal scroll, no serious or critical axe-core
violations, no console errors under the real Content-Security-Policy, and carries the
security headers. On a phone the menu button reaches every area and "Log out".
"""

from __future__ import annotations

import re
import subprocess
import sys
import time

import httpx
import pytest

from maxbooster import routes
from tests.support.e2e import ROOT, RunningApp, screenshot, sign_in
from tests.support.library import music_bytes

pytestmark = pytest.mark.e2e

AXE = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
ADMIN = ("pages.admin@example.com", "pages admin long password")
VIEWPORTS = {"desktop": (1440, 900), "phone": (390, 844)}
UNKNOWN = "/no-such-page"




@pytest.fixture(scope="module")
def admin_login(running_app: RunningApp) -> tuple[str, str]:
    env = {"MAXBOOSTER_DATA_DIR": str(running_app.data_dir), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-m", "maxbooster.cli", "create-admin", ADMIN[0], "--password-stdin"],
                   input=ADMIN[1] + "\n", text=True, capture_output=True, cwd=ROOT, env=env, check=True)
    return ADMIN


@pytest.fixture(scope="module")
def track_path(running_app: RunningApp, admin_login: tuple[str, str]) -> str:
    """A processed track of the admin's, so the track page is checked like every other page."""
    token = httpx.post(f"{running_app.url}{routes.V1_TOKEN}",
                       json={"email": admin_login[0], "password": admin_login[1]}).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    made = httpx.post(f"{running_app.url}{routes.V1_TRACKS}", headers=auth, timeout=60,
                      files={"file": ("Page Check.wav", music_bytes("WAV", seconds=8, seed=21))}).json()
    url = f"{running_app.url}{routes.V1_TRACK.format(track_id=made['track']['id'])}"
    deadline = time.monotonic() + 90
    while httpx.get(url, headers=auth).json()["status"] != "ready":
        assert time.monotonic() < deadline, "the track was not processed in time"
        time.sleep(0.5)
    return routes.track_page(made["track"]["id"])


def _visit(pg, path: str, name: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    response = pg.goto(path)
    pg.locator("main").first.wait_for(timeout=30_000)
    pg.wait_for_timeout(600)  # on_load events settle (redirects, data)
    screenshot(pg, name)
    return {
        "status": response.status if response else 0,
        "headers": response.headers if response else {},
        "overflow": pg.evaluate("document.documentElement.scrollWidth - window.innerWidth"),
        "h1": pg.locator("h1").count(),
        "main": pg.locator("main").count(),
    }


def _axe(pg) -> list[tuple[str, str, list[str]]]:  # type: ignore[no-untyped-def]
    pg.add_script_tag(path=str(AXE))
    found = pg.evaluate("async () => (await axe.run()).violations.map(v => [v.impact, v.id, "
                        "v.nodes.slice(0, 3).map(n => n.target.join(' '))])")
    return [tuple(v) for v in found if v[0] in ("serious", "critical")]


def _header_problems(path: str, headers: dict[str, str]) -> list[str]:
    want = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "cache-control": "no-store",
            "referrer-policy": "no-referrer" if path in routes.NO_REFERRER_PAGES else "strict-origin-when-cross-origin"}
    problems = [f"header {k} is {headers.get(k)!r}, want {v!r}" for k, v in want.items() if headers.get(k) != v]
    csp = headers.get("content-security-policy", "")
    for directive in ("frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'", "script-src 'self'"):
        if directive not in csp:
            problems.append(f"CSP lacks {directive}")
    if "'unsafe-inline'" in csp.split("script-src", 1)[-1].split(";", 1)[0]:
        problems.append("CSP allows inline scripts")
    return problems


def _pages(signed_in: bool, track: str = "") -> list[str]:
    return [routes.LANDING, *routes.USER_PAGES, *routes.ADMIN_PAGES, *([track] if track else [])] if signed_in \
        else [*routes.PUBLIC_PAGES, UNKNOWN]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "admin"])
def test_every_page_renders_fits_and_passes_axe(browser, running_app: RunningApp, admin_login: tuple[str, str],  # type: ignore[no-untyped-def]
                                                track_path: str, viewport: str, signed_in: bool) -> None:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: ./mb test installs axe-core into .tools/")
    width, height = VIEWPORTS[viewport]
    # axe is injected as a script, which our CSP refuses: this context bypasses CSP, and the
    # console test below checks the same pages under the real policy.
    ctx = browser.new_context(viewport={"width": width, "height": height}, base_url=running_app.url,
                              bypass_csp=True)
    pg = ctx.new_page()
    if signed_in:
        sign_in(pg, *admin_login)
    problems = []
    for path in _pages(signed_in, track_path):
        slug = "track" if path == track_path else path.strip("/").replace("/", "_") or "home"
        name = f"page-{'admin' if signed_in else 'visitor'}-{viewport}-{slug}"
        seen = _visit(pg, path, name)
        expected_status = 404 if path == UNKNOWN else 200
        if seen["status"] != expected_status:
            problems.append(f"{path}: HTTP {seen['status']}")
        if seen["overflow"] > 0:
            problems.append(f"{path}: scrolls sideways by {seen['overflow']} px at {width} px")
        if seen["h1"] != 1 or seen["main"] != 1:
            problems.append(f"{path}: {seen['h1']} h1 and {seen['main']} main landmarks")
        problems += [f"{path}: axe {impact} {rule} at {nodes}" for impact, rule, nodes in _axe(pg)]
        problems += [f"{path}: {p}" for p in _header_problems(path, seen["headers"])]
    ctx.close()
    assert problems == []


def test_pages_load_without_console_errors_under_the_real_csp(page, running_app: RunningApp,  # type: ignore[no-untyped-def]
                                                              admin_login: tuple[str, str], track_path: str) -> None:
    for path in _pages(False):
        page.goto(path)
        page.locator("main").first.wait_for(timeout=30_000)
    sign_in(page, *admin_login)
    for path in _pages(True, track_path):
        page.goto(path)
        page.locator("main").first.wait_for(timeout=30_000)
        page.wait_for_timeout(300)
    unexpected = [e for e in page.console_errors if "404 (Not Found)" not in e]
    assert unexpected == []


def test_phone_menu_reaches_every_area_and_log_out(browser, running_app: RunningApp,  # type: ignore[no-untyped-def]
                                                   admin_login: tuple[str, str]) -> None:
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, base_url=running_app.url)
    pg = ctx.new_page()
    sign_in(pg, *admin_login)
    assert pg.get_by_role("navigation", name="Main").count() == 0 or \
        not pg.get_by_role("navigation", name="Main").first.is_visible()  # the sidebar is folded away
    pg.get_by_role("button", name="Open menu").click()
    menu = pg.get_by_role("dialog")
    for label, _, _ in routes.NAV + routes.ADMIN_NAV:
        menu.get_by_role("link", name=label).wait_for(timeout=10_000)
    pg.wait_for_timeout(500)  # let the drawer finish sliding in
    screenshot(pg, "phone-menu-open")
    menu.get_by_role("button", name="Log out").click()
    pg.wait_for_url(re.compile(r"/login/?\?notice=logged_out$"), timeout=30_000)
    ctx.close()


def test_not_found_page_offers_a_way_back(page) -> None:  # type: ignore[no-untyped-def]
    response = page.goto(UNKNOWN)
    assert response is not None and response.status == 404
    page.get_by_test_id("not-found").wait_for(timeout=30_000)
    page.get_by_role("link", name="Go to the start page").click()
    page.wait_for_url(re.compile(r"/$"), timeout=30_000)



FOCUSABLE = "a[href],button,input,select,textarea,[tabindex]:not([tabindex='-1'])"


def _tab_stops(pg, count: int) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    """Press Tab `count` times from the top; what each stop is and whether it wraps another stop."""
    stops = []
    for _ in range(count):
        pg.keyboard.press("Tab")
        stops.append(pg.evaluate("""(sel) => { const el = document.activeElement;
            return {tag: el.tagName, text: (el.innerText || el.getAttribute('aria-label') || '').trim().slice(0, 40),
                    wraps: !!el.querySelector(sel), inside: !!el.parentElement?.closest(sel)}; }""", FOCUSABLE))
    return stops


def test_skip_link_single_tab_stops_full_width_header_and_full_height_sidebar(browser, running_app: RunningApp,  # type: ignore[no-untyped-def]
                                                                               admin_login: tuple[str, str],
                                                                               track_path: str) -> None:
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=running_app.url)
    pg = ctx.new_page()
    pg.goto(routes.LANDING)
    pg.locator("main").first.wait_for(timeout=30_000)
    pg.wait_for_timeout(500)
    header = pg.locator("header").first.bounding_box()
    assert header is not None and header["width"] >= 1440 - 16, header  # spans the window (minus a scrollbar)
    first = _tab_stops(pg, 1)[0]
    assert (first["tag"], first["text"]) == ("A", "Skip to content")
    pg.keyboard.press("Enter")
    assert pg.evaluate("location.hash") == "#main"

    sign_in(pg, *admin_login)
    for path in (routes.SETTINGS, track_path):  # every control is one Tab stop (no focusable wrappers)
        pg.goto(path)
        pg.locator("main").first.wait_for(timeout=30_000)
        pg.wait_for_timeout(600)
        pg.mouse.click(1, 1)
        stops = [s for s in _tab_stops(pg, 30) if s["tag"] not in ("BODY", "HTML")]  # past the last: the window
        assert len(stops) >= 8, stops
        doubled = [s for s in stops if s["wraps"] or s["inside"]]
        assert doubled == [], f"{path}: focusable elements nested in each other"

    pg.goto(track_path)  # a page longer than the window: the sidebar reaches the bottom while scrolled
    pg.locator("main").first.wait_for(timeout=30_000)
    pg.wait_for_timeout(600)
    assert pg.evaluate("document.documentElement.scrollHeight") > 900
    pg.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    pg.wait_for_timeout(200)
    nav = pg.get_by_role("navigation", name="Main").bounding_box()
    assert nav is not None and nav["y"] <= 0 and nav["y"] + nav["height"] >= 900 - 1, nav
    ctx.close()
