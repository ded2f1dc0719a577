"""A listing whose library track was deleted after it was attached: publishing notices the audio is gone
and says what to do; attaching a track again makes it publishable."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from maxbooster.models.accounts import User
from maxbooster.models.marketplace import FileRole, ListingFile, ListingStatus
from maxbooster.services.library import tracks
from maxbooster.services.marketplace import files, listings
from maxbooster.services.marketplace.listings import ListingNotReady
from tests.marketplace.support import ready_listing, ready_track
from tests.support.accounts import actor_for


def test_publishing_notices_a_deleted_library_track(session: Session, payable_seller: User) -> None:
    actor = actor_for(payable_seller)
    listing = ready_listing(session, payable_seller)
    main = session.execute(select(ListingFile).where(col(ListingFile.listing_id) == listing.id,
                                                     col(ListingFile.role) == FileRole.MAIN)).scalar_one()
    assert main.track_id is not None
    tracks.delete_track(session=session, actor=actor, track_id=main.track_id)

    with pytest.raises(ListingNotReady, match="its library track was deleted"):
        listings.publish(session=session, actor=actor, listing_id=listing.id)
    session.expire_all()
    assert listings.get_listing(session=session, actor=actor, listing_id=listing.id).status != ListingStatus.PUBLISHED

    files.attach_track(session=session, actor=actor, listing_id=listing.id, track_id=ready_track(session,
                                                                                                payable_seller).id)
    assert "its library track was deleted" not in "; ".join(listings.missing_for_publish(
        session=session, listing=listings.get_listing(session=session, actor=actor, listing_id=listing.id)))
