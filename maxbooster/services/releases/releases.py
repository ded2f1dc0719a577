"""Create, list, read, change and delete releases (drafts), and choose their destinations.

Every change is checked in full before anything is stored: bad input gets a message that names the
field and changes nothing. Changes are allowed while the release is a draft at every destination
(see lifecycle); a change sends validated deliveries back to draft.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from maxbooster.models.releases import (
    ArtistRole,
    Delivery,
    PriceTier,
    Release,
    ReleaseTrack,
    ReleaseType,
)
from maxbooster.services import audit
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput
from maxbooster.services.releases import codes, lifecycle
from maxbooster.services.releases.providers import DEFAULT_DESTINATIONS, profile
from maxbooster.services.releases.territories import normalise_territories
from maxbooster.services.storage import StorageBackend, get_storage

MAX_ARTISTS = 20
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
UNSET: Any = object()  # "leave as it is" in a partial update


@dataclass
class ReleaseIn:
    """Fields of a release; in an update, UNSET leaves a field as it is."""

    release_type: Any = UNSET
    title: Any = UNSET
    version: Any = UNSET
    artists: Any = UNSET  # [{"name": str, "role": "primary" | "featured"}], in credit order
    label: Any = UNSET
    genre: Any = UNSET
    subgenre: Any = UNSET
    language: Any = UNSET
    release_date: Any = UNSET
    original_release_date: Any = UNSET
    territories: Any = UNSET  # [] = worldwide
    price_tier: Any = UNSET
    p_year: Any = UNSET
    p_owner: Any = UNSET
    c_year: Any = UNSET
    c_owner: Any = UNSET
    upc: Any = UNSET  # typed-in UPC/EAN; "" removes it
    destinations: Any = UNSET

    def given(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not UNSET}


def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    text = " ".join(str(value if value is not None else "").split())
    if required and not text:
        raise InvalidInput(f"{field.capitalize()} cannot be empty.")
    if len(text) > limit:
        raise InvalidInput(f"{field.capitalize()} must be at most {limit} characters.")
    return text


def clean_credits(items: Any, roles: type[ArtistRole] | Any, what: str, *, limit: int = MAX_ARTISTS
                  ) -> list[dict[str, str]]:
    """[{"name", "role"}] with names tidied and roles checked against the enum `roles`."""
    if not isinstance(items, list) or len(items) > limit:
        raise InvalidInput(f"{what.capitalize()} must be a list of at most {limit} names with roles.")
    out: list[dict[str, str]] = []
    allowed = [r.value for r in roles]
    for item in items:
        if not isinstance(item, dict):
            raise InvalidInput(f"Each of the {what} needs a name and a role.")
        name = _text(item.get("name"), f"a name in {what}", 200, required=True)
        role = str(item.get("role") or "").strip().lower()
        if role not in allowed:
            raise InvalidInput(f"The role of {name} must be one of {', '.join(allowed)}.")
        if {"name": name, "role": role} not in out:
            out.append({"name": name, "role": role})
    return out


def _year(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2200:
        raise InvalidInput(f"The {field} year must be a year such as {date.today().year}.")
    return value


def _date(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidInput(f"The {field} must be a date like 2027-03-01.") from exc


def _checked(data: ReleaseIn) -> dict[str, Any]:
    """Every given field, checked and tidied (no database access)."""
    out: dict[str, Any] = {}
    for name, value in data.given().items():
        if name == "release_type":
            if str(value) not in list(ReleaseType):
                raise InvalidInput("The release type must be single, ep or album.")
            out[name] = str(value)
        elif name == "price_tier":
            if str(value) not in list(PriceTier):
                raise InvalidInput(f"The price tier must be one of {', '.join(PriceTier)}.")
            out[name] = str(value)
        elif name == "title":
            out[name] = _text(value, "title", 200, required=True)
        elif name in ("version", "subgenre", "genre"):
            out[name] = _text(value, name, 100 if name == "version" else 60)
        elif name in ("label", "p_owner", "c_owner"):
            out[name] = _text(value, {"p_owner": "℗ owner", "c_owner": "© owner"}.get(name, name), 200)
        elif name == "artists":
            out[name] = clean_credits(value, ArtistRole, "artists")
        elif name == "language":
            lang = str(value or "").strip()
            if not _LANGUAGE.match(lang):
                raise InvalidInput("The language must be a language code such as en, fr or pt-BR.")
            out[name] = lang
        elif name in ("release_date", "original_release_date"):
            out[name] = _date(value, name.replace("_", " "))
        elif name == "territories":
            out[name] = normalise_territories(list(value or []))
        elif name in ("p_year", "c_year"):
            out[name] = _year(value, "℗" if name == "p_year" else "©")
        elif name == "destinations":
            keys = list(dict.fromkeys(str(v) for v in (value or [])))
            if not keys:
                raise InvalidInput("Choose at least one destination.")
            out[name] = [profile(k).key for k in keys]
        else:
            out[name] = value
    return out


def create_release(*, session: Session, actor: Actor, data: ReleaseIn) -> Release:
    """A new draft release (title required) with a draft delivery per destination."""
    owner = actor.require_user()
    if data.title is UNSET:
        raise InvalidInput("Give the release a title.")
    values = _checked(data)
    destinations = values.pop("destinations", list(DEFAULT_DESTINATIONS))
    upc = values.pop("upc", None)
    release = Release(owner_id=owner, **values)
    session.add(release)
    session.flush()
    try:
        if upc:
            release.upc = codes.accept_upc(session=session, actor=actor, text=upc, release_id=release.id)
        for key in destinations:
            session.add(Delivery(owner_id=owner, release_id=release.id, destination=key))
        audit.record(session, actor, "release.create", target=f"release:{release.id}",
                     details={"type": release.release_type})
        session.commit()
    except Exception:
        session.rollback()
        raise
    return release


def update_release(*, session: Session, actor: Actor, release_id: uuid.UUID, data: ReleaseIn) -> Release:
    """Change the given fields of a draft; all or nothing."""
    values = _checked(data)
    release = lifecycle.editable_release(session=session, actor=actor, release_id=release_id)
    try:
        if "upc" in values:
            upc = values.pop("upc")
            release.upc = codes.accept_upc(session=session, actor=actor, text=upc,
                                           release_id=release.id) if upc else None
        if "destinations" in values:
            _set_destinations(session, actor, release, values.pop("destinations"))
        for name, value in values.items():
            setattr(release, name, value)
        lifecycle.edited(session=session, actor=actor, release=release)
        audit.record(session, actor, "release.update", target=f"release:{release.id}",
                     details={"fields": sorted(data.given())})
        session.commit()
    except Exception:
        session.rollback()
        raise
    return release


def _set_destinations(session: Session, actor: Actor, release: Release, keys: list[str]) -> None:
    current = {d.destination: d for d in lifecycle.deliveries_of(session=session, release_id=release.id)}
    for key, delivery in current.items():
        if key not in keys:
            session.delete(delivery)
    for key in keys:
        if key not in current:
            session.add(Delivery(owner_id=release.owner_id, release_id=release.id, destination=key))
    session.flush()


def get_release(*, session: Session, actor: Actor, release_id: uuid.UUID) -> Release:
    return get_owned(session=session, model=Release, obj_id=release_id, actor=actor)


def list_releases(*, session: Session, actor: Actor, limit: int = 200) -> list[Release]:
    """The acting user's releases, last changed first."""
    rows = select(Release).where(col(Release.owner_id) == actor.require_user())
    return list(session.exec(rows.order_by(col(Release.updated_at).desc()).limit(limit)).all())


def tracks_of(*, session: Session, release_id: uuid.UUID) -> list[ReleaseTrack]:
    return list(session.exec(select(ReleaseTrack).where(col(ReleaseTrack.release_id) == release_id)
                             .order_by(col(ReleaseTrack.position))).all())


def deliveries(*, session: Session, actor: Actor, release_id: uuid.UUID) -> list[Delivery]:
    release = get_owned(session=session, model=Release, obj_id=release_id, actor=actor)
    return lifecycle.deliveries_of(session=session, release_id=release.id)


def delete_release(*, session: Session, actor: Actor, release_id: uuid.UUID,
                   storage: StorageBackend | None = None) -> None:
    """Delete a draft and its artwork; its codes stay recorded (never reused)."""
    release = lifecycle.editable_release(session=session, actor=actor, release_id=release_id)
    key = release.artwork_key
    session.delete(release)
    audit.record(session, actor, "release.delete", target=f"release:{release.id}")
    session.commit()
    if key:
        (storage or get_storage()).delete(key)
