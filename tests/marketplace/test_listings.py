"""Listings: drafts, tiers with prices and caps, collaborators' splits, files, publish rules. Every bad
input is refused with a message that says what to change, and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from maxbooster.models.accounts import User
from maxbooster.models.audit import AuditLog
from maxbooster.models.marketplace import Collaborator, LicenseTier, Listing, ListingFile, ListingStatus
from maxbooster.services.actor import Actor
from maxbooster.services.errors import Conflict, InvalidInput, NotFound
from maxbooster.services.marketplace import files, listings
from maxbooster.services.marketplace.listings import CollaboratorInput, ListingNotReady, TierInput
from maxbooster.services.marketplace.search import public_listing
from maxbooster.settings import get_settings
from tests.marketplace.support import png_bytes, ready_listing, ready_track
from tests.support.accounts import actor_for, make_user


def _stored(session: Session, listing_id: Any) -> tuple[Any, ...]:
    session.expire_all()
    tiers = session.execute(select(LicenseTier.kind, LicenseTier.price_minor, LicenseTier.max_streams)
                            .where(LicenseTier.listing_id == listing_id).order_by(LicenseTier.kind)).all()
    shares = session.execute(select(Collaborator.email, Collaborator.share_bps)
                             .where(Collaborator.listing_id == listing_id).order_by(Collaborator.email)).all()
    listing = session.get(Listing, listing_id)
    assert listing is not None
    return (tuple(tiers), tuple(shares), listing.min_price_minor, listing.title, listing.bpm, listing.status)


def test_tiers_store_prices_caps_and_deliverables(session: Session, payable_seller: User) -> None:
    actor = actor_for(payable_seller)
    listing = listings.create_listing(session=session, actor=actor, kind="beat", title="  Night   Drive ", bpm=140,
                                      musical_key="Am", tags=["Trap", "trap", "dark"])
    assert (listing.title, listing.tags, listing.status) == ("Night Drive", ["trap", "dark"], ListingStatus.DRAFT)
    tiers = listings.set_tiers(session=session, actor=actor, listing_id=listing.id, tiers=[
        TierInput(kind="mp3_lease", price="29.99", caps={"max_streams": 100_000, "max_copies": 2000}),
        TierInput(kind="trackout", price=9999, caps={"max_music_videos": 0}),
        TierInput(kind="exclusive", price="500")])
    assert [(t.kind, t.price_minor, t.currency) for t in tiers] == [
        ("mp3_lease", 2999, "USD"), ("trackout", 9999, "USD"), ("exclusive", 50000, "USD")]
    assert tiers[0].deliverables == ["mp3", "license_pdf"] and tiers[0].max_radio_stations is None  # unlimited
    assert tiers[1].deliverables == ["mp3", "wav", "stems", "license_pdf"] and tiers[1].max_music_videos == 0
    assert session.get(Listing, listing.id).min_price_minor == 2999  # type: ignore[union-attr]


@pytest.mark.parametrize(("tier", "message"), [
    (TierInput(kind="mp3_lease", price="-5"), "more than zero"),
    (TierInput(kind="mp3_lease", price="0"), "more than zero"),
    (TierInput(kind="mp3_lease", price=0), "more than zero"),
    (TierInput(kind="mp3_lease", price="29.999"), "use up to 2 decimals"),
    (TierInput(kind="mp3_lease", price=29.99), "no fractions of a cent"),  # type: ignore[arg-type]
    (TierInput(kind="mp3_lease", price="29.99", caps={"max_streams": -1}), "streams cannot be -1"),
    (TierInput(kind="mp3_lease", price="29.99", caps={"max_copies": 2.5}), "copies: use a whole number"),
    (TierInput(kind="mp3_lease", price="29.99", caps={"max_fans": 3}), "Unknown caps: max_fans"),
    (TierInput(kind="lifetime", price="29.99"), "'lifetime' is not a license"),
    (TierInput(kind="mp3_lease", price="29.99", currency="usdollar"), "three-letter ISO code"),
    (TierInput(kind="mp3_lease", price="29.99", deliverables=["flac"]), "Deliverables must be"),
])
def test_bad_tiers_are_refused_and_change_nothing(session: Session, payable_seller: User, tier: TierInput,
                                                  message: str) -> None:
    listing = ready_listing(session, payable_seller)
    before = _stored(session, listing.id)
    with pytest.raises(InvalidInput, match=message):
        listings.set_tiers(session=session, actor=actor_for(payable_seller), listing_id=listing.id,
                           tiers=[TierInput(kind="wav_lease", price="49.99"), tier])
    assert _stored(session, listing.id) == before


def test_two_currencies_or_a_kind_twice_are_refused(session: Session, payable_seller: User) -> None:
    listing = ready_listing(session, payable_seller)
    before, actor = _stored(session, listing.id), actor_for(payable_seller)
    with pytest.raises(InvalidInput, match="same currency"):
        listings.set_tiers(session=session, actor=actor, listing_id=listing.id, tiers=[
            TierInput(kind="mp3_lease", price="10"), TierInput(kind="wav_lease", price="20", currency="EUR")])
    with pytest.raises(InvalidInput, match="offered once"):
        listings.set_tiers(session=session, actor=actor, listing_id=listing.id, tiers=[
            TierInput(kind="mp3_lease", price="10"), TierInput(kind="mp3_lease", price="20")])
    assert _stored(session, listing.id) == before


@pytest.mark.parametrize(("fields", "message"), [
    ({"title": "   "}, "title of 1 to 200"), ({"bpm": 12}, "BPM must be a whole number from 20 to 400"),
    ({"bpm": 120.5}, "BPM must be"), ({"musical_key": "H"}, "'H' is not a key"),
    ({"tags": [f"t{i}" for i in range(11)]}, "at most 10 tags"), ({"owner_id": "x"}, "cannot be changed here"),
])
def test_bad_listing_fields_are_refused(session: Session, payable_seller: User, fields: dict[str, Any],
                                        message: str) -> None:
    listing = ready_listing(session, payable_seller)
    before = _stored(session, listing.id)
    with pytest.raises(InvalidInput, match=message):
        listings.update_listing(session=session, actor=actor_for(payable_seller), listing_id=listing.id,
                                changes=fields)
    assert _stored(session, listing.id) == before
    with pytest.raises(InvalidInput, match="beats only"):
        listings.create_listing(session=session, actor=actor_for(payable_seller), kind="sample_pack", title="x",
                                bpm=90)


def test_collaborator_splits_must_add_up_to_100(session: Session, payable_seller: User) -> None:
    listing = ready_listing(session, payable_seller)
    actor, me = actor_for(payable_seller), payable_seller.email
    make_user(session, "co@example.com")
    rows = listings.set_collaborators(session=session, actor=actor, listing_id=listing.id, collaborators=[
        CollaboratorInput(me, "66.67"), CollaboratorInput("co@example.com", "33.33")])
    assert [(r.email, r.share_bps, r.user_id is not None) for r in rows] == [(me, 6667, True),
                                                                          ("co@example.com", 3333, True)]
    before = _stored(session, listing.id)
    for bad, message in ([CollaboratorInput(me, "50"), CollaboratorInput("co@example.com", "40")], "add up to 90 %"), \
            ([CollaboratorInput(me, "100.001")], "not a percentage"), \
            ([CollaboratorInput(me, "0"), CollaboratorInput("co@example.com", "100")], "more than 0 %"), \
            ([CollaboratorInput("co@example.com", "100")], "Include yourself"), \
            ([CollaboratorInput(me, "50"), CollaboratorInput(me.upper(), "50")], "listed twice"):
        with pytest.raises(InvalidInput, match=message):
            listings.set_collaborators(session=session, actor=actor, listing_id=listing.id, collaborators=bad)
        assert _stored(session, listing.id) == before
    # the editor reads them back (yours only), largest share first
    assert [(r.email, r.share_bps) for r in listings.list_collaborators(
        session=session, actor=actor, listing_id=listing.id)] == [(me, 6667), ("co@example.com", 3333)]
    with pytest.raises(NotFound):
        listings.list_collaborators(session=session, actor=actor_for(make_user(session, "nosy@example.com")),
                                    listing_id=listing.id)


def test_publish_names_everything_missing(session: Session, payable_seller: User) -> None:
    actor = actor_for(payable_seller)
    listing = listings.create_listing(session=session, actor=actor, kind="beat", title="Bare")
    with pytest.raises(ListingNotReady) as refused:
        listings.publish(session=session, actor=actor, listing_id=listing.id)
    assert refused.value.message == ("To publish this listing, add a cover image; at least one license tier with a "
                                     "price; a watermarked preview (make one after adding the audio).")
    listings.set_tiers(session=session, actor=actor, listing_id=listing.id,
                       tiers=[TierInput(kind="trackout", price="99")])
    files.set_cover(session=session, actor=actor, listing_id=listing.id, chunks=[png_bytes()])
    with pytest.raises(ListingNotReady, match="the beat's audio .*the stems as a ZIP.*watermarked preview"):
        listings.publish(session=session, actor=actor, listing_id=listing.id)
    files.attach_track(session=session, actor=actor, listing_id=listing.id,
                       track_id=ready_track(session, payable_seller).id)
    with pytest.raises(ListingNotReady, match="add the stems as a ZIP; the beat's MP3 that is still being made "
                                              r"\(wait a moment\); a watermarked preview"):
        listings.publish(session=session, actor=actor, listing_id=listing.id)
    assert session.get(Listing, listing.id, populate_existing=True).status == ListingStatus.DRAFT  # type: ignore[union-attr]


def test_published_listing_is_public_until_unpublished(session: Session, payable_seller: User) -> None:
    actor = actor_for(payable_seller)
    listing = ready_listing(session, payable_seller)
    with pytest.raises(NotFound, match="not on sale"):
        public_listing(session=session, actor=Actor.anonymous(), listing_id=listing.id)
    listings.publish(session=session, actor=actor, listing_id=listing.id)
    detail = public_listing(session=session, actor=Actor.anonymous(), listing_id=listing.id)
    assert detail.card.seller_name == payable_seller.display_name and len(detail.tiers) == 2
    listings.unpublish(session=session, actor=actor, listing_id=listing.id)
    with pytest.raises(NotFound):
        public_listing(session=session, actor=Actor.anonymous(), listing_id=listing.id)
    fresh = session.get(Listing, listing.id, populate_existing=True)
    assert fresh is not None
    fresh.status = ListingStatus.HIDDEN
    session.add(fresh)
    session.commit()
    with pytest.raises(NotFound):
        public_listing(session=session, actor=Actor.anonymous(), listing_id=listing.id)
    with pytest.raises(Conflict, match="hidden by a moderator"):
        listings.publish(session=session, actor=actor, listing_id=listing.id)


def test_someone_elses_listing_and_track_read_as_missing(session: Session, payable_seller: User) -> None:
    listing = ready_listing(session, payable_seller)
    mallory = make_user(session, "mallory@example.com")
    with pytest.raises(NotFound):
        listings.update_listing(session=session, actor=actor_for(mallory), listing_id=listing.id,
                                changes={"title": "mine"})
    mine = listings.create_listing(session=session, actor=actor_for(mallory), kind="beat", title="m")
    with pytest.raises(NotFound):
        files.attach_track(session=session, actor=actor_for(mallory), listing_id=mine.id,
                           track_id=ready_track(session, payable_seller).id)
    assert session.execute(select(func.count()).select_from(ListingFile)
                           .where(ListingFile.listing_id == mine.id)).scalar_one() == 0


def test_cover_must_be_a_large_enough_image(session: Session, payable_seller: User, acct_env: Any) -> None:
    actor = actor_for(payable_seller)
    listing = listings.create_listing(session=session, actor=actor, kind="beat", title="c")
    with pytest.raises(InvalidInput, match="not an image"):
        files.set_cover(session=session, actor=actor, listing_id=listing.id, chunks=[b"<svg></svg>"])
    with pytest.raises(InvalidInput, match="is 100 × 100 px; use at least 300"):
        files.set_cover(session=session, actor=actor, listing_id=listing.id, chunks=[png_bytes(100)])
    assert session.get(Listing, listing.id, populate_existing=True).cover_key is None  # type: ignore[union-attr]
    assert _blobs(listing.id) == []  # the refused uploads were not kept
    files.set_cover(session=session, actor=actor, listing_id=listing.id, chunks=[png_bytes()])
    assert len(_blobs(listing.id)) == 1


def _blobs(listing_id: Any) -> list[Any]:
    root = get_settings().storage_dir
    return [p for p in root.rglob("*") if p.is_file() and str(listing_id) in str(p)]


def test_delete_a_draft_and_the_audit_trail(session: Session, payable_seller: User, acct_env: Any) -> None:
    actor = actor_for(payable_seller)
    listing = ready_listing(session, payable_seller)
    assert len(_blobs(listing.id)) == 1  # the cover
    listings.delete_listing(session=session, actor=actor, listing_id=listing.id)
    assert session.get(Listing, listing.id) is None
    assert _blobs(listing.id) == []
    actions = set(session.execute(select(AuditLog.action)).scalars())
    assert {"marketplace.listing_created", "marketplace.tiers_set", "marketplace.cover_set",
            "marketplace.listing_deleted"} <= actions
