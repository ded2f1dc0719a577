"""REST API for campaigns: create (refusals store nothing), list, show with slots, the report, cancel;
another user's campaign reads as not found."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from maxbooster import routes
from maxbooster.models.campaigns import Campaign
from maxbooster.services.errors import MESSAGES, ErrorCode
from maxbooster.services.social import accounts
from tests.campaigns.test_campaigns import smart_link, tomorrow
from tests.social.support import social_env
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

acct_env, client, bearer, social_env = fx.acct_env, lib.api_client, lib.bearer, social_env
NOT_FOUND = {"error": {"code": "not_found", "message": MESSAGES[ErrorCode.NOT_FOUND]}}


def _body(link_id: object, **changes: object) -> dict[str, object]:
    start = tomorrow()
    body: dict[str, object] = {
        "name": "Night Drive launch", "goal": "link_clicks", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(days=3)).isoformat(),
        "networks": ["sandbox"], "posts_per_day": 2, "smart_link_id": str(link_id),
        "variants": [{"hook": "Out now", "caption": "The new single."}, {"hook": "A new song.", "caption": "Listen."}]}
    body.update(changes)
    return body


def test_campaigns_over_http(client: TestClient, session: Session, social_env: Path) -> None:
    alice, bob = make_user(session), make_user(session, "bob@example.com")
    accounts.connect_sandbox(session=session, actor=actor_for(alice), handle="ava")
    link = smart_link(session, alice.id)
    owner, other = bearer(client, alice.email), bearer(client, bob.email)

    refusals = {
        "one variant": (_body(link.id, variants=[{"caption": "Only one"}]),
                        "Add at least two variants: the campaign learns by comparing them."),
        "no link": (_body(None, smart_link_id=None),
                    "Choose the smart link the campaign sends people to (a release's smart link)."),
        "bad goal": (_body(link.id, goal="fame"), "Choose the goal: smart-link clicks, video views or follows."),
        "not connected": (_body(link.id, networks=["mastodon"]),
                          "Connect a mastodon account first (Social → Accounts), then create the campaign."),
        "ends first": (_body(link.id, ends_at=tomorrow().replace(year=2020).isoformat()),
                       "The campaign ends before it starts; choose an end after the start."),
    }
    for case, (body, message) in refusals.items():
        reply = client.post(routes.V1_CAMPAIGNS, headers=owner, json=body)
        assert reply.status_code == 422, case
        assert reply.json()["error"]["message"] == message, case
    assert session.exec(select(Campaign)).all() == []

    made = client.post(routes.V1_CAMPAIGNS, headers=owner, json=_body(link.id))
    assert made.status_code == 201, made.text
    cid = made.json()["id"]
    assert made.json()["goal_words"] == "smart-link clicks" and made.json()["state"] == "active"
    assert [c["id"] for c in client.get(routes.V1_CAMPAIGNS, headers=owner).json()["items"]] == [cid]
    assert client.get(routes.V1_CAMPAIGNS, headers=other).json()["items"] == []

    one = client.get(routes.V1_CAMPAIGN.format(campaign_id=cid), headers=owner).json()
    assert [v["label"] for v in one["variants"]] == ["A", "B"]
    assert len(one["slots"]) == 6 and {s["state"] for s in one["slots"]} == {"planned"}
    assert {s["account"] for s in one["slots"]} == {"@ava@sandbox"}
    shown = client.get(routes.V1_CAMPAIGN_REPORT.format(campaign_id=cid), headers=owner).json()
    assert shown["rows"] == [] and shown["message"].startswith("No campaign post has been measured yet")

    for path in (routes.V1_CAMPAIGN, routes.V1_CAMPAIGN_REPORT):
        reply = client.get(path.format(campaign_id=cid), headers=other)
        assert reply.status_code == 404 and reply.json() == NOT_FOUND
    stolen = client.post(routes.V1_CAMPAIGN_CANCEL.format(campaign_id=cid), headers=other)
    assert stolen.status_code == 404
    cancelled = client.post(routes.V1_CAMPAIGN_CANCEL.format(campaign_id=cid), headers=owner)
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    again = client.post(routes.V1_CAMPAIGN_CANCEL.format(campaign_id=cid), headers=owner)
    assert again.status_code == 409 and again.json()["error"]["message"] == "This campaign is already cancelled."
    after = client.get(routes.V1_CAMPAIGN.format(campaign_id=cid), headers=owner).json()
    assert {s["state"] for s in after["slots"]} == {"skipped"}
    assert client.get(routes.V1_CAMPAIGNS).status_code == 401
