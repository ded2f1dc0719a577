"""REST tokens: /api/v1/auth/token, /refresh, /revoke, /me and the JWT tampering set."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from maxbooster.api.app import create_api
from maxbooster.services.accounts import account_changes
from maxbooster.settings import get_settings
from tests.support import accounts as fx
from tests.support.accounts import PASSWORD, actor_for, make_user

acct_env = fx.acct_env

@pytest.fixture
def client(acct_env: object) -> Iterator[TestClient]:
    with TestClient(create_api(), base_url="http://localhost:8000") as c:
        yield c


@pytest.fixture
def pair(session: Session, client: TestClient) -> dict[str, str]:
    make_user(session)
    resp = client.post("/api/v1/auth/token", json={"email": "alice@example.com", "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    return resp.json()


def _me(client: TestClient, token: str) -> int:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code


def _claims(**override: object) -> dict[str, object]:
    s, now = get_settings(), int(time.time())
    base: dict[str, object] = {"iss": s.jwt_issuer, "aud": s.jwt_audience, "iat": now, "exp": now + 600,
                               "jti": "j", "typ": "access"}
    return {**base, **override}


def test_token_me_and_claims(client: TestClient, pair: dict[str, str]) -> None:
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.status_code == 200 and me.json()["email"] == "alice@example.com"
    claims = jwt.decode(pair["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 15 * 60 and claims["typ"] == "access"
    assert {"iss", "aud", "sub", "jti"} <= set(claims)
    assert jwt.get_unverified_header(pair["access_token"])["alg"] == "HS256"


def test_wrong_password_and_missing_token_are_401(client: TestClient, pair: dict[str, str]) -> None:
    bad = client.post("/api/v1/auth/token", json={"email": "alice@example.com", "password": "nope nope"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "invalid_credentials"
    resp = client.get("/api/v1/me")
    assert resp.status_code == 401 and resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_tampering_set_is_refused(client: TestClient, pair: dict[str, str]) -> None:
    good = pair["access_token"]
    sub = jwt.decode(good, options={"verify_signature": False})["sub"]
    key = get_settings().secret_key
    head, body, sig = good.split(".")
    none_header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=").decode()
    flipped = sig[:-2] + ("A" if sig[-2] != "A" else "B") + sig[-1]
    cases = {
        "alg none": f"{none_header}.{body}.",
        "wrong key": jwt.encode(_claims(sub=sub), "another-key-" + "y" * 32, algorithm="HS256"),
        "flipped byte": f"{head}.{body}.{flipped}",
        "expired": jwt.encode(_claims(sub=sub, iat=int(time.time()) - 3600, exp=int(time.time()) - 60), key),
        "wrong aud": jwt.encode(_claims(sub=sub, aud="someone-else"), key),
        "wrong iss": jwt.encode(_claims(sub=sub, iss="https://evil.example"), key),
        "not access typ": jwt.encode(_claims(sub=sub, typ="refresh"), key),
        "HS512": jwt.encode(_claims(sub=sub), key, algorithm="HS512"),
        "refresh as access": pair["refresh_token"],
    }
    assert _me(client, good) == 200
    assert {name: _me(client, tok) for name, tok in cases.items()} == {name: 401 for name in cases}


def test_access_token_is_not_a_refresh_token(client: TestClient, pair: dict[str, str]) -> None:
    resp = client.post("/api/v1/auth/refresh", json={"refresh_token": pair["access_token"][:200]})
    assert resp.status_code == 401


def test_refresh_rotates_and_reuse_revokes_the_family(client: TestClient, pair: dict[str, str]) -> None:
    first = pair["refresh_token"]
    r2 = client.post("/api/v1/auth/refresh", json={"refresh_token": first})
    assert r2.status_code == 200
    second = r2.json()["refresh_token"]
    assert second != first
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": first}).status_code == 401  # reuse
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": second}).status_code == 401  # family dead


def test_revoke_kills_the_family(client: TestClient, pair: dict[str, str]) -> None:
    assert client.post("/api/v1/auth/revoke", json={"refresh_token": pair["refresh_token"]}).json() == {"ok": True}
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}).status_code == 401
    assert client.post("/api/v1/auth/revoke", json={"refresh_token": "unknown"}).status_code == 200


def test_password_change_revokes_api_tokens(session: Session, client: TestClient, pair: dict[str, str]) -> None:
    user = make_user(session, "bob@example.com")
    bob = client.post("/api/v1/auth/token", json={"email": "bob@example.com", "password": PASSWORD}).json()
    account_changes.change_password(session=session, actor=actor_for(user), current_password=PASSWORD,
                                    new_password="bob's new passphrase")
    assert _me(client, bob["access_token"]) == 401
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": bob["refresh_token"]}).status_code == 401
    assert _me(client, pair["access_token"]) == 200  # other users unaffected
