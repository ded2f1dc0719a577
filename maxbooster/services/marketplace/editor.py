"""What the seller's listing editor shows in one read: the listing (yours only), its tiers, files and
what is still missing before it can be published, and who shares its sales."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import Session

from maxbooster.models.marketplace import Collaborator, LicenseTier, Listing, ListingFile
from maxbooster.services.actor import Actor
from maxbooster.services.marketplace import files, listings


@dataclass(frozen=True)
class EditorView:
    listing: Listing
    tiers: list[LicenseTier]
    files: list[ListingFile]
    missing: list[str]
    collaborators: list[Collaborator]


def editor_view(*, session: Session, actor: Actor, listing_id: uuid.UUID) -> EditorView:
    """The acting seller's listing with its tiers, files and publish checklist (someone else's: not found)."""
    listing = listings.get_listing(session=session, actor=actor, listing_id=listing_id)
    return EditorView(listing=listing, tiers=listings.list_tiers(session=session, listing_id=listing.id),
                      files=files.list_files(session=session, listing_id=listing.id),
                      missing=listings.missing_for_publish(session=session, listing=listing),
                      collaborators=listings.list_collaborators(session=session, actor=actor, listing_id=listing.id))
