"""Reviews (buyers only, one each, editable, average), moderation (reports, admin queue, hide/restore,
ban seller hides their listings, every action audited) and lease caps vs imported streams."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import Session

from maxbooster.models.accounts import User
from maxbooster.models.audit import AuditLog
from maxbooster.models.marketplace import Listing, ListingStatus, ModerationAction, OrderLine, Report, Review
from maxbooster.services.errors import DomainError, ErrorCode, InvalidInput, PermissionDenied
from maxbooster.services.marketplace import caps, moderation, refunds, reviews
from maxbooster.services.royalties import statements
from tests.marketplace.commerce import buy, count, published
from tests.royalties.support import GENERIC, csv_bytes, make_release
from tests.support.accounts import actor_for, make_user


def test_only_buyers_review_once_and_can_edit(session: Session, payable_seller: User) -> None:
    beat = published(session, payable_seller)
    buyer, other = make_user(session, "buyer@example.com"), make_user(session, "other@example.com")
    with pytest.raises(DomainError) as err:
        reviews.write_review(session=session, actor=actor_for(buyer), listing_id=beat.id, rating=5)
    assert err.value.code == ErrorCode.NOT_A_BUYER
    buy(session, buyer, (beat, "mp3_lease"))
    buy(session, other, (beat, "wav_lease"))
    for bad in (0, 6, "5", True):
        with pytest.raises(InvalidInput):
            reviews.write_review(session=session, actor=actor_for(buyer), listing_id=beat.id, rating=bad)  # type: ignore[arg-type]
    reviews.write_review(session=session, actor=actor_for(buyer), listing_id=beat.id, rating=2, body="muddy")
    reviews.write_review(session=session, actor=actor_for(buyer), listing_id=beat.id, rating=4, body="fixed!")
    reviews.write_review(session=session, actor=actor_for(other), listing_id=beat.id, rating=5)
    assert count(session, Review) == 2
    assert reviews.rating(session=session, listing_id=beat.id) == reviews.Rating(average=4.5, count=2)
    mine = session.execute(select(Review).where(Review.owner_id == buyer.id)).scalar_one()
    assert (mine.rating, mine.body) == (4, "fixed!")
    # a refunded buyer can no longer write or edit
    line = session.execute(select(OrderLine).where(OrderLine.tier_kind == "wav_lease")).scalar_one()
    refunds.refund_line(session=session, actor=actor_for(payable_seller), order_line_id=line.id)
    with pytest.raises(DomainError, match="bought this item"):
        reviews.write_review(session=session, actor=actor_for(other), listing_id=beat.id, rating=1)


def test_reports_queue_hide_restore_and_ban(session: Session, payable_seller: User) -> None:
    beat = published(session, payable_seller, title="One")
    second = published(session, payable_seller, title="Two")
    user = make_user(session, "user@example.com")
    admin = make_user(session, "admin@example.com", role="admin")
    with pytest.raises(InvalidInput):
        moderation.report(session=session, actor=actor_for(user), reason="because", listing_id=beat.id)
    with pytest.raises(InvalidInput):
        moderation.report(session=session, actor=actor_for(user), reason="spam")
    rep = moderation.report(session=session, actor=actor_for(user), reason="copyright", listing_id=beat.id,
                            details="my sample")
    with pytest.raises(PermissionDenied):
        moderation.queue(session=session, actor=actor_for(user))
    with pytest.raises(PermissionDenied):
        moderation.act(session=session, actor=actor_for(user), action="hide", listing_id=beat.id)
    assert [r.id for r in moderation.queue(session=session, actor=actor_for(admin))] == [rep.id]
    # the admin page's view: each report with the seller it concerns (the listing's owner here)
    assert [(i.report.id, i.seller_id) for i in moderation.open_reports(session=session, actor=actor_for(admin))] \
        == [(rep.id, payable_seller.id)]
    with pytest.raises(DomainError):
        moderation.open_reports(session=session, actor=actor_for(user))

    moderation.act(session=session, actor=actor_for(admin), action="hide", listing_id=beat.id, reason="claim",
                   report_id=rep.id)
    session.expire_all()
    assert session.get(Listing, beat.id).status == ListingStatus.HIDDEN  # type: ignore[union-attr]
    assert session.get(Report, rep.id).status == "resolved"  # type: ignore[union-attr]
    assert moderation.queue(session=session, actor=actor_for(admin)) == []
    # the report is closed, the hidden listing stays in reach (to restore it)
    assert [(h.listing.id, h.seller_banned) for h in moderation.hidden(session=session, actor=actor_for(admin))] == [
        (beat.id, False)]
    with pytest.raises(PermissionDenied):
        moderation.hidden(session=session, actor=actor_for(user))
    moderation.act(session=session, actor=actor_for(admin), action="restore", listing_id=beat.id)
    session.expire_all()
    assert session.get(Listing, beat.id).status == ListingStatus.PUBLISHED  # type: ignore[union-attr]

    moderation.act(session=session, actor=actor_for(admin), action="ban_seller", seller_id=payable_seller.id,
                   reason="repeat infringer")
    session.expire_all()
    assert {session.get(Listing, i).status for i in (beat.id, second.id)} == {ListingStatus.HIDDEN}  # type: ignore[union-attr]
    assert {(h.listing.id, h.seller_banned) for h in moderation.hidden(session=session, actor=actor_for(admin))} == {
        (beat.id, True), (second.id, True)}
    with pytest.raises(DomainError, match="unban the seller first"):
        moderation.act(session=session, actor=actor_for(admin), action="restore", listing_id=second.id)
    assert count(session, ModerationAction) == 3
    moderation.act(session=session, actor=actor_for(admin), action="unban_seller", seller_id=payable_seller.id)
    moderation.act(session=session, actor=actor_for(admin), action="restore", listing_id=second.id)
    session.expire_all()
    assert session.get(Listing, second.id).status == ListingStatus.PUBLISHED  # type: ignore[union-attr]
    assert session.get(Listing, beat.id).status == ListingStatus.HIDDEN  # type: ignore[union-attr]
    actions = session.execute(select(AuditLog.action).where(AuditLog.action.like("marketplace.moderation.%"))
                              ).scalars().all()
    assert sorted(actions) == ["marketplace.moderation.ban_seller", "marketplace.moderation.hide",
                               "marketplace.moderation.restore", "marketplace.moderation.restore",
                               "marketplace.moderation.unban_seller"]


def test_stream_cap_warning_offers_the_upgrade(session: Session, payable_seller: User) -> None:
    from maxbooster.services.marketplace import listings
    from maxbooster.services.marketplace.listings import TierInput

    beat = published(session, payable_seller)
    listings.unpublish(session=session, actor=actor_for(payable_seller), listing_id=beat.id)
    listings.set_tiers(session=session, actor=actor_for(payable_seller), listing_id=beat.id, tiers=[
        TierInput(kind="mp3_lease", price="29.99", deliverables=["mp3"], caps={"max_streams": 1000}),
        TierInput(kind="wav_lease", price="49.99", deliverables=["mp3", "wav"], caps={"max_streams": 500_000}),
        TierInput(kind="exclusive", price="500.00", deliverables=["mp3", "wav"])])
    listings.publish(session=session, actor=actor_for(payable_seller), listing_id=beat.id)
    artist = make_user(session, "artist@example.com")
    buy(session, artist, (beat, "mp3_lease"))
    line = session.execute(select(OrderLine)).scalar_one()
    _, tracks = make_release(session, artist)
    stranger = make_user(session, "x@example.com")
    with pytest.raises(DomainError):  # someone else's purchase
        caps.link_release_track(session=session, actor=actor_for(stranger), order_line_id=line.id,
                                release_track_id=tracks[0].id)
    caps.link_release_track(session=session, actor=actor_for(artist), order_line_id=line.id,
                            release_track_id=tracks[0].id)
    statements.import_statement(session=session, actor=actor_for(artist), filename="oct.csv", chunks=[csv_bytes(
        [["USMB12600001", "2026-10", "Spotify", "DE", "600", "2.40", "EUR"]], GENERIC)])
    assert caps.cap_warnings(session=session, actor=actor_for(artist)) == []  # 600 of 1,000
    statements.import_statement(session=session, actor=actor_for(artist), filename="nov.csv", chunks=[csv_bytes(
        [["USMB12600001", "2026-11", "Spotify", "DE", "450", "1.80", "EUR"],
         ["USMB12600002", "2026-11", "Spotify", "DE", "99999", "1.80", "EUR"]], GENERIC)])
    [warning] = caps.cap_warnings(session=session, actor=actor_for(artist))
    assert (warning.streams, warning.cap) == (1050, 1000)
    assert "1,050 tracked streams" in warning.message and "allows 1,000" in warning.message
    assert [t.kind for t in warning.upgrades] == ["wav_lease", "exclusive"]
    # the order page's view: the buyer's songs to pick from, the link and the warning on that line
    view = caps.order_caps(session=session, actor=actor_for(artist), order_id=line.order_id)
    assert [c.release_track_id for c in view.songs] == [t.id for t in tracks]
    assert view.linked == {line.id: tracks[0].id} and view.warnings[line.id].streams == 1050
    with pytest.raises(DomainError):
        caps.order_caps(session=session, actor=actor_for(stranger), order_id=line.order_id)
    assert caps.song_choices(session=session, actor=actor_for(stranger)) == []
