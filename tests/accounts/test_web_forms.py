"""Browser form routes under /api/auth: redirects, cookie flags, CSRF, lockout over HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from maxbooster.api.app import create_api
from maxbooster.models.accounts import User
from maxbooster.services.accounts import sessions
from maxbooster.services.accounts.users import find_by_email
from maxbooster.services.email.outbox import list_outbox
from maxbooster.settings import get_settings
from tests.support import accounts as fx
from tests.support.accounts import PASSWORD, make_user

acct_env = fx.acct_env
ORIGIN = {"Origin": "http://localhost:3000"}
JSON = {**ORIGIN, "Accept": "application/json"}


@pytest.fixture
def client(acct_env: object) -> Iterator[TestClient]:
    with TestClient(create_api(), base_url="http://localhost:8000", follow_redirects=False) as c:
        yield c


def _login(client: TestClient, email: str = "alice@example.com", password: str = PASSWORD,
           fresh: bool = True, **extra: str):  # type: ignore[no-untyped-def]
    """Log in like a new browser (fresh=True) or with whatever cookie the client holds."""
    if fresh:
        client.cookies.clear()
    return client.post("/api/auth/login", data={"email": email, "password": password, **extra}, headers=ORIGIN)


def test_login_redirects_and_sets_a_strict_cookie(session: Session, client: TestClient) -> None:
    make_user(session)
    resp = _login(client, next="/studio/projects")
    assert resp.status_code == 303 and resp.headers["location"] == "http://localhost:3000/studio/projects"
    cookie = resp.headers["set-cookie"]
    assert cookie.startswith("mb_session=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Path=/" in cookie and "Secure" not in cookie and "Max-Age" not in cookie


def test_cookie_is_secure_on_https_app_url(session: Session, client: TestClient,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_URL", "https://app.example.com")
    get_settings.cache_clear()
    make_user(session)
    resp = client.post("/api/auth/login", data={"email": "alice@example.com", "password": PASSWORD,
                                                "remember": "on"},
                       headers={"Origin": "https://app.example.com"})
    cookie = resp.headers["set-cookie"]
    assert resp.status_code == 303 and "Secure" in cookie and "HttpOnly" in cookie and "Max-Age=" in cookie


def test_open_redirect_is_refused(session: Session, client: TestClient) -> None:
    make_user(session)
    assert _login(client, next="//evil.example").headers["location"] == "http://localhost:3000/studio"


def test_a_waiting_page_survives_a_failed_login_and_a_sign_up(session: Session, client: TestClient) -> None:
    """An invitation sends visitors to log in or sign up with `next`: a wrong password and a new account
    both keep it, so they come back to the invitation; a foreign target is dropped."""
    make_user(session)
    waiting = "/earnings/invite?token=abc"
    wrong = _login(client, password="not the password", next=waiting)
    assert wrong.headers["location"] == ("http://localhost:3000/login?next=%2Fearnings%2Finvite%3Ftoken%3Dabc"
                                         "&error=invalid_credentials")
    made = client.post("/api/auth/signup", headers=ORIGIN, data={
        "email": "new@example.com", "password": "a long enough password", "display_name": "New", "next": waiting})
    assert made.headers["location"] == ("http://localhost:3000/login?next=%2Fearnings%2Finvite%3Ftoken%3Dabc"
                                        "&notice=check_email")
    # The confirm link in the email carries the waiting page too, and brings them to log in on the way back.
    [mail] = list_outbox(session=session, to="new@example.com")
    link = re.search(r"https?://\S+", mail.text_body)
    assert link and "next=%2Fearnings%2Finvite%3Ftoken%3Dabc" in link.group(0)
    confirm = urlsplit(link.group(0))
    confirmed = client.get(f"{confirm.path}?{confirm.query}")
    assert confirmed.headers["location"] == ("http://localhost:3000/login?next=%2Fearnings%2Finvite%3Ftoken%3Dabc"
                                             "&notice=verified")
    foreign = client.post("/api/auth/signup", headers=ORIGIN, data={
        "email": "far@example.com", "password": "a long enough password", "display_name": "F",
        "next": "//evil.example"})
    assert foreign.headers["location"] == "http://localhost:3000/login?notice=check_email"
    [mail] = list_outbox(session=session, to="far@example.com")
    assert "next=" not in mail.text_body and "evil" not in mail.text_body
    evil = client.post("/api/auth/signup", headers=ORIGIN, data={
        "email": "x@example.com", "password": "short", "display_name": "X", "next": "//evil.example"})
    assert evil.headers["location"] == "http://localhost:3000/signup?error=password_too_short"
    assert _login(client, next=waiting).headers["location"] == "http://localhost:3000" + waiting


def test_session_id_changes_at_login(session: Session, client: TestClient) -> None:
    make_user(session)
    client.cookies.set("mb_session", "attacker-chosen-id")
    first = _login(client, fresh=False).cookies["mb_session"]
    client.cookies.set("mb_session", first)
    second = _login(client, fresh=False).cookies["mb_session"]
    assert first != second and "attacker-chosen-id" not in (first, second)
    assert sessions.validate_session(first, session=session) is None  # the pre-login id is dropped
    assert sessions.validate_session(second, session=session) is not None


def test_foreign_origin_is_refused_and_nothing_changes(session: Session, client: TestClient) -> None:
    make_user(session)
    raw = _login(client).cookies["mb_session"]
    client.cookies.set("mb_session", raw)
    for headers in ({"Origin": "https://evil.example"}, {"Referer": "https://evil.example/x"}, {}):
        resp = client.post("/api/auth/change-password", headers=headers,
                           data={"current_password": PASSWORD, "new_password": "hijacked passphrase"})
        assert resp.status_code == 403 and resp.json()["error"]["code"] == "forbidden"
    assert sessions.validate_session(raw, session=session) is not None
    assert _login(client).status_code == 303  # old password still works
    ok = client.post("/api/auth/logout", headers={"Referer": "http://localhost:3000/settings"})
    assert ok.status_code == 303


def test_failures_look_identical_for_known_and_unknown_email(session: Session, client: TestClient) -> None:
    make_user(session)
    known = client.post("/api/auth/login", json={"email": "alice@example.com", "password": "bad pass!"}, headers=JSON)
    unknown = client.post("/api/auth/login", json={"email": "who@example.com", "password": "bad pass!"}, headers=JSON)
    assert known.status_code == unknown.status_code == 401 and known.content == unknown.content
    form = [_login(client, email=e, password="bad pass!").headers["location"]
            for e in ("alice@example.com", "who@example.com")]
    assert form[0] == form[1] == "http://localhost:3000/login?error=invalid_credentials"


def test_thousand_guesses_with_spoofed_forwarded_for(session: Session, client: TestClient) -> None:
    make_user(session)
    codes = []
    for i in range(1000):
        resp = client.post("/api/auth/login", json={"email": "alice@example.com", "password": f"guess-{i:04d}"},
                           headers={**JSON, "X-Forwarded-For": f"198.51.{i // 256}.{i % 256}"})
        codes.append(resp.status_code)
        if resp.status_code == 429:
            assert int(resp.headers["Retry-After"]) > 0
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429} and 200 not in codes
    assert "mb_session" not in client.cookies


def test_signup_verify_login_flow(session: Session, client: TestClient) -> None:
    resp = client.post("/api/auth/signup", headers=ORIGIN,
                       data={"display_name": "Eve", "email": "eve@example.com", "password": PASSWORD})
    assert resp.headers["location"] == "http://localhost:3000/login?notice=check_email"
    assert _login(client, email="eve@example.com").headers["location"].endswith("error=email_unverified")
    token = re.search(r"token=(\S+)", list_outbox(session=session, to="eve@example.com")[0].text_body).group(1)  # type: ignore[union-attr]
    verified = client.get(f"/api/auth/verify-email?token={token}")
    assert verified.headers["location"] == "http://localhost:3000/login?notice=verified"
    again = client.get(f"/api/auth/verify-email?token={token}")
    assert again.headers["location"] == "http://localhost:3000/verify?error=invalid_token"
    assert _login(client, email="eve@example.com").headers["location"] == "http://localhost:3000/studio"


def test_signup_errors_come_back_as_codes(client: TestClient) -> None:
    resp = client.post("/api/auth/signup", headers=ORIGIN,
                       data={"display_name": "Eve", "email": "eve@example.com", "password": "iloveyou1"})
    assert resp.headers["location"] == "http://localhost:3000/signup?error=common_password"


def test_forgot_password_is_identical_and_capped(session: Session, client: TestClient) -> None:
    make_user(session)
    replies = [client.post("/api/auth/forgot-password", data={"email": e}, headers=ORIGIN)
               for e in ["alice@example.com"] * 5 + ["nobody@example.com"]]
    assert {(r.status_code, r.headers["location"]) for r in replies} == \
        {(303, "http://localhost:3000/forgot?notice=reset_sent")}
    assert len(list_outbox(session=session, to="alice@example.com")) == 3


def test_change_password_rotates_cookie_and_kills_other_sessions(session: Session, client: TestClient) -> None:
    make_user(session)
    other = _login(client).cookies["mb_session"]
    mine = _login(client).cookies["mb_session"]
    client.cookies.set("mb_session", mine)
    resp = client.post("/api/auth/change-password", headers=ORIGIN,
                       data={"current_password": PASSWORD, "new_password": "my new passphrase"})
    assert resp.headers["location"] == "http://localhost:3000/settings?notice=password_changed"
    rotated = resp.cookies["mb_session"]
    assert rotated not in (mine, other)
    assert [sessions.validate_session(r, session=session) is None for r in (mine, other, rotated)] == \
        [True, True, False]


def test_settings_routes_need_a_session(client: TestClient) -> None:
    resp = client.post("/api/auth/logout-others", headers=ORIGIN)
    assert resp.headers["location"] == "http://localhost:3000/login?error=login_required"


def test_logout_others_revoke_and_delete(session: Session, client: TestClient) -> None:
    user = make_user(session)
    other = _login(client).cookies["mb_session"]
    third = _login(client).cookies["mb_session"]
    mine = _login(client).cookies["mb_session"]
    client.cookies.set("mb_session", mine)
    third_id = sessions.validate_session(third, session=session).session_id  # type: ignore[union-attr]
    resp = client.post("/api/auth/revoke-session", data={"session_id": third_id}, headers=ORIGIN)
    assert resp.headers["location"].endswith("notice=session_revoked")
    assert sessions.validate_session(third, session=session) is None
    client.post("/api/auth/logout-others", headers=ORIGIN)
    assert sessions.validate_session(other, session=session) is None
    resp = client.post("/api/auth/delete-account", data={"password": PASSWORD, "confirm_email": "alice@example.com"},
                       headers=ORIGIN)
    assert resp.headers["location"] == "http://localhost:3000/login?notice=account_deleted"
    assert 'mb_session=""' in resp.headers["set-cookie"] or "Max-Age=0" in resp.headers["set-cookie"]
    assert sessions.validate_session(mine, session=session) is None
    assert session.get(type(user), user.id, populate_existing=True) is None


def test_logout_clears_cookie_and_session(session: Session, client: TestClient) -> None:
    make_user(session)
    raw = _login(client).cookies["mb_session"]
    client.cookies.set("mb_session", raw)
    resp = client.post("/api/auth/logout", headers=ORIGIN)
    assert resp.headers["location"] == "http://localhost:3000/login?notice=logged_out"
    assert sessions.validate_session(raw, session=session) is None


def test_resend_verification_form_sends_a_working_link_and_reveals_nothing(session: Session,
                                                                           client: TestClient) -> None:
    """The /verify form: a new link for an unconfirmed account; the same answer for any other email."""
    make_user(session, "new@example.com", verified=False)
    make_user(session, "done@example.com")
    answers = [client.post("/api/auth/resend-verification", data={"email": email}, headers=ORIGIN)
               for email in ("New@Example.com", "done@example.com", "nobody@example.com")]
    assert {(r.status_code, r.headers["location"]) for r in answers} == {
        (303, "http://localhost:3000/login?notice=verification_sent")}  # no way to tell accounts apart
    assert list_outbox(session=session, to="done@example.com") == []
    assert list_outbox(session=session, to="nobody@example.com") == []
    mail = list_outbox(session=session, to="new@example.com")
    assert len(mail) == 1
    link = re.search(r"http://localhost:8000(/api/auth/verify-email\?token=\S+)", mail[0].text_body)
    assert link is not None
    resp = client.get(link.group(1))
    assert resp.status_code == 303 and resp.headers["location"].endswith("/login?notice=verified")
    session.expire_all()
    assert _user(session, "new@example.com").email_verified

    bad = client.post("/api/auth/resend-verification", data={"email": "not an email"}, headers=ORIGIN)
    assert bad.status_code == 303 and "verification_sent" in bad.headers["location"]  # same answer
    csrf = client.post("/api/auth/resend-verification", data={"email": "new@example.com"},
                       headers={"Origin": "http://evil.example"})
    assert csrf.status_code == 403 and len(list_outbox(session=session, to="new@example.com")) == 1


def _user(session: Session, email: str) -> User:
    user = find_by_email(session=session, email=email)
    assert user is not None
    return user
