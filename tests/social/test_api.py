"""REST API for the composer's helpers: caption ideas about your release (built-in writer, who wrote them),
audiograms (your list, one, refusals in plain words); another user's release or audiogram reads as not
found."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from maxbooster import routes
from maxbooster.models.releases import Release
from maxbooster.models.social import SocialAudiogram
from maxbooster.services.errors import MESSAGES, ErrorCode
from maxbooster.services.social.captions import BUILT_IN
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import make_user

acct_env, client, bearer = fx.acct_env, lib.api_client, lib.bearer
NOT_FOUND = {"error": {"code": "not_found", "message": MESSAGES[ErrorCode.NOT_FOUND]}}


def test_captions_and_audiograms_over_http(client: TestClient, session: Session) -> None:
    alice, bob = make_user(session), make_user(session, "bob@example.com")
    release = Release(owner_id=alice.id, title="Night Drive")
    session.add(release)
    session.commit()
    owner, other = bearer(client, alice.email), bearer(client, bob.email)

    ideas = client.post(routes.V1_SOCIAL_CAPTIONS, headers=owner,
                        json={"network": "sandbox", "release_id": str(release.id)})
    assert ideas.status_code == 200, ideas.text
    body = ideas.json()
    assert body["writer"] == BUILT_IN and not body["by_model"] and len(body["variants"]) == 3
    assert all("Night Drive" in v["text"] and v["length"] <= v["limit"] == 1000 for v in body["variants"])
    stolen = client.post(routes.V1_SOCIAL_CAPTIONS, headers=other,
                         json={"network": "sandbox", "release_id": str(release.id)})
    assert stolen.status_code == 404 and stolen.json() == NOT_FOUND
    nothing = client.post(routes.V1_SOCIAL_CAPTIONS, headers=owner, json={"network": "sandbox"})
    assert nothing.status_code == 422
    assert nothing.json()["error"]["message"] == "Choose a release or a track to write about."

    refused = client.post(routes.V1_SOCIAL_AUDIOGRAMS, headers=owner, json={"length_s": 20})
    assert refused.status_code == 422 and "Choose a track or a master" in refused.json()["error"]["message"]
    assert session.exec(select(SocialAudiogram)).all() == []
    row = SocialAudiogram(owner_id=alice.id, title="Night Drive", length_s=20)
    session.add(row)
    session.commit()
    mine = client.get(routes.V1_SOCIAL_AUDIOGRAM.format(audiogram_id=row.id), headers=owner)
    assert mine.status_code == 200 and mine.json()["status"] == "rendering" and mine.json()["title"] == "Night Drive"
    assert [a["id"] for a in client.get(routes.V1_SOCIAL_AUDIOGRAMS, headers=owner).json()["items"]] == [str(row.id)]
    assert client.get(routes.V1_SOCIAL_AUDIOGRAMS, headers=other).json()["items"] == []
    theirs = client.get(routes.V1_SOCIAL_AUDIOGRAM.format(audiogram_id=row.id), headers=other)
    assert theirs.status_code == 404 and theirs.json()["error"] == {
        "code": "not_found", "message": "That audiogram is not in your library; choose one of yours."}
    assert client.get(routes.V1_SOCIAL_AUDIOGRAMS).status_code == 401
