"""The marketplace in Chromium against the real app, sandbox provider (test mode): a producer sets up payouts
on the sandbox's onboarding page, lists a beat (a library track, cover, three tiers, a watermarked preview)
and publishes it; a buyer finds it by search, plays the preview, buys the WAV lease through the sandbox's
pay page, downloads the license PDF (its hash is the stored one) and the WAV; the producer's balance shows
the sale minus the fee; the producer refunds the line: the download link is refused and the public check
says the license is void. The buyer reports the listing and an admin sees it in the moderation queue.
Every page at 1440 and 390 px: no sideways scroll, no page errors, no serious axe finding."""

from __future__ import annotations

import contextlib
import io
import re
import sqlite3
import subprocess
import sys
import time
import uuid
import zlib
from collections.abc import Callable

import httpx
import pytest
from PIL import Image

from maxbooster import routes
from tests.e2e.test_every_page import _axe
from tests.support.e2e import ROOT, RunningApp, screenshot, sign_in
from tests.support.library import music_bytes

pytestmark = pytest.mark.e2e

RUN = uuid.uuid4().hex[:6]
PRODUCER, BUYER, ADMIN = (f"producer.{RUN}@example.com", f"beat.buyer.{RUN}@example.com",
                          f"market.admin.{RUN}@example.com")
PASSWORD = "marketplace pages long password"
TITLE = f"Night Drive {RUN}"
WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}

MAKE_USER = """
import sys
from maxbooster.db import session_scope
from maxbooster.models.accounts import User
from maxbooster.services.accounts.passwords import hash_password
with session_scope() as s:
    s.add(User(email=sys.argv[1], display_name=sys.argv[3], email_verified=True,
               password_hash=hash_password(sys.argv[2])))
    s.commit()
"""


def _env(app: RunningApp) -> dict[str, str]:
    return {"MAXBOOSTER_DATA_DIR": str(app.data_dir), "PATH": "/usr/bin:/bin"}


def _db(app: RunningApp, sql: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(app.data_dir / "maxbooster.db") as db:
        return db.execute(sql, params).fetchall()


def _until(check: Callable[[], bool], what: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.3)


def _context(browser, app: RunningApp, width: str):  # type: ignore[no-untyped-def]
    w, h = WIDTHS[width]
    page = browser.new_context(viewport={"width": w, "height": h}, base_url=app.url, bypass_csp=True,
                               accept_downloads=True).new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda e: page.errors.append(str(e)))  # type: ignore[attr-defined]
    return page


def _check(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Screenshot, no sideways scroll, no serious or critical axe-core finding, no page error."""
    page.mouse.move(0, 0)
    page.wait_for_timeout(600)
    screenshot(page, name)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, name
    assert _axe(page) == [], name
    assert page.errors == [], name  # type: ignore[attr-defined]


def _cover_png() -> bytes:
    img = Image.new("RGB", (400, 400))
    for x in range(400):
        for y in range(0, 400, 4):
            img.putpixel((x, y), (40 + x // 4, 20, 120 + y // 4))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def _upload_track(app: RunningApp, email: str = PRODUCER, password: str = PASSWORD, title: str = TITLE,
                  seconds: int = 40, seed: int = 7) -> None:
    """A WAV uploaded to the user's library over the REST API, waited for until it is ready."""
    token = httpx.post(f"{app.url}{routes.V1_TOKEN}", json={"email": email, "password": password}).json()[
        "access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    made = httpx.post(f"{app.url}{routes.V1_TRACKS}", headers=auth, timeout=60,
                      files={"file": (f"{title}.wav", music_bytes("WAV", seconds=seconds, seed=seed))}).json()
    url = f"{app.url}{routes.V1_TRACK.format(track_id=made['track']['id'])}"
    _until(lambda: httpx.get(url, headers=auth).json()["status"] == "ready", "the track is processed", 120)


def _onboard(seller, app: RunningApp, email: str) -> None:  # type: ignore[no-untyped-def]
    """Set up payouts on the sandbox's onboarding page and wait until the account can be paid."""
    seller.goto(routes.SELL)
    seller.get_by_test_id("setup-payouts").click()
    seller.wait_for_url(re.compile(r"/sell/onboarding/?\?account=acct_sbx_"), timeout=30_000)
    seller.get_by_test_id("finish-onboarding").click()
    seller.wait_for_url(re.compile(r"/sell/?$"), timeout=30_000)
    _until(lambda: _db(app, "SELECT charges_enabled FROM marketplace_seller_accounts a JOIN users u ON "
                            "u.id = a.owner_id WHERE u.email = ?", email) == [(1,)], "onboarding applied")
    seller.reload()
    seller.get_by_text("Ready to sell").wait_for(timeout=30_000)


def _pdf_text(data: bytes) -> bytes:
    """The PDF with its deflated streams unpacked (fpdf2 compresses page content)."""
    parts = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(m.group(1)))
    return b"".join(parts)


def _tier(page, index: int, kind: str, price: str, deliverables: str, streams: str = "") -> None:  # type: ignore[no-untyped-def]
    row = page.get_by_test_id("tier-editor").nth(index)
    row.get_by_label("License kind").select_option(kind)
    row.get_by_label("Price (USD)").fill(price)
    row.get_by_label("Deliverables: mp3, wav, stems").fill(deliverables)
    if streams:
        row.get_by_label("Streams").fill(streams)


def test_sell_buy_download_refund(browser, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    app = running_app
    for email, name in ((PRODUCER, f"Producer {RUN}"), (BUYER, "Beat Buyer")):
        subprocess.run([sys.executable, "-c", MAKE_USER, email, PASSWORD, name], cwd=ROOT, env=_env(app),
                       check=True, capture_output=True)
    _upload_track(app)

    # --- the producer: payouts, a listing with three tiers and a preview, published -------------------
    seller = _context(browser, app, "desktop")
    sign_in(seller, PRODUCER, PASSWORD)
    _onboard(seller, app, PRODUCER)

    seller.get_by_label("New listing title").fill(TITLE)
    seller.get_by_role("button", name="New listing").click()
    seller.wait_for_url(re.compile(r"/sell/listing/?\?id="), timeout=30_000)
    listing_id = seller.url.split("id=")[1]
    seller.get_by_test_id("save-details").wait_for(timeout=30_000)
    seller.locator("input[name=genre]").fill("trap")
    seller.locator("input[name=bpm]").fill("140")
    seller.locator("select[name=musical_key]").select_option("Am")
    seller.locator("input[name=tags]").fill("dark, night")
    seller.get_by_test_id("save-details").click()
    seller.get_by_text("Saved.").wait_for(timeout=30_000)
    assert _db(app, "SELECT bpm, musical_key, genre FROM marketplace_listings WHERE title = ?", TITLE) == [
        (140, "Am", "trap")]

    seller.get_by_test_id("pick-track").select_option(label=TITLE)
    seller.get_by_test_id("file-name").first.wait_for(timeout=30_000)
    seller.locator("#cover input[type=file]").set_input_files(
        files=[{"name": "cover.png", "mimeType": "image/png", "buffer": _cover_png()}])
    seller.get_by_text("Cover saved.").wait_for(timeout=30_000)

    for _ in range(3):
        seller.get_by_test_id("add-tier").click()
    seller.get_by_test_id("tier-editor").nth(2).wait_for(timeout=10_000)
    _tier(seller, 0, "mp3_lease", "25", "mp3", streams="10000")
    _tier(seller, 1, "wav_lease", "35", "mp3, wav", streams="100000")
    _tier(seller, 2, "unlimited", "120", "mp3, wav")
    seller.get_by_test_id("save-tiers").click()
    seller.get_by_text("License tiers saved.").wait_for(timeout=30_000)
    assert _db(app, "SELECT t.kind, t.price_minor FROM marketplace_license_tiers t JOIN marketplace_listings l ON "
                    "l.id = t.listing_id WHERE l.title = ? ORDER BY t.position", TITLE) == [
        ("mp3_lease", 2500), ("wav_lease", 3500), ("unlimited", 12000)]

    seller.get_by_test_id("make-preview").click()
    seller.get_by_test_id("preview-status").get_by_text("ready").wait_for(timeout=120_000)
    _check(seller, "market-editor-desktop")
    seller.get_by_test_id("publish").click()
    seller.get_by_test_id("listing-status").get_by_text("published").wait_for(timeout=30_000)

    # --- the buyer: search, preview, buy the WAV lease --------------------------------------------------
    buyer = _context(browser, app, "desktop")
    buyer.goto(routes.MARKET)  # browsing needs no sign-in
    buyer.get_by_test_id("market-search").fill(f"night drive {RUN}")
    buyer.get_by_test_id("market-search").press("Enter")
    card = buyer.get_by_test_id("listing-card").filter(has_text=TITLE)
    card.wait_for(timeout=30_000)
    assert "USD 25.00" in card.inner_text()
    audio = card.get_by_test_id("preview-audio")
    audio.click(position={"x": 16, "y": 16})  # the native play button
    buyer.wait_for_function("a => a.currentTime > 0.3", arg=audio.element_handle(), timeout=30_000)
    audio.evaluate("a => a.pause()")
    _check(buyer, "market-browse-desktop")

    sign_in(buyer, BUYER, PASSWORD)
    buyer.goto(f"{routes.MARKET_LISTING}?id={listing_id}")
    wav = buyer.get_by_test_id("tier-card").filter(has_text="USD 35.00")
    wav.wait_for(timeout=30_000)
    assert "up to 100,000 streams" in wav.inner_text() and "MP3, WAV" in wav.inner_text()
    _check(buyer, "market-listing-desktop")
    wav.get_by_test_id("add-to-cart").click()
    buyer.wait_for_url(re.compile(r"/market/cart/?$"), timeout=30_000)
    buyer.get_by_test_id("cart-total").get_by_text("USD 35.00").wait_for(timeout=30_000)
    _check(buyer, "market-cart-desktop")
    buyer.get_by_test_id("pay").click()
    buyer.wait_for_url(re.compile(r"/market/pay/?\?order="), timeout=30_000)
    buyer.get_by_test_id("sandbox-pay").click()
    buyer.wait_for_url(re.compile(r"/market/order/?\?id="), timeout=30_000)
    order_id = buyer.url.split("id=")[1]
    _until(lambda: _db(app, "SELECT status FROM marketplace_orders WHERE id = ?",
                       uuid.UUID(order_id).hex) == [("paid",)], "the payment is applied")
    buyer.get_by_role("button", name="Refresh").click()
    buyer.get_by_test_id("license-state").get_by_text("Valid").wait_for(timeout=30_000)
    shown_hash = buyer.get_by_test_id("license-hash").inner_text().strip()
    assert _db(app, "SELECT sha256 FROM marketplace_licenses WHERE sha256 = ?", shown_hash) == [(shown_hash,)]
    _check(buyer, "market-order-desktop")

    pdf_link = buyer.get_by_test_id("license-pdf").get_attribute("href")
    assert pdf_link
    pdf = buyer.request.get(pdf_link).body()
    assert pdf.startswith(b"%PDF") and shown_hash.encode() in _pdf_text(pdf)
    wav_link = buyer.get_by_test_id("download").filter(has_text="WAV").get_attribute("href")
    assert wav_link
    got_wav = buyer.request.get(wav_link)
    assert got_wav.status == 200 and got_wav.body()[:4] == b"RIFF"
    mp3_link = buyer.get_by_test_id("download").filter(has_text="MP3").get_attribute("href")
    assert mp3_link
    got_mp3 = buyer.request.get(mp3_link)  # made from the WAV when the track was attached: an MPEG frame or ID3
    assert got_mp3.status == 200 and got_mp3.headers["content-type"] == "audio/mpeg"
    assert got_mp3.body()[:3] == b"ID3" or got_mp3.body()[:2] in (b"\xff\xfb", b"\xff\xfa")

    # --- the producer sees the sale minus the fee (10 %) and refunds it ---------------------------------
    seller.goto(routes.SELL)
    sale = seller.get_by_test_id("sale-row").filter(has_text=TITLE)
    sale.wait_for(timeout=30_000)
    assert "USD 31.50" in sale.get_by_test_id("sale-earned").inner_text()
    balance = (seller.get_by_test_id("balance-available").inner_text()
               + seller.get_by_test_id("balance-pending").inner_text())
    assert "USD 31.50" in balance
    _check(seller, "market-sell-desktop")
    sale.get_by_test_id("refund").click()
    sale.get_by_text("refunded").wait_for(timeout=30_000)

    assert buyer.request.get(wav_link).status in (403, 404, 410)
    buyer.goto(f"{routes.MARKET_VERIFY}?hash={shown_hash}")
    buyer.get_by_test_id("verify-status").get_by_text("Void").wait_for(timeout=30_000)
    _check(buyer, "market-verify-desktop")

    # --- a report reaches the moderation queue --------------------------------------------------------
    buyer.goto(f"{routes.MARKET_LISTING}?id={listing_id}")
    buyer.get_by_test_id("report-button").click()
    buyer.get_by_label("Details").fill("This sounds like someone else's beat.")
    buyer.get_by_role("button", name="Send report").click()
    buyer.get_by_text("a moderator will look at it").wait_for(timeout=30_000)
    subprocess.run([sys.executable, "-m", "maxbooster.cli", "create-admin", ADMIN, "--password-stdin"],
                   input=PASSWORD + "\n", text=True, capture_output=True, cwd=ROOT, env=_env(app), check=True)
    admin = _context(browser, app, "desktop")
    sign_in(admin, ADMIN, PASSWORD)
    admin.goto(routes.ADMIN_MODERATION)
    admin.get_by_test_id("report-row").filter(has_text="someone else's beat").wait_for(timeout=30_000)
    _check(admin, "market-moderation-desktop")

    # --- every page on a phone ---------------------------------------------------------------------------
    phones = {"seller": _context(browser, app, "phone"), "buyer": _context(browser, app, "phone"),
              "admin": _context(browser, app, "phone")}
    sign_in(phones["seller"], PRODUCER, PASSWORD)
    sign_in(phones["buyer"], BUYER, PASSWORD)
    sign_in(phones["admin"], ADMIN, PASSWORD)
    for who, path, ready, name in (
            ("buyer", routes.MARKET, "listing-card", "browse"),
            ("buyer", f"{routes.MARKET_LISTING}?id={listing_id}", "tier-card", "listing"),
            ("buyer", routes.MARKET_CART, "order-row", "cart"),
            ("buyer", f"{routes.MARKET_ORDER}?id={order_id}", "order-line", "order"),
            ("seller", routes.SELL, "sale-row", "sell"),
            ("seller", f"{routes.SELL_LISTING}?id={listing_id}", "tier-editor", "editor"),
            ("admin", routes.ADMIN_MODERATION, "report-row", "moderation")):
        pg = phones[who]
        pg.goto(path)
        pg.get_by_test_id(ready).first.wait_for(timeout=30_000)
        _check(pg, f"market-{name}-phone")
