"""ISRC and UPC/EAN codes: the owner's registrant settings, allocation and codes typed in by the owner.

ISRC `CC-XXX-YY-NNNNN`: country + registrant code (the owner's prefix), the year (two digits) and a
designation number. The number comes from `code_counters` (one row per `CCXXXYY`, so a new year
starts again at 1), bumped by one atomic `UPDATE … RETURNING` (the row lock serialises parallel
allocations on PostgreSQL, the write lock on SQLite). Every code ever allocated or accepted is a row
of `allocated_codes`, unique by value and never deleted: no code is handed out twice, not even one
taken off a track. An ISRC names a recording (a library track): the same recording keeps its ISRC on
every release; another recording can never get it.

UPC/EAN-13: a GS1 company prefix + item reference + the GS1 mod-10 check digit, stored as 13 digits
(a 12-digit UPC-A gets a leading 0).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select
from stdnum import ean, isrc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError

from maxbooster.models.base import utcnow
from maxbooster.models.mastering import Master
from maxbooster.models.releases import AllocatedCode, CodeCounter, CodeKind, CodeSource, RegistrantSettings
from maxbooster.services import audit
from maxbooster.services.actor import Actor
from maxbooster.services.errors import Conflict, InvalidInput

ISRC_MAX_DESIGNATION = 99_999
_DPID = re.compile(r"^PADPIDA[A-Za-z0-9]+$")
_ISRC_PREFIX = re.compile(r"^ISRC", re.I)


# --- formats ---------------------------------------------------------------------------------------

def normalise_isrc(text: str) -> str:
    """'isrc us-rc1-76-07839' → 'USRC17607839'; InvalidInput with a plain reason otherwise."""
    raw = re.sub(r"[\s\-_.]", "", str(text or ""))
    code = _ISRC_PREFIX.sub("", raw).upper()
    try:
        return str(isrc.validate(code))
    except InvalidComponent as exc:
        raise InvalidInput(f"“{text}” does not start with a known country code (the first two letters of "
                           "an ISRC, e.g. US, GB, DE). Check the code you were given.") from exc
    except ValidationError as exc:
        raise InvalidInput(f"“{text}” is not an ISRC. An ISRC has 12 characters: country (2 letters), "
                           "registrant (3 letters or digits), year (2 digits) and number (5 digits), "
                           "e.g. US-RC1-76-07839.") from exc


def format_isrc(code: str) -> str:
    """'USRC17607839' → 'US-RC1-76-07839' (how people read it)."""
    return f"{code[:2]}-{code[2:5]}-{code[5:7]}-{code[7:]}" if len(code) == 12 else code


def normalise_upc(text: str) -> str:
    """A 12-digit UPC-A or 13-digit EAN-13 with a correct check digit → 13 digits; else InvalidInput."""
    digits = re.sub(r"[\s\-]", "", str(text or ""))
    if not digits.isdigit() or len(digits) not in (12, 13):
        raise InvalidInput(f"“{text}” is not a UPC or EAN: use the 12 digits of a UPC or the 13 digits of "
                           "an EAN printed under the barcode.")
    try:
        ean.validate(digits)
    except InvalidChecksum as exc:
        expected = ean.calc_check_digit(digits[:-1])
        raise InvalidInput(f"The check digit of {digits} is wrong: its last digit should be {expected}, not "
                           f"{digits[-1]}. Copy the number again from your barcode certificate.") from exc
    except ValidationError as exc:
        raise InvalidInput(f"“{text}” is not a valid UPC or EAN.") from exc
    return digits.zfill(13)


def upc_from_prefix(prefix: str, item: int) -> str:
    """EAN-13 from a GS1 company prefix and an item reference, with its check digit."""
    room = 12 - len(prefix)
    if item >= 10**room:
        raise InvalidInput(f"Your GS1 company prefix {prefix} has no item numbers left ({10**room - 1:,} "
                           "used). Ask GS1 for another prefix and enter it under code settings.")
    body = f"{prefix}{item:0{room}d}"
    return body + ean.calc_check_digit(body)


# --- registrant settings -----------------------------------------------------------------------------

@dataclass(frozen=True)
class RegistrantIn:
    isrc_country: str = ""
    isrc_registrant: str = ""
    gs1_prefix: str = ""
    ddex_party_id: str = ""
    ddex_party_name: str = ""


def get_settings_row(*, session: Session, owner_id: uuid.UUID) -> RegistrantSettings:
    """The owner's settings (an unsaved empty row when none were saved)."""
    row = session.exec(select(RegistrantSettings).where(col(RegistrantSettings.owner_id) == owner_id)).first()
    return row or RegistrantSettings(owner_id=owner_id)


def registrant(*, session: Session, actor: Actor) -> RegistrantSettings:
    return get_settings_row(session=session, owner_id=actor.require_user())


def update_registrant(*, session: Session, actor: Actor, data: RegistrantIn) -> RegistrantSettings:
    """Check and save the owner's ISRC prefix, GS1 company prefix and DDEX party id (empty = unset)."""
    owner = actor.require_user()
    country, reg = data.isrc_country.strip().upper(), data.isrc_registrant.strip().upper()
    if bool(country) != bool(reg):
        raise InvalidInput("Give both parts of the ISRC prefix: the country code (2 letters) and your "
                           "registrant code (3 letters or digits), e.g. US and RC1.")
    if country:
        if not re.fullmatch(r"[A-Z0-9]{3}", reg):
            raise InvalidInput(f"The registrant code “{data.isrc_registrant}” must be 3 letters or digits.")
        normalise_isrc(f"{country}{reg}0000001")  # refuses an unknown country with a plain message
    prefix = re.sub(r"[\s\-]", "", data.gs1_prefix)
    if prefix and (not prefix.isdigit() or not 6 <= len(prefix) <= 12):
        raise InvalidInput(f"The GS1 company prefix “{data.gs1_prefix}” must be 6 to 12 digits (for a U.P.C. "
                           "prefix, put a 0 in front).")
    dpid = data.ddex_party_id.strip()
    if dpid and not _DPID.match(dpid):
        raise InvalidInput(f"“{dpid}” is not a DDEX party id; they look like PADPIDA2014120301Q.")
    row = get_settings_row(session=session, owner_id=owner)
    row.isrc_country, row.isrc_registrant, row.gs1_prefix = country, reg, prefix
    row.ddex_party_id, row.ddex_party_name = dpid, data.ddex_party_name.strip()[:200]
    row.updated_at = utcnow()
    session.add(row)
    audit.record(session, actor, "release.codes.settings", target=f"registrant:{owner}",
                 details={"isrc_prefix": f"{country}{reg}", "gs1_prefix": prefix})
    session.commit()
    return row


# --- allocation ------------------------------------------------------------------------------------

def _take_number(session: Session, kind: CodeKind, scope: str) -> int:
    """The next number of a code space (1, 2, …), atomically; joins the caller's transaction."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(CodeCounter).values(kind=kind.value, scope=scope, next_value=1)
                    .on_conflict_do_nothing())
    stmt = (update(CodeCounter).where(col(CodeCounter.kind) == kind.value, col(CodeCounter.scope) == scope)
            .values(next_value=col(CodeCounter.next_value) + 1).returning(col(CodeCounter.next_value)))
    return int(session.execute(stmt).scalar_one()) - 1


def _record(session: Session, row: AllocatedCode) -> bool:
    """Insert a code row unless its value is taken (INSERT … ON CONFLICT DO NOTHING: no error, so the
    caller's transaction goes on); True when the row is now ours to keep."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = {c: getattr(row, c) for c in ("id", "owner_id", "kind", "code", "source", "recording_id",
                                           "release_id", "created_at")}
    stmt = insert(AllocatedCode).values(**values).on_conflict_do_nothing().returning(col(AllocatedCode.id))
    return session.execute(stmt).scalar() is not None


def allocate_isrc(*, session: Session, actor: Actor, recording_id: uuid.UUID) -> str:
    """The recording's ISRC of this owner, or a new one from the owner's prefix (caller commits)."""
    owner = actor.require_user()
    existing = session.exec(select(AllocatedCode).where(
        col(AllocatedCode.kind) == CodeKind.ISRC, col(AllocatedCode.owner_id) == owner,
        col(AllocatedCode.recording_id) == recording_id)).first()
    if existing is not None:
        return existing.code
    settings = get_settings_row(session=session, owner_id=owner)
    if not settings.isrc_country:
        raise InvalidInput("Set your ISRC prefix first (country code and registrant code, under code "
                           "settings), or type in ISRCs you already have.")
    scope = f"{settings.isrc_country}{settings.isrc_registrant}{utcnow().year % 100:02d}"
    while True:
        number = _take_number(session, CodeKind.ISRC, scope)
        if number > ISRC_MAX_DESIGNATION:
            raise Conflict(f"All {ISRC_MAX_DESIGNATION:,} ISRCs of {format_isrc(scope + '00000')[:10]} for this "
                           "year are used. Ask your ISRC agency for another registrant code.")
        code = f"{scope}{number:05d}"
        if _record(session, AllocatedCode(owner_id=owner, kind=CodeKind.ISRC, code=code, recording_id=recording_id)):
            audit.record(session, actor, "release.code.allocate", target=f"isrc:{code}",
                         details={"recording": str(recording_id)})
            return code


def accept_isrc(*, session: Session, actor: Actor, text: str, recording_id: uuid.UUID) -> str:
    """An ISRC typed in by the owner for a recording: normalised, refused when it names another
    recording or belongs to someone else (caller commits)."""
    owner = actor.require_user()
    code = normalise_isrc(text)
    row = session.exec(select(AllocatedCode).where(col(AllocatedCode.kind) == CodeKind.ISRC,
                                                   col(AllocatedCode.code) == code)).first()
    if row is not None:
        if row.owner_id != owner:
            raise InvalidInput(f"{format_isrc(code)} is already in use by another account. Each recording has "
                               "its own ISRC; check the code.")
        if row.recording_id not in (None, recording_id):
            raise InvalidInput(f"{format_isrc(code)} is already the ISRC of another of your recordings. Each "
                               "recording has its own ISRC.")
        if row.recording_id is None:
            row.recording_id = recording_id
            session.add(row)
        return code
    if not _record(session, AllocatedCode(owner_id=owner, kind=CodeKind.ISRC, code=code, source=CodeSource.SUPPLIED,
                                          recording_id=recording_id)):
        raise InvalidInput(f"{format_isrc(code)} was just taken; check the code.")
    audit.record(session, actor, "release.code.accept", target=f"isrc:{code}",
                 details={"recording": str(recording_id)})
    return code


def allocate_upc(*, session: Session, actor: Actor, release_id: uuid.UUID) -> str:
    """A new EAN-13 from the owner's GS1 company prefix for a release (caller commits)."""
    owner = actor.require_user()
    prefix = get_settings_row(session=session, owner_id=owner).gs1_prefix
    if not prefix:
        raise InvalidInput("Set your GS1 company prefix first (under code settings), or type in the UPC/EAN "
                           "you already have for this release.")
    while True:
        code = upc_from_prefix(prefix, _take_number(session, CodeKind.UPC, prefix))
        if _record(session, AllocatedCode(owner_id=owner, kind=CodeKind.UPC, code=code, release_id=release_id)):
            audit.record(session, actor, "release.code.allocate", target=f"upc:{code}",
                         details={"release": str(release_id)})
            return code


def accept_upc(*, session: Session, actor: Actor, text: str, release_id: uuid.UUID) -> str:
    """A UPC/EAN typed in for a release: check digit verified, refused when another product has it."""
    owner = actor.require_user()
    code = normalise_upc(text)
    row = session.exec(select(AllocatedCode).where(col(AllocatedCode.kind) == CodeKind.UPC,
                                                   col(AllocatedCode.code) == code)).first()
    if row is not None:
        if row.owner_id != owner or row.release_id not in (None, release_id):
            raise InvalidInput(f"The UPC/EAN {code} is already used for another release. Each release needs "
                               "its own barcode number.")
        row.release_id = release_id
        session.add(row)
        return code
    if not _record(session, AllocatedCode(owner_id=owner, kind=CodeKind.UPC, code=code, source=CodeSource.SUPPLIED,
                                          release_id=release_id)):
        raise InvalidInput(f"The UPC/EAN {code} was just taken; check the code.")
    audit.record(session, actor, "release.code.accept", target=f"upc:{code}", details={"release": str(release_id)})
    return code


def recording_of(*, session: Session, master_id: uuid.UUID | None) -> uuid.UUID:
    """The library track (recording) a master was made from; InvalidInput when there is none."""
    master = session.get(Master, master_id) if master_id else None
    if master is None:
        raise InvalidInput("Choose a master for this track first; its ISRC belongs to the recording.")
    return master.track_id
