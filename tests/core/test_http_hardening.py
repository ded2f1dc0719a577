"""What the attack checks found, proven over HTTP against the API with its security middleware:

malformed bodies never give 500 and store nothing; security headers on every OpenAPI path;
bodies over the cap get 413 before they are read; sign-up and forgot-password take the same
time for known and unknown emails.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session

from maxbooster import routes
from maxbooster.api.app import create_api
from maxbooster.api.middleware import AUTH_BODY_BYTES, SecurityMiddleware
from maxbooster.models import AuditLog, EmailOutbox, User
from maxbooster.services.errors import ErrorCode
from maxbooster.settings import get_settings
from tests.support import accounts as fx
from tests.support.accounts import make_user

acct_env = fx.acct_env
ORIGIN = {"Origin": "http://localhost:3000"}


@pytest.fixture
def client(acct_env: object) -> Iterator[TestClient]:
    with TestClient(SecurityMiddleware(create_api()), base_url="http://localhost:8000",
                    follow_redirects=False) as c:
        yield c


def _openapi_operations(client: TestClient) -> list[tuple[str, str]]:
    paths = client.get(routes.OPENAPI).json()["paths"]
    return [(method.upper(), path) for path, ops in paths.items() for method in ops]


def _stored(session: Session) -> tuple[int, int, int]:
    session.expire_all()
    count = [session.execute(select(func.count()).select_from(m)).scalar_one() for m in (User, EmailOutbox, AuditLog)]
    return count[0], count[1], count[2]


MALFORMED: dict[str, tuple[bytes, str]] = {
    "truncated json": (b'{"email": "a@example.com", "password": "abc', "application/json"),
    "invalid utf-8 json": (b'{"email": "\xff\xfe@example.com"}', "application/json"),
    "deeply nested": (b"[" * 100_000 + b"]" * 100_000, "application/json"),
    "json not an object": (b'["email", "password"]', "application/json"),
    "nested value": (b'{"email": {"$ne": null}, "password": ["x"]}', "application/json"),
    "lone surrogate json": (b'{"email": "\\ud800@example.com", "password": "long enough pw",'
                            b' "display_name": "\\ud800"}', "application/json"),
    "invalid utf-8 form": (b"email=%FF%FE&password=\xff\xff", "application/x-www-form-urlencoded"),
    "broken multipart": (b"--xyz\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\na@b.c",
                         "multipart/form-data; boundary=xyz"),
}


@pytest.mark.parametrize("kind", list(MALFORMED))
def test_malformed_bodies_never_give_500_and_store_nothing(session: Session, client: TestClient, kind: str) -> None:
    body, ctype = MALFORMED[kind]
    before = _stored(session)
    for method, path in _openapi_operations(client):
        if method != "POST":
            continue
        for accept in ("application/json", "text/html"):
            resp = client.post(path, content=body, headers={**ORIGIN, "Content-Type": ctype, "Accept": accept})
            assert resp.status_code < 500, (path, accept, resp.status_code, resp.text[:300])
            if resp.status_code >= 400:
                error = resp.json()["error"]
                assert error["code"] in set(ErrorCode) and error["code"] != "internal_error"
                assert error["message"] and "Traceback" not in error["message"]
    # nothing created; the only trace allowed is an audited failed login (a partly readable
    # multipart body can still name an email address)
    assert _stored(session)[:2] == before[:2]
    actions = set(session.execute(select(AuditLog.action)).scalars())
    assert actions <= {"login.failure"}


@pytest.mark.parametrize("field", ["email", "display_name", "password"])
@pytest.mark.parametrize("path", [routes.AUTH_SIGNUP, routes.AUTH_LOGIN, routes.AUTH_FORGOT_PASSWORD,
                                  routes.V1_TOKEN])
def test_lone_surrogates_in_any_field_are_a_clear_400(session: Session, client: TestClient, path: str,
                                                      field: str) -> None:
    data = {"email": "someone@example.com", "password": "a long enough password", "display_name": "Someone"}
    raw = '{' + ", ".join(f'"{k}": "{v}"' for k, v in data.items()) + '}'
    raw = raw.replace(f'"{field}": "', f'"{field}": "\\ud800', 1)
    before = _stored(session)
    resp = client.post(path, content=raw.encode(), headers={**ORIGIN, "Content-Type": "application/json",
                                                            "Accept": "application/json"})
    assert resp.status_code in (400, 401, 422), resp.text
    assert _stored(session)[:2] == before[:2]


def test_every_api_response_carries_the_security_headers(client: TestClient) -> None:
    for method, path in _openapi_operations(client) + [("GET", routes.API_DOCS), ("GET", "/api/nowhere")]:
        resp = client.request(method, path.replace("{name}", "x"), headers=ORIGIN)
        h = resp.headers
        assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY", path
        assert h["referrer-policy"] == "strict-origin-when-cross-origin", path
        csp = h["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "base-uri 'self'" in csp
        assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0], path
        assert "strict-transport-security" not in h  # APP_URL is http here
        if not path.startswith(routes.API_DOCS_ASSETS):
            assert h["cache-control"] == "no-store", (path, h.get("cache-control"))


def test_hsts_when_served_over_https(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_URL", "https://app.example.com")
    get_settings.cache_clear()
    assert client.get(routes.HEALTH).headers["strict-transport-security"].startswith("max-age=31536000")


def test_token_and_me_responses_are_not_cached(session: Session, client: TestClient) -> None:
    make_user(session)
    token = client.post(routes.V1_TOKEN, json={"email": "alice@example.com", "password": fx.PASSWORD})
    assert token.status_code == 200 and token.headers["cache-control"] == "no-store"
    me = client.get(routes.V1_ME, headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    assert me.status_code == 200 and me.headers["cache-control"] == "no-store"


def test_docs_work_offline(client: TestClient) -> None:
    page = client.get(routes.API_DOCS)
    assert page.status_code == 200 and "cdn" not in page.text.lower() and "https://" not in page.text
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "init.js"):
        assert client.get(f"{routes.API_DOCS_ASSETS}/{asset}").status_code == 200
    assert client.get(f"{routes.API_DOCS_ASSETS}/../../etc/passwd").status_code == 404


def test_oversized_bodies_get_413_before_being_read(session: Session, client: TestClient) -> None:
    big = b"email=a%40example.com&password=" + b"x" * (AUTH_BODY_BYTES + 1)
    before = _stored(session)
    for path in (routes.AUTH_SIGNUP, routes.AUTH_LOGIN, routes.AUTH_FORGOT_PASSWORD):
        resp = client.post(path, content=big, headers={**ORIGIN, "Content-Type": "application/x-www-form-urlencoded"})
        assert resp.status_code == 413 and resp.json()["error"]["code"] == "body_too_large"
    huge_json = b'{"email": "a@example.com", "password": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    resp = client.post(routes.V1_TOKEN, content=huge_json, headers={"Content-Type": "application/json"})
    assert resp.status_code == 413
    # chunked upload without Content-Length: cut off as soon as it passes the cap
    resp = client.post(routes.AUTH_LOGIN, content=(b"x" * 8192 for _ in range(20)),
                       headers={**ORIGIN, "Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 413
    assert _stored(session) == before


def _time_ms(client: TestClient, path: str, data: dict[str, str]) -> float:
    client.cookies.clear()
    start = time.perf_counter()
    client.post(path, data=data, headers=ORIGIN)
    return (time.perf_counter() - start) * 1000


@pytest.mark.serial  # a timing comparison: another test on the other core would skew it
@pytest.mark.timing
@pytest.mark.parametrize("path", [routes.AUTH_SIGNUP, routes.AUTH_FORGOT_PASSWORD])
def test_response_time_does_not_reveal_which_emails_exist(session: Session, client: TestClient,
                                                          monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    # Real argon2 costs (the fixture lowers them for speed) and no IP limit in the way.
    monkeypatch.setenv("PASSWORD_HASH_MEMORY_KIB", "19456")
    monkeypatch.setenv("PASSWORD_HASH_TIME_COST", "2")
    monkeypatch.setenv("RATE_LIMIT_IP", "10000/minute")
    monkeypatch.setenv("RESET_EMAILS_PER_HOUR", "1000")
    fx._reset_caches()
    make_user(session, "taken@example.com")
    taken = {"email": "taken@example.com", "password": "a long enough password", "display_name": "Taken"}
    for _ in range(3):  # warm up both paths
        _time_ms(client, path, taken)
        _time_ms(client, path, {**taken, "email": "warm@example.com"})
    known, unknown = [], []
    for i in range(20):  # interleaved, so a busy machine slows both alike
        known.append(_time_ms(client, path, taken))
        unknown.append(_time_ms(client, path, {**taken, "email": f"new{i}@example.com"}))
    k, u = statistics.median(known), statistics.median(unknown)
    ratio = max(k, u) / min(k, u)
    assert ratio <= 1.5, f"known {k:.1f} ms vs unknown {u:.1f} ms ({ratio:.2f}x)"
