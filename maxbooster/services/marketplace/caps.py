"""License caps vs real streams: a buyer links a paid lease to the released song built on it; when the
song's tracked streams (imported statement lines, summed over every store and period) pass the
lease's stream cap, the buyer is warned and offered the listing's tiers that allow more.

The cap is the one printed on the license when it was bought (its variables), not the tier's today.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from maxbooster.models.marketplace import (
    License,
    LicenseTier,
    LicenseUse,
    Listing,
    ListingStatus,
    Order,
    OrderLine,
    OrderLineStatus,
)
from maxbooster.models.releases import Release, ReleaseTrack
from maxbooster.models.royalties import StatementLine
from maxbooster.services import audit
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.errors import Conflict, NotFound


@dataclass(frozen=True)
class CapWarning:
    line: OrderLine
    release_track_id: uuid.UUID
    streams: int
    cap: int
    message: str
    upgrades: list[LicenseTier]  # tiers of the same listing that allow more streams, cheapest first


def _buyer_line(session: Session, actor: Actor, line_id: uuid.UUID) -> OrderLine:
    line = session.get(OrderLine, line_id, populate_existing=True)
    if line is None:
        raise NotFound()
    get_owned(session=session, model=Order, obj_id=line.order_id, actor=actor)
    return line


def link_release_track(*, session: Session, actor: Actor, order_line_id: uuid.UUID,
                       release_track_id: uuid.UUID | None) -> OrderLine:
    """Say which of your released songs uses this purchase (None unlinks it)."""
    line = _buyer_line(session, actor, order_line_id)
    if line.status != OrderLineStatus.PAID:
        raise Conflict(f"This purchase is {line.status}; only a paid license can be linked to a song.")
    if release_track_id is not None:
        track = session.get(ReleaseTrack, release_track_id)
        try:
            if track is None:
                raise NotFound()
            get_owned(session=session, model=Release, obj_id=track.release_id, actor=actor)
        except NotFound:
            raise NotFound("That song is not in your releases; pick one of yours from the list.") from None
    session.execute(delete(LicenseUse).where(col(LicenseUse.order_line_id) == line.id))
    if release_track_id is not None:
        session.add(LicenseUse(order_line_id=line.id, release_track_id=release_track_id))
    audit.record(session, actor, "marketplace.license_linked", target=f"order_line:{line.id}",
                 details={"release_track_id": str(release_track_id or "")})
    session.commit()
    return line


def streams_of(*, session: Session, release_track_id: uuid.UUID) -> int:
    return int(session.execute(select(func.coalesce(func.sum(col(StatementLine.units)), 0)).where(
        col(StatementLine.release_track_id) == release_track_id)).scalar_one())


def cap_warnings(*, session: Session, actor: Actor) -> list[CapWarning]:
    """The acting buyer's linked licenses whose song passed its stream cap, with the upgrades on offer."""
    buyer_id = actor.require_user()
    rows = session.execute(select(OrderLine, License, col(LicenseUse.release_track_id))
                           .join(Order, col(Order.id) == col(OrderLine.order_id))
                           .join(License, col(License.order_line_id) == col(OrderLine.id))
                           .join(LicenseUse, col(LicenseUse.order_line_id) == col(OrderLine.id)).where(
        col(Order.owner_id) == buyer_id, col(OrderLine.status) == OrderLineStatus.PAID,
        col(License.voided_at).is_(None))).all()
    warnings = []
    for line, lic, track_id in rows:
        cap = lic.variables.get("max_streams")
        if cap is None:
            continue
        streams = streams_of(session=session, release_track_id=track_id)
        if streams <= int(cap):
            continue
        listing = session.get(Listing, line.listing_id)
        upgrades = [] if listing is None or listing.status != ListingStatus.PUBLISHED else [
            t for t in session.execute(select(LicenseTier).where(col(LicenseTier.listing_id) == line.listing_id)
                                       .order_by(col(LicenseTier.price_minor))).scalars()
            if t.kind != line.tier_kind and (t.max_streams is None or t.max_streams > streams)]
        offer = "Upgrade your license to keep using the song." if upgrades else \
            "The seller offers no bigger license right now; contact them to agree a new one."
        warnings.append(CapWarning(
            line=line, release_track_id=track_id, streams=streams, cap=int(cap), upgrades=upgrades,
            message=f"Your song on “{line.listing_title}” has {streams:,} tracked streams; your "
                    f"{line.tier_kind.replace('_', ' ')} allows {int(cap):,}. {offer}"))
    return warnings


@dataclass(frozen=True)
class SongChoice:
    release_track_id: uuid.UUID
    label: str  # "Night Drive — Summer EP"


@dataclass(frozen=True)
class OrderCaps:
    """What an order page shows about caps: the buyer's released songs to link a license to, which song
    each line is linked to, and each line's warning when its song passed the cap."""

    songs: list[SongChoice]
    linked: dict[uuid.UUID, uuid.UUID]  # order line → release track
    warnings: dict[uuid.UUID, CapWarning]  # order line → warning


def song_choices(*, session: Session, actor: Actor) -> list[SongChoice]:
    """The acting user's release tracks, newest release first, in track order."""
    owner_id = actor.require_user()
    rows = session.execute(select(col(ReleaseTrack.id), col(ReleaseTrack.title), col(Release.title))
                           .join(Release, col(Release.id) == col(ReleaseTrack.release_id))
                           .where(col(Release.owner_id) == owner_id)
                           .order_by(col(Release.created_at).desc(), col(ReleaseTrack.position)).limit(500)).all()
    return [SongChoice(release_track_id=tid, label=f"{title} — {release}" if title != release else title)
            for tid, title, release in rows]


def order_caps(*, session: Session, actor: Actor, order_id: uuid.UUID) -> OrderCaps:
    """The cap side of one of your orders (someone else's reads as not found)."""
    order = get_owned(session=session, model=Order, obj_id=order_id, actor=actor)
    line_ids = list(session.execute(select(col(OrderLine.id)).where(col(OrderLine.order_id) == order.id)).scalars())
    linked = dict(session.execute(select(col(LicenseUse.order_line_id), col(LicenseUse.release_track_id))
                                  .where(col(LicenseUse.order_line_id).in_(line_ids))).tuples().all()) \
        if line_ids else {}
    warnings = {w.line.id: w for w in cap_warnings(session=session, actor=actor) if w.line.order_id == order.id}
    return OrderCaps(songs=song_choices(session=session, actor=actor), linked=linked, warnings=warnings)
