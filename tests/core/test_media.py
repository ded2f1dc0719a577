"""Signed media URLs over HTTP, on both backends: the owner gets the bytes (ranges, headers, cache
policy) from the local folder or a 307 to a presigned S3 URL; anyone else, and any token that
is expired, tampered or malformed, gets the same 404."""

from __future__ import annotations

import re
import secrets
import time
import uuid
from collections.abc import Iterator
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from maxbooster import routes
from maxbooster.api.app import create_api
from maxbooster.api.middleware import SecurityMiddleware
from maxbooster.models import AuditLog, User
from maxbooster.services import media, storage
from maxbooster.services.accounts import api_tokens, sessions
from maxbooster.services.errors import MESSAGES, ErrorCode, InvalidInput, NotFound
from maxbooster.settings import get_settings
from tests.support import accounts as fx
from tests.support import s3 as s3fx
from tests.support.accounts import make_user

acct_env = fx.acct_env
moto_endpoint, s3_bucket, storage_backend = s3fx.moto_endpoint, s3fx.s3_bucket, s3fx.storage_backend

DATA = bytes(range(256)) * 40  # 10,240 bytes, every offset distinguishable
SIZE = len(DATA)
NOT_FOUND = {"error": {"code": "not_found", "message": MESSAGES[ErrorCode.NOT_FOUND]}}


@pytest.fixture
def backend(acct_env: object, storage_backend: str) -> str:
    return storage_backend


@pytest.fixture
def client(backend: str) -> Iterator[TestClient]:
    with TestClient(SecurityMiddleware(create_api()), base_url="http://localhost:8000",
                    follow_redirects=False) as c:
        yield c


@pytest.fixture
def alice(session: Session, backend: str) -> User:
    return make_user(session)


@pytest.fixture
def key(alice: User) -> str:
    key = f"{alice.id}/{secrets.token_hex(16)}"
    storage.get_storage().write(key, [DATA[:4000], DATA[4000:]], max_bytes=SIZE)
    return key


def _cookie(session: Session, user: User) -> dict[str, str]:
    raw = sessions.create_session(session=session, actor=fx.C, user_id=user.id)
    return {"Cookie": f"{get_settings().session_cookie_name}={raw}"}


def _url(user: User, key: str, **kwargs: object) -> str:
    args: dict[str, object] = {"filename": "Take 1.wav", "content_type": "audio/wav", **kwargs}
    return media.media_url(owner_id=user.id, key=key, **args)  # type: ignore[arg-type]


def _is_404(resp: httpx.Response) -> bool:
    return resp.status_code == 404 and resp.json() == NOT_FOUND and resp.headers["cache-control"] == "no-store"


LOCAL = pytest.mark.parametrize("storage_backend", ["local"], indirect=True)
S3 = pytest.mark.parametrize("storage_backend", ["s3"], indirect=True)


# ---- local folder: the app streams the bytes ----

@LOCAL
def test_owner_gets_the_whole_file(backend: str, session: Session, client: TestClient, alice: User,
                                   key: str) -> None:
    url = _url(alice, key)
    assert url.startswith(routes.MEDIA + "/") and "://" not in url
    resp = client.get(url, headers=_cookie(session, alice))
    assert resp.status_code == 200 and resp.content == DATA
    h = resp.headers
    assert h["content-type"] == "audio/wav" and h["content-length"] == str(SIZE) and h["accept-ranges"] == "bytes"
    assert h["content-disposition"] == 'inline; filename="Take 1.wav"'
    assert h["cache-control"] == "private, max-age=300" and "content-range" not in h
    assert h["x-content-type-options"] == "nosniff"


@LOCAL
@pytest.mark.parametrize(("header", "start", "end"), [
    ("bytes=0-99", 0, 99), ("bytes=100-", 100, SIZE - 1), ("bytes=-50", SIZE - 50, SIZE - 1),
    ("bytes=10000-99999", 10000, SIZE - 1), ("bytes=-99999", 0, SIZE - 1), ("bytes=5-5", 5, 5),
])
def test_ranges_get_206(backend: str, session: Session, client: TestClient, alice: User, key: str, header: str,
                        start: int, end: int) -> None:
    resp = client.get(_url(alice, key), headers={**_cookie(session, alice), "Range": header})
    assert resp.status_code == 206, resp.text
    assert resp.headers["content-range"] == f"bytes {start}-{end}/{SIZE}"
    assert resp.headers["content-length"] == str(end - start + 1)
    assert resp.content == DATA[start:end + 1]


@LOCAL
@pytest.mark.parametrize("header", ["bytes=10240-", "bytes=20000-30000", "bytes=-0"])
def test_unsatisfiable_range_is_416(backend: str, session: Session, client: TestClient, alice: User, key: str,
                                    header: str) -> None:
    resp = client.get(_url(alice, key), headers={**_cookie(session, alice), "Range": header})
    assert resp.status_code == 416 and resp.headers["content-range"] == f"bytes */{SIZE}"
    assert resp.json()["error"]["code"] == "range_not_satisfiable"


@LOCAL
@pytest.mark.parametrize("header", ["bytes=0-1,5-9", "items=0-5", "bytes=abc", "bytes=9-2", "bytes=-", "bytes"])
def test_ranges_we_do_not_serve_get_the_whole_file(backend: str, session: Session, client: TestClient, alice: User,
                                                   key: str, header: str) -> None:
    resp = client.get(_url(alice, key), headers={**_cookie(session, alice), "Range": header})
    assert resp.status_code == 200 and resp.content == DATA


@LOCAL
def test_head_has_the_headers_and_no_body(backend: str, session: Session, client: TestClient, alice: User,
                                          key: str) -> None:
    url, cookie = _url(alice, key), _cookie(session, alice)
    full = client.head(url, headers=cookie)
    assert full.status_code == 200 and full.content == b"" and full.headers["content-length"] == str(SIZE)
    assert full.headers["content-type"] == "audio/wav" and full.headers["accept-ranges"] == "bytes"
    part = client.head(url, headers={**cookie, "Range": "bytes=-50"})
    assert part.status_code == 206 and part.headers["content-range"] == f"bytes {SIZE - 50}-{SIZE - 1}/{SIZE}"
    assert part.headers["content-length"] == "50" and part.content == b""


_DISPOSITION = re.compile(r"^(inline|attachment); filename=\"([^\"\\\\/\r\n]*)\""
                          r"(?:; filename\*=UTF-8''([A-Za-z0-9%!#$&+.^_`|~-]+))?$")


def _disposition(value: str) -> tuple[str, str, str | None]:
    """(type, ASCII filename, decoded filename*) of a header in exactly the shape we promise."""
    match = _DISPOSITION.match(value)
    assert match, value
    kind, plain, star = match.groups()
    return kind, plain, unquote(star, errors="strict") if star else None


@LOCAL
@pytest.mark.parametrize(("name", "ascii_name", "full_name"), [
    ('a"b\r\nX-Evil: 1.wav', "abX-Evil: 1.wav", 'a"bX-Evil: 1.wav'),
    ("../../etc/passwd", "passwd", None),
    ("..\\..\\boot.ini", "boot.ini", None),
    ("Café del Mar.wav", "Cafe del Mar.wav", "Café del Mar.wav"),
    ("🎵🔥.flac", "file.flac", "🎵🔥.flac"),
    ("x" * 296 + ".wav", "x" * 176 + ".wav", None),
    ("beat; name=evil%20.wav", "beat name=evil20.wav", "beat; name=evil%20.wav"),
])
def test_content_disposition_is_safe(backend: str, session: Session, client: TestClient, alice: User, key: str,
                                     name: str, ascii_name: str, full_name: str | None) -> None:
    resp = client.get(_url(alice, key, filename=name, disposition="attachment"), headers=_cookie(session, alice))
    header = resp.headers["content-disposition"]
    assert "\r" not in header and "\n" not in header and "x-evil" not in resp.headers
    kind, plain, star = _disposition(header)
    assert (kind, plain, star) == ("attachment", ascii_name, full_name)
    assert len(header) < 600


@LOCAL
def test_cache_policy_comes_from_the_url(backend: str, session: Session, client: TestClient, alice: User,
                                         key: str) -> None:
    resp = client.get(_url(alice, key, cache=media.IMMUTABLE_CACHE), headers=_cookie(session, alice))
    assert resp.headers["cache-control"] == "private, max-age=31536000, immutable"
    for shared in ("public, max-age=60", "max-age=60", "private\r\nX-Evil: 1"):
        with pytest.raises(InvalidInput):
            _url(alice, key, cache=shared)


@LOCAL
@pytest.mark.parametrize("ctype", ["text/html", "image/svg+xml", "application/xhtml+xml", "text/javascript",
                                   "audio/wav\r\nX-Evil: 1"])
def test_active_content_is_only_ever_a_download(backend: str, session: Session, client: TestClient, alice: User,
                                                key: str, ctype: str) -> None:
    resp = client.get(_url(alice, key, content_type=ctype), headers=_cookie(session, alice))
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/octet-stream"
    assert resp.headers["content-disposition"].startswith("attachment;")


@LOCAL
def test_missing_file_is_404(backend: str, session: Session, client: TestClient, alice: User) -> None:
    assert _is_404(client.get(_url(alice, f"{alice.id}/gone"), headers=_cookie(session, alice)))


# ---- who may use a URL: the same on both backends ----

def _ok(resp: httpx.Response, backend: str) -> bool:
    return resp.status_code == (307 if backend == "s3" else 200)


def test_only_the_owner_gets_the_file(backend: str, session: Session, client: TestClient, alice: User,
                                      key: str) -> None:
    mallory = make_user(session, "mallory@example.com")
    url = _url(alice, key)
    assert _ok(client.get(url, headers=_cookie(session, alice)), backend)
    assert _is_404(client.get(url, headers=_cookie(session, mallory)))
    assert _is_404(client.get(url))  # no session
    assert _is_404(client.get(url, headers={"Cookie": f"{get_settings().session_cookie_name}=forged"}))
    assert client.head(url, headers=_cookie(session, mallory)).status_code == 404
    denied = session.execute(select(AuditLog).where(AuditLog.action == "authz.denied")).scalars().all()
    assert [(d.actor_id, d.target) for d in denied][:1] == [(mallory.id, f"media:{key}")]


def test_bearer_token_of_the_owner_works(backend: str, session: Session, client: TestClient, alice: User,
                                         key: str) -> None:
    mallory = make_user(session, "mallory@example.com")
    url = _url(alice, key)
    assert _ok(client.get(url, headers={"Authorization": f"Bearer {api_tokens.encode_access(alice.id)}"}), backend)
    assert _is_404(client.get(url, headers={"Authorization": f"Bearer {api_tokens.encode_access(mallory.id)}"}))
    assert _is_404(client.get(url, headers={"Authorization": "Bearer not-a-jwt"}))


def _tampered(url: str) -> list[str]:
    token = url.rsplit("/", 1)[1]
    body, sig = token.split(".")
    flip = {"A": "B"}.get(body[5], "A")
    other = media.media_url(owner_id=uuid.uuid4(), key="x/y", filename="a.wav", content_type="audio/wav")
    return [body[:5] + flip + body[6:] + "." + sig,  # payload changed
            body + "." + sig[:-2] + ("AA" if sig[-2:] != "AA" else "BB"),  # signature changed
            other.rsplit("/", 1)[1].split(".")[0] + "." + sig,  # another payload with this signature
            body, body + ".", "." + sig, "a.b", "%00", "x" * 5000, body + "." + sig + ".x"]


def test_tampered_and_malformed_tokens_are_404(backend: str, session: Session, client: TestClient, alice: User,
                                               key: str) -> None:
    cookie = _cookie(session, alice)
    for token in _tampered(_url(alice, key)):
        assert _is_404(client.get(f"{routes.MEDIA}/{token}", headers=cookie)), token


@LOCAL  # the expiry is checked before storage is touched
def test_expired_url_is_404(backend: str, session: Session, client: TestClient, alice: User, key: str) -> None:
    url, cookie = _url(alice, key, expires_s=1), _cookie(session, alice)
    grant = media.read_token(url.rsplit("/", 1)[1])
    assert grant.key == key and 1 <= grant.seconds_left() + 0.2 <= 2.2
    assert client.get(url, headers=cookie).status_code == 200
    time.sleep(max(0.0, grant.expires_at - time.time()) + 0.05)
    assert _is_404(client.get(url, headers=cookie))


def test_a_new_secret_key_invalidates_urls(backend: str, session: Session, client: TestClient, alice: User,
                                           key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    url = _url(alice, key)
    monkeypatch.setenv("SECRET_KEY", "another-secret-" + "y" * 32)
    get_settings.cache_clear()
    assert _is_404(client.get(url, headers=_cookie(session, alice)))


def test_media_url_refuses_bad_arguments(backend: str, alice: User, key: str) -> None:
    for kwargs in ({"expires_s": 0}, {"expires_s": 8 * 24 * 3600}, {"disposition": "download"},
                   {"filename": "../"}):
        with pytest.raises(InvalidInput):
            _url(alice, key, **kwargs)
    with pytest.raises(InvalidInput):
        media.media_url(owner_id=alice.id, key="../etc/passwd", filename="a.wav", content_type="audio/wav")


# ---- S3: a redirect to a presigned URL of the bucket ----

@S3
def test_s3_redirects_to_a_presigned_url(backend: str, session: Session, client: TestClient, alice: User,
                                         key: str) -> None:
    url = _url(alice, key, filename="Café.wav", expires_s=120)
    resp = client.get(url, headers=_cookie(session, alice))
    assert resp.status_code == 307 and resp.headers["cache-control"] == "no-store"
    location = resp.headers["location"]
    assert location.startswith(get_settings().s3_endpoint_url + "/")
    left = media.read_token(url.rsplit("/", 1)[1]).seconds_left()
    assert 0 < int(parse_qs(urlsplit(location).query)["X-Amz-Expires"][0]) <= left + 1  # no longer than the token
    full = httpx.get(location)
    assert full.status_code == 200 and full.content == DATA
    assert full.headers["content-type"] == "audio/wav"
    assert full.headers["content-disposition"] == "inline; filename=\"Cafe.wav\"; filename*=UTF-8''Caf%C3%A9.wav"
    part = httpx.get(location, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == DATA[100:200]
    head = client.head(_url(alice, key), headers=_cookie(session, alice))
    assert head.status_code == 307 and head.headers["location"].startswith(get_settings().s3_endpoint_url)


def test_s3_origin_is_allowed_by_the_csp(backend: str, client: TestClient) -> None:
    csp = client.get(routes.HEALTH).headers["content-security-policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split("; ")}
    for name in ("media-src", "img-src", "connect-src"):
        assert (get_settings().s3_endpoint_url in directives[name]) == (backend == "s3"), name


def test_openapi_documents_the_media_route(backend: str, client: TestClient) -> None:
    ops = client.get(routes.OPENAPI).json()["paths"][routes.MEDIA_TOKEN]
    assert set(ops) == {"get", "head"}
    assert {"200", "206", "307", "404", "416"} <= set(ops["get"]["responses"])
    assert ops["get"]["summary"]


def test_read_token_expiry_and_byte_ranges_without_http(backend: str, alice: User, key: str) -> None:
    token = _url(alice, key, expires_s=900).rsplit("/", 1)[1]
    assert media.read_token(token, now=time.time() + 890).owner_id == alice.id
    with pytest.raises(NotFound):
        media.read_token(token, now=time.time() + 900 + 225 + 2)  # at most a quarter longer
    assert media.byte_range("bytes=0-0", 1) == media.ByteRange(0, 0)
    assert media.byte_range(" BYTES = 3 - ", 10) is None  # unreadable → whole file
    assert media.byte_range("bytes=3-", 10) == media.ByteRange(3, 9)
    for header, size in (("bytes=0-", 0), ("bytes=-5", 0), ("bytes=10-", 10)):
        with pytest.raises(media.RangeNotSatisfiable):
            media.byte_range(header, size)


def test_urls_made_moments_apart_are_identical(backend: str, alice: User, key: str) -> None:
    """A page refreshing its data gets the same address, so the player does not restart the audio."""
    first = _url(alice, key, expires_s=3600)
    for _ in range(50):
        again = _url(alice, key, expires_s=3600)
        if again != first:  # only when a 15-minute boundary passed in between
            assert media.read_token(again.rsplit("/", 1)[1]).expires_at - media.read_token(
                first.rsplit("/", 1)[1]).expires_at == 900
        first = again
    lifetime = media.read_token(first.rsplit("/", 1)[1]).seconds_left()
    assert 3600 - 1 <= lifetime <= 3600 + 900 + 1
