"""Releases and royalties speed: ERN generation, statement import, the earnings page.

Run: python benchmarks/releases_bench.py [--only ern|import|earnings] [--lines 1000000]
         [--earnings-lines 5000000] [--runs 30] [--keep-db]          (./mb bench releases)

Measured against the goals of issue 11:

1. ern: the complete DDEX ERN 4.3 NewReleaseMessage of a 20-track album built from a snapshot and
   checked (DDEX's XSD, references, profile rules): <= 300 ms. The schema is loaded once per process
   (reported separately, like a worker that has delivered before). Needs the schema folder
   (MAXBOOSTER_DDEX_XSD_DIR or ../shared/ddex beside the checkout).
2. import: a 1,000,000-line TuneCore-style statement (300 ISRCs of a seeded owner's release tracks
   with accepted splits and a recoupment, 20 unknown ISRCs, a few returns, two currencies) written
   to disk and imported through the real service into PostgreSQL, in a child process so that its
   peak RSS (VmHWM) is the import's own: >= 50,000 lines/s and <= 200 MB. Baseline in the same run:
   reading and CSV-parsing the same file with no database.
3. earnings: one artist whose catalogue has 5,000,000 statement lines (60 monthly statements over
   300 tracks, lines made by PostgreSQL, ledger posted by the real service) and who is also a
   collaborator of another catalogue: what the earnings page calls (the artist's own balances, the
   catalogue's balances, the statements list) timed over --runs runs: p95 <= 300 ms. The ledger also
   holds 500,000 rows of another catalogue, which the page must not have to read.

The database is a fresh one (`mb_bench`, dropped first) on the server of MAXBOOSTER_BENCH_DATABASE_URL
(default postgresql://postgres@127.0.0.1:5432/test), dropped afterwards unless --keep-db.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from maxbooster.services.releases import ern, ern_check  # noqa: E402

ERN_GOAL_MS = 300.0
IMPORT_GOAL_LPS = 50_000
IMPORT_GOAL_MB = 200.0
EARNINGS_GOAL_MS = 300.0
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
BENCH_DB = "mb_bench"
TRACKS, UNKNOWN = 300, 20
OTHER_LEDGER_ROWS = 500_000
HEADER = ["ISRC", "Sales Period", "Store Name", "Country Of Sale", "Units Sold", "Total Earned", "Currency"]
STORES = ("Spotify", "Apple Music", "Amazon Music", "YouTube Music", "Deezer", "Tidal", "TikTok", "Pandora",
          "iTunes", "Napster", "Anghami", "Boomplay")
COUNTRIES = ("US", "GB", "DE", "FR", "BR", "MX", "CA", "AU", "JP", "SE", "NL", "ES", "IT", "PL", "IN", "ID",
             "PH", "NG", "ZA", "AR", "CL", "CO", "NO", "DK", "FI", "IE", "PT", "AT", "CH", "BE", "")


# ---------------------------------------------------------------- ERN

def album(n: int = 20) -> ern.ReleaseSnap:
    def track(i: int) -> ern.TrackSnap:
        return ern.TrackSnap(
            isrc=f"USMB126{i:05d}", title=f"Song {i}", version="", artists=(ern.Credit("Ava North", "primary"),),
            contributors=(ern.Credit("Ava North", "composer"), ern.Credit(f"Producer {i % 4}", "producer")),
            explicit=False, duration_s=200.0 + i, sample_rate=44100, bits=24, channels=2, codec="FLAC",
            file=ern.FileRef(f"resources/0614141000012_01_{i:03d}.flac", "MD5", f"{i:032x}", 40_000_000))
    return ern.ReleaseSnap(
        release_id="bench", upc="0614141000012", release_type="album", title="Bench Album", version="",
        artists=(ern.Credit("Ava North", "primary"),), label="North Records", genre="Electronic", subgenre="",
        language="en", release_date=date(2027, 3, 5), original_release_date=None, territories=(),
        price_tier="mid", p_year=2026, p_owner="North Records", c_year=2026, c_owner="North Records",
        artwork=ern.ArtworkSnap(3000, 3000, "JPEG", ern.FileRef("resources/front.jpg", "MD5", "f" * 32, 2_000_000)),
        tracks=tuple(track(i) for i in range(1, n + 1)))


def bench_ern(runs: int) -> bool | None:
    started = time.perf_counter()
    schema = ern_check.load_schema()
    if schema is None:
        print("DDEX's ERN 4.3 schema is not installed (set MAXBOOSTER_DDEX_XSD_DIR)", file=sys.stderr)
        return None
    load_ms = (time.perf_counter() - started) * 1000
    snap, header = album(), ern.Header("MB-bench-1", "bench", "PADPIDA0000000000L", "North Records",
                                       "PADPIDA0000000000L", "Store", datetime.now(UTC))
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        ern_check.check_message(ern.new_release_message(snap, header), schema=schema, require_schema=True)
        times.append((time.perf_counter() - t0) * 1000)
    median, worst = statistics.median(times), max(times)
    met = worst <= ERN_GOAL_MS
    print(f"ERN 4.3 schema load (once per process)                 {load_ms:8.1f} ms")
    print(f"ERN 20-track album: build + XSD + reference checks     {median:8.1f} ms median, {worst:.1f} ms worst "
          f"of {runs}  (goal <= {ERN_GOAL_MS:.0f} ms: {_met(met)})")
    return met


# ---------------------------------------------------------------- database and catalogue

def _met(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def bench_database(admin_url: str) -> str:
    """A fresh, migrated `mb_bench` database on the admin URL's server; returns its URL."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from maxbooster.db import make_engine
    from maxbooster.migrations import upgrade_head

    admin = make_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{BENCH_DB}"'))
    admin.dispose()
    url = make_url(admin_url.replace("postgresql://", "postgresql+psycopg://", 1)).set(database=BENCH_DB)
    rendered = url.render_as_string(hide_password=False)
    upgrade_head(rendered)
    return rendered


def drop_database(admin_url: str) -> None:
    from sqlalchemy import text

    from maxbooster.db import make_engine

    admin = make_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
    admin.dispose()


def seed_catalogue(url: str, email: str, prefix: str, tracks: int = TRACKS,
                   collaborators: tuple[str, ...] = ("mia@example.com", "leo@example.com")) -> tuple[uuid.UUID,
                                                                                                   list[str]]:
    """An owner with one album of `tracks` tracks (ISRCs `prefix`00001…), each with a split: owner 70 %,
    the collaborators 20 % and 10 % (accepted; every 10th track's 10 % still pending), every 25th
    track recouping 500.00 USD to the first collaborator first. Rows made directly (seed data)."""
    from sqlmodel import Session, select

    from maxbooster.db import make_engine
    from maxbooster.models.accounts import User
    from maxbooster.models.releases import Release, ReleaseTrack
    from maxbooster.models.royalties import InviteStatus, RoyaltySplit, SplitShare

    engine = make_engine(url)
    isrcs = [f"{prefix}{i:05d}" for i in range(1, tracks + 1)]
    with Session(engine) as s:
        owner = User(email=email, display_name=email.split("@")[0])
        s.add(owner)
        for other in collaborators:
            if s.exec(select(User).where(User.email == other)).first() is None:
                s.add(User(email=other, display_name=other.split("@")[0]))
        s.flush()
        ids = {u.email: u.id for u in s.exec(select(User)).all()}
        release = Release(owner_id=owner.id, title="Bench Album", release_type="album",
                          artists=[{"name": owner.display_name, "role": "primary"}])
        s.add(release)
        s.flush()
        for i, code in enumerate(isrcs):
            track = ReleaseTrack(release_id=release.id, position=i + 1, title=f"Song {i + 1}", isrc=code)
            s.add(track)
            s.flush()
            recoup = (i % 25 == 0)
            split = RoyaltySplit(owner_id=owner.id, release_track_id=track.id,
                                 recoup_amount_minor=50_000 if recoup else 0, recoup_currency="USD" if recoup else "",
                                 recoup_email=collaborators[0] if recoup else "")
            s.add(split)
            s.flush()
            s.add(SplitShare(split_id=split.id, email=email, user_id=owner.id, share_bps=7000, is_owner=True,
                             status=InviteStatus.ACCEPTED))
            for other, bps in zip(collaborators, (2000, 1000), strict=False):
                pending = bps == 1000 and i % 10 == 0
                s.add(SplitShare(split_id=split.id, email=other, user_id=None if pending else ids[other],
                                 share_bps=bps, status=InviteStatus.PENDING if pending else InviteStatus.ACCEPTED))
        s.commit()
        owner_id = owner.id
    engine.dispose()
    return owner_id, isrcs


# ---------------------------------------------------------------- statement import

def write_statement(path: Path, lines: int, isrcs: list[str], *, seed: int = 11) -> None:
    """A TuneCore-style statement: lines spread over the owner's ISRCs (5 % unknown ISRCs), three months,
    stores, countries, per-stream amounts with 6-9 decimals, 0.3 % returns, one line in ten in EUR."""
    rng = random.Random(seed)
    unknown = [f"GBZZZ26{i:05d}" for i in range(1, UNKNOWN + 1)]
    periods = ("2026-08", "2026-09", "2026-10")
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(HEADER) + "\n")
        block: list[str] = []
        for n in range(lines):
            isrc = rng.choice(unknown) if n % 20 == 7 else isrcs[rng.randrange(len(isrcs))]
            units = 1 + int(rng.expovariate(1 / 400))
            amount = units * rng.uniform(0.0021, 0.0049)
            if n % 331 == 5:
                amount = -amount
            decimals = 6 + n % 4
            block.append(f"{isrc},{periods[n % 3]},{STORES[n % len(STORES)]},{COUNTRIES[n % len(COUNTRIES)]},"
                         f"{units},{amount:.{decimals}f},{'EUR' if n % 10 == 3 else 'USD'}\n")
            if len(block) == 10_000:
                out.write("".join(block))
                block = []
        out.write("".join(block))


def parse_only(path: Path) -> tuple[float, int]:
    """Baseline: read the file and split it into CSV rows (no validation, no database)."""
    t0 = time.perf_counter()
    rows = 0
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
        for _row in csv.reader(text):
            rows += 1
    return time.perf_counter() - t0, rows - 1


def _vm(name: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return float(line.split()[1]) / 1024.0
    return 0.0


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a local process (the PostgreSQL backend); 0 when it is not local."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_import(url: str, path: str, owner_id: str) -> None:
    """In a fresh process: import the file through the service; print seconds, VmHWM and counts as JSON."""
    from functools import partial

    from sqlalchemy import func, select, text
    from sqlmodel import Session

    from maxbooster.db import make_engine
    from maxbooster.models.royalties import LedgerEntry
    from maxbooster.services.actor import Actor
    from maxbooster.services.royalties import statements

    engine = make_engine(url)
    actor = Actor(user_id=uuid.UUID(owner_id), via="cli")
    with Session(engine, expire_on_commit=False) as session, open(path, "rb") as f:
        backend = session.execute(text("SELECT pg_backend_pid()")).scalar_one()  # connected before the clock
        session.commit()
        rss_before, db_cpu = _vm("VmRSS"), _cpu_seconds(backend)
        t0, cpu0 = time.perf_counter(), time.process_time()
        result = statements.import_statement(session=session, actor=actor, chunks=iter(partial(f.read, 1 << 20), b""),
                                             filename=Path(path).name)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        db_cpu = _cpu_seconds(backend) - db_cpu
        st = result.statement
        ledger_rows = session.execute(select(func.count()).select_from(LedgerEntry)
                                      .where(LedgerEntry.statement_id == st.id)).scalar_one()  # type: ignore[arg-type]
    print(json.dumps({"seconds": seconds, "cpu": cpu, "db_cpu": db_cpu, "rss_mb": _vm("VmHWM"),
                      "rss_before_mb": rss_before,
                      "total": st.lines_total, "imported": st.lines_imported, "unmatched": st.lines_unmatched,
                      "malformed": st.lines_malformed, "already": result.already_imported,
                      "unmatched_isrcs": len(result.unmatched_isrcs), "ledger_rows": ledger_rows}))


def _run_child(*args: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--child-import", *args], capture_output=True, text=True,
                          cwd=ROOT, check=False, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode != 0:
        raise RuntimeError(f"import child failed: {done.stderr.strip()[-1500:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def bench_import(url: str, lines: int, workdir: Path) -> bool:
    owner_id, isrcs = seed_catalogue(url, "noah@example.com", "USNB126")
    path = workdir / "statement-tunecore.csv"
    t0 = time.perf_counter()
    write_statement(path, lines, isrcs)
    gen_s = time.perf_counter() - t0
    size_mb = path.stat().st_size / 1024 / 1024
    parse_s, parsed = parse_only(path)
    got = _run_child(url, str(path), str(owner_id))
    again = _run_child(url, str(path), str(owner_id))
    lps, base_lps = got["total"] / got["seconds"], parsed / parse_s
    speed_ok, rss_ok = lps >= IMPORT_GOAL_LPS, got["rss_mb"] <= IMPORT_GOAL_MB
    same = again["already"] and again["total"] == got["total"]
    print(f"statement file: {got['total']:,.0f} lines, {size_mb:.0f} MB (written in {gen_s:.1f} s); imported "
          f"{got['imported']:,.0f}, unmatched {got['unmatched']:,.0f} ({got['unmatched_isrcs']:.0f} ISRCs), "
          f"malformed {got['malformed']:,.0f}, ledger rows {got['ledger_rows']:,.0f}")
    print(f"import into PostgreSQL ({got['seconds']:.1f} s)                 {lps:10,.0f} lines/s  "
          f"(goal >= {IMPORT_GOAL_LPS:,}: {_met(speed_ok)})")
    print(f"  baseline: read + CSV-parse only ({parse_s:.2f} s)         {base_lps:10,.0f} lines/s  "
          f"(import/baseline time ratio {got['seconds'] / parse_s:.1f})")
    busier = max(got["cpu"], got["db_cpu"])
    print(f"  CPU: importing process {got['cpu']:.1f} s, its PostgreSQL backend {got['db_cpu']:.1f} s "
          f"(load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores); with a core each "
          f"and nothing else running: ~{got['total'] / busier:,.0f} lines/s" if busier else "")
    print(f"import peak RSS (VmHWM of the importing process)     {got['rss_mb']:8.1f} MB  "
          f"(goal <= {IMPORT_GOAL_MB:.0f} MB: {_met(rss_ok)}; {got['rss_before_mb']:.1f} MB before the import)")
    print(f"same file again ({again['seconds']:.1f} s)                          "
          f"{'nothing changed' if same else 'CHANGED SOMETHING'}")
    return speed_ok and rss_ok and bool(same)


# ---------------------------------------------------------------- earnings page

def seed_earnings(url: str, total_lines: int, statements_n: int = 60) -> uuid.UUID:
    """The artist (ava@) with `total_lines` statement lines over `statements_n` monthly statements of her
    catalogue (lines made by PostgreSQL, 5 % unknown ISRCs, 0.3 % returns; the ledger posted by the real
    service from the lines' totals), and a collaborator of another catalogue (zoe@, imported for real)."""
    from sqlalchemy import text
    from sqlmodel import Session

    from maxbooster.db import make_engine
    from maxbooster.models.royalties import Statement
    from maxbooster.services.actor import Actor
    from maxbooster.services.royalties import ledger, statements
    from maxbooster.services.royalties.statements import NANOS

    owner_id, isrcs = seed_catalogue(url, "ava@example.com", "USAV126", collaborators=("mia@example.com",
                                                                                       "leo@example.com"))
    zoe_id, zoe_isrcs = seed_catalogue(url, "zoe@example.com", "USZO126", tracks=20,
                                       collaborators=("ava@example.com", "leo@example.com"))
    engine = make_engine(url)
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "zoe.csv"
        write_statement(small, 20_000, zoe_isrcs, seed=3)
        with Session(engine, expire_on_commit=False) as s, small.open("rb") as f:
            statements.import_statement(session=s, actor=Actor(user_id=zoe_id, via="cli"), chunks=[f.read()],
                                        filename="zoe.csv")
    per = total_lines // statements_n
    with Session(engine, expire_on_commit=False) as s:
        rows = s.execute(text("SELECT t.id, t.isrc FROM release_tracks t JOIN releases r ON r.id = t.release_id "
                              "WHERE r.owner_id = :o ORDER BY t.position"), {"o": owner_id}).all()
        ids, codes = [r[0] for r in rows], [r[1] for r in rows]
        for m in range(statements_n):
            period = f"{2021 + m // 12}-{m % 12 + 1:02d}"
            n = per if m < statements_n - 1 else total_lines - per * (statements_n - 1)
            st = Statement(owner_id=owner_id, filename=f"tunecore-{period}.csv", layout="tunecore",
                           sha256=uuid.uuid4().hex + uuid.uuid4().hex)
            s.add(st)
            s.flush()
            s.execute(text(
                "INSERT INTO royalty_statement_lines (statement_id, line_no, isrc, release_track_id, period, "
                "store, territory, units, amount_nanos, currency) "
                "SELECT :sid, g + 1, "
                "CASE WHEN g % 20 = 7 THEN 'GBZZZ26' || lpad(((g / 20) % 20 + 1)::text, 5, '0') "
                "     ELSE (CAST(:codes AS text[]))[1 + g % :nt] END, "
                "CASE WHEN g % 20 = 7 THEN NULL ELSE (CAST(:ids AS uuid[]))[1 + g % :nt] END, "
                ":period, (CAST(:stores AS text[]))[1 + g % 12], (CAST(:countries AS text[]))[1 + g % 31], "
                "u, CASE WHEN g % 331 = 5 THEN -1 ELSE 1 END * (u * (2100000 + (g * 7919) % 2800000)), "
                "'USD' FROM generate_series(1::bigint, :n) g, LATERAL (SELECT 1 + (g * 104729) % 900 AS u) x"),
                {"sid": st.id, "codes": codes, "ids": ids, "nt": len(ids), "period": period,
                 "stores": list(STORES), "countries": list(COUNTRIES), "n": n})
            totals = {(t, p, c, pos): int(v) for t, p, c, pos, v in s.execute(text(
                "SELECT release_track_id, period, currency, amount_nanos >= 0, sum(amount_nanos) "
                "FROM royalty_statement_lines WHERE statement_id = :sid AND release_track_id IS NOT NULL "
                "GROUP BY 1, 2, 3, 4"), {"sid": st.id}).all()}
            st.lines_total = st.lines_imported = n
            st.lines_unmatched = n // 20
            ledger.post_statement(session=s, statement=st, totals=totals, nano_digits=NANOS)
            s.commit()
        # the rest of the ledger: another catalogue's 5,000 collaborators (the page must not read them)
        s.execute(text("INSERT INTO royalty_ledger (id, owner_id, party_email, kind, amount_minor, currency, period, "
                       "memo, created_at) SELECT gen_random_uuid(), :zoe, 'fan' || (g % 5000) || '@example.com', "
                       "'income', 100 + g % 900, 'USD', '2026-01', '', now() FROM generate_series(1, :n) g"),
                  {"zoe": zoe_id, "n": OTHER_LEDGER_ROWS})
        s.execute(text("ANALYZE"))
        s.commit()
    engine.dispose()
    return owner_id


def _timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]


def bench_earnings(url: str, total_lines: int, runs: int) -> bool:
    from sqlalchemy import text
    from sqlmodel import Session

    from maxbooster.db import make_engine
    from maxbooster.services.actor import Actor
    from maxbooster.services.royalties import ledger, statements

    t0 = time.perf_counter()
    owner_id = seed_earnings(url, total_lines)
    seed_s = time.perf_counter() - t0
    engine = make_engine(url)
    actor = Actor(user_id=owner_id, via="web")
    with Session(engine, expire_on_commit=False) as s:
        counts = s.execute(text(
            "SELECT (SELECT count(*) FROM royalty_statement_lines l JOIN royalty_statements st "
            "ON st.id = l.statement_id WHERE st.owner_id = :o), "
            "(SELECT count(*) FROM royalty_ledger WHERE owner_id = :o), (SELECT count(*) FROM royalty_ledger)"),
            {"o": owner_id}).one()

    def page() -> None:
        with Session(engine, expire_on_commit=False) as s:
            ledger.my_balances(session=s, actor=actor)
            ledger.catalogue_balances(session=s, actor=actor)
            statements.list_statements(session=s, actor=actor)

    def part(fn: Callable[[Session], object]) -> Callable[[], None]:
        def run() -> None:
            with Session(engine, expire_on_commit=False) as s:
                fn(s)
        return run

    page()  # a warm connection pool, like a running app
    print(f"earnings data: {counts[0]:,} statement lines of the artist's catalogue, {counts[1]:,} ledger rows "
          f"(of {counts[2]:,} in all), seeded in {seed_s:.0f} s")
    rows = [("  my balances", part(lambda s: ledger.my_balances(session=s, actor=actor))),
            ("  catalogue balances", part(lambda s: ledger.catalogue_balances(session=s, actor=actor))),
            ("  statements list", part(lambda s: statements.list_statements(session=s, actor=actor))),
            ("  (not on the page) the artist's statement CSV",
             part(lambda s: ledger.statement_csv(session=s, actor=actor))),
            ("  (not on the page) a statement's unmatched ISRCs",
             part(lambda s: statements.unmatched_isrcs(session=s, statement_id=statements.list_statements(
                 session=s, actor=actor)[0].id)))]
    median, p95 = _timed(page, runs)
    ok = p95 <= EARNINGS_GOAL_MS
    print(f"earnings page (3 service calls, own session)          {median:8.1f} ms median, {p95:.1f} ms p95 of "
          f"{runs}  (goal <= {EARNINGS_GOAL_MS:.0f} ms: {_met(ok)})")
    for name, fn in rows:
        m, p = _timed(fn, runs)
        print(f"{name:<54}{m:8.1f} ms median, {p:.1f} ms p95")
    engine.dispose()
    return ok


# ---------------------------------------------------------------- main

def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--only", choices=("ern", "import", "earnings"))
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--lines", type=int, default=1_000_000, help="statement lines to import")
    parser.add_argument("--earnings-lines", type=int, default=5_000_000, help="statement lines behind the earnings")
    parser.add_argument("--keep-db", action="store_true", help=f"leave the {BENCH_DB} database for inspection")
    parser.add_argument("--child-import", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_import:
        child_import(*args.child_import)
        return 0
    results: list[bool | None] = []
    if args.only in (None, "ern"):
        results.append(bench_ern(args.runs))
    if args.only in (None, "import", "earnings"):
        admin_url = os.environ.get("MAXBOOSTER_BENCH_DATABASE_URL", DEFAULT_ADMIN_URL)
        url = bench_database(admin_url)
        try:
            if args.only in (None, "import"):
                with tempfile.TemporaryDirectory() as tmp:
                    results.append(bench_import(url, args.lines, Path(tmp)))
            if args.only in (None, "earnings"):
                results.append(bench_earnings(url, args.earnings_lines, args.runs))
        finally:
            if not args.keep_db:
                drop_database(admin_url)
    if None in results:
        return 2
    print("ALL GOALS MET" if all(results) else "SOME GOALS NOT MET")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
