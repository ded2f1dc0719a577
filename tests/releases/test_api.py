"""REST API for releases: the whole path from a draft to a delivered release over HTTP (jobs run for
real), another user's release reads as not found everywhere, and bad input gets a plain message and
changes nothing."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from maxbooster import routes
from maxbooster.models.releases import AllocatedCode, Release, ReleaseTrack
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.errors import MESSAGES, ErrorCode
from tests.releases.support import ddex_env, good_cover, image_bytes, in_days, make_master
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import make_user

acct_env, jobs_run, client, bearer, ddex_env = fx.acct_env, lib.jobs_run, lib.api_client, lib.bearer, ddex_env
NOT_FOUND = {"error": {"code": "not_found", "message": MESSAGES[ErrorCode.NOT_FOUND]}}
DRAFT = {"release_type": "single", "title": "Night Drive", "artists": [{"name": "Ava North", "role": "primary"}],
         "label": "North Records", "genre": "Electronic", "language": "en", "p_year": 2026,
         "p_owner": "North Records", "c_year": 2026, "c_owner": "North Records"}


def _url(path: str, **ids: Any) -> str:
    return path.format(**{k: str(v) for k, v in ids.items()})


def test_from_draft_to_delivered_over_http(client: TestClient, session: Session, ddex_env: object,
                                           jobs_run: InProcessBroker) -> None:
    user = make_user(session)
    auth = bearer(client, user.email)
    master = make_master(session, user)
    settings = client.put(routes.V1_CODE_SETTINGS, json={"isrc_country": "us", "isrc_registrant": "mb1",
                                                         "gs1_prefix": "0614141"}, headers=auth)
    assert settings.status_code == 200 and settings.json()["isrc_country"] == "US"
    made = client.post(routes.V1_RELEASES, json={**DRAFT, "release_date": str(in_days(30))}, headers=auth)
    assert made.status_code == 201, made.text
    release_id = made.json()["id"]
    assert [d["state"] for d in made.json()["deliveries"]] == ["draft"]
    added = client.post(_url(routes.V1_RELEASE_TRACKS, release_id=release_id), headers=auth, json={
        "master_id": str(master.id), "title": "Night Drive", "explicit": False,
        "contributors": [{"name": "Ava North", "role": "composer"}]})
    assert added.status_code == 201, added.text
    cover = client.put(_url(routes.V1_RELEASE_ARTWORK, release_id=release_id), headers=auth,
                       files={"file": ("cover.jpg", good_cover())})
    assert cover.status_code == 200, cover.text
    assert cover.json()["findings"] == [] and cover.json()["release"]["artwork"]["width"] == 3000
    checked = client.post(_url(routes.V1_RELEASE_VALIDATE, release_id=release_id), headers=auth).json()
    assert not checked["ok"] and {f["code"] for f in checked["findings"] if f["severity"] == "error"} == \
        {"upc.missing", "isrc.missing"}
    coded = client.post(_url(routes.V1_RELEASE_CODES, release_id=release_id), headers=auth)
    assert coded.status_code == 200, coded.text
    assert coded.json()["upc"] == "0614141000012" and coded.json()["tracks"][0]["isrc"].startswith("US-MB1-")
    checked = client.post(_url(routes.V1_RELEASE_VALIDATE, release_id=release_id), headers=auth).json()
    assert checked["ok"] and [d["state"] for d in checked["deliveries"]] == ["validated"]
    sent = client.post(_url(routes.V1_RELEASE_SUBMIT, release_id=release_id), headers=auth)
    assert sent.status_code == 202, sent.text
    assert jobs_run.wait_idle(60)
    shown = client.get(_url(routes.V1_RELEASE, release_id=release_id), headers=auth).json()
    assert shown["deliveries"][0]["state"] == "delivered" and shown["deliveries"][0]["state_label"] == "Delivered"
    listed = client.get(routes.V1_RELEASES, headers=auth).json()["items"]
    assert [r["id"] for r in listed] == [release_id]
    down = client.post(_url(routes.V1_RELEASE_TAKEDOWN, release_id=release_id), headers=auth)
    assert down.status_code == 202
    assert jobs_run.wait_idle(60)
    assert client.get(_url(routes.V1_RELEASE, release_id=release_id), headers=auth).json()["deliveries"][0][
        "state"] == "taken_down"


def test_another_users_release_is_not_found(client: TestClient, session: Session) -> None:
    alice, mallory = make_user(session), make_user(session, "mallory@example.com")
    owner, other = bearer(client, alice.email), bearer(client, mallory.email)
    release_id = client.post(routes.V1_RELEASES, json=DRAFT, headers=owner).json()["id"]
    master = make_master(session, alice)
    track = client.post(_url(routes.V1_RELEASE_TRACKS, release_id=release_id), headers=owner,
                        json={"master_id": str(master.id)}).json()["tracks"][0]["id"]
    calls = [("get", routes.V1_RELEASE, None), ("patch", routes.V1_RELEASE, {"title": "Mine"}),
             ("delete", routes.V1_RELEASE, None), ("post", routes.V1_RELEASE_VALIDATE, None),
             ("post", routes.V1_RELEASE_SUBMIT, None), ("post", routes.V1_RELEASE_TAKEDOWN, None),
             ("post", routes.V1_RELEASE_CODES, None), ("patch", routes.V1_RELEASE_TRACK, {"title": "x"}),
             ("delete", routes.V1_RELEASE_TRACK, None), ("put", routes.V1_RELEASE_TRACKS_ORDER, {"track_ids": [track]})]
    for method, path, body in calls:
        reply = client.request(method.upper(), _url(path, release_id=release_id, track_id=track), headers=other,
                               **({"json": body} if body is not None else {}))
        assert reply.status_code == 404 and reply.json() == NOT_FOUND, (method, path, reply.text)
    # nor can her master be put on his release
    his = client.post(routes.V1_RELEASES, json=DRAFT, headers=other).json()["id"]
    stolen = client.post(_url(routes.V1_RELEASE_TRACKS, release_id=his), headers=other,
                         json={"master_id": str(master.id)})
    assert stolen.status_code == 404
    assert client.get(routes.V1_RELEASES, headers=other).json()["items"][0]["id"] == his
    session.expire_all()
    assert session.get(Release, uuid.UUID(release_id)).title == "Night Drive"  # type: ignore[union-attr]


def test_bad_input_gets_a_plain_message_and_changes_nothing(client: TestClient, session: Session) -> None:
    user = make_user(session)
    auth = bearer(client, user.email)
    release_id = client.post(routes.V1_RELEASES, json=DRAFT, headers=auth).json()["id"]
    before = client.get(_url(routes.V1_RELEASE, release_id=release_id), headers=auth).json()
    cases = [({"territories": ["GB", "Narnia"], "title": "Other"}, "Unknown territory code(s): NARNIA"),
             ({"release_type": "mixtape"}, "The release type must be single, ep or album."),
             ({"artists": [{"name": "A", "role": "guest"}]}, "The role of A must be one of primary, featured."),
             ({"upc": "4006381333932"}, "The check digit of 4006381333932 is wrong"),
             ({"title": "  "}, "Title cannot be empty."),
             ({"destinations": ["spotify"]}, "Unknown destination “spotify”")]
    for body, says in cases:
        reply = client.patch(_url(routes.V1_RELEASE, release_id=release_id), json=body, headers=auth)
        assert reply.status_code == 422 and says in reply.json()["error"]["message"], (body, reply.text)
    for data in (b"not a picture", image_bytes((20, 20), "RGB", "PNG")[:40]):
        art = client.put(_url(routes.V1_RELEASE_ARTWORK, release_id=release_id), headers=auth,
                         files={"file": ("cover.png", data)})
        said = art.json()["error"]["message"]
        assert art.status_code == 422 and ("not a picture we can read" in said or "damaged" in said), said
    bad_isrc = client.post(_url(routes.V1_RELEASE_TRACKS, release_id=release_id), headers=auth,
                           json={"master_id": str(make_master(session, user).id), "isrc": "XX-AAA-26-00001"})
    assert bad_isrc.status_code == 422 and "known country code" in bad_isrc.json()["error"]["message"]
    after = client.get(_url(routes.V1_RELEASE, release_id=release_id), headers=auth).json()
    assert after == before
    session.expire_all()
    assert session.exec(select(ReleaseTrack)).all() == [] and session.exec(select(AllocatedCode)).all() == []
