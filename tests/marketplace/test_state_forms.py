"""Page-level bad input: the listing editor (details, tiers, collaborators' shares, voice tag), the cart and
the seller's refund form, driven through their State handlers with a real signed-in session on both
databases. Each refusal shows its message and stores nothing; the good input is stored and shown back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from maxbooster import routes
from maxbooster.models.accounts import User
from maxbooster.models.marketplace import CartLine, Collaborator, LicenseTier, Listing, Order, OrderLine, Refund
from maxbooster.services.marketplace import listings
from maxbooster.state.marketplace import CartState, EditorState, ListingState, SellState
from tests.marketplace.commerce import buy, count, published, tier
from tests.marketplace.state_support import page_state, run, said
from tests.marketplace.support import ready_listing
from tests.support.accounts import actor_for, make_user


def _stored(session: Session, listing_id: Any) -> tuple[Any, ...]:
    session.expire_all()
    row = session.get(Listing, listing_id)
    assert row is not None
    tiers = session.execute(select(LicenseTier.kind, LicenseTier.price_minor, LicenseTier.max_streams)
                            .where(col(LicenseTier.listing_id) == listing_id).order_by(LicenseTier.position)).all()
    shares = session.execute(select(Collaborator.email, Collaborator.share_bps)
                             .where(col(Collaborator.listing_id) == listing_id).order_by(Collaborator.email)).all()
    return row.title, row.bpm, row.watermark, row.voice_tag_key, tuple(tiers), tuple(shares)


def test_listing_editor_refuses_bad_details_tiers_and_shares(session: Session, payable_seller: User) -> None:
    listing = ready_listing(session, payable_seller, title="Night Drive")
    make_user(session, "sam@example.com")
    editor = page_state(EditorState, session, payable_seller, f"{routes.SELL_LISTING}?id={listing.id}")
    run(editor, "load")
    assert editor.found and editor.title == "Night Drive" and editor.collab_rows == []
    before = _stored(session, listing.id)

    # details: a BPM that is not a whole number
    shown = said(run(editor, "save", {"title": "Renamed", "bpm": "fast", "tags": "", "genre": "trap"}))
    assert "BPM must be a whole number" in shown and _stored(session, listing.id) == before

    # tiers: zero, negative and sub-cent prices, a cap of -1
    for field, value, message in (("price", "0", "more than zero"), ("price", "-5", "more than zero"),
                                  ("price", "19.999", "up to 2 decimals"), ("max_streams", "-1", "whole number"),
                                  ("price", "", "not an amount")):
        run(editor, "load")
        run(editor, "edit_tier", 0, field, value)
        shown = said(run(editor, "save_tiers"))
        assert message in shown, (value, shown)
        assert _stored(session, listing.id) == before, value

    # collaborators: the shares are checked before anything is saved
    run(editor, "load")
    run(editor, "add_collaborator")
    for email, share, message in (("sam@example.com", "120", "add up to 120 %"),
                                  ("sam@example.com", "100", "leaves nothing for you"),
                                  ("sam@example.com", "-5", "more than 0 %"),
                                  ("sam@example.com", "0", "more than 0 %"),
                                  ("sam@example.com", "12.345", "at most two decimals"),
                                  ("sam@example.com", "lots", "percentage like 25"),
                                  ("sam", "30", "not an email address")):
        run(editor, "edit_collaborator", 0, "email", email)
        run(editor, "edit_collaborator", 0, "share", share)
        shown = said(run(editor, "save_collaborators"))
        assert message in shown, (share, shown)
        assert _stored(session, listing.id) == before, share
        if share == "lots":
            assert editor.you_keep == ""  # not a number: no total to show

    # a good split is saved with you keeping the rest, listed back, then removed again
    run(editor, "edit_collaborator", 0, "email", "sam@example.com")
    run(editor, "edit_collaborator", 0, "share", "30")
    assert editor.you_keep == "70 %"
    assert "Collaborators saved" in said(run(editor, "save_collaborators"))
    assert set(_stored(session, listing.id)[-1]) == {("sam@example.com", 3000), (payable_seller.email, 7000)}
    again = page_state(EditorState, session, payable_seller, f"{routes.SELL_LISTING}?id={listing.id}")
    run(again, "load")
    assert [(c.email, c.share) for c in again.collab_rows] == [("sam@example.com", "30")]
    run(again, "remove_collaborator", 0)
    assert "every sale is yours" in said(run(again, "save_collaborators"))
    assert _stored(session, listing.id)[-1] == ()


def test_voice_tag_upload_goes_to_the_checked_endpoint(session: Session, payable_seller: User) -> None:
    listing = ready_listing(session, payable_seller)
    editor = page_state(EditorState, session, payable_seller, f"{routes.SELL_LISTING}?id={listing.id}")
    run(editor, "load")
    assert editor.voice_tag_upload_url == routes.V1_MARKETPLACE_SELLER_VOICE_TAG.format(listing_id=listing.id)
    assert "voice tag is saved" in said(run(editor, "voice_tag_uploaded", "{}"))
    assert _stored(session, listing.id)[2:4] == ("tone", None)  # the tag's checks are the service's own tests


def test_cart_refuses_what_cannot_be_bought(session: Session, payable_seller: User) -> None:
    beat = published(session, payable_seller, title="Dollar Beat")
    euro = ready_listing(session, payable_seller, title="Euro Beat", prices={})
    listings.set_tiers(session=session, actor=actor_for(payable_seller), listing_id=euro.id, tiers=[
        listings.TierInput(kind="mp3_lease", price="19.00", currency="EUR", deliverables=["mp3"])])
    euro = listings.publish(session=session, actor=actor_for(payable_seller), listing_id=euro.id)
    buyer = make_user(session, "buyer@example.com")

    own = page_state(ListingState, session, payable_seller, f"{routes.MARKET_LISTING}?id={beat.id}")
    run(own, "load")
    assert "your own listing" in said(run(own, "add_to_cart", str(tier(session, beat, "mp3_lease").id)))
    page = page_state(ListingState, session, buyer, f"{routes.MARKET_LISTING}?id={beat.id}")
    run(page, "load")
    assert "Added to your cart" in said(run(page, "add_to_cart", str(tier(session, beat, "mp3_lease").id)))
    eur_page = page_state(ListingState, session, buyer, f"{routes.MARKET_LISTING}?id={euro.id}")
    run(eur_page, "load")
    shown = said(run(eur_page, "add_to_cart", str(tier(session, euro, "mp3_lease").id)))
    assert "Your cart is in USD and this license is in EUR" in shown
    assert count(session, CartLine) == 1

    # unpublished after it went into the cart: Pay refuses and no order is made
    listings.unpublish(session=session, actor=actor_for(payable_seller), listing_id=beat.id)
    cart_page = page_state(CartState, session, buyer, routes.MARKET_CART)
    run(cart_page, "load")
    assert [(line.title, line.available) for line in cart_page.lines] == [("Dollar Beat", False)]
    assert "no longer for sale" in said(run(cart_page, "pay"))
    assert count(session, Order) == 0 and not cart_page.busy


def test_refund_form_refuses_bad_amounts_then_refunds_part(session: Session, payable_seller: User) -> None:
    beat = published(session, payable_seller)
    order = buy(session, make_user(session, "buyer@example.com"), (beat, "wav_lease"))  # USD 49.99
    line = session.execute(select(OrderLine).where(col(OrderLine.order_id) == order.id)).scalar_one()
    sell = page_state(SellState, session, payable_seller, routes.SELL)
    run(sell, "load")
    [sale] = sell.sales
    assert (sale.line_id, sale.remaining, sale.left) == (str(line.id), "49.99", "USD 49.99")
    run(sell, "toggle_refund", sale.line_id)
    for amount, message in (("12.345", "no fractions of a cent"), ("0", "more than 0"), ("-5", "more than 0"),
                            ("50.00", "at most USD 49.99"), ("ten", "like 10 or 12.50"), ("", "Type the amount")):
        assert said(run(sell, "partial_refund", {"amount": amount, "reason": ""})) == ""
        assert message in sell.refund_error, (amount, sell.refund_error)
        assert sell.refund_open == sale.line_id  # the form stays open to correct it
        assert count(session, Refund) == 0

    shown = said(run(sell, "partial_refund", {"amount": "10.50", "reason": "buyer asked"}))
    assert "Refunded USD 10.50" in shown and sell.refund_open == "" and sell.refund_error == ""
    [refund] = session.execute(select(Refund)).scalars().all()
    assert (refund.amount_minor, refund.reason) == (1050, "buyer asked")
    assert sell.sales[0].refunded == "USD 10.50" and sell.sales[0].status == "refunded"


def test_order_page_links_a_license_to_your_song_and_shows_the_cap(session: Session, payable_seller: User) -> None:
    from maxbooster.models.marketplace import LicenseUse
    from maxbooster.services.royalties import statements
    from maxbooster.state.marketplace import CapState, OrderState
    from tests.royalties.support import GENERIC, csv_bytes, make_release

    beat = ready_listing(session, payable_seller, title="Cold Waves", prices={})
    listings.set_tiers(session=session, actor=actor_for(payable_seller), listing_id=beat.id, tiers=[
        listings.TierInput(kind="mp3_lease", price="29.99", deliverables=["mp3"], caps={"max_streams": 1000}),
        listings.TierInput(kind="unlimited", price="149.00", deliverables=["mp3", "wav"])])
    listings.publish(session=session, actor=actor_for(payable_seller), listing_id=beat.id)
    artist = make_user(session, "artist@example.com")
    order = buy(session, artist, (beat, "mp3_lease"))
    line = session.execute(select(OrderLine).where(col(OrderLine.order_id) == order.id)).scalar_one()
    _, mine = make_release(session, artist)
    _, theirs = make_release(session, make_user(session, "other@example.com"), isrcs=("USMB12600009",))
    page = page_state(OrderState, session, artist, f"{routes.MARKET_ORDER}?id={order.id}")
    run(page, "load")
    assert [s[0] for s in page.songs] == [str(t.id) for t in mine] and page.lines[0].song_id == ""

    # someone else's song, or not an id at all: refused, nothing linked
    assert "not in your releases" in said(run(page, "link_song", str(line.id), str(theirs[0].id)))
    assert "Choose one of your songs" in said(run(page, "link_song", str(line.id), "not-an-id"))
    assert count(session, LicenseUse) == 0

    assert "Linked" in said(run(page, "link_song", str(line.id), str(mine[0].id)))
    assert page.lines[0].song_id == str(mine[0].id) and page.lines[0].cap_message == ""
    statements.import_statement(session=session, actor=actor_for(artist), filename="nov.csv", chunks=[csv_bytes(
        [[mine[0].isrc, "2026-11", "Spotify", "DE", "1450", "5.80", "EUR"]], GENERIC)])
    run(page, "refresh")
    assert "1,450 tracked streams" in page.lines[0].cap_message
    assert page.lines[0].cap_upgrade == "Unlimited for USD 149.00"
    home = page_state(CapState, session, artist, routes.HOME)
    run(home, "load_caps")
    assert [(w.title, w.upgrade) for w in home.cap_warnings] == [("Cold Waves", "Unlimited for USD 149.00")]
    assert "Unlinked" in said(run(page, "link_song", str(line.id), ""))
    assert count(session, LicenseUse) == 0 and page.lines[0].cap_message == ""
