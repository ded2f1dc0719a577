"""REST API for masters: create from a processed track (jobs run for real), list, get, delete,
download links per format, 404 with the common body for anything not the caller's, the Free
plan's limits (3 masters a month, MP3 only) with their messages, and the OpenAPI document."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from maxbooster import routes
from maxbooster.models.accounts import User
from maxbooster.models.mastering import Master
from maxbooster.services import plans
from maxbooster.services.admin import users as admin_users
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.errors import MESSAGES, ErrorCode
from maxbooster.services.storage import get_storage
from maxbooster.settings import get_settings
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

acct_env, jobs_run, jobs_held, client, bearer = fx.acct_env, lib.jobs_run, lib.jobs_held, lib.api_client, lib.bearer
FORMATS = ("wav24", "wav16", "flac", "mp3")
TYPES = {"wav24": "audio/wav", "wav16": "audio/wav", "flac": "audio/flac", "mp3": "audio/mpeg"}
NOT_FOUND = {"error": {"code": "not_found", "message": MESSAGES[ErrorCode.NOT_FOUND]}}
MP3_ONLY = ("Your plan includes MP3 320 kbps downloads. See your plan under Account to get the other formats.")
THREE_A_MONTH = ("Your Free plan allows masters per month: 3. Upgrade under Plan & billing (in the menu), or "
                 "delete something.")


def ready_track(client: TestClient, auth: dict[str, str], jobs: InProcessBroker, *, seconds: float = 6.0,
                seed: int = 3, data: bytes | None = None, name: str = "song.wav") -> str:
    """Upload through the API and let its processing job finish; the track's id."""
    body = data if data is not None else lib.music_bytes("WAV", seconds=seconds, seed=seed, level=0.2)
    made = client.post(routes.V1_TRACKS, files={"file": (name, body)}, headers=auth)
    assert made.status_code == 201, made.text
    assert jobs.wait_idle(180)
    track = client.get(routes.V1_TRACK.format(track_id=made.json()["track"]["id"]), headers=auth).json()
    assert track["status"] == "ready", track["status_message"]
    return str(track["id"])


def start_masters(client: TestClient, auth: dict[str, str], track_id: str, **body: Any) -> httpx.Response:
    return client.post(routes.V1_TRACK_MASTERS.format(track_id=track_id), json=body, headers=auth)


def download(client: TestClient, auth: dict[str, str], master_id: str, fmt: str) -> httpx.Response:
    """The REST download (a 307 to a signed media URL), followed with the same credentials."""
    hop = client.get(routes.V1_MASTER_DOWNLOAD.format(master_id=master_id, file_format=fmt), headers=auth)
    assert hop.status_code == 307, hop.text
    assert hop.headers["location"].startswith(routes.MEDIA + "/")
    return client.get(hop.headers["location"], headers=auth)


def _master_files(session: Session) -> dict[str, dict[str, str]]:
    session.expire_all()
    return {str(m.id): dict(m.files) for m in session.exec(select(Master)).all()}


def test_create_list_get_download_delete(session: Session, client: TestClient, jobs_run: InProcessBroker) -> None:
    make_user(session, plan="pro")
    alice = bearer(client, "alice@example.com")
    track_id = ready_track(client, alice, jobs_run)
    made = start_masters(client, alice, track_id, presets=["spotify", "club"], strength_pct=80, genre="rock")
    assert made.status_code == 201, made.text
    first, second = made.json()
    assert (first["version"], first["preset"], second["version"], second["preset"]) == (1, "spotify", 2, "club")
    assert first["status"] == "processing" and first["job_id"] and first["track_id"] == track_id
    assert (first["strength_pct"], first["genre"], first["target_lufs"]) == (80, "rock", -14.0)
    assert jobs_run.wait_idle(300)

    listed = client.get(routes.V1_TRACK_MASTERS.format(track_id=track_id), headers=alice)
    assert listed.status_code == 200
    assert [m["version"] for m in listed.json()] == [2, 1]  # newest first
    one = client.get(routes.V1_MASTER.format(master_id=first["id"]), headers=alice).json()
    assert one["status"] == "ready", one["status_message"]
    assert set(one["downloads"]) == set(FORMATS) and one["locked_formats"] == []
    assert [row["label"] for row in one["compare"]][:2] == ["Loudness", "True peak"]
    assert one["compare"][0]["after"].endswith("LUFS") and one["reasons"] and one["audio_url"]
    assert float(one["compare"][0]["after"].split()[0]) == pytest.approx(-14.0, abs=0.5)

    for fmt in FORMATS:
        got = download(client, alice, first["id"], fmt)
        assert got.status_code == 200, (fmt, got.text[:200])
        assert got.headers["content-type"] == TYPES[fmt]
        disposition = got.headers["content-disposition"]
        assert disposition.startswith("attachment") and "song (master v1, spotify" in disposition
        assert disposition.rstrip('"').endswith("." + TYPES[fmt].split("/")[1].replace("mpeg", "mp3"))
        assert len(got.content) > 10_000
    assert download(client, alice, first["id"], "wav24").content[:4] == b"RIFF"
    assert download(client, alice, first["id"], "flac").content[:4] == b"fLaC"

    store = get_storage()
    keys = _master_files(session)[first["id"]]
    assert set(keys) == set(FORMATS) and all(store.exists(k) for k in keys.values())
    gone = client.delete(routes.V1_MASTER.format(master_id=first["id"]), headers=alice)
    assert gone.status_code == 204
    assert not any(store.exists(k) for k in keys.values())
    again = client.get(routes.V1_MASTER.format(master_id=first["id"]), headers=alice)
    assert again.status_code == 404 and again.json() == NOT_FOUND
    hop = client.get(routes.V1_MASTER_DOWNLOAD.format(master_id=first["id"], file_format="mp3"), headers=alice)
    assert hop.status_code == 404 and hop.json() == NOT_FOUND
    left = client.get(routes.V1_TRACK_MASTERS.format(track_id=track_id), headers=alice).json()
    assert [m["id"] for m in left] == [second["id"]]
    assert list(_master_files(session)) == [second["id"]]


def test_another_users_masters_and_tracks_are_404(session: Session, client: TestClient,
                                                  jobs_run: InProcessBroker) -> None:
    make_user(session, plan="pro")
    make_user(session, "mallory@example.com", plan="pro")
    alice, mallory = bearer(client, "alice@example.com"), bearer(client, "mallory@example.com")
    track_id = ready_track(client, alice, jobs_run)
    [master] = start_masters(client, alice, track_id, presets=["spotify"]).json()
    assert jobs_run.wait_idle(300)
    own_track = ready_track(client, mallory, jobs_run, seed=8)
    alices_download = client.get(routes.V1_MASTER_DOWNLOAD.format(master_id=master["id"], file_format="wav24"),
                                 headers=alice).headers["location"]

    master_url = routes.V1_MASTER.format(master_id=master["id"])
    masters_url = routes.V1_TRACK_MASTERS.format(track_id=track_id)
    attempts = [
        client.get(master_url, headers=mallory),
        client.delete(master_url, headers=mallory),
        client.get(masters_url, headers=mallory),
        start_masters(client, mallory, track_id, presets=["spotify"]),
        start_masters(client, mallory, own_track, presets=["spotify"], reference_track_id=track_id),
        client.get(routes.V1_MASTER_DOWNLOAD.format(master_id=master["id"], file_format="mp3"), headers=mallory),
        client.get(routes.V1_MASTER.format(master_id="00000000-0000-4000-8000-000000000000"), headers=alice),
        client.get(alices_download, headers=mallory),  # a leaked signed URL is still alice's only
    ]
    for reply in attempts:
        assert reply.status_code == 404, (reply.request.method, reply.request.url, reply.text)
        assert reply.json() == NOT_FOUND
    assert client.get(master_url).status_code == 401  # no credentials at all
    # nothing changed for alice, and mallory's refused requests made no master
    assert client.get(master_url, headers=alice).json()["status"] == "ready"
    assert download(client, alice, master["id"], "wav24").status_code == 200
    session.expire_all()
    assert [str(m.id) for m in session.exec(select(Master)).all()] == [master["id"]]


def test_free_plan_three_masters_a_month_and_mp3_downloads_only(session: Session, client: TestClient,
                                                               jobs_run: InProcessBroker) -> None:
    user = make_user(session)
    alice = bearer(client, "alice@example.com")
    track_id = ready_track(client, alice, jobs_run, seconds=4)
    too_many = start_masters(client, alice, track_id, presets=["spotify", "club", "youtube", "tidal"])
    assert too_many.status_code == 402, too_many.text
    assert too_many.json() == {"error": {"code": "plan_limit_reached", "message": THREE_A_MONTH}}
    # a refused request creates nothing and uses none of the month's masters
    assert client.get(routes.V1_TRACK_MASTERS.format(track_id=track_id), headers=alice).json() == []
    assert plans.usage(session=session, user_id=user.id, resource="masters") == 0

    assert start_masters(client, alice, track_id, presets=["spotify", "club"]).status_code == 201
    assert start_masters(client, alice, track_id, presets=["youtube"]).status_code == 201
    fourth = start_masters(client, alice, track_id, presets=["tidal"])
    assert fourth.status_code == 402 and fourth.json()["error"] == {"code": "plan_limit_reached",
                                                                    "message": THREE_A_MONTH}
    assert jobs_run.wait_idle(300)
    listed = client.get(routes.V1_TRACK_MASTERS.format(track_id=track_id), headers=alice).json()
    assert [m["version"] for m in listed] == [3, 2, 1] and {m["status"] for m in listed} == {"ready"}
    first = listed[-1]
    assert set(first["downloads"]) == {"mp3"}
    assert first["locked_formats"] == ["WAV 24-bit", "WAV 16-bit (dithered)", "FLAC"]
    mp3 = download(client, alice, first["id"], "mp3")
    assert mp3.status_code == 200 and mp3.headers["content-type"] == "audio/mpeg"
    for fmt in ("wav24", "wav16", "flac"):
        refused = client.get(routes.V1_MASTER_DOWNLOAD.format(master_id=first["id"], file_format=fmt), headers=alice)
        assert refused.status_code == 402, (fmt, refused.text)
        assert refused.json() == {"error": {"code": "plan_limit_reached", "message": MP3_ONLY}}
    unknown = client.get(routes.V1_MASTER_DOWNLOAD.format(master_id=first["id"], file_format="ogg"), headers=alice)
    assert unknown.status_code == 422
    assert unknown.json()["error"]["message"] == "Choose a format: wav24, wav16, flac, mp3."

    boss = make_user(session, "boss@example.com", role="admin")
    admin_users.set_plan(session=session, actor=actor_for(boss), user_id=user.id, plan="pro")
    assert set(client.get(routes.V1_MASTER.format(master_id=first["id"]), headers=alice).json()["downloads"]) \
        == set(FORMATS)
    wav = download(client, alice, first["id"], "wav24")
    assert wav.status_code == 200 and wav.content[:4] == b"RIFF"
    assert start_masters(client, alice, track_id, presets=["tidal"]).status_code == 201
    assert jobs_run.wait_idle(300)


def test_pro_plan_has_no_monthly_cap(session: Session, client: TestClient, jobs_run: InProcessBroker) -> None:
    make_user(session, plan="pro")
    alice = bearer(client, "alice@example.com")
    track_id = ready_track(client, alice, jobs_run, seconds=3)
    for presets in (["spotify", "club", "youtube"], ["tidal", "apple_music"]):
        assert start_masters(client, alice, track_id, presets=presets).status_code == 201
    assert jobs_run.wait_idle(300)
    listed = client.get(routes.V1_TRACK_MASTERS.format(track_id=track_id), headers=alice).json()
    assert len(listed) == 5 and all(set(m["downloads"]) == set(FORMATS) for m in listed)


def test_bad_master_requests_say_what_to_fix(session: Session, client: TestClient,
                                             jobs_held: InProcessBroker) -> None:
    make_user(session, plan="pro")
    alice = bearer(client, "alice@example.com")
    made = client.post(routes.V1_TRACKS, files={"file": ("a.wav", lib.music_bytes("WAV", seconds=2))},
                       headers=alice)
    track_id = made.json()["track"]["id"]
    not_ready = start_masters(client, alice, track_id, presets=["spotify"])  # its processing has not run
    assert not_ready.status_code == 422
    assert not_ready.json()["error"] == {
        "code": "invalid_input", "message": "This track is not ready yet; wait until its processing has finished."}
    jobs_held.start()
    assert jobs_held.wait_idle(120)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"presets": ["moon"]}, "Unknown destination 'moon'; choose one of the listed platforms or custom."),
        ({"presets": ["spotify"], "genre": "polka"}, "Unknown genre 'polka'"),
        ({"presets": []}, "presets"),
        ({"presets": ["spotify"], "strength_pct": 140}, "strength_pct"),
        ({"presets": ["custom"], "target_lufs": -80.0}, "Custom target:"),
    ]
    for body, says in cases:
        reply = start_masters(client, alice, track_id, **body)
        assert reply.status_code == 422, (body, reply.text)
        error = reply.json()["error"]
        assert error["code"] == "invalid_input" and says in error["message"], (body, error)
    assert client.get(routes.V1_TRACK_MASTERS.format(track_id=track_id), headers=alice).json() == []


def test_openapi_documents_the_masters_routes(client: TestClient) -> None:
    spec = client.get(routes.OPENAPI).json()
    paths = spec["paths"]
    operations = {
        (routes.V1_TRACK_MASTERS, "post"): {"201"}, (routes.V1_TRACK_MASTERS, "get"): {"200"},
        (routes.V1_MASTER, "get"): {"200"}, (routes.V1_MASTER, "delete"): {"204"},
        (routes.V1_MASTER_DOWNLOAD, "get"): {"307"},
    }
    for (path, method), success in operations.items():
        op = paths[path][method]
        assert op["tags"] == ["mastering"] and op.get("summary") and op.get("description"), (path, method)
        documented = set(op["responses"])
        assert success | {"401", "402", "404", "422"} <= documented, (path, method, documented)
        assert all(op["responses"][code]["description"] for code in documented)
    body = paths[routes.V1_TRACK_MASTERS]["post"]["requestBody"]["content"]["application/json"]["schema"]
    request = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    assert request["required"] == ["presets"]
    assert {"presets", "strength_pct", "genre", "reference_track_id", "target_lufs", "ceiling_dbtp"} \
        <= set(request["properties"])
    master = spec["components"]["schemas"]["MasterOut"]["properties"]
    assert {"status", "downloads", "locked_formats", "compare", "reasons"} <= set(master)


def test_deleting_a_track_removes_its_masters_everywhere(session: Session, client: TestClient,
                                                         jobs_run: InProcessBroker) -> None:
    make_user(session, plan="pro")
    alice = bearer(client, "alice@example.com")
    track_id = ready_track(client, alice, jobs_run, seconds=3)
    [master] = start_masters(client, alice, track_id, presets=["spotify"]).json()
    assert jobs_run.wait_idle(300)
    assert client.delete(routes.V1_TRACK.format(track_id=track_id), headers=alice).status_code == 204
    reply = client.get(routes.V1_MASTER.format(master_id=master["id"]), headers=alice)
    assert reply.status_code == 404 and reply.json() == NOT_FOUND
    assert lib.blobs(get_settings().storage_dir) == []
    session.expire_all()
    assert session.exec(select(Master)).all() == []
    owner = session.exec(select(User)).one()
    assert plans.usage(session=session, user_id=owner.id, resource="storage_bytes") == 0
