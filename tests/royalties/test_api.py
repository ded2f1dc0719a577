"""REST API for royalties: set a split, the collaborator accepts through the emailed link, upload a
statement (multipart), both see their earnings and CSV statements; another user's data reads as not
found; bad input gets the plain message."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from sqlmodel import Session

from maxbooster import routes
from maxbooster.services.errors import MESSAGES, ErrorCode
from tests.royalties.support import GENERIC, csv_bytes, invite_link, make_release
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import make_user

acct_env, client, bearer = fx.acct_env, lib.api_client, lib.bearer
NOT_FOUND = {"error": {"code": "not_found", "message": MESSAGES[ErrorCode.NOT_FOUND]}}
BOB = "bob@example.com"


def _url(path: str, **ids: Any) -> str:
    return path.format(**{k: str(v) for k, v in ids.items()})


def test_split_invite_statement_and_earnings_over_http(client: TestClient, session: Session) -> None:
    alice, bob = make_user(session), make_user(session, BOB)
    owner, collab = bearer(client, alice.email), bearer(client, bob.email)
    _, tracks = make_release(session, alice)
    split_url = _url(routes.V1_RELEASE_TRACK_SPLIT, release_id=tracks[0].release_id, track_id=tracks[0].id)
    refused = client.put(split_url, headers=owner, json={"shares": [
        {"email": alice.email, "share_bps": 7000}, {"email": BOB, "share_bps": 2990}]})
    assert refused.status_code == 422
    assert refused.json()["error"]["message"] == "The shares add up to 99.9 %; they must add up to exactly 100 %."
    put = client.put(split_url, headers=owner, json={"shares": [
        {"email": alice.email, "share_bps": 7000}, {"email": BOB, "share_bps": 3000}]})
    assert put.status_code == 200, put.text
    assert [(s["email"], s["percent"], s["status"]) for s in put.json()["shares"]] == [
        (alice.email, "70", "accepted"), (BOB, "30", "pending")]
    link = urlsplit(invite_link(session, BOB)).path
    offer = client.get(link.rsplit("/", 1)[0])
    assert offer.status_code == 200 and offer.json()["track_title"] == "Track 1" and offer.json()["percent"] == "30"
    accepted = client.get(link)  # the emailed link, no sign-in
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert client.get(link).json()["error"]["code"] == "invalid_token"
    assert client.post(link).json()["error"]["code"] == "invalid_token"
    assert client.get(split_url, headers=owner).json()["shares"][1]["status"] == "accepted"

    data = csv_bytes([["USMB12600001", "2026-11", "Spotify", "DE", "1000", "10.00", "USD"],
                      ["XXMB12600001", "2026-11", "Spotify", "DE", "1", "1.00", "USD"],
                      ["USMB12600001", "2026-11", "Spotify"]], GENERIC)
    up = client.post(routes.V1_ROYALTY_STATEMENTS, headers=owner, files={"file": ("nov.csv", data, "text/csv")})
    assert up.status_code == 201, up.text
    report = up.json()
    assert (report["layout"], report["lines_imported"], report["lines_malformed"]) == ("generic", 1, 2)
    assert report["unmatched_isrcs"] == [] and "country code" in report["problems"][0]["reason"]
    again = client.post(routes.V1_ROYALTY_STATEMENTS, headers=owner, files={"file": ("copy.csv", data)})
    assert again.status_code == 200 and again.json()["already_imported"] and again.json()["id"] == report["id"]
    shown = client.get(_url(routes.V1_ROYALTY_STATEMENT, statement_id=report["id"]), headers=owner).json()
    assert shown["problems"] == report["problems"]

    mine = client.get(routes.V1_ROYALTY_EARNINGS, headers=collab).json()
    assert [(b["party_email"], b["amount"]) for b in mine["mine"]] == [(BOB, "USD 3.00")] and mine["catalogue"] == []
    cat = client.get(routes.V1_ROYALTY_EARNINGS, headers=owner).json()["catalogue"]
    assert [(b["party_email"], b["amount_minor"]) for b in cat] == [(alice.email, 700), (BOB, 300)]
    csv_reply = client.get(routes.V1_ROYALTY_EARNINGS_CSV, headers=collab)
    assert csv_reply.status_code == 200 and csv_reply.headers["content-type"].startswith("text/csv")
    assert csv_reply.text.splitlines()[1].split(",")[1:7] == ["2026-11", "income", "Track 1", "USMB12600001",
                                                             "3.00", "USD"]
    assert client.get(routes.V1_ROYALTY_EARNINGS_CSV, params={"party": BOB}, headers=owner).text == csv_reply.text


def test_wrong_delimiter_upload_gets_the_plain_message(client: TestClient, session: Session) -> None:
    alice = make_user(session)
    data = csv_bytes([["USMB12600001", "2026-11", "Spotify", "DE", "1", "1.00", "USD"]], GENERIC, ";")
    reply = client.post(routes.V1_ROYALTY_STATEMENTS, headers=bearer(client, alice.email),
                        files={"file": ("nov.csv", data)})
    assert reply.status_code == 422
    assert reply.json()["error"]["message"].startswith("This file is separated by semicolons")


def test_another_users_royalty_data_is_not_found(client: TestClient, session: Session) -> None:
    alice, mallory = make_user(session), make_user(session, "mallory@example.com")
    owner, other = bearer(client, alice.email), bearer(client, mallory.email)
    _, tracks = make_release(session, alice)
    split_url = _url(routes.V1_RELEASE_TRACK_SPLIT, release_id=tracks[0].release_id, track_id=tracks[0].id)
    assert client.put(split_url, headers=owner, json={"shares": [{"email": alice.email, "share_bps": 10000}]}
                      ).status_code == 200
    data = csv_bytes([["USMB12600001", "2026-11", "Spotify", "DE", "1", "1.00", "USD"]], GENERIC)
    uploaded = client.post(routes.V1_ROYALTY_STATEMENTS, headers=owner, files={"file": ("a.csv", data)})
    statement_id = uploaded.json()["id"]
    assert client.get(split_url, headers=other).json() == NOT_FOUND
    assert client.put(split_url, headers=other, json={"shares": [{"email": mallory.email, "share_bps": 10000}]}
                      ).json() == NOT_FOUND
    assert client.get(_url(routes.V1_ROYALTY_STATEMENT, statement_id=statement_id), headers=other).json() == NOT_FOUND
    assert client.get(routes.V1_ROYALTY_EARNINGS_CSV, params={"party": alice.email}, headers=other).json() == NOT_FOUND
    assert client.get(routes.V1_ROYALTY_STATEMENTS, headers=other).json() == {"items": []}
    assert client.get(routes.V1_ROYALTY_EARNINGS, headers=other).json() == {"mine": [], "catalogue": []}
    assert client.get(routes.V1_ROYALTY_EARNINGS).status_code == 401
