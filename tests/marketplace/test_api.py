"""The marketplace over HTTP: a seller builds a listing through /api/v1 (bad input gets the service's
message), visitors search and read published listings without signing in, drafts read as not found."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from maxbooster import routes
from maxbooster.models.accounts import User
from maxbooster.models.marketplace import Listing, ListingFile, PreviewStatus
from maxbooster.services.media import read_token
from tests.marketplace.support import png_bytes, ready_track, zip_bytes
from tests.support import library as lib

client, bearer = lib.api_client, lib.bearer


def _msg(reply: object) -> str:
    return reply.json()["error"]["message"]  # type: ignore[attr-defined,no-any-return]


def test_seller_builds_and_publishes_a_listing_visitors_find_it(session: Session, payable_seller: User,
                                                                client: TestClient) -> None:
    auth = bearer(client, payable_seller.email)
    made = client.post(routes.V1_MARKETPLACE_SELLER_LISTINGS, headers=auth,
                       json={"kind": "beat", "title": "Midnight Piano", "genre": "Lo-Fi", "bpm": 84,
                             "musical_key": "Dm", "tags": ["piano", "chill"]})
    assert made.status_code == 201, made.text
    lid = made.json()["id"]
    assert made.json()["genre"] == "lo-fi" and "a cover image" in made.json()["missing"]
    path = lambda route: route.format(listing_id=lid)  # noqa: E731
    bad = client.put(path(routes.V1_MARKETPLACE_SELLER_TIERS), headers=auth,
                     json=[{"kind": "mp3_lease", "price": "19.999"}])
    assert bad.status_code == 422 and "use up to 2 decimals" in _msg(bad)
    bad = client.put(path(routes.V1_MARKETPLACE_SELLER_TIERS), headers=auth,
                     json=[{"kind": "mp3_lease", "price": "19.99", "max_streams": -1}])
    assert bad.status_code == 422 and "cannot be -1" in _msg(bad)
    tiers = client.put(path(routes.V1_MARKETPLACE_SELLER_TIERS), headers=auth,
                       json=[{"kind": "mp3_lease", "price": "19.99", "max_streams": 50000},
                             {"kind": "wav_lease", "price": "39.99"}])
    assert [t["price_minor"] for t in tiers.json()] == [1999, 3999], tiers.text
    cover = client.post(path(routes.V1_MARKETPLACE_SELLER_COVER), headers=auth,
                        files={"file": ("cover.png", png_bytes(), "image/png")})
    assert cover.status_code == 200, cover.text
    track = ready_track(session, payable_seller)
    assert client.post(path(routes.V1_MARKETPLACE_SELLER_TRACK_FILE), headers=auth,
                       json={"track_id": str(track.id)}).status_code == 201
    evil = client.post(path(routes.V1_MARKETPLACE_SELLER_ZIP_FILE) + "?role=stems", headers=auth,
                       files={"file": ("stems.zip", zip_bytes({"../x.wav": b"x"}), "application/zip")})
    assert evil.status_code == 422 and "leaves its folder" in _msg(evil)
    refused = client.post(path(routes.V1_MARKETPLACE_SELLER_PUBLISH), headers=auth)
    assert refused.status_code == 409 and _msg(refused) == (
        "To publish this listing, add the beat's MP3 that is still being made (wait a moment); a watermarked "
        "preview (make one after adding the audio).")
    # the preview and MP3 jobs themselves are tested in test_previews and test_mp3; here they are marked made
    row = session.get(Listing, uuid.UUID(lid), populate_existing=True)
    assert row is not None
    row.preview_status, row.preview_key = PreviewStatus.READY, f"{payable_seller.id}/marketplace/{lid}/p.mp3"
    session.add(row)
    main = session.execute(select(ListingFile).where(col(ListingFile.listing_id) == row.id)).scalar_one()
    main.storage_key = f"{payable_seller.id}/marketplace/{lid}/main.320k.mp3"
    session.add(main)
    session.commit()
    assert client.get(routes.V1_MARKETPLACE_LISTING.format(listing_id=lid)).status_code == 404  # a draft
    assert client.post(path(routes.V1_MARKETPLACE_SELLER_PUBLISH), headers=auth).json()["status"] == "published"

    found = client.get(routes.V1_MARKETPLACE_LISTINGS, params={"q": "piano", "bpm_min": 80, "kind": "beat"}).json()
    assert found["total"] == 1 and found["items"][0]["title"] == "Midnight Piano"
    assert found["items"][0]["seller_name"] == payable_seller.display_name
    assert read_token(found["items"][0]["preview_url"].rsplit("/", 1)[1]).public  # playable without sign-in
    detail = client.get(routes.V1_MARKETPLACE_LISTING.format(listing_id=lid)).json()
    assert [(t["kind"], t["max_streams"]) for t in detail["tiers"]] == [("mp3_lease", 50000), ("wav_lease", None)]
    store = client.get(routes.V1_MARKETPLACE_STOREFRONT.format(seller_id=payable_seller.id)).json()
    assert [i["id"] for i in store["items"]] == [lid]
    assert client.get(routes.V1_MARKETPLACE_LISTINGS, params={"sort": "cheapest"}).status_code == 422
    assert client.post(path(routes.V1_MARKETPLACE_SELLER_UNPUBLISH), headers=auth).json()["status"] == "unpublished"
    assert client.get(routes.V1_MARKETPLACE_LISTING.format(listing_id=lid)).status_code == 404
    assert client.get(routes.V1_MARKETPLACE_SELLER_LISTINGS).status_code == 401  # sellers' side needs sign-in
