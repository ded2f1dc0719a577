"""Marketplace test helpers: a seller who can be paid (through the sandbox's onboarding and webhook
path), cover images, ZIPs built in memory, and listings made ready to publish with the real services."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from sqlmodel import Session, col

from maxbooster.models.accounts import User
from maxbooster.models.base import utcnow
from maxbooster.models.library import Track, TrackStatus
from maxbooster.models.marketplace import FileRole, Listing, ListingFile, PreviewStatus
from maxbooster.services.billing import sandbox
from maxbooster.services.billing.webhooks import apply_stored_event
from maxbooster.services.marketplace import files, listings, sellers
from maxbooster.services.marketplace.listings import TierInput
from tests.support.accounts import actor_for, make_user


def onboard(session: Session, user: User) -> None:
    """The seller finishes the sandbox's onboarding; its account.updated event is applied (as the job would)."""
    actor = actor_for(user)
    sellers.start_onboarding(session=session, actor=actor, country="US")
    account = sellers.find_account(session=session, owner_id=user.id)
    assert account is not None
    for event in sandbox.complete_onboarding(session=session, actor=actor, account_id=account.provider_account_id):
        apply_stored_event(session=session, webhook_event_id=event.id)


@pytest.fixture
def payable_seller(session: Session, acct_env: Path) -> Iterator[User]:
    user = make_user(session, "producer@example.com")
    onboard(session, user)
    yield user


def png_bytes(size: int = 400) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), (40, 20, 90)).save(buf, format="PNG")
    return buf.getvalue()


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def ready_track(session: Session, user: User, key: str = "") -> Track:
    """A library track marked ready (tests that make a real preview store a real working copy at `key`)."""
    track = Track(owner_id=user.id, title="Night Drive", original_name="night.wav", sha256=uuid.uuid4().hex,
                  size_bytes=1000, original_key=f"{user.id}/{uuid.uuid4()}/original", status=TrackStatus.READY,
                  working_key=key or f"{user.id}/{uuid.uuid4()}/working.wav", processed_at=utcnow())
    session.add(track)
    session.commit()
    return track


def ready_listing(session: Session, user: User, *, title: str = "Night Drive", genre: str = "trap", bpm: int = 140,
                  key: str = "Am", tags: list[str] | None = None, prices: dict[str, str] | None = None,
                  description: str = "") -> Listing:
    """A beat with a cover, its main audio, tiers and (marked) ready preview and MP3: everything publishing needs."""
    actor = actor_for(user)
    listing = listings.create_listing(session=session, actor=actor, kind="beat", title=title, genre=genre, bpm=bpm,
                                      musical_key=key, tags=tags or [], description=description)
    files.set_cover(session=session, actor=actor, listing_id=listing.id, chunks=[png_bytes()])
    files.attach_track(session=session, actor=actor, listing_id=listing.id, track_id=ready_track(session, user).id)
    # deliverables without stems, so no stems ZIP is needed
    tiers = [TierInput(kind=k, price=p, deliverables=["mp3"] if k == "mp3_lease" else ["mp3", "wav"])
             for k, p in (prices or {"mp3_lease": "29.99", "wav_lease": "49.99"}).items()]
    listings.set_tiers(session=session, actor=actor, listing_id=listing.id, tiers=tiers)
    fresh = session.get(Listing, listing.id, populate_existing=True)
    assert fresh is not None
    fresh.preview_status, fresh.preview_key = PreviewStatus.READY, f"{user.id}/p.mp3"
    session.add(fresh)
    main = session.execute(select(ListingFile).where(col(ListingFile.listing_id) == listing.id,
                                                     col(ListingFile.role) == FileRole.MAIN)).scalar_one()
    main.storage_key = f"{user.id}/marketplace/{listing.id}/main.320k.mp3"
    session.add(main)
    session.commit()
    return fresh
