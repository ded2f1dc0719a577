"""Mastodon in Chromium against the real app and the local Mastodon (tests/social/mastodon_server.py) on
127.0.0.1 (the shared app allows private instances: SOCIAL_ALLOW_PRIVATE_INSTANCES=true in tests/support/e2e.py).

An address that is no server is refused in the page with what to type instead. The owner types the
server's address on the accounts page and goes through the OAuth round trip (our app registered at the
instance, its authorize page, the callback) to a card with the handle and the follower count; the composer's
live check counts against the instance's own limit; Post now publishes it once (one status with an
Idempotency-Key at the instance) and the post shows the link to that status. When the instance stops
accepting the token (401), Refresh turns the card to "Reconnect" with the reason and the dead token is
dropped; its Reconnect button signs in at the same server again and restores it; disconnect revokes the
token at the instance and deletes the row. Screenshots of the accounts page at 1440 and 390 px: no sideways
scroll and no page errors."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from maxbooster import routes
from tests.social.mastodon_server import MastodonServer
from tests.support.e2e import BERLIN, ROOT, RunningApp, fitting_screenshot, sign_in
from tests.support.e2e import app_db as _db
from tests.support.e2e import new_context as _context

pytestmark = pytest.mark.e2e

OWNER, PASSWORD = "mastodon.artist@example.com", "mastodon e2e long password"
TZ = BERLIN
LIMIT = 640  # not Mastodon's usual 500: the composer must count against what this instance reports


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    fitting_screenshot(page, name, 500)


def _connect(page, server: MastodonServer) -> None:  # type: ignore[no-untyped-def]
    """Type the server's address in the accounts page's form and go through its sign-in and back."""
    page.goto(routes.SOCIAL_ACCOUNTS)
    page.get_by_label("Mastodon server address").fill(server.url)
    page.get_by_test_id("connect-mastodon").click()
    page.wait_for_url(re.compile(r"/social/accounts/?\?.*notice="), timeout=30_000)


def test_connect_post_reconnect_and_disconnect_a_mastodon_account(browser, running_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    env = {"MAXBOOSTER_DATA_DIR": str(running_app.data_dir), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-m", "maxbooster.cli", "create-admin", OWNER, "--password-stdin", "--name",
                    "Ava Mast"], input=PASSWORD + "\n", text=True, capture_output=True, cwd=ROOT, env=env, check=True)
    ((owner_id,),) = _db(running_app, "SELECT id FROM users WHERE email = ?", OWNER)
    with MastodonServer(max_characters=LIMIT) as server:
        handle = f"@ava@{server.url.removeprefix('http://')}"
        context, page = _context(browser, running_app)
        sign_in(page, OWNER, PASSWORD)

        # an address that is no server is refused in the page with what to type; nothing is started
        page.goto(routes.SOCIAL_ACCOUNTS)
        page.get_by_label("Mastodon server address").fill("ftp://mastodon.example")
        page.get_by_test_id("connect-mastodon").click()
        page.get_by_text("is not a server address; enter e.g. mastodon.social").wait_for(timeout=15_000)
        assert _db(running_app, "SELECT id FROM social_connects WHERE owner_id = ?", owner_id) == []

        # the OAuth round trip: our app registered at the instance, its authorize page, the callback
        _connect(page, server)
        page.get_by_test_id("social-notice").filter(has_text=f"Connected {handle}.").wait_for(timeout=15_000)
        card = page.get_by_test_id("account-card").filter(has_text=handle)
        card.wait_for(timeout=15_000)
        assert page.get_by_test_id("account-handle").all_inner_texts() == [handle]
        assert "Mastodon" in card.inner_text() and "42 followers" in card.inner_text()
        assert "Connected" in card.inner_text()
        assert [len(server.sent("POST", p)) for p in ("/api/v1/apps", "/oauth/token")] == [1, 1]
        (authorize,) = server.sent("GET", "/oauth/authorize")
        assert authorize["query"]["code_challenge_method"] == "S256"
        assert authorize["query"]["redirect_uri"].endswith(routes.SOCIAL_CONNECT_CALLBACK.format(network="mastodon"))
        ((account_id, token_enc, state),) = _db(
            running_app, "SELECT id, access_token_enc, state FROM social_accounts WHERE owner_id = ? AND network = "
            "'mastodon'", owner_id)
        (issued,) = server.tokens
        assert state == "connected" and token_enc and issued not in token_enc  # stored, not in the clear
        _shot(page, "social-accounts-mastodon-desktop")
        _phone_shot(browser, running_app, handle)

        # the composer counts against the instance's limit; Post now publishes it once
        text = "Night Drive is out now on every store. Thank you for listening!"
        page.goto(routes.SOCIAL_NEW)
        page.get_by_test_id("check-row").first.wait_for(timeout=30_000)  # one account: chosen already
        page.get_by_test_id("post-text").fill("x" * (LIMIT + 2))
        page.wait_for_function(f"() => (document.querySelector('[data-testid=char-count]') || {{}}).innerText"
                               f" === '{LIMIT + 2:,} / {LIMIT}'", timeout=15_000)
        assert f"over Mastodon's limit of {LIMIT} (remove 2)" in page.get_by_test_id("check-problem").inner_text()
        assert page.get_by_test_id("post-now").is_disabled()
        page.get_by_test_id("post-text").fill(text)
        page.wait_for_function(f"() => (document.querySelector('[data-testid=char-count]') || {{}}).innerText"
                               f" === '{len(text)} / {LIMIT}'", timeout=15_000)
        assert page.get_by_test_id("check-problem").count() == 0
        page.get_by_test_id("post-now").click()
        page.wait_for_url(re.compile(r"/social/?\?day=.*saved=now"), timeout=30_000)
        deadline = time.monotonic() + 45
        while not _db(running_app, "SELECT id FROM social_post_variants WHERE account_id = ? AND state = 'published'",
                      account_id):
            assert time.monotonic() < deadline, "the post was not published within 45 s"
            time.sleep(0.5)
        (status,) = server.statuses.values()
        (sent,) = server.status_posts()
        assert sent["headers"].get("Idempotency-Key") and status["content"] == f"<p>{text}</p>"
        page.reload()
        page.get_by_role("radio", name="List").click()
        row = page.get_by_test_id("post-row").filter(has_text=text)
        row.wait_for(timeout=15_000)
        assert row.get_by_test_id("variant-state").inner_text() == "Published"
        assert row.get_by_role("link", name="View post").get_attribute("href") == status["url"]
        assert len(server.status_posts()) == 1  # a later sweep sent nothing more

        # the instance stops accepting the token: Refresh shows "Reconnect" with the reason, the token is dropped
        server.revoke_all()
        page.goto(routes.SOCIAL_ACCOUNTS)
        card.get_by_role("button", name="Refresh").click()
        card.get_by_test_id("reconnect-badge").wait_for(timeout=15_000)
        assert "no longer accepts our access" in card.get_by_role("alert").inner_text()
        assert _db(running_app, "SELECT state, access_token_enc FROM social_accounts WHERE id = ?", account_id) == [
            ("reconnect", None)]
        _shot(page, "social-accounts-mastodon-reconnect-desktop")

        # Reconnect signs in at the same server again and restores the same account (the app registration reused)
        card.get_by_test_id("reconnect").click()
        page.wait_for_url(re.compile(r"/social/accounts/?\?.*notice="), timeout=30_000)
        card.get_by_text("Connected", exact=True).wait_for(timeout=15_000)
        assert len(server.sent("POST", "/api/v1/apps")) == 1
        assert _db(running_app, "SELECT id, state FROM social_accounts WHERE owner_id = ?", owner_id) == [
            (account_id, "connected")]

        # disconnect asks first, revokes the token at the instance and deletes the row with its tokens
        card.get_by_test_id("disconnect").click()
        page.get_by_test_id("confirm-disconnect").click()
        page.get_by_test_id("social-notice").filter(has_text="Disconnected").wait_for(timeout=15_000)
        assert page.get_by_test_id("account-card").count() == 0
        assert _db(running_app, "SELECT id FROM social_accounts WHERE owner_id = ?", owner_id) == []
        assert len(server.sent("POST", "/oauth/revoke")) == 1
        assert page.errors == [], page.errors  # type: ignore[attr-defined]
        context.close()


def _phone_shot(browser, app: RunningApp, handle: str) -> None:  # type: ignore[no-untyped-def]
    context, page = _context(browser, app, "phone")
    sign_in(page, OWNER, PASSWORD)
    page.goto(routes.SOCIAL_ACCOUNTS)
    page.get_by_test_id("account-card").filter(has_text=handle).wait_for(timeout=30_000)
    _shot(page, "social-accounts-mastodon-phone")
    assert page.errors == [], page.errors  # type: ignore[attr-defined]
    context.close()
