"""The marketplace in Chromium, second story (sandbox provider): a producer sells a sample pack uploaded as a
ZIP through the listing editor (a program file inside is flagged to buyers), with a preview made from a library
track; a buyer buys it, downloads the very ZIP, has the receipt emailed again, writes a review and edits it; a
signed-in non-buyer's review is refused. A user reports the pack; an admin hides it, restores it from the
hidden listings, and, after a second report, bans the seller; every action is in the audit log.
Every page at 1440 and 390 px: no sideways scroll, no page errors, no serious axe finding."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import uuid
import zipfile

import pytest

from maxbooster import routes
from tests.marketplace.test_e2e_marketplace import (
    MAKE_USER,
    _check,
    _context,
    _cover_png,
    _db,
    _env,
    _onboard,
    _tier,
    _until,
    _upload_track,
)
from tests.support.e2e import ROOT, RunningApp, sign_in
from tests.support.library import music_bytes

pytestmark = pytest.mark.e2e

RUN = uuid.uuid4().hex[:6]
SELLER, BUYER, STRANGER, ADMIN = (f"pack.maker.{RUN}@example.com", f"pack.buyer.{RUN}@example.com",
                                  f"stranger.{RUN}@example.com", f"pack.admin.{RUN}@example.com")
PASSWORD = "community pages long password"
TITLE = f"Dusty Drums {RUN}"


def _pack() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Dusty Drums/kick.wav", music_bytes("WAV", seconds=0.5, seed=3))
        zf.writestr("Dusty Drums/snare.wav", music_bytes("WAV", seconds=0.5, seed=4))
        zf.writestr("Dusty Drums/Tools/setup.exe", b"MZ" + b"\x90" * 200)  # flagged: a Windows program
    return out.getvalue()


def _user_id(app: RunningApp, email: str) -> str:
    return str(uuid.UUID(str(_db(app, "SELECT id FROM users WHERE email = ?", email)[0][0])))


def _review(page, stars: str, text: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Stars").click()
    page.get_by_role("option", name=stars, exact=True).click()
    page.get_by_label("Review", exact=True).fill(text)
    page.get_by_role("button", name="Save review").click()


def _report(page, listing_id: str, details: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{routes.MARKET_LISTING}?id={listing_id}")
    page.get_by_test_id("report-button").click()
    page.get_by_label("Details").fill(details)
    page.get_by_role("button", name="Send report").click()
    page.get_by_text("a moderator will look at it").wait_for(timeout=30_000)


def test_pack_zip_reviews_and_moderation(browser, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    app = running_app
    for email, name in ((SELLER, f"Pack Maker {RUN}"), (BUYER, "Pack Buyer"), (STRANGER, "Someone Else")):
        subprocess.run([sys.executable, "-c", MAKE_USER, email, PASSWORD, name], cwd=ROOT, env=_env(app),
                       check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "maxbooster.cli", "create-admin", ADMIN, "--password-stdin"],
                   input=PASSWORD + "\n", text=True, capture_output=True, cwd=ROOT, env=_env(app), check=True)
    _upload_track(app, SELLER, PASSWORD, TITLE, seconds=20, seed=9)
    seller_id = _user_id(app, SELLER)

    # --- the producer: payouts, a sample pack uploaded as a ZIP, a preview from a library track ----------
    seller = _context(browser, app, "desktop")
    sign_in(seller, SELLER, PASSWORD)
    _onboard(seller, app, SELLER)
    seller.get_by_label("New listing title").fill(TITLE)
    seller.get_by_label("Type").click()
    seller.get_by_role("option", name="Sample pack").click()
    seller.get_by_role("button", name="New listing").click()
    seller.wait_for_url(re.compile(r"/sell/listing/?\?id="), timeout=30_000)
    listing_id = seller.url.split("id=")[1]
    seller.get_by_test_id("save-details").wait_for(timeout=30_000)
    assert _db(app, "SELECT kind FROM marketplace_listings WHERE title = ?", TITLE) == [("sample_pack",)]

    pack = _pack()
    seller.locator("#zip input[type=file]").set_input_files(
        files=[{"name": "dusty-drums.zip", "mimeType": "application/zip", "buffer": pack}])
    seller.get_by_text("ZIP checked and attached.").wait_for(timeout=30_000)
    seller.get_by_test_id("file-name").filter(has_text="zip: dusty-drums.zip").wait_for(timeout=30_000)
    seller.get_by_test_id("pick-track").select_option(label=TITLE)
    seller.get_by_test_id("file-name").filter(has_text="preview: ").wait_for(timeout=30_000)
    assert sorted(_db(app, "SELECT f.role, f.entry_count FROM marketplace_listing_files f JOIN marketplace_listings l "
                           "ON l.id = f.listing_id WHERE l.title = ?", TITLE)) == [("preview", None), ("zip", 3)]
    seller.locator("#cover input[type=file]").set_input_files(
        files=[{"name": "cover.png", "mimeType": "image/png", "buffer": _cover_png()}])
    seller.get_by_text("Cover saved.").wait_for(timeout=30_000)
    seller.get_by_test_id("add-tier").click()
    _tier(seller, 0, "unlimited", "15", "zip")
    seller.get_by_test_id("save-tiers").click()
    seller.get_by_text("License tiers saved.").wait_for(timeout=30_000)
    seller.get_by_test_id("make-preview").click()
    seller.get_by_test_id("preview-status").get_by_text("ready").wait_for(timeout=120_000)
    seller.get_by_test_id("publish").click()
    seller.get_by_test_id("listing-status").get_by_text("published").wait_for(timeout=30_000)
    _check(seller, "market-pack-editor-desktop")

    # --- the buyer: the program file is flagged, buys the pack and gets the very ZIP ----------------------
    buyer = _context(browser, app, "desktop")
    sign_in(buyer, BUYER, PASSWORD)
    buyer.goto(f"{routes.MARKET_LISTING}?id={listing_id}")
    findings = buyer.get_by_test_id("zip-findings")
    findings.wait_for(timeout=30_000)
    assert "program files" in findings.inner_text() and "setup.exe" in findings.inner_text()
    buyer.get_by_test_id("tier-card").filter(has_text="USD 15.00").get_by_test_id("add-to-cart").click()
    buyer.wait_for_url(re.compile(r"/market/cart/?$"), timeout=30_000)
    buyer.get_by_test_id("pay").click()
    buyer.wait_for_url(re.compile(r"/market/pay/?\?order="), timeout=30_000)
    buyer.get_by_test_id("sandbox-pay").click()
    buyer.wait_for_url(re.compile(r"/market/order/?\?id="), timeout=30_000)
    order_id = buyer.url.split("id=")[1]
    _until(lambda: _db(app, "SELECT status FROM marketplace_orders WHERE id = ?",
                       uuid.UUID(order_id).hex) == [("paid",)], "the payment is applied")
    buyer.get_by_role("button", name="Refresh").click()
    zip_link = buyer.get_by_test_id("download").filter(has_text="ZIP")
    zip_link.wait_for(timeout=30_000)
    got = buyer.request.get(zip_link.get_attribute("href") or "")
    assert got.status == 200 and got.body() == pack
    # the receipt, emailed again from the order page (the first one went out with the payment)
    receipts = "SELECT COUNT(*) FROM email_outbox WHERE to_addr = ? AND subject LIKE 'Your Max Booster receipt%'"
    _until(lambda: _db(app, receipts, BUYER) == [(1,)], "the first receipt")
    buyer.get_by_test_id("resend-receipt").click()
    buyer.get_by_text(f"Receipt sent to {BUYER}.").wait_for(timeout=30_000)
    assert _db(app, receipts, BUYER) == [(2,)]
    assert _db(app, "SELECT COUNT(*) FROM audit_log WHERE action = 'marketplace.receipt_resent' AND target = ?",
               f"order:{uuid.UUID(order_id)}") == [(1,)]
    _check(buyer, "market-pack-order-desktop")

    # --- reviews: the buyer writes one and edits it; a non-buyer is refused --------------------------------
    buyer.goto(f"{routes.MARKET_LISTING}?id={listing_id}")
    _review(buyer, "★★★", "Punchy kicks, a bit noisy.")
    buyer.get_by_test_id("review").filter(has_text="Punchy kicks, a bit noisy.").wait_for(timeout=30_000)
    _review(buyer, "★★★★★", "Punchy kicks; the noise was my monitors.")
    buyer.get_by_test_id("review").filter(has_text="the noise was my monitors").wait_for(timeout=30_000)
    assert buyer.get_by_test_id("review").count() == 1 and "a bit noisy" not in buyer.inner_text("body")
    assert _db(app, "SELECT r.rating, r.body FROM marketplace_reviews r JOIN marketplace_listings l ON "
                    "l.id = r.listing_id WHERE l.title = ?", TITLE) == [(5, "Punchy kicks; the noise was my monitors.")]
    _check(buyer, "market-pack-listing-desktop")
    stranger = _context(browser, app, "desktop")
    sign_in(stranger, STRANGER, PASSWORD)
    stranger.goto(f"{routes.MARKET_LISTING}?id={listing_id}")
    _review(stranger, "★", "Never bought it but I hate it.")
    stranger.get_by_text("Only people who bought this item").wait_for(timeout=30_000)
    assert _db(app, "SELECT COUNT(*) FROM marketplace_reviews r JOIN marketplace_listings l ON l.id = r.listing_id "
                    "WHERE l.title = ?", TITLE) == [(1,)]

    # --- moderation: report, hide, restore from the hidden listings, second report, ban the seller ---------
    _report(stranger, listing_id, f"Stolen drums {RUN}")
    admin = _context(browser, app, "desktop")
    sign_in(admin, ADMIN, PASSWORD)
    admin.goto(routes.ADMIN_MODERATION)
    row = admin.get_by_test_id("report-row").filter(has_text=f"Stolen drums {RUN}")
    row.get_by_role("button", name="Hide listing").click()
    hidden = admin.get_by_test_id("hidden-row").filter(has_text=TITLE)
    hidden.wait_for(timeout=30_000)
    status = "SELECT status FROM marketplace_listings WHERE title = ?"
    assert _db(app, status, TITLE) == [("hidden",)]
    stranger.goto(f"{routes.MARKET_LISTING}?id={listing_id}")
    stranger.get_by_text("This listing is not on sale").wait_for(timeout=30_000)
    _check(admin, "market-moderation-hidden-desktop")
    hidden.get_by_role("button", name="Restore").click()
    _until(lambda: _db(app, status, TITLE) == [("published",)], "the listing is restored")
    hidden.wait_for(state="detached", timeout=30_000)

    _report(stranger, listing_id, f"Still stolen {RUN}")
    admin.reload()
    admin.get_by_test_id("report-row").filter(has_text=f"Still stolen {RUN}").get_by_role(
        "button", name="Ban seller").click()
    banned = admin.get_by_test_id("hidden-row").filter(has_text=TITLE)
    banned.get_by_text("seller banned", exact=True).wait_for(timeout=30_000)
    assert _db(app, status, TITLE) == [("hidden",)]
    assert _db(app, "SELECT banned_at IS NOT NULL FROM marketplace_seller_accounts WHERE owner_id = ?",
               uuid.UUID(seller_id).hex) == [(1,)]
    assert banned.get_by_role("button", name="Unban seller").is_visible()
    audited = _db(app, "SELECT action, target FROM audit_log WHERE action LIKE 'marketplace.moderation.%' AND "
                       "target IN (?, ?) ORDER BY seq", f"listing:{uuid.UUID(listing_id)}", f"seller:{seller_id}")
    assert [a for a, _ in audited] == ["marketplace.moderation.hide", "marketplace.moderation.restore",
                                       "marketplace.moderation.ban_seller"], audited
    assert _db(app, "SELECT COUNT(*) FROM marketplace_reports r JOIN marketplace_listings l ON l.id = r.listing_id "
                    "WHERE l.title = ? AND r.status = 'resolved'", TITLE) == [(2,)]
    _check(admin, "market-moderation-banned-desktop")

    # --- the new pages on a phone ---------------------------------------------------------------------------
    for email, path, ready, name in ((ADMIN, routes.ADMIN_MODERATION, "hidden-row", "moderation-hidden"),
                                     (BUYER, f"{routes.MARKET_ORDER}?id={order_id}", "resend-receipt", "pack-order")):
        phone = _context(browser, app, "phone")
        sign_in(phone, email, PASSWORD)
        phone.goto(path)
        phone.get_by_test_id(ready).first.wait_for(timeout=30_000)
        _check(phone, f"market-{name}-phone")
