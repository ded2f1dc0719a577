"""Statement import: the generic CSV and two distributor layouts, exact amounts, idempotent re-import,
malformed lines reported with the rest imported, unknown ISRCs listed, wrong delimiter or encoding
refused with a message that says what to do, and the file read as a stream (never whole)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from maxbooster.models.royalties import LedgerEntry, Statement, StatementLine
from maxbooster.services.errors import InvalidInput
from maxbooster.services.royalties import ledger, lines, statements
from tests.royalties.support import GENERIC, csv_bytes, make_release
from tests.support import accounts as fx
from tests.support.accounts import actor_for, make_user

acct_env = fx.acct_env


def _count(session: Session, model: type) -> int:
    return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def _import(session: Session, user: object, data: bytes, **kw: object) -> statements.ImportResult:
    return statements.import_statement(session=session, actor=actor_for(user), chunks=[data],  # type: ignore[arg-type]
                                       filename="nov.csv", **kw)  # type: ignore[arg-type]


def test_generic_statement_is_imported_exactly_and_credited_to_the_owner(session: Session, acct_env: object) -> None:
    alice = make_user(session)
    make_release(session, alice)
    data = csv_bytes([["US-MB1-26-00001", "2026-11", "Spotify", "de", "1520", "4.712345678", "EUR"],
                      ["USMB12600001", "2026-11", "Apple Music", "US", "10", "0.10", "EUR"],
                      ["USMB12600002", "2026-11-30", "Deezer", "", "3", "-0.50", "EUR"]], GENERIC)
    result = _import(session, alice, data)
    st = result.statement
    assert (st.layout, st.lines_total, st.lines_imported, st.lines_malformed, st.lines_unmatched) == \
        ("generic", 3, 3, 0, 0)
    lines = session.execute(select(StatementLine).order_by(StatementLine.line_no)).scalars().all()  # type: ignore[arg-type]
    assert [(ln.isrc, ln.territory, ln.amount_nanos, ln.period) for ln in lines] == [
        ("USMB12600001", "DE", 4_712_345_678, "2026-11"), ("USMB12600001", "US", 100_000_000, "2026-11"),
        ("USMB12600002", "", -500_000_000, "2026-11")]
    # 4.712345678 + 0.10 = 4.812345678 EUR → 481 cents (rounded once per track and month); −0.50 an adjustment
    assert [(b.party_email, b.currency, b.amount_minor) for b in ledger.my_balances(
        session=session, actor=actor_for(alice))] == [(alice.email, "EUR", 431)]
    kinds = dict(session.execute(select(LedgerEntry.kind, LedgerEntry.amount_minor)).all())  # type: ignore[call-overload]
    assert kinds == {"income": 481, "adjustment": -50}


def test_distrokid_layout_is_tab_separated_in_usd(session: Session, acct_env: object) -> None:
    alice = make_user(session)
    make_release(session, alice)
    header = ["Reporting Date", "Sale Month", "Store", "Artist", "Title", "ISRC", "UPC", "Quantity",
              "Team Percentage", "Song/Album", "Country of Sale", "Songwriter Royalties Withheld", "Earnings (USD)"]
    data = csv_bytes([["2026-12-02", "2026-10", "Spotify", "Ava North", "Track 1", "USMB12600001", "", "300",
                       "100", "Song", "GB", "0", "1.2345"]], header, delimiter="\t")
    st = _import(session, alice, data).statement
    assert (st.layout, st.lines_imported) == ("distrokid", 1)
    line = session.execute(select(StatementLine)).scalar_one()
    assert (line.currency, line.amount_nanos, line.units, line.store, line.territory) == \
        ("USD", 1_234_500_000, 300, "Spotify", "GB")


def test_tunecore_layout_by_its_column_names(session: Session, acct_env: object) -> None:
    alice = make_user(session)
    make_release(session, alice)
    header = ["Sales Period", "Posted Date", "Store Name", "Country Of Sale", "Artist", "Release Title",
              "Song Title", "ISRC", "Units Sold", "Total Earned", "Currency"]
    data = csv_bytes([["2026-09", "2026-11-15", "iTunes", "FR", "Ava North", "Night Drive", "Track 2",
                       "USMB12600002", "2", "1.98", "EUR"]], header)
    st = _import(session, alice, data).statement
    assert (st.layout, st.lines_imported) == ("tunecore", 1)
    assert session.execute(select(StatementLine.amount_nanos, StatementLine.currency)).one() == \
        (1_980_000_000, "EUR")  # type: ignore[call-overload]


def test_the_same_file_twice_changes_nothing(session: Session, acct_env: object) -> None:
    alice = make_user(session)
    make_release(session, alice)
    data = csv_bytes([["USMB12600001", "2026-11", "Spotify", "DE", "1", "2.00", "EUR"]], GENERIC)
    first = _import(session, alice, data)
    counts = (_count(session, Statement), _count(session, StatementLine), _count(session, LedgerEntry))
    again = statements.import_statement(session=session, actor=actor_for(alice),
                                        chunks=[data[:7], data[7:20], data[20:]], filename="copy.csv")
    assert again.already_imported and again.statement.id == first.statement.id
    assert (_count(session, Statement), _count(session, StatementLine), _count(session, LedgerEntry)) == counts
    assert [b.amount_minor for b in ledger.my_balances(session=session, actor=actor_for(alice))] == [200]


def test_ten_percent_malformed_lines_are_reported_and_the_rest_imported(session: Session, acct_env: object) -> None:
    alice = make_user(session)
    make_release(session, alice)
    rows = []
    for i in range(100):
        row = ["USMB12600001", "2026-11", "Spotify", "DE", "1", "0.01", "EUR"]
        if i % 10 == 3:
            row = [["USMB12600001", "2026-11", "Spotify", "DE", "1", "1.2.3", "EUR"],
                   ["USMB12600001", "Nov 2026", "Spotify", "DE", "1", "0.01", "EUR"],
                   ["USMB12600001", "2026-11", "Spotify"],
                   ["not-an-isrc", "2026-11", "Spotify", "DE", "1", "0.01", "EUR"],
                   ["USMB12600001", "2026-11", "Spotify", "DE", "1", "0.01", "EURO"]][i // 10 % 5]
        rows.append(row)
    data = csv_bytes(rows, GENERIC)
    result = _import(session, alice, data)
    st = result.statement
    assert (st.lines_total, st.lines_imported, st.lines_malformed) == (100, 90, 10)
    assert [p["line"] for p in st.problems] == [i + 2 for i in range(100) if i % 10 == 3]
    reasons = [p["reason"] for p in st.problems[:5]]
    assert "amount “1.2.3” is not a number (use a dot for decimals, no thousands separators)" in reasons
    assert "period “Nov 2026” is not a month like 2026-11" in reasons
    assert "3 columns where the header has 7" in reasons
    assert any("is not an ISRC" in r for r in reasons) and "currency “EURO” is not a three-letter code like USD" \
        in reasons
    assert _count(session, StatementLine) == 90
    assert [b.amount_minor for b in ledger.my_balances(session=session, actor=actor_for(alice))] == [90]
    assert _import(session, alice, data).already_imported and _count(session, StatementLine) == 90


def test_unknown_isrcs_are_listed_and_not_credited(session: Session, acct_env: object) -> None:
    alice, mallory = make_user(session), make_user(session, "mallory@example.com")
    make_release(session, alice)
    make_release(session, mallory, ("GBXYZ2600001",))
    data = csv_bytes([["USMB12600001", "2026-11", "Spotify", "DE", "1", "1.00", "USD"],
                      ["GBXYZ2600001", "2026-11", "Spotify", "DE", "1", "5.00", "USD"],  # someone else's track
                      ["DEAAA2600009", "2026-11", "Spotify", "DE", "1", "5.00", "USD"],
                      ["DEAAA2600009", "2026-11", "Tidal", "DE", "1", "5.00", "USD"]], GENERIC)
    result = _import(session, alice, data)
    assert result.unmatched_isrcs == ["GBXYZ2600001", "DEAAA2600009"]
    assert result.statement.lines_unmatched == 3 and result.statement.lines_imported == 4
    assert statements.unmatched_isrcs(session=session, statement_id=result.statement.id) == \
        ["DEAAA2600009", "GBXYZ2600001"]
    assert [b.amount_minor for b in ledger.my_balances(session=session, actor=actor_for(alice))] == [100]
    assert ledger.my_balances(session=session, actor=actor_for(mallory)) == []


@pytest.mark.parametrize(("delimiter", "words"), [(";", "semicolons"), ("\t", "tabs")])
def test_a_wrong_delimiter_is_named(session: Session, acct_env: object, delimiter: str, words: str) -> None:
    alice = make_user(session)
    data = csv_bytes([["USMB12600001", "2026-11", "Spotify", "DE", "1", "1.00", "USD"]], GENERIC, delimiter)
    with pytest.raises(InvalidInput) as err:
        _import(session, alice, data)
    assert err.value.message == (f"This file is separated by {words}, but a Max Booster generic CSV statement is "
                                 "separated by commas. Export it again with commas and upload it again.")
    assert _count(session, Statement) == 0


def test_a_wrong_encoding_is_refused_and_nothing_is_kept(session: Session, acct_env: object) -> None:
    alice = make_user(session)
    make_release(session, alice)
    rows = [["USMB12600001", "2026-11", "Spotify", "DE", "1", "1.00", "USD"]] * 50 + \
        [["USMB12600001", "2026-11", "Café Müller", "DE", "1", "1.00", "USD"]]
    with pytest.raises(InvalidInput, match="not UTF-8 text .*Export it as CSV UTF-8"):
        _import(session, alice, csv_bytes(rows, GENERIC, encoding="latin-1"))
    with pytest.raises(InvalidInput, match="UTF-16"):
        _import(session, alice, csv_bytes(rows, GENERIC, encoding="utf-16"))
    assert (_count(session, Statement), _count(session, StatementLine), _count(session, LedgerEntry)) == (0, 0, 0)


def test_an_unknown_header_says_what_the_generic_format_is(session: Session, acct_env: object) -> None:
    alice = make_user(session)
    with pytest.raises(InvalidInput, match="isrc, period, store, territory, units, amount, currency"):
        _import(session, alice, b"song,money\nx,1\n")


def test_the_file_is_read_as_a_stream(session: Session, acct_env: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """The import pulls chunks as it goes: when the first batch of lines is written (INSERT on SQLite,
    COPY data on PostgreSQL), most of the file has not been read yet."""
    alice = make_user(session)
    make_release(session, alice)
    line = b"USMB12600001,2026-11,Spotify,DE,1,0.01,USD\n"
    pulled = []

    def chunks() -> Iterator[bytes]:
        yield (",".join(GENERIC) + "\n").encode()
        for i in range(20_000):
            pulled.append(i)
            yield line

    seen_at_first_batch: list[int] = []
    real_flush = lines.LineSink.flush

    def spy(sink: lines.LineSink) -> None:
        if sink.pending and not seen_at_first_batch:
            seen_at_first_batch.append(len(pulled))
        real_flush(sink)

    monkeypatch.setattr(lines.LineSink, "flush", spy)
    st = statements.import_statement(session=session, actor=actor_for(alice), chunks=chunks()).statement
    assert st.lines_imported == 20_000
    assert seen_at_first_batch and seen_at_first_batch[0] < 10_000


def test_store_names_with_tabs_backslashes_and_line_breaks_are_stored_exactly(session: Session,
                                                                              acct_env: object) -> None:
    """Quoted cells may hold anything; on PostgreSQL they travel through COPY's text format escaped."""
    alice = make_user(session)
    make_release(session, alice)
    stores = ["Tab\there", "Back\\slash \\N", "Two\nlines\r\n", 'Quote "q"', "NUL\x00gone"]
    data = "isrc,period,store,territory,units,amount,currency\n" + "".join(
        f'USMB12600001,2026-11,"{s.replace(chr(34), chr(34) * 2)}",DE,1,0.01,USD\n' for s in stores)
    st = _import(session, alice, data.encode()).statement
    assert (st.lines_imported, st.lines_malformed) == (5, 0)
    got = session.execute(select(StatementLine.store).order_by(StatementLine.line_no)).scalars().all()  # type: ignore[arg-type]
    assert got == ["Tab\there", "Back\\slash \\N", "Two\nlines", 'Quote "q"', "NULgone"]


@pytest.mark.parametrize(("text", "nanos"), [
    ("4.712345678", 4_712_345_678), ("-0.000000001", -1), ("12", 12_000_000_000), ("+2.25", 2_250_000_000),
    ("1E+2", 100_000_000_000), (".5", 500_000_000), ("5.", 5_000_000_000), ("-0", 0),
    ("9223372036.854775807", 2**63 - 1)])
def test_amounts_are_exact_billionths(text: str, nanos: int) -> None:
    assert lines.amount_nanos(text) == nanos


@pytest.mark.parametrize(("text", "reason"), [
    ("1,5", "is not a number (use a dot"), ("1.0000000001", "has more than 9 decimals"), ("NaN", "is not a number"),
    ("9223372036.854775808", "is too large"), ("", "is not a number"), ("١٢x", "is not a number")])
def test_bad_amounts_say_why(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        lines.amount_nanos(text)


def test_the_list_of_unknown_isrcs_stays_bounded(session: Session, acct_env: object) -> None:
    """A file of thousands of different unknown ISRCs lists the first 1,000 (memory stays flat) and counts all."""
    alice = make_user(session)
    make_release(session, alice)
    rows = [[f"DEAAA26{i:05d}", "2026-11", "Spotify", "DE", "1", "0.01", "USD"] for i in range(1500)]
    result = _import(session, alice, csv_bytes(rows, GENERIC))
    assert result.statement.lines_unmatched == 1500
    assert result.unmatched_isrcs == [f"DEAAA26{i:05d}" for i in range(1000)]
