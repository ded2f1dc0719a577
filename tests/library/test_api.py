"""REST API for tracks and masters: streamed multipart upload with a session cookie (from our own
origin) or a bearer token, pagination, edits, 404 for other users, documented errors."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from maxbooster import routes
from maxbooster.services.broker import InProcessBroker
from maxbooster.settings import get_settings
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import PASSWORD, make_user

acct_env, jobs_run, client, _bearer = fx.acct_env, lib.jobs_run, lib.api_client, lib.bearer
ORIGIN = {"Origin": "http://localhost:3000"}


def _cookie_login(client: TestClient, email: str) -> None:
    client.cookies.clear()
    resp = client.post(routes.AUTH_LOGIN, data={"email": email, "password": PASSWORD}, headers=ORIGIN)
    assert resp.status_code == 303


def test_browser_upload_with_session_cookie(session: Session, client: TestClient, jobs_run: InProcessBroker) -> None:
    make_user(session)
    _cookie_login(client, "alice@example.com")
    data = lib.music_bytes("WAV", seconds=3)
    files = {"file": ("Song One.wav", data, "audio/x-anything")}
    refused = client.post(routes.V1_TRACKS, files=files)  # no Origin: a cross-site form could do this
    assert refused.status_code == 403
    made = client.post(routes.V1_TRACKS, files=files, headers={**ORIGIN, "Accept": "application/json"})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["duplicate"] is False and body["track"]["title"] == "Song One"
    assert body["track"]["status"] == "processing" and body["track"]["size_bytes"] == len(data)
    again = client.post(routes.V1_TRACKS, files=files, headers=ORIGIN)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert jobs_run.wait_idle(120)
    listed = client.get(routes.V1_TRACKS).json()
    assert listed["total"] == 1 and listed["items"][0]["status"] == "ready"
    item = listed["items"][0]
    assert set(item["peaks_urls"]) == {"64", "256", "1024", "4096", "16384"} and item["audio_url"]
    detail = client.get(routes.V1_TRACK.format(track_id=item["id"])).json()
    assert detail["analysis"]["integrated_lufs"] == pytest.approx(item["integrated_lufs"])
    assert detail["readiness"]["items"] and len(detail["loudness_series"]) >= 1


def test_bearer_upload_edit_delete_and_other_users(session: Session, client: TestClient,
                                                   jobs_run: InProcessBroker) -> None:
    make_user(session)
    make_user(session, "mallory@example.com")
    alice, mallory = _bearer(client, "alice@example.com"), _bearer(client, "mallory@example.com")
    client.cookies.clear()
    made = client.post(routes.V1_TRACKS, files={"file": ("a.flac", lib.music_bytes("FLAC", seconds=2))},
                       headers=alice)
    assert made.status_code == 201
    track_url = routes.V1_TRACK.format(track_id=made.json()["track"]["id"])
    assert client.patch(track_url, json={"title": "Renamed"}, headers=alice).json()["title"] == "Renamed"
    bad = client.patch(track_url, json={"title": ""}, headers=alice)
    assert bad.status_code == 422 and bad.json()["error"]["message"] == "The title cannot be empty."
    for method in ("get", "delete"):
        theirs = client.request(method.upper(), track_url, headers=mallory)
        assert theirs.status_code == 404 and theirs.json()["error"]["code"] == "not_found"
    assert client.patch(track_url, json={"title": "x"}, headers=mallory).status_code == 404
    assert client.get(routes.V1_TRACKS, headers=mallory).json()["total"] == 0
    assert client.get(track_url).status_code == 401
    assert jobs_run.wait_idle(120)
    assert client.delete(track_url, headers=alice).status_code == 204
    assert client.get(track_url, headers=alice).status_code == 404
    assert lib.blobs(get_settings().storage_dir) == []


FORM = "multipart/form-data; boundary=b"


@pytest.mark.parametrize(("content", "ctype"), [
    (b"not multipart at all", "application/octet-stream"),
    (b"--b\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--b--\r\n", FORM),
    (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\nRIFF", FORM),
])
def test_malformed_uploads_are_clear_400s(session: Session, client: TestClient, jobs_run: InProcessBroker,
                                         content: bytes, ctype: str) -> None:
    make_user(session)
    alice = _bearer(client, "alice@example.com")
    resp = client.post(routes.V1_TRACKS, content=content, headers={**alice, "Content-Type": ctype})
    assert resp.status_code in (400, 422), resp.text
    assert resp.json()["error"]["message"] and "Traceback" not in resp.text
    assert lib.blobs(get_settings().storage_dir) == []


def test_openapi_documents_the_library(client: TestClient) -> None:
    paths = client.get(routes.OPENAPI).json()["paths"]
    upload = paths[routes.V1_TRACKS]["post"]
    assert {"201", "200", "400", "402", "404", "413", "422"} <= set(upload["responses"])
    assert {"get", "patch", "delete"} <= set(paths[routes.V1_TRACK])
    assert "post" in paths[routes.V1_TRACK_MASTERS] and "get" in paths[routes.V1_MASTER_DOWNLOAD]


def test_upload_over_the_size_cap_is_413(session: Session, client: TestClient, monkeypatch: pytest.MonkeyPatch,
                                         jobs_run: InProcessBroker) -> None:
    monkeypatch.setenv("UPLOAD_MAX_BYTES", "100000")
    get_settings.cache_clear()
    make_user(session)
    alice = _bearer(client, "alice@example.com")
    resp = client.post(routes.V1_TRACKS, files={"file": ("big.wav", lib.music_bytes("WAV", seconds=5))}, headers=alice)
    assert resp.status_code == 413
    assert lib.blobs(get_settings().storage_dir) == []
