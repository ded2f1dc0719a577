"""Licenses: terms rendered once from the tier's template file (license_templates/<tier>.txt) with the
deal's variables, stored with the order line and never changed; the SHA-256 of the canonical text is
printed on the license and its PDF, and the public verify route answers valid / void (with the
reason) / unknown for a hash.

Canonical text: Unicode NFC, LF line ends, no trailing spaces, one final newline — so the same terms
always hash the same, whatever a viewer does to line ends.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from string import Template
from typing import Any

from fpdf import FPDF
from sqlalchemy import select
from sqlmodel import Session, col

from maxbooster.models.accounts import User
from maxbooster.models.base import row_values, utcnow
from maxbooster.models.marketplace import License, LicenseTier, Listing, Order, OrderLine
from maxbooster.services import audit
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.services.money import Money

TEMPLATES = Path(__file__).parent / "license_templates"
CAPS = ("max_copies", "max_streams", "max_music_videos", "max_radio_stations")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def canonical(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n") + "\n"


def digest(text: str) -> str:
    return hashlib.sha256(canonical(text).encode("utf-8")).hexdigest()


def _cap_text(value: int | None) -> str:
    return "Unlimited" if value is None else f"{value:,}"


@functools.lru_cache(maxsize=16)
def _template(tier_kind: str) -> Template:
    return Template((TEMPLATES / f"{tier_kind}.txt").read_text(encoding="utf-8"))


def issue_row(*, session: Session, order: Order, line: OrderLine, tier: LicenseTier | None, now: datetime,
              buyer: User | None = None, producer: User | None = None,
              listing: Listing | None = None) -> dict[str, Any]:
    """Render the line's license, as a row for the caller to insert (buyer, producer and listing are read when
    not given)."""
    buyer = buyer or session.get(User, order.owner_id)
    producer = producer or session.get(User, line.seller_id)
    listing = listing or session.get(Listing, line.listing_id)
    assert buyer is not None and producer is not None and listing is not None
    license_id = uuid.uuid4()
    caps = {c: getattr(tier, c) if tier is not None else None for c in CAPS}
    variables: dict[str, Any] = {
        "license_id": str(license_id), "date": now.date().isoformat(), "producer": producer.display_name,
        "buyer": buyer.display_name, "buyer_email": buyer.email, "track": line.listing_title,
        "listing_kind": listing.kind.replace("_", " "), "price": Money(line.price_minor, line.currency).format(),
        "order_id": str(order.id), "tier_kind": line.tier_kind, **caps}
    shown = {k: (_cap_text(v) if k in CAPS else str(v)) for k, v in variables.items()}
    text = canonical(_template(line.tier_kind).substitute(shown))
    return row_values(License, id=license_id, owner_id=order.owner_id, order_line_id=line.id,
                      listing_id=line.listing_id, tier_kind=line.tier_kind, terms_text=text, sha256=digest(text),
                      variables=variables, issued_at=now)


def void(*, session: Session, line_id: uuid.UUID, reason: str) -> None:
    """Mark the line's license void with the reason (the first reason stays); the caller commits."""
    row = session.execute(select(License).where(col(License.order_line_id) == line_id)).scalar_one_or_none()
    if row is not None and row.voided_at is None:
        row.voided_at, row.void_reason = utcnow(), reason[:500]
        session.add(row)


def mark_disputed(*, session: Session, line_id: uuid.UUID, disputed: bool) -> None:
    """Mark the line's license as under a payment dispute, or clear that (the caller commits)."""
    row = session.execute(select(License).where(col(License.order_line_id) == line_id)).scalar_one_or_none()
    if row is not None and (row.disputed_at is not None) != disputed:
        row.disputed_at = utcnow() if disputed else None
        session.add(row)


@dataclass(frozen=True)
class Verification:
    status: str  # valid | disputed | void | unknown
    reason: str
    sha256: str
    track: str = ""
    tier_kind: str = ""
    producer: str = ""
    buyer: str = ""
    issued_at: datetime | None = None


def verify(*, session: Session, actor: Actor, sha256: str) -> Verification:
    """What the marketplace knows about a license hash (public: anyone may check a license)."""
    value = (sha256 or "").strip().lower()
    if not _HEX64.match(value):
        raise InvalidInput("A license hash is 64 characters of 0-9 and a-f, as printed on the license.")
    row = session.execute(select(License).where(col(License.sha256) == value)).scalar_one_or_none()
    if row is None:
        return Verification(status="unknown", reason="No license with this hash was issued here.", sha256=value)
    v = row.variables
    common = {"sha256": value, "track": str(v.get("track", "")), "tier_kind": row.tier_kind,
              "producer": str(v.get("producer", "")), "buyer": str(v.get("buyer", "")), "issued_at": row.issued_at}
    if row.voided_at is not None:
        return Verification(status="void", reason=f"Void since {row.voided_at.date().isoformat()}: {row.void_reason}",
                            **common)
    if row.disputed_at is not None:
        return Verification(status="disputed", reason="The payment for this license is disputed with the buyer's "
                            "bank. It is on hold until the dispute is settled; check again later.", **common)
    return Verification(status="valid", reason="This license is valid.", **common)


def _readable(session: Session, actor: Actor, line_id: uuid.UUID) -> License:
    """The license of a line, for its buyer or the line's seller."""
    user_id = actor.require_user()
    row = session.execute(select(License).where(col(License.order_line_id) == line_id)).scalar_one_or_none()
    line = session.get(OrderLine, line_id)
    if row is None or line is None or user_id not in (row.owner_id, line.seller_id):
        if row is not None:
            audit.record_detached(session=session, actor=actor, action="authz.denied", target=f"license:{line_id}")
        raise NotFound()
    return row


def get_license(*, session: Session, actor: Actor, order_line_id: uuid.UUID) -> License:
    return _readable(session, actor, order_line_id)


def _latin1(text: str) -> str:
    return text.replace("“", '"').replace("”", '"').replace("’", "'").replace("—", "-").encode(
        "latin-1", "replace").decode("latin-1")


def pdf(*, session: Session, actor: Actor, order_line_id: uuid.UUID) -> bytes:
    """The license as a PDF: the stored terms, its hash, and VOID with the reason when voided."""
    row = _readable(session, actor, order_line_id)
    doc = FPDF(format="A4")
    doc.set_compression(False)  # plain text in the file: the hash can be found by anyone reading it
    doc.set_title(_latin1(f"License {row.id}"))
    doc.add_page()
    doc.set_font("Helvetica", size=10)
    if row.voided_at is not None:
        doc.set_text_color(180, 0, 0)
        doc.multi_cell(0, 6, _latin1(f"VOID since {row.voided_at.date().isoformat()}: {row.void_reason}"))
        doc.set_text_color(0, 0, 0)
    doc.multi_cell(0, 5, _latin1(row.terms_text))
    doc.ln(4)
    doc.set_font("Courier", size=8)
    doc.multi_cell(0, 4, f"SHA-256 of the terms: {row.sha256}")
    return bytes(doc.output())
