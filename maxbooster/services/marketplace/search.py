"""Browse and search published listings, a seller's storefront, and a listing's public page.

Text: PostgreSQL full text (`search_vector @@ websearch_to_tsquery('english', q)`, GIN index, ranked
by ts_rank); SQLite FTS5 (`marketplace_listings_fts MATCH`, porter stemming, ranked by bm25). Filters:
kind, genre, BPM range, key, price range and license kind over the tiers (the same tier must match
both), seller. Sorts: relevance, newest, price (cheapest tier), popular (sales). Only published
listings are ever shown; anything else reads as not found.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, column, exists, func, literal_column, select, text
from sqlalchemy.orm import defer
from sqlmodel import Session, col

from maxbooster.models.accounts import User
from maxbooster.models.marketplace import (
    SQLITE_FTS_TABLE,
    LicenseTier,
    Listing,
    ListingFile,
    ListingKind,
    ListingStatus,
    MusicalKey,
    TierKind,
)
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.services.marketplace.listings import list_tiers

SORTS = ("relevance", "newest", "price_asc", "price_desc", "popular")
MAX_PER_PAGE = 60
_WORD = re.compile(r"-?\w+", re.UNICODE)


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    kind: str | None = None
    genre: str | None = None
    bpm_min: int | None = None
    bpm_max: int | None = None
    musical_key: str | None = None
    price_min_minor: int | None = None
    price_max_minor: int | None = None
    currency: str | None = None
    license_kind: str | None = None
    seller_id: uuid.UUID | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 24


@dataclass(frozen=True)
class ListingCard:
    listing: Listing
    seller_name: str


@dataclass(frozen=True)
class SearchPage:
    items: list[ListingCard]
    total: int
    page: int
    per_page: int


@dataclass(frozen=True)
class ListingDetail:
    card: ListingCard
    tiers: list[LicenseTier]
    findings: list[dict[str, Any]] = field(default_factory=list)


def _check(q: SearchQuery) -> None:
    if q.kind and q.kind not in {k.value for k in ListingKind}:
        raise InvalidInput(f"Filter by one of beat, sample_pack, preset, plugin (not {q.kind!r}).")
    if q.license_kind and q.license_kind not in {k.value for k in TierKind}:
        raise InvalidInput(f"{q.license_kind!r} is not a license kind.")
    if q.musical_key and q.musical_key not in {k.value for k in MusicalKey}:
        raise InvalidInput(f"{q.musical_key!r} is not a key; use e.g. C, F#, Am or C#m.")
    if q.sort not in SORTS:
        raise InvalidInput(f"Sort by one of {', '.join(SORTS)} (not {q.sort!r}).")
    for lo, hi, what in ((q.bpm_min, q.bpm_max, "BPM"), (q.price_min_minor, q.price_max_minor, "price")):
        if (lo is not None and lo < 0) or (hi is not None and hi < 0):
            raise InvalidInput(f"The {what} range cannot be negative.")
        if lo is not None and hi is not None and lo > hi:
            raise InvalidInput(f"The lowest {what} is above the highest; swap them.")
    if q.page < 1 or not 1 <= q.per_page <= MAX_PER_PAGE:
        raise InvalidInput(f"Pages start at 1 and hold 1 to {MAX_PER_PAGE} listings.")
    if len(q.text) > 200:
        raise InvalidInput("Search for at most 200 characters.")


def fts5_query(raw: str) -> str:
    """A user's words as an FTS5 query with websearch-like meaning: every word must match, `-word` must
    not; each word quoted, so FTS5 syntax typed by the user is plain text."""
    words = _WORD.findall(raw)
    must = [f'"{w}"' for w in words if not w.startswith("-")]
    must_not = [f'"{w[1:]}"' for w in words if w.startswith("-") and len(w) > 1]
    if not must:
        return ""
    return " AND ".join(must) + "".join(f" NOT {w}" for w in must_not)


def _text_filter(session: Session, raw: str) -> tuple[ColumnElement[bool] | None, Any]:
    """(the match condition, a relevance expression to sort by: higher is better)."""
    if not raw.strip():
        return None, None
    if session.get_bind().dialect.name == "postgresql":
        tsq = func.websearch_to_tsquery(literal_column("'english'"), raw)
        return col(Listing.search_vector).op("@@")(tsq), func.ts_rank(col(Listing.search_vector), tsq)
    query = fts5_query(raw)
    if not query:
        return literal_column("0") == 1, None
    matched = text(f"SELECT rowid AS rid, bm25({SQLITE_FTS_TABLE}) AS score FROM {SQLITE_FTS_TABLE} "  # noqa: S608
                   f"WHERE {SQLITE_FTS_TABLE} MATCH :fts").bindparams(fts=query) \
        .columns(column("rid"), column("score")).subquery("fts")
    rowid: ColumnElement[Any] = literal_column("marketplace_listings.rowid")
    score = select(matched.c.score).where(matched.c.rid == rowid).scalar_subquery()
    return rowid.in_(select(matched.c.rid)), -score  # bm25: lower is better


def _filtered(session: Session, q: SearchQuery) -> tuple[Select[Listing, str], Any]:
    conds: list[ColumnElement[bool]] = [col(Listing.status) == ListingStatus.PUBLISHED]
    match, rank = _text_filter(session, q.text)
    if match is not None:
        conds.append(match)
    if q.kind:
        conds.append(col(Listing.kind) == q.kind)
    if q.genre:
        conds.append(col(Listing.genre) == " ".join(q.genre.split()).lower())  # stored in lower case
    if q.bpm_min is not None:
        conds.append(col(Listing.bpm) >= q.bpm_min)
    if q.bpm_max is not None:
        conds.append(col(Listing.bpm) <= q.bpm_max)
    if q.musical_key:
        conds.append(col(Listing.musical_key) == q.musical_key)
    if q.currency:
        conds.append(col(Listing.currency) == q.currency.upper())
    if q.seller_id:
        conds.append(col(Listing.owner_id) == q.seller_id)
    tier_conds: list[ColumnElement[bool]] = []
    if q.license_kind:
        tier_conds.append(col(LicenseTier.kind) == q.license_kind)
    if q.price_min_minor is not None:
        tier_conds.append(col(LicenseTier.price_minor) >= q.price_min_minor)
    if q.price_max_minor is not None:
        tier_conds.append(col(LicenseTier.price_minor) <= q.price_max_minor)
    if tier_conds:
        conds.append(exists().where(col(LicenseTier.listing_id) == col(Listing.id), and_(*tier_conds)))
    heavy = (defer(Listing.search_text), defer(Listing.search_vector))  # type: ignore[arg-type]
    return select(Listing, col(User.display_name)).join(User, col(User.id) == col(Listing.owner_id)).where(
        *conds).options(*heavy), rank


def search(*, session: Session, actor: Actor, query: SearchQuery) -> SearchPage:
    """One page of published listings matching the query (anyone may search, signed in or not)."""
    _check(query)
    stmt, rank = _filtered(session, query)
    newest = (col(Listing.published_at).desc(), col(Listing.id))
    order = {"relevance": ((rank.desc(), *newest) if rank is not None else newest), "newest": newest,
             "price_asc": (col(Listing.min_price_minor).asc(), *newest),
             "price_desc": (col(Listing.min_price_minor).desc(), *newest),
             "popular": (col(Listing.sales_count).desc(), *newest)}[query.sort]
    total = session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    rows = session.execute(stmt.order_by(*order).offset((query.page - 1) * query.per_page)
                           .limit(query.per_page)).all()
    return SearchPage(items=[ListingCard(listing=row[0], seller_name=row[1]) for row in rows], total=total,
                      page=query.page, per_page=query.per_page)


def storefront(*, session: Session, actor: Actor, seller_id: uuid.UUID, page: int = 1,
               sort: str = "newest") -> SearchPage:
    """A seller's published listings (an unknown seller, or one with nothing on sale, shows an empty store)."""
    return search(session=session, actor=actor, query=SearchQuery(seller_id=seller_id, page=page, sort=sort))


def public_listing(*, session: Session, actor: Actor, listing_id: uuid.UUID) -> ListingDetail:
    """A published listing with its tiers and the ZIP findings buyers should know; else NotFound."""
    row = session.execute(select(Listing, col(User.display_name)).join(User, col(User.id) == col(Listing.owner_id))
                          .where(col(Listing.id) == listing_id,
                                 col(Listing.status) == ListingStatus.PUBLISHED)).first()
    if row is None:
        raise NotFound("This listing is not on sale (it may have been removed or sold as an exclusive).")
    findings = [f for files in session.execute(select(col(ListingFile.findings)).where(
        col(ListingFile.listing_id) == listing_id)).scalars() for f in files]
    return ListingDetail(card=ListingCard(listing=row[0], seller_name=row[1]),
                         tiers=list_tiers(session=session, listing_id=listing_id), findings=findings)
