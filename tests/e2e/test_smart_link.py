"""The public smart link page in Chromium, signed out, at 1440×900 and 390×844: cover, title, one button
per platform going through the counting redirect, the "Get notified" form asking for consent, no
horizontal scroll, no serious axe-core violations; an unknown slug reads as a friendly not-found."""

from __future__ import annotations

import httpx
import pytest

from maxbooster import routes
from tests.e2e.test_every_page import _axe
from tests.releases.support import good_cover, in_days
from tests.support.e2e import RunningApp, screenshot

pytestmark = pytest.mark.e2e

LINKS = {"spotify": "https://open.spotify.com/album/e2e", "apple_music": "https://music.apple.com/album/e2e",
         "bandcamp": "https://ava.bandcamp.com/album/e2e"}


@pytest.fixture(scope="module")
def slug(running_app: RunningApp) -> str:
    api = running_app.url
    token = httpx.post(f"{api}{routes.V1_TOKEN}", json={"email": running_app.demo_email,
                                                        "password": running_app.demo_password}).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    made = httpx.post(f"{api}{routes.V1_RELEASES}", headers=auth, json={
        "title": "Night Drive", "artists": [{"name": "Ava North", "role": "primary"}],
        "release_date": str(in_days(20))})
    assert made.status_code == 201, made.text
    release_id = made.json()["id"]
    cover = httpx.put(f"{api}{routes.V1_RELEASE_ARTWORK.format(release_id=release_id)}", headers=auth,
                      files={"file": ("cover.jpg", good_cover())}, timeout=60)
    assert cover.status_code == 200, cover.text
    link = httpx.put(f"{api}{routes.V1_RELEASE_SMART_LINK.format(release_id=release_id)}", headers=auth,
                     json={"slug": "night-drive-e2e", "links": LINKS})
    assert link.status_code == 200, link.text
    return "night-drive-e2e"


@pytest.mark.parametrize("viewport", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_smart_link_page(browser, running_app: RunningApp, slug: str, viewport: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, base_url=running_app.url,
                                  bypass_csp=True)  # for axe-core's injected script
    pg = context.new_page()
    try:
        pg.goto(routes.smart_link_page(slug))
        pg.get_by_role("heading", name="Night Drive").wait_for(timeout=30_000)
        pg.wait_for_function("() => document.querySelector(\"img[alt='Night Drive cover art']\")?.naturalWidth > 0",
                             timeout=15_000)  # the cover, served to anyone by its public signed URL
        buttons = pg.locator("main a[href^='/l/']")
        assert buttons.count() == 3 and buttons.first.inner_text().strip() == "Spotify"
        assert pg.get_by_text("Get notified on release day").is_visible()
        assert pg.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        assert [v for v in _axe(pg) if v[0] in ("serious", "critical")] == []
        name = "desktop" if viewport[0] > 800 else "phone"
        screenshot(pg, f"smart-link-{name}")
        pg.fill("input[name=email]", f"fan-{name}@example.com")
        pg.get_by_role("button", name="Notify me").click()
        assert pg.get_by_role("alert").inner_text(timeout=15_000).startswith("Tick the box")
        pg.get_by_label("Email me about").check()
        pg.get_by_role("button", name="Notify me").click()
        pg.get_by_text("check your inbox").wait_for(timeout=15_000)
        screenshot(pg, f"smart-link-{name}-signed-up")
        went = httpx.get(running_app.url + buttons.first.get_attribute("href"), follow_redirects=False)
        assert went.status_code == 307 and went.headers["location"] == LINKS["spotify"]
        pg.goto(routes.smart_link_page("no-such-release"))
        pg.get_by_role("heading", name="This link doesn't lead anywhere").wait_for(timeout=30_000)
        screenshot(pg, f"smart-link-{name}-not-found")
    finally:
        context.close()
