"""The listing editor's typed rows: license tiers, and collaborators with their shares typed in percent."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from maxbooster.services.errors import InvalidInput
from maxbooster.services.marketplace import listings
from maxbooster.services.money import BPS_WHOLE


@dataclass
class TierEdit:
    kind: str
    name: str
    price: str
    deliverables: str  # "mp3, wav"
    max_copies: str
    max_streams: str
    max_music_videos: str
    max_radio_stations: str


@dataclass
class CollabEdit:
    email: str
    share: str  # percent as typed ("30", "12.5")


def _share_bps(raw: str) -> int:
    """A share typed in percent ("12.5") as basis points; refuses what is not a percentage."""
    text = (raw or "").strip().rstrip("%").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(f"Type each share as a percentage like 25 or 12.5, not {raw!r}.") from None
    if not value.is_finite() or value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidInput(f"Use at most two decimals in a share, not {raw!r}.")
    if value <= 0:
        raise InvalidInput(f"Each share must be more than 0 %, not {text} %. Remove the row to take someone out.")
    return int(value * 100)


def _split(rows: list[CollabEdit], my_email: str) -> list[listings.CollaboratorInput]:
    """The collaborators as typed plus you with the rest; no rows means every sale is yours."""
    people = [c for c in rows if c.email.strip() or c.share.strip()]
    for c in people:
        if "@" not in c.email:
            raise InvalidInput(f"{c.email.strip() or 'An empty email'} is not an email address; type the "
                               "collaborator's email.")
    shares = [_share_bps(c.share) for c in people]
    if sum(shares) >= BPS_WHOLE:
        raise InvalidInput(f"Your collaborators' shares add up to {sum(shares) / 100:g} %, which leaves nothing for "
                           "you. Lower them so they total less than 100 % (you keep the rest).")
    if not people:
        return []
    return [*(listings.CollaboratorInput(email=c.email.strip(), share_percent=f"{bps / 100:.2f}")
              for c, bps in zip(people, shares, strict=True)),
            listings.CollaboratorInput(email=my_email, share_percent=f"{(BPS_WHOLE - sum(shares)) / 100:.2f}")]
