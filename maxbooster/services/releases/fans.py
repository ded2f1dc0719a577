"""A release's fans: how many signed up (the owner's side) and the fan's own unsubscribe link.

The unsubscribe link carries the fan's id signed with the app's secret (HMAC-SHA256, its own key
derived for this purpose): it needs no stored token, works for as long as the fan keeps the email,
and cannot be made up for someone else. Unsubscribing deletes the fan's row (their address and
consent go; the audit log keeps that it happened). A second click finds nothing to delete and says
the same, so the link is idempotent; a damaged or forged link changes nothing and says so.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session, col

from maxbooster import routes
from maxbooster.models.releases import Release, SmartLinkFan
from maxbooster.services import audit
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput
from maxbooster.settings import get_settings

BAD_LINK = ("This unsubscribe link is not complete or was changed, so nothing was changed. Open the link "
            "from the email again (copy all of it), or reply to the artist's email to be removed.")


def _key() -> bytes:
    return hmac.new(get_settings().secret_key.encode(), b"maxbooster/fan-unsubscribe/v1", hashlib.sha256).digest()


def _sign(fan_id: uuid.UUID) -> str:
    mac = hmac.new(_key(), fan_id.bytes, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def unsubscribe_token(fan_id: uuid.UUID) -> str:
    """`<fan id hex>.<signature>`: what the emailed link carries."""
    return f"{fan_id.hex}.{_sign(fan_id)}"


def unsubscribe_url(fan_id: uuid.UUID) -> str:
    return get_settings().app_url.rstrip("/") + routes.with_query(routes.FAN_UNSUBSCRIBE,
                                                                  token=unsubscribe_token(fan_id))


def _fan_id(token: str) -> uuid.UUID:
    """The fan id of a genuine token; InvalidInput (nothing changes) for anything else."""
    head, _, signature = (token or "").strip().partition(".")
    try:
        fan_id = uuid.UUID(hex=head)
    except ValueError as exc:
        raise InvalidInput(BAD_LINK) from exc
    if not signature or not hmac.compare_digest(signature.encode(), _sign(fan_id).encode()):
        raise InvalidInput(BAD_LINK)
    return fan_id


@dataclass(frozen=True)
class Unsubscribed:
    artist: str  # whose emails stop ("" when the fan was already removed)
    already: bool  # the link was used before: nothing left to remove


def whose_link(*, session: Session, actor: Actor, token: str) -> Unsubscribed:
    """What a genuine unsubscribe link would stop, changing nothing (the page asks before acting, so a
    mail scanner that opens links does not unsubscribe anyone); InvalidInput for a bad link."""
    fan = session.get(SmartLinkFan, _fan_id(token))
    return Unsubscribed(artist=_artist_of(session, fan), already=False) if fan else Unsubscribed("", already=True)


def unsubscribe(*, session: Session, actor: Actor, token: str) -> Unsubscribed:
    """Remove the fan named by a genuine unsubscribe token (idempotent); InvalidInput for a bad one."""
    fan_id = _fan_id(token)
    fan = session.get(SmartLinkFan, fan_id)
    if fan is None:
        return Unsubscribed(artist="", already=True)
    artist = _artist_of(session, fan)
    session.delete(fan)
    audit.record(session, actor, "releases.fan_unsubscribed", target=f"smart_link_fans:{fan_id}",
                 details={"owner": str(fan.owner_id)})
    session.commit()
    return Unsubscribed(artist=artist, already=False)


def _artist_of(session: Session, fan: SmartLinkFan) -> str:
    release = session.get(Release, fan.release_id) if fan.release_id else None
    names = [a.get("name", "") for a in (release.artists if release else []) if a.get("role") == "primary"]
    return ", ".join(n for n in names if n)


def fan_counts(*, session: Session, actor: Actor, release_id: uuid.UUID) -> tuple[int, int]:
    """(confirmed, waiting for confirmation) fans who signed up on this release's page."""
    release = get_owned(session=session, model=Release, obj_id=release_id, actor=actor)
    rows = session.execute(select(col(SmartLinkFan.confirmed_at).is_not(None), func.count())
                           .where(col(SmartLinkFan.release_id) == release.id)
                           .group_by(col(SmartLinkFan.confirmed_at).is_not(None))).all()
    counts = {bool(confirmed): int(n) for confirmed, n in rows}
    return counts.get(True, 0), counts.get(False, 0)
