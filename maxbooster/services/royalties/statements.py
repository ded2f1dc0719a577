"""Import a distributor statement (CSV) streamed line by line: the bytes are hashed and decoded as they
arrive (never held whole), each line is parsed exactly (integer billionths), matched to the owner's
release tracks by ISRC and stored once (lines.py: COPY on PostgreSQL); the ledger is credited per
track, period and currency at the end.

The same file twice changes nothing (unique sha256 per owner); malformed lines and unknown ISRCs are
reported and the rest imported; a file in the wrong encoding or with the wrong delimiter is refused
with a message that says what to change.
"""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from maxbooster.models.releases import Release, ReleaseTrack
from maxbooster.models.royalties import RoyaltySplit, Statement, StatementLine
from maxbooster.services import audit
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput
from maxbooster.services.royalties import ledger
from maxbooster.services.royalties.layouts import LAYOUTS, Layout
from maxbooster.services.royalties.layouts import detect as detect_layout
from maxbooster.services.royalties.lines import NANOS, LineParser, line_sink

MAX_PROBLEMS = 1000
_DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}


class _HashingReader(io.RawIOBase):
    """A readable byte stream over an iterator of chunks that hashes what it hands out."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._rest = b""
        self.sha = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._rest:
            nxt = next(self._chunks, None)
            if nxt is None:
                return 0
            self._rest = bytes(nxt)
        n = min(len(buffer), len(self._rest))
        buffer[:n], self._rest = self._rest[:n], self._rest[n:]
        self.sha.update(buffer[:n])
        return n


@dataclass
class ImportResult:
    statement: Statement
    already_imported: bool = False
    unmatched_isrcs: list[str] = field(default_factory=list)


def _check_encoding(raw: io.BufferedReader[Any]) -> None:
    head = raw.peek(4)[:4]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        raise InvalidInput("This statement is UTF-16 text (as Excel saves “Unicode text”); save or export "
                           "it as CSV UTF-8 and upload it again.")


def _choose_layout(header_line: str, wanted: str | None) -> tuple[Layout, list[str]]:
    candidates = [LAYOUTS[wanted]] if wanted else list(LAYOUTS.values())
    if wanted and wanted not in LAYOUTS:
        raise InvalidInput(f"Unknown statement layout “{wanted}”; choose one of {', '.join(LAYOUTS)}.")
    for layout in candidates:
        header = next(csv.reader([header_line], delimiter=layout.delimiter), [])
        if layout.required <= {h.strip().lower() for h in header}:
            return layout, [h.strip().lower() for h in header]
    for delim, words in _DELIMITERS.items():
        found = detect_layout(next(csv.reader([header_line], delimiter=delim), []))
        if found is not None and found in candidates:
            expected = _DELIMITERS.get(found.delimiter, repr(found.delimiter))
            raise InvalidInput(f"This file is separated by {words}, but a {found.name} statement is separated by "
                               f"{expected}. Export it again with {expected} and upload it again.")
    generic = ", ".join(LAYOUTS["generic"].columns.values())
    raise InvalidInput(f"The first line does not name the columns of a statement we know. The generic format "
                       f"starts with the header “{generic}” (see the README for the other layouts).")


def isrc_index(*, session: Session, owner_id: uuid.UUID) -> dict[str, uuid.UUID]:
    """ISRC → the owner's release track it pays (one with a split first, then the newest)."""
    stmt = (select(col(ReleaseTrack.isrc), col(ReleaseTrack.id), col(RoyaltySplit.id), col(ReleaseTrack.created_at))
            .join(Release, col(Release.id) == col(ReleaseTrack.release_id))
            .outerjoin(RoyaltySplit, col(RoyaltySplit.release_track_id) == col(ReleaseTrack.id))
            .where(col(Release.owner_id) == owner_id, col(ReleaseTrack.isrc).is_not(None)))
    ranked = sorted(session.execute(stmt).all(), key=lambda r: (r[2] is not None, r[3]))
    return {isrc: track_id for isrc, track_id, _, _ in ranked}


def import_statement(*, session: Session, actor: Actor, chunks: Iterable[bytes], filename: str = "",
                     layout: str | None = None) -> ImportResult:
    """Import one statement file (bytes in chunks); see the module docstring for the rules."""
    owner_id = actor.require_user()
    reader = _HashingReader(chunks)
    raw = io.BufferedReader(reader, buffer_size=256 * 1024)
    _check_encoding(raw)
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    try:
        return _import(session, actor, owner_id, reader, text, filename, layout)
    except UnicodeDecodeError as exc:
        session.rollback()
        raise InvalidInput("This statement is not UTF-8 text (it may be Latin-1 or Windows-1252). Export it "
                           "as CSV UTF-8 and upload it again; nothing was imported.") from exc


def _import(session: Session, actor: Actor, owner_id: uuid.UUID, reader: _HashingReader, text: io.TextIOWrapper,
            filename: str, wanted: str | None) -> ImportResult:
    header_line = text.readline()
    if not header_line.strip():
        raise InvalidInput("This statement is empty.")
    chosen, header = _choose_layout(header_line.rstrip("\r\n"), wanted)
    wanted_cols = {f: h.lower() for f, h in chosen.columns.items()}
    index = {f: header.index(h) for f, h in wanted_cols.items()}
    statement = Statement(owner_id=owner_id, filename=filename[:300], layout=chosen.key,
                          sha256=f"pending-{uuid.uuid4().hex}")
    session.add(statement)
    session.flush()
    tracks = isrc_index(session=session, owner_id=owner_id)
    parser = LineParser(index, chosen)
    by_isrc: dict[tuple[str, str, str, bool], int] = {}  # keyed by ISRC text: cheaper to hash than a UUID
    unmatched: dict[str, None] = {}
    problems: list[dict[str, Any]] = []
    counts = {"total": 0, "imported": 0, "unmatched": 0, "malformed": 0}
    columns = len(header)
    with line_sink(session=session, statement_id=statement.id) as sink:
        for line_no, row in enumerate(csv.reader(text, delimiter=chosen.delimiter), start=2):
            if not "".join(row).strip():
                continue
            counts["total"] += 1
            try:
                if len(row) != columns:
                    raise ValueError(f"{len(row)} columns where the header has {columns}")
                line = parser.parse(row)
            except ValueError as exc:
                counts["malformed"] += 1
                if len(problems) < MAX_PROBLEMS:
                    problems.append({"line": line_no, "reason": str(exc)})
                continue
            track_id = tracks.get(line.isrc)
            if track_id is None:
                counts["unmatched"] += 1
                if len(unmatched) < MAX_PROBLEMS:  # listed like unmatched_isrcs(): the first 1,000
                    unmatched[line.isrc] = None
            else:
                key = (line.isrc, line.period, line.currency, line.amount_nanos >= 0)
                by_isrc[key] = by_isrc.get(key, 0) + line.amount_nanos
            counts["imported"] += 1
            sink.add(line_no, line, track_id)
    totals = {(tracks[isrc], period, cur, pos): nanos for (isrc, period, cur, pos), nanos in by_isrc.items()}
    return _finish(session, actor, statement, reader.sha.hexdigest(), counts, problems, totals, list(unmatched))


def _finish(session: Session, actor: Actor, statement: Statement, sha: str, counts: dict[str, int],
            problems: list[dict[str, Any]], totals: dict[tuple[uuid.UUID, str, str, bool], int],
            unmatched: list[str]) -> ImportResult:
    existing = _by_hash(session, statement.owner_id, sha)
    if existing is not None:
        session.rollback()
        return ImportResult(existing, already_imported=True, unmatched_isrcs=unmatched_isrcs(
            session=session, statement_id=existing.id))
    statement.sha256 = sha
    statement.lines_total, statement.lines_imported = counts["total"], counts["imported"]
    statement.lines_unmatched, statement.lines_malformed, statement.problems = \
        counts["unmatched"], counts["malformed"], problems
    ledger.post_statement(session=session, statement=statement, totals=totals, nano_digits=NANOS)
    audit.record(session, actor, "royalties.statement_imported", target=f"royalty_statements:{statement.id}",
                 details={"layout": statement.layout, **counts})
    try:
        session.commit()
    except IntegrityError:  # the same file imported at the same moment by another request
        session.rollback()
        existing = _by_hash(session, statement.owner_id, sha)
        if existing is None:
            raise
        return ImportResult(existing, already_imported=True)
    return ImportResult(statement, unmatched_isrcs=unmatched)


def _by_hash(session: Session, owner_id: uuid.UUID, sha: str) -> Statement | None:
    return session.execute(select(Statement).where(col(Statement.owner_id) == owner_id,
                                                   col(Statement.sha256) == sha)).scalar_one_or_none()


def unmatched_isrcs(*, session: Session, statement_id: uuid.UUID, limit: int = 1000) -> list[str]:
    """The ISRCs of a statement that matched none of the owner's tracks."""
    stmt = (select(col(StatementLine.isrc)).where(col(StatementLine.statement_id) == statement_id,
                                             col(StatementLine.release_track_id).is_(None))
            .group_by(col(StatementLine.isrc)).order_by(col(StatementLine.isrc)).limit(limit))
    return list(session.execute(stmt).scalars())


def get_statement(*, session: Session, actor: Actor, statement_id: uuid.UUID) -> Statement:
    return get_owned(session=session, model=Statement, obj_id=statement_id, actor=actor)


def list_statements(*, session: Session, actor: Actor) -> list[Statement]:
    stmt = select(Statement).where(col(Statement.owner_id) == actor.require_user()).order_by(
        col(Statement.created_at).desc())
    return list(session.execute(stmt).scalars())
