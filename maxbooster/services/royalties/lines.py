"""Statement lines, parsed and stored at the speed of a million-line file.

Parsing: a statement repeats the same few hundred ISRCs, months, stores, territories and currencies
on every line, so each distinct cell is checked once and its answer (value or reason) remembered,
up to a bound per column (memory stays flat on a file of all-distinct cells). Amounts are exact:
a plain decimal is turned into billionths with integer arithmetic, anything else through Decimal.

Storing: PostgreSQL receives the lines through COPY in the session's own transaction (a rollback
still removes them); other databases (SQLite) through batched INSERTs. Either way lines leave in
batches of `BATCH` as they are read, never all at once.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import insert
from sqlmodel import Session

from maxbooster.models.royalties import StatementLine
from maxbooster.services.errors import InvalidInput
from maxbooster.services.releases.codes import normalise_isrc
from maxbooster.services.royalties.layouts import FIELDS, Layout

BATCH = 2000
NANOS = 9  # line amounts are kept in billionths of the major unit
CACHE_MAX = 20_000  # remembered distinct cells per column
_PERIOD = re.compile(r"^(\d{4})-(\d{2})(?:-\d{2})?$")
_UNITS = re.compile(r"-?\d{1,15}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_TERRITORY = re.compile(r"[A-Z]{2}")
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
COLUMNS = ("statement_id", "line_no", "isrc", "release_track_id", "period", "store", "territory", "units",
           "amount_nanos", "currency")


class Line(NamedTuple):
    isrc: str
    period: str
    store: str
    territory: str
    units: int
    amount_nanos: int
    currency: str


class _Bad(str):
    """A remembered reason why a cell is refused."""


def amount_nanos(text: str) -> int:
    """'4.712345678' → 4712345678 (billionths); ValueError with the reason otherwise."""
    body = text[1:] if text[:1] == "-" else text
    whole, dot, frac = body.partition(".")
    if whole.isdecimal() and len(whole) <= 18 and (not dot or (frac.isdecimal() and len(frac) <= NANOS)):
        nanos = int(whole) * 10**NANOS + (int(frac.ljust(NANOS, "0")) if dot else 0)
        nanos = -nanos if body is not text else nanos
    else:
        try:
            value = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(f"amount “{text}” is not a number (use a dot for decimals, no thousands "
                             "separators)") from exc
        exp = value.as_tuple().exponent
        if not value.is_finite() or not isinstance(exp, int):
            raise ValueError(f"amount “{text}” is not a number")
        if exp < -NANOS:
            raise ValueError(f"amount “{text}” has more than {NANOS} decimals")
        nanos = int(value.scaleb(NANOS))
    if abs(nanos) >= 2**63:
        raise ValueError(f"amount “{text}” is too large")
    return nanos


def _isrc(text: str) -> str:
    try:
        return normalise_isrc(text.strip())
    except InvalidInput as exc:
        raise ValueError(exc.message) from exc


def _period(text: str) -> str:
    found = _PERIOD.match(text.strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise ValueError(f"period “{text.strip()}” is not a month like 2026-11")
    return f"{found.group(1)}-{found.group(2)}"


def _units(text: str) -> int:
    text = text.strip() or "0"
    if not _UNITS.fullmatch(text):
        raise ValueError(f"units “{text}” is not a whole number")
    return int(text)


def _currency(text: str) -> str:
    code = text.strip().upper()
    if not _CURRENCY.fullmatch(code):
        raise ValueError(f"currency “{code}” is not a three-letter code like USD")
    return code


def _territory(text: str) -> str:
    code = text.strip().upper()
    if code and not _TERRITORY.fullmatch(code):
        raise ValueError(f"territory “{code}” is not a two-letter country code")
    return code


_CHECKS: dict[str, Callable[[str], Any]] = {"isrc": _isrc, "period": _period, "units": _units,
                                            "currency": _currency, "territory": _territory}


class LineParser:
    """Parse rows of one layout into Lines (ValueError with a plain reason for a malformed line).
    A column the layout lacks reads as empty; a fixed-currency layout never reads one."""

    def __init__(self, index: dict[str, int], layout: Layout) -> None:
        self._pad = any(name not in index for name in FIELDS)
        at = [index.get(name, -1) for name in FIELDS]  # -1: the empty cell appended to the row
        self._cells = itemgetter(*at)
        self._fixed_currency = layout.currency.upper()
        self._caches: dict[str, dict[str, Any]] = {name: {} for name in _CHECKS}

    def _check(self, name: str, raw: str) -> Any:
        """A cell not answered from the cache: check it and remember the answer (a value or a _Bad)."""
        cache = self._caches[name]
        hit = cache.get(raw)
        if hit is None:
            try:
                hit = _CHECKS[name](raw)
            except ValueError as exc:
                hit = _Bad(str(exc))
            if len(cache) < CACHE_MAX:
                cache[raw] = hit
        return hit

    def parse(self, row: list[str]) -> Line:
        isrc, period, store, territory, units, amount, currency = self._cells(row + [""] if self._pad else row)
        caches, check = self._caches, self._check
        isrc = caches["isrc"].get(isrc) or check("isrc", isrc)
        period = caches["period"].get(period) or check("period", period)
        units = caches["units"].get(units) or check("units", units)
        currency = self._fixed_currency or caches["currency"].get(currency) or check("currency", currency)
        territory = caches["territory"].get(territory) or check("territory", territory)
        if type(isrc) is _Bad or type(period) is _Bad or type(units) is _Bad or type(currency) is _Bad or \
                type(territory) is _Bad:
            raise ValueError(next(str(v) for v in (isrc, period, units, currency, territory) if type(v) is _Bad))
        store = store.strip()
        if "\x00" in store or len(store) > 100:
            store = store.replace("\x00", "")[:100]
        return Line(isrc, period, store, territory, units, amount_nanos(amount.strip()), currency)


class LineSink:
    """Takes a statement's lines one by one and writes them in batches of `BATCH` (`flush`)."""

    def __init__(self, statement_id: uuid.UUID) -> None:
        self.statement_id = statement_id
        self.pending: list[Any] = []

    def add(self, line_no: int, line: Line, track_id: uuid.UUID | None) -> None:
        self.pending.append(self._row(line_no, line, track_id))
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self._write(self.pending)
            self.pending = []

    def _row(self, line_no: int, line: Line, track_id: uuid.UUID | None) -> Any:
        raise NotImplementedError

    def _write(self, rows: list[Any]) -> None:
        raise NotImplementedError


class _InsertSink(LineSink):
    def __init__(self, statement_id: uuid.UUID, *, session: Session) -> None:
        super().__init__(statement_id)
        self._session = session

    def _row(self, line_no: int, line: Line, track_id: uuid.UUID | None) -> dict[str, Any]:
        return {"statement_id": self.statement_id, "line_no": line_no, "release_track_id": track_id, **line._asdict()}

    def _write(self, rows: list[Any]) -> None:
        self._session.execute(insert(StatementLine), rows)


class _CopySink(LineSink):
    """COPY … FROM STDIN in PostgreSQL's text format (tabs, `\\N` for NULL, backslash escapes)."""

    def __init__(self, copy: Any, statement_id: uuid.UUID) -> None:
        super().__init__(statement_id)
        self._copy = copy
        self._sid = statement_id.hex
        self._hex: dict[str, str] = {}  # ISRC → its track's id as COPY text (an ISRC is one track)

    def _row(self, line_no: int, line: Line, track_id: uuid.UUID | None) -> str:
        isrc, period, store, territory, units, amount, currency = line
        tid = "\\N" if track_id is None else (self._hex.get(isrc) or self._hex.setdefault(isrc, track_id.hex))
        if _NEEDS_ESCAPE.search(store):
            store = store.translate(_COPY_ESCAPES)
        return f"{self._sid}\t{line_no}\t{isrc}\t{tid}\t{period}\t{store}\t{territory}\t{units}\t{amount}\t{currency}\n"

    def _write(self, rows: list[Any]) -> None:
        self._copy.write("".join(rows))


@contextmanager
def line_sink(*, session: Session, statement_id: uuid.UUID) -> Iterator[LineSink]:
    """Where a statement's lines go, in the session's transaction; what is pending is written at the end."""
    if session.get_bind().dialect.name != "postgresql":
        sink: LineSink = _InsertSink(statement_id, session=session)
        yield sink
        sink.flush()
        return
    driver = session.connection().connection.driver_connection
    if driver is None:
        raise RuntimeError("the session's connection is closed")
    from psycopg.copy import QueuedLibpqWriter

    # A queued writer sends the data from a thread, so parsing goes on while the socket waits.
    with driver.cursor() as cur, cur.copy(f"COPY {StatementLine.__tablename__} ({', '.join(COLUMNS)}) FROM STDIN",
                                          writer=QueuedLibpqWriter(cur)) as copy:
        sink = _CopySink(copy, statement_id)
        yield sink
        sink.flush()
