"""The royalty pages in Chromium against the real app: an owner splits a released track 70/30 with a
collaborator (99.9 % is refused first, with the total); the collaborator opens the emailed link, creates
an account, confirms it, logs in and comes back to the invitation, accepts; the owner uploads a
semicolon-separated file (refused with what to change, nothing imported), then a distributor statement
(the report lists the malformed line and the unknown ISRC; the same file again says it was already
imported); both see their earnings; the owner downloads a CSV, records a payout (more than is owed is
refused) and opens the printable statement (white when printed). Every page at 1440 and 390 px wide:
no sideways scroll and no page errors."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from maxbooster import routes
from tests.support.e2e import ROOT, RunningApp, screenshot, sign_in

pytestmark = pytest.mark.e2e

OWNER, COLLAB = "owner.artist@example.com", "cy.producer@example.com"
PASSWORD = "royalty pages long password"
ISRC = "USMB12600001"
WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}

MAKE_RELEASE = """
import sys
from sqlmodel import select
from maxbooster.db import session_scope
from maxbooster.models.accounts import User
from maxbooster.models.releases import Release, ReleaseTrack
with session_scope() as s:
    user = s.exec(select(User).where(User.email == sys.argv[1])).one()
    release = Release(owner_id=user.id, title="Night Drive", artists=[{"name": "Ava North", "role": "primary"}])
    s.add(release)
    s.flush()
    s.add(ReleaseTrack(release_id=release.id, position=1, title="City Lights", isrc=sys.argv[2]))
    s.commit()
"""


def _env(app: RunningApp) -> dict[str, str]:
    return {"MAXBOOSTER_DATA_DIR": str(app.data_dir), "PATH": "/usr/bin:/bin"}


def _owner_with_release(app: RunningApp) -> None:
    """A confirmed account (made by the CLI) with one release whose track has an ISRC (rows made
    directly: releases have their own browser test; this one is about money)."""
    subprocess.run([sys.executable, "-m", "maxbooster.cli", "create-admin", OWNER, "--password-stdin", "--name",
                    "Ava North"], input=PASSWORD + "\n", text=True, capture_output=True, cwd=ROOT, env=_env(app),
                   check=True)
    subprocess.run([sys.executable, "-c", MAKE_RELEASE, OWNER, ISRC], cwd=ROOT, env=_env(app), check=True,
                   capture_output=True)


def _mail_link(app: RunningApp, to: str, pattern: str, timeout_s: float = 20) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with sqlite3.connect(app.data_dir / "maxbooster.db") as db:
            row = db.execute("SELECT text_body FROM email_outbox WHERE to_addr = ? AND text_body LIKE ? "
                             "ORDER BY created_at DESC", (to, f"%{pattern}%")).fetchone()
        if row:
            found = re.search(rf"https?://\S*{re.escape(pattern)}\S*", row[0])
            assert found, row[0]
            return found.group(0)
        time.sleep(0.5)
    raise AssertionError(f"no email to {to} with {pattern}")


def _context(browser, app: RunningApp, width: str = "desktop"):  # type: ignore[no-untyped-def]
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, base_url=app.url)
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda e: page.errors.append(str(e)))  # type: ignore[attr-defined]
    return context, page


def _statement(tmp_path: Path) -> Path:
    path = tmp_path / "distributor-nov.csv"
    path.write_text("isrc,period,store,territory,units,amount,currency\n"
                    f"{ISRC},2026-11,Spotify,DE,1520,8.00,USD\n"
                    f"{ISRC},2026-11,Apple Music,FR,300,2.00,USD\n"
                    "GBZZZ2600077,2026-11,Spotify,GB,10,0.40,USD\n"
                    f"{ISRC},2026-11,Spotify,Germany,5,0.10,USD\n")
    return path


def _owner_sets_the_split(page) -> None:  # type: ignore[no-untyped-def]
    page.goto(routes.ROYALTY_SPLITS)
    page.get_by_test_id("split-track").first.wait_for(timeout=30_000)
    assert "City Lights" in page.get_by_test_id("split-track").first.inner_text()
    page.get_by_role("button", name="Edit the split of City Lights").click()
    rows = page.get_by_test_id("split-row")
    rows.first.wait_for()
    assert rows.nth(0).get_by_label("Collaborator email").input_value() == OWNER
    rows.nth(0).get_by_label("Share in percent").fill("70")
    rows.nth(1).get_by_label("Collaborator email").fill(COLLAB)
    rows.nth(1).get_by_label("Share in percent").fill("29.9")
    page.wait_for_function("() => document.querySelector('[data-testid=split-total]').innerText.includes('99.9 %')")
    page.get_by_role("button", name="Save and send invitations").click()
    error = page.get_by_test_id("split-error")
    error.wait_for(timeout=15_000)
    assert error.inner_text().strip() == "The shares add up to 99.9 %; they must add up to exactly 100 %."
    rows.nth(1).get_by_label("Share in percent").fill("30")
    page.wait_for_function("() => document.querySelector('[data-testid=split-total]').innerText.includes('100 %')")
    screenshot(page, "royalties-split-editor-desktop")
    page.get_by_role("button", name="Save and send invitations").click()
    page.get_by_role("dialog").wait_for(state="detached", timeout=15_000)
    shares = page.get_by_test_id("split-track").first.get_by_test_id("share")
    shares.nth(1).wait_for(timeout=15_000)
    assert [re.sub(r"\s+", " ", shares.nth(i).inner_text()) for i in range(2)] == [
        f"{OWNER} 70 % Owner", f"{COLLAB} 30 % Invited"]


def _next_is_carried(page) -> None:  # type: ignore[no-untyped-def]
    """The form's hidden `next` (the invitation page) is filled in by the page's load: wait for it."""
    page.wait_for_function("() => (document.querySelector('input[name=next]') || {}).value?.startsWith("
                           f"'{routes.ROYALTY_INVITE}?token=')", timeout=30_000)


def _collaborator_accepts(browser, app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    link = _mail_link(app, COLLAB, routes.ROYALTY_INVITE)
    assert link.startswith(app.url + routes.ROYALTY_INVITE + "?token=")
    context, page = _context(browser, app, "phone")
    page.goto(link)
    page.get_by_test_id("invite-offer").wait_for(timeout=30_000)
    offer = page.get_by_test_id("invite-offer").inner_text()
    assert "30 %" in offer and "City Lights" in offer and "Night Drive" in offer and "Ava North" in offer
    screenshot(page, "royalties-invite-visitor-phone")
    page.get_by_role("link", name="Create an account").click()
    page.wait_for_url(re.compile(r"/signup/?\?next="), timeout=30_000)
    _next_is_carried(page)
    page.fill("input[name=display_name]", "Cy Producer")
    page.fill("input[name=email]", COLLAB)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_test_id("form-notice").wait_for(timeout=30_000)
    assert "next=" in page.url and "notice=check_email" in page.url  # the invitation waits for them
    verify = _mail_link(app, COLLAB, routes.AUTH_VERIFY_EMAIL)
    confirm = context.new_page()  # the confirmation link, opened from the mail in another tab
    confirm.goto(verify)
    confirm.wait_for_url(re.compile(r"notice=verified"), timeout=30_000)
    assert "next=%2Fearnings%2Finvite" in confirm.url  # the confirm link also leads back to the invitation
    confirm.close()
    _next_is_carried(page)
    page.fill("input[name=email]", COLLAB)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(re.escape(routes.ROYALTY_INVITE) + r"/?\?token="), timeout=30_000)
    page.get_by_role("button", name="Accept my share").wait_for(timeout=30_000)
    page.wait_for_function("() => !document.evaluate(\"//button[.='Accept my share']\", document, null, 9, null)"
                           ".singleNodeValue.disabled", timeout=15_000)
    page.get_by_role("button", name="Accept my share").click()
    page.get_by_test_id("invite-answered").wait_for(timeout=15_000)
    assert "You accepted your share" in page.get_by_test_id("invite-answered").inner_text()
    screenshot(page, "royalties-invite-accepted-phone")
    page.goto(link)  # the link works once
    page.get_by_test_id("invite-bad").wait_for(timeout=30_000)
    assert "not valid any more" in page.get_by_test_id("invite-bad").inner_text()
    assert page.errors == []  # type: ignore[attr-defined]
    context.close()


def _owner_imports(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto(routes.ROYALTY_STATEMENTS)
    uploader = page.get_by_test_id("statement-uploader").locator("input[type=file]")
    uploader.wait_for(state="attached", timeout=30_000)
    wrong = tmp_path / "semicolons.csv"  # refused with what to change, nothing imported
    wrong.write_text(_statement(tmp_path).read_text().replace(",", ";"))
    uploader.set_input_files(str(wrong))
    page.get_by_test_id("statement-error").wait_for(timeout=30_000)
    assert page.get_by_test_id("statement-error").inner_text().strip().startswith(
        "This file is separated by semicolons, but a Max Booster generic CSV statement is separated by commas.")
    assert page.get_by_test_id("statement-row").count() == 0
    uploader.set_input_files(str(_statement(tmp_path)))
    report = page.get_by_test_id("import-report")
    report.wait_for(timeout=30_000)
    page.get_by_test_id("unmatched").wait_for(timeout=15_000)
    text = re.sub(r"\s+", " ", report.inner_text())
    assert "Lines 4 Credited 2 Malformed 1 Unknown ISRC 1" in text, text
    assert "GBZZZ2600077" in page.get_by_test_id("unmatched").inner_text()
    assert re.search(r"\b5\s+territory “GERMANY” is not a two-letter country code",
                     page.get_by_test_id("problems").inner_text())
    assert page.get_by_test_id("statement-notice").inner_text().strip() == "Statement imported."
    screenshot(page, "royalties-statement-report-desktop")
    uploader.set_input_files(str(_statement(tmp_path)))
    page.wait_for_function("() => (document.querySelector('[data-testid=statement-notice]') || {}).innerText"
                           "?.includes('already imported')", timeout=30_000)
    assert page.get_by_test_id("statement-row").count() == 1


def _balances(page, testid: str) -> list[str]:  # type: ignore[no-untyped-def]
    section = page.get_by_test_id(testid)
    section.wait_for(timeout=30_000)
    return [re.sub(r"\s+", " ", row.inner_text()) for row in section.get_by_test_id("balance-row").all()]


def _owner_sees_earnings_and_pays(page) -> None:  # type: ignore[no-untyped-def]
    page.goto(routes.EARNINGS)
    page.get_by_test_id("balance-row").first.wait_for(timeout=30_000)
    mine = _balances(page, "my-earnings")
    assert len(mine) == 1 and "USD 7.00" in mine[0] and "You" in mine[0]
    catalogue = _balances(page, "catalogue-earnings")  # by email: the collaborator, then the owner
    assert len(catalogue) == 2 and "Cy Producer" in catalogue[0] and "USD 3.00" in catalogue[0]
    assert "USD 7.00" in catalogue[1] and OWNER in catalogue[1]
    row = page.get_by_test_id("catalogue-earnings").get_by_test_id("balance-row").nth(0)
    csv_reply = page.request.get(row.get_by_role("link", name="CSV").get_attribute("href"))  # the download
    assert csv_reply.ok and csv_reply.headers["content-type"].startswith("text/csv")
    assert ",income,City Lights,USMB12600001,3.00,USD," in csv_reply.text()
    row.get_by_role("button", name="Record payout").click()
    dialog = page.get_by_role("dialog")
    assert "outside Max Booster" in dialog.inner_text()
    dialog.get_by_label("Amount").fill("5.00")  # more than is owed: refused, nothing recorded
    dialog.get_by_role("button", name="Record as paid").click()
    page.get_by_test_id("payout-error").wait_for(timeout=15_000)
    assert "USD 3.00 to pay out" in page.get_by_test_id("payout-error").inner_text()
    dialog.get_by_label("Amount").fill("1.00")
    dialog.get_by_label("Note (optional)").fill("Bank transfer")
    dialog.get_by_role("button", name="Record as paid").click()
    dialog.wait_for(state="detached", timeout=15_000)
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=catalogue-earnings] "
                           "[data-testid=balance-amount]')].some(e => e.innerText === 'USD 2.00')", timeout=15_000)
    screenshot(page, "royalties-earnings-desktop")


def _printable(page) -> None:  # type: ignore[no-untyped-def]
    page.goto(routes.with_query(routes.ROYALTY_PRINT, party=COLLAB))
    page.get_by_test_id("print-line").first.wait_for(timeout=30_000)
    assert COLLAB in page.get_by_test_id("print-party").inner_text()
    lines = [re.sub(r"\s+", " ", r.inner_text()) for r in page.get_by_test_id("print-line").all()]
    assert len(lines) == 2 and "Income City Lights USMB12600001 USD 3.00" in lines[0] and "USD -1.00" in lines[1]
    assert page.get_by_test_id("print-balance").inner_text().strip() == "Balance USD 2.00"
    screenshot(page, "royalties-print-desktop")
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    assert page.evaluate("getComputedStyle(document.querySelector('h1')).color") == "rgb(0, 0, 0)"
    screenshot(page, "royalties-print-paper")
    page.emulate_media(media="screen")


def _collaborator_sees_earnings(browser, app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    context, page = _context(browser, app, "phone")
    sign_in(page, COLLAB, PASSWORD)
    page.goto(routes.EARNINGS)
    page.get_by_test_id("balance-row").first.wait_for(timeout=30_000)
    mine = _balances(page, "my-earnings")
    assert len(mine) == 1 and "Ava North" in mine[0] and "USD 2.00" in mine[0]
    assert _balances(page, "catalogue-earnings") == []
    screenshot(page, "royalties-earnings-collaborator-phone")
    assert page.errors == []  # type: ignore[attr-defined]
    context.close()


def _every_page_fits(browser, app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    pages = {"earnings": (routes.EARNINGS, "balance-row"), "splits": (routes.ROYALTY_SPLITS, "split-track"),
             "statements": (routes.ROYALTY_STATEMENTS, "statement-row"),
             "print": (routes.with_query(routes.ROYALTY_PRINT, party=COLLAB), "print-line")}
    for width in WIDTHS:
        context, page = _context(browser, app, width)
        sign_in(page, OWNER, PASSWORD)
        for name, (path, ready) in pages.items():
            page.goto(path)
            page.get_by_test_id(ready).first.wait_for(timeout=30_000)
            page.wait_for_timeout(300)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} scrolls sideways by {overflow} px at {WIDTHS[width][0]} px"
            screenshot(page, f"royalties-{name}-{width}")
        assert page.errors == [], page.errors  # type: ignore[attr-defined]
        context.close()


def test_split_invite_statement_earnings_and_printable_statement(browser, running_app: RunningApp,  # type: ignore[no-untyped-def]
                                                                  tmp_path: Path) -> None:
    _owner_with_release(running_app)
    context, page = _context(browser, running_app)
    sign_in(page, OWNER, PASSWORD)
    _owner_sets_the_split(page)
    _collaborator_accepts(browser, running_app)
    page.goto(routes.ROYALTY_SPLITS)
    # the tab first gets back its earlier state ("Invited"), then the page's load: wait for the load's answer
    page.get_by_test_id("share").filter(has_text=COLLAB).filter(has_text="Accepted").wait_for(timeout=30_000)
    page.get_by_role("button", name="Edit the split of City Lights").click()
    page.get_by_test_id("split-history").wait_for(timeout=15_000)
    history = page.get_by_test_id("split-history").inner_text()
    assert f"{COLLAB} accepted" in history and f"Split set: {OWNER} 70 %, {COLLAB} 30 %" in history
    page.reload()  # the tab's earlier state (editor open) must not come back and drive a save
    page.get_by_test_id("split-track").first.wait_for(timeout=30_000)
    page.wait_for_function("() => !document.querySelector('[role=dialog]')", timeout=15_000)
    page.wait_for_timeout(1000)
    assert page.get_by_role("dialog").count() == 0
    _owner_imports(page, tmp_path)
    _owner_sees_earnings_and_pays(page)
    _printable(page)
    assert page.errors == [], page.errors  # type: ignore[attr-defined]
    context.close()
    _collaborator_sees_earnings(browser, running_app)
    _every_page_fits(browser, running_app)
