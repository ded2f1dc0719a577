"""Studio REST API: projects and edits over HTTP with a bearer token; another user's project is 404;
a conflicting stale edit is 409 with the plain message; an invalid edit is 422 naming the field;
the OpenAPI documents every route with its errors."""

from __future__ import annotations

import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from maxbooster import routes
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import make_user

acct_env, client, bearer = fx.acct_env, lib.api_client, lib.bearer


def _edit(base: int, *ops: dict) -> dict:
    return {"base_version": base, "ops": list(ops), "txn_id": uuid.uuid4().hex}


def test_projects_and_edits_over_http(session: Session, acct_env: Path, client: TestClient) -> None:
    make_user(session)
    make_user(session, "mallory@example.com")
    alice, mallory = bearer(client, "alice@example.com"), bearer(client, "mallory@example.com")
    made = client.post(routes.V1_PROJECTS, json={"name": "Night Drive", "sample_rate": 44100, "tempo_bpm": 100},
                       headers=alice)
    assert made.status_code == 201, made.text
    project = made.json()
    assert (project["name"], project["sample_rate"], project["tempo_bpm"], project["version"]) == \
        ("Night Drive", 44100, 100.0, 0)
    url = routes.V1_PROJECT.format(project_id=project["id"])
    edits_url = routes.V1_PROJECT_EDITS.format(project_id=project["id"])

    first = client.post(edits_url, headers=alice,
                        json=_edit(0, {"op": "track.add", "track": {"id": "t1", "name": "Drums"}}))
    assert first.status_code == 200 and first.json()["version"] == 1
    assert first.json()["inverse"] == [{"op": "track.remove", "id": "t1"}]
    pan = client.post(edits_url, headers=alice,
                      json=_edit(1, {"op": "track.set", "id": "t1", "field": "pan", "value": 0.3}))
    assert pan.json()["version"] == 2
    stale = client.post(edits_url, headers=alice, json=_edit(1, {"op": "track.set", "id": "t1", "field": "pan",
                                                                 "value": -0.3}))
    assert stale.status_code == 409 and "Someone changed the same thing" in stale.json()["error"]["message"]
    bad = client.post(edits_url, headers=alice, json=_edit(2, {"op": "track.set", "id": "t1", "field": "pan",
                                                               "value": 2}))
    assert bad.status_code == 422 and "tracks[0].pan" in bad.json()["error"]["message"]

    got = client.get(url, headers=alice).json()
    assert got["version"] == 2 and got["document"]["tracks"][0]["pan"] == 0.3 and got["tracks"] == 1
    assert got["unplayable_clips"] == {}
    history = client.get(edits_url, headers=alice, params={"after": 1}).json()
    assert [h["version"] for h in history] == [2]

    assert client.patch(url, headers=alice, json={"name": "Night Drive II"}).json()["name"] == "Night Drive II"
    dup = client.post(routes.V1_PROJECT_DUPLICATE.format(project_id=project["id"]), headers=alice)
    assert dup.status_code == 201 and dup.json()["document"] == got["document"]
    listed = client.get(routes.V1_PROJECTS, headers=alice).json()["items"]
    assert [p["name"] for p in listed] == ["Night Drive II (copy)", "Night Drive II"]

    for reply in (client.get(url, headers=mallory), client.patch(url, headers=mallory, json={"name": "x"}),
                  client.delete(url, headers=mallory), client.get(edits_url, headers=mallory),
                  client.post(edits_url, headers=mallory, json=_edit(2, {"op": "track.remove", "id": "t1"}))):
        assert reply.status_code == 404 and reply.json()["error"]["code"] == "not_found"
    assert client.get(routes.V1_PROJECTS, headers=mallory).json()["items"] == []
    assert client.get(url).status_code == 401

    assert client.delete(url, headers=alice).status_code == 204
    assert client.get(url, headers=alice).status_code == 404


def test_bad_requests_are_clear(session: Session, acct_env: Path, client: TestClient) -> None:
    make_user(session)
    alice = bearer(client, "alice@example.com")
    for body, says in (({"name": "x", "sample_rate": 96000}, "44.1 kHz or 48 kHz"), ({"name": ""}, "name of 1 to 200"),
                       ({}, "name")):
        reply = client.post(routes.V1_PROJECTS, json=body, headers=alice)
        assert reply.status_code == 422 and says in reply.json()["error"]["message"], reply.text
    project = client.post(routes.V1_PROJECTS, json={"name": "ok"}, headers=alice).json()
    edits_url = routes.V1_PROJECT_EDITS.format(project_id=project["id"])
    for body in ({"base_version": 0, "ops": [], "txn_id": "abcdefgh"}, {"base_version": 0, "ops": [{"op": "x"}],
                                                                        "txn_id": "no"}, {"ops": "nope"}):
        assert client.post(edits_url, json=body, headers=alice).status_code == 422
    assert client.get(routes.V1_PROJECT.format(project_id="not-a-uuid"), headers=alice).status_code == 422


def test_openapi_documents_the_studio_routes(client: TestClient) -> None:
    paths = client.get(routes.OPENAPI).json()["paths"]
    for path, methods in ((routes.V1_PROJECTS, ("get", "post")), (routes.V1_PROJECT, ("get", "patch", "delete")),
                          (routes.V1_PROJECT_DUPLICATE, ("post",)), (routes.V1_PROJECT_EDITS, ("get", "post"))):
        for method in methods:
            op = paths[path][method]
            assert {"401", "404", "422"} <= set(op["responses"]) and op["summary"], (path, method)
    assert "409" in paths[routes.V1_PROJECT_EDITS]["post"]["responses"]


def test_bounce_over_http_says_what_is_missing(session: Session, acct_env: Path, client: TestClient) -> None:
    make_user(session)
    alice = bearer(client, "alice@example.com")
    project = client.post(routes.V1_PROJECTS, json={"name": "Empty"}, headers=alice).json()
    reply = client.post(routes.V1_PROJECT_BOUNCE.format(project_id=project["id"]), headers=alice)
    assert reply.status_code == 422 and "add a clip" in reply.json()["error"]["message"]
    ops = client.get(routes.OPENAPI).json()["paths"][routes.V1_PROJECT_BOUNCE]["post"]
    assert {"202", "401", "404", "422"} <= set(ops["responses"])
