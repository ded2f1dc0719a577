"""Search over published listings on both databases: words (stemmed), filters, sorts, pages."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from maxbooster.models.accounts import User
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput
from maxbooster.services.marketplace import listings
from maxbooster.services.marketplace.search import SearchQuery, search
from tests.marketplace.support import ready_listing
from tests.support.accounts import actor_for

ANON = Actor.anonymous()


def _titles(session: Session, **kw: object) -> list[str]:
    return [c.listing.title for c in search(session=session, actor=ANON, query=SearchQuery(**kw)).items]  # type: ignore[arg-type]


def test_text_and_filters(session: Session, payable_seller: User) -> None:
    actor = actor_for(payable_seller)
    made = [ready_listing(session, payable_seller, title="Dark trap drums", genre="trap", bpm=140, key="Am",
                          prices={"mp3_lease": "20.00", "exclusive": "500.00"}),
            ready_listing(session, payable_seller, title="Sunny piano", genre="lofi", bpm=85, key="C",
                          tags=["chill", "drum"], prices={"wav_lease": "35.00"}),
            ready_listing(session, payable_seller, title="Drill nights", genre="drill", bpm=142, key="F#m",
                          prices={"mp3_lease": "25.00"})]
    for m in made:
        listings.publish(session=session, actor=actor, listing_id=m.id)
    ready_listing(session, payable_seller, title="Unreleased drum idea")  # a draft: never found
    assert sorted(_titles(session, text="drums")) == ["Dark trap drums", "Sunny piano"]  # drums ~ drum (stemmed)
    assert _titles(session, text="drums -piano") == ["Dark trap drums"]
    assert _titles(session, text="drum", bpm_min=100) == ["Dark trap drums"]
    assert sorted(_titles(session, bpm_min=139, bpm_max=145)) == ["Dark trap drums", "Drill nights"]
    assert _titles(session, musical_key="F#m") == ["Drill nights"]
    assert _titles(session, genre="LoFi") == ["Sunny piano"]
    assert _titles(session, license_kind="exclusive") == ["Dark trap drums"]
    assert _titles(session, price_min_minor=3000, price_max_minor=4000) == ["Sunny piano"]
    # the same tier must match both: the exclusive costs 500, not 20-30
    assert _titles(session, license_kind="exclusive", price_max_minor=3000) == []
    assert _titles(session, sort="price_asc") == ["Dark trap drums", "Drill nights", "Sunny piano"]
    assert _titles(session, sort="price_desc") == ["Sunny piano", "Drill nights", "Dark trap drums"]
    page = search(session=session, actor=ANON, query=SearchQuery(sort="price_asc", page=2, per_page=2))
    assert page.total == 3 and [c.listing.title for c in page.items] == ["Sunny piano"]
    assert _titles(session, text='"AND OR NEAR(') == []  # FTS syntax typed by a user is just words


def test_edits_and_deletes_reach_the_index(session: Session, payable_seller: User) -> None:
    """The search index follows the listing (PostgreSQL trigger / SQLite FTS5 triggers of migration 0013)."""
    actor = actor_for(payable_seller)
    listing = ready_listing(session, payable_seller, title="Golden hour")
    listings.publish(session=session, actor=actor, listing_id=listing.id)
    assert _titles(session, text="golden") == ["Golden hour"]
    listings.update_listing(session=session, actor=actor, listing_id=listing.id,
                            changes={"title": "Silver rain", "description": "Rainy guitars"})
    assert _titles(session, text="golden") == []
    assert _titles(session, text="guitar") == ["Silver rain"]  # guitars ~ guitar, from the description
    assert _titles(session, text=payable_seller.display_name.split()[0]) == ["Silver rain"]  # the seller's name
    listings.unpublish(session=session, actor=actor, listing_id=listing.id)
    listings.delete_listing(session=session, actor=actor, listing_id=listing.id)
    other = ready_listing(session, payable_seller, title="Guitar dreams")
    listings.publish(session=session, actor=actor, listing_id=other.id)
    assert _titles(session, text="guitar") == ["Guitar dreams"]


def test_bad_filters_are_refused(session: Session, acct_env: object) -> None:
    for bad, message in ((SearchQuery(bpm_min=150, bpm_max=90), "swap them"), (SearchQuery(kind="vst"), "beat"),
                         (SearchQuery(sort="cheapest"), "Sort by"), (SearchQuery(per_page=500), "Pages start"),
                         (SearchQuery(price_min_minor=-1), "cannot be negative"),
                         (SearchQuery(musical_key="Z"), "not a key")):
        with pytest.raises(InvalidInput, match=message):
            search(session=session, actor=ANON, query=bad)
