"""Marketplace speed: search over 100,000 listings on PostgreSQL.

Run: python benchmarks/marketplace_bench.py [--listings 100000] [--runs 300] [--keep-db]
                                                                     (./mb bench marketplace)

Goal of issue 12: a text query with two filters (kind + BPM range) through the real search service
(`services/marketplace/search.search`: the count and the first page of 24, sorted by relevance) has a
p95 <= 50 ms. The listings (90 % published, from 500 sellers, 2-3 tiers each) are bulk-loaded with
COPY; the migration's trigger fills their tsvector as they arrive, the GIN index serves the words
(VACUUM ANALYZE after the load, as autovacuum would do).
Also printed: the same query with a price range over the tiers, a one-word query sorted by newest, and
browsing without words (popular). Queries rotate through word pairs of the generated vocabulary.

The database is a fresh one (`mb_bench_marketplace`, dropped first) on the server of
MAXBOOSTER_BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test), dropped afterwards
unless --keep-db.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GOAL_MS = 50.0
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
BENCH_DB = "mb_bench_marketplace"
SELLERS = 500
MOODS = ("dark", "sunny", "melancholic", "aggressive", "dreamy", "bouncy", "epic", "chill", "moody", "hype",
         "smooth", "gritty", "uplifting", "haunting", "warm", "cold", "emotional", "energetic", "lazy", "cinematic")
SOUNDS = ("piano", "guitar", "808", "strings", "flute", "synth", "choir", "bells", "sax", "brass", "pads", "vocal",
          "drums", "bass", "organ", "harp", "violin", "plucks", "keys", "sample")
GENRES = ("trap", "drill", "lofi", "boom bap", "rnb", "afrobeats", "pop", "house", "reggaeton", "hyperpop")
KEYS = ("C", "Cm", "D", "Dm", "E", "Em", "F", "Fm", "G", "Gm", "A", "Am", "B", "Bm", "F#m", "C#m")
KINDS = ("beat",) * 7 + ("sample_pack", "preset", "plugin")
TIER_SETS = (("mp3_lease", 2999), ("wav_lease", 4999), ("trackout", 9999), ("exclusive", 49999))


def bench_database(admin_url: str) -> str:
    """A fresh, migrated bench database on the admin URL's server; returns its URL."""
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


def load(url: str, listings: int, rng: random.Random) -> float:
    """Sellers, listings and tiers by COPY; returns the seconds taken."""
    import psycopg

    started = time.perf_counter()
    now = datetime.now(UTC)
    sellers = [(uuid.uuid4(), f"Producer {i:03d}") for i in range(SELLERS)]
    tier_rows: list[tuple[object, ...]] = []
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn, conn.cursor() as cur:
        with cur.copy("COPY users (id, email, display_name, role, plan, email_verified, is_active, created_at) "
                      "FROM STDIN") as copy:
            for sid, name in sellers:
                copy.write_row((sid, f"{sid.hex[:12]}@bench.test", name, "user", "free", True, True, now))
        with cur.copy("COPY marketplace_listings (id, owner_id, kind, status, title, description, tags, genre, bpm, "
                      "musical_key, currency, min_price_minor, watermark, preview_status, preview_error, sales_count, "
                      "search_text, published_at, hidden_reason, created_at, updated_at) FROM STDIN") as copy:
            for i in range(listings):
                lid, (owner, seller_name) = uuid.uuid4(), rng.choice(sellers)
                kind = rng.choice(KINDS)
                mood, sound, genre = rng.choice(MOODS), rng.choice(SOUNDS), rng.choice(GENRES)
                title = f"{mood.title()} {sound} {rng.randrange(1, 99)}"
                tags = [rng.choice(MOODS), rng.choice(SOUNDS), genre]
                bpm = rng.randrange(60, 180) if kind == "beat" else None
                key = rng.choice(KEYS) if kind == "beat" else None
                description = f"A {mood} {genre} {kind.replace('_', ' ')} with {sound} and {rng.choice(SOUNDS)}."
                offered = TIER_SETS[: rng.choice((2, 3, 4))]
                prices = [(k, p + rng.randrange(0, 2000)) for k, p in offered]
                status = "published" if rng.random() < 0.9 else rng.choice(("draft", "unpublished", "hidden"))
                created = now - timedelta(minutes=i)
                text = "\n".join([title, " ".join(tags), genre, kind.replace("_", " "), key or "",
                                  f"{bpm} bpm" if bpm else "", seller_name, description])
                copy.write_row((lid, owner, kind, status, title, description, f'["{tags[0]}","{tags[1]}","{tags[2]}"]',
                                genre, bpm, key, "USD", min(p for _, p in prices), "tone", "ready", "",
                                rng.randrange(0, 500), text, created if status == "published" else None, "", created,
                                created))
                tier_rows += [(uuid.uuid4(), lid, tier_kind, tier_kind, price, "USD", '["mp3","license_pdf"]', pos,
                               created) for pos, (tier_kind, price) in enumerate(prices)]
        with cur.copy("COPY marketplace_license_tiers (id, listing_id, kind, name, price_minor, currency, "
                      "deliverables, position, created_at) FROM STDIN") as tiers:
            for row in tier_rows:
                tiers.write_row(row)
        conn.commit()
        conn.autocommit = True  # VACUUM: merges the GIN index's pending list (what autovacuum does after a load)
        for table in ("marketplace_listings", "marketplace_license_tiers", "users"):
            conn.execute(f"VACUUM (ANALYZE) {table}")
    return time.perf_counter() - started


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def timed(runs: int, fn: Callable[[int], int]) -> tuple[list[float], int]:
    fn(0)  # warm: plans and caches, as a running server has them
    samples, hits = [], 0
    for i in range(runs):
        started = time.perf_counter()
        hits += fn(i)
        samples.append((time.perf_counter() - started) * 1000)
    return samples, hits


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    admin_url = os.environ.get("MAXBOOSTER_BENCH_DATABASE_URL", DEFAULT_ADMIN_URL)
    url = bench_database(admin_url)
    try:
        from sqlmodel import Session

        from maxbooster.db import make_engine
        from maxbooster.services.actor import Actor
        from maxbooster.services.marketplace.search import SearchQuery, search

        rng = random.Random(12)
        seconds = load(url, args.listings, rng)
        print(f"loaded {args.listings:,} listings with tiers in {seconds:.1f} s "
              f"({args.listings / seconds:,.0f} listings/s, COPY; tsvector by the migration's trigger)")
        engine = make_engine(url)
        pairs = [f"{m} {s}" for m in MOODS for s in SOUNDS]
        rng.shuffle(pairs)
        anon = Actor.anonymous()
        cases: list[tuple[str, Callable[[int], SearchQuery], bool]] = [
            ("text + 2 filters (kind, BPM range)",
             lambda i: SearchQuery(text=pairs[i % len(pairs)], kind="beat", bpm_min=120, bpm_max=150), True),
            ("text + kind + BPM + price over tiers",
             lambda i: SearchQuery(text=pairs[i % len(pairs)], kind="beat", bpm_min=120, bpm_max=150,
                                   price_min_minor=3000, price_max_minor=6000), False),
            ("one word, newest first", lambda i: SearchQuery(text=MOODS[i % len(MOODS)], sort="newest"), False),
            ("no words: genre, popular", lambda i: SearchQuery(genre=GENRES[i % len(GENRES)], sort="popular"), False),
        ]
        ok = True
        with Session(engine) as session:
            for label, make, is_goal in cases:
                def run(i: int, make: Callable[[int], SearchQuery] = make) -> int:
                    page = search(session=session, actor=anon, query=make(i))
                    session.expunge_all()
                    return page.total
                samples, hits = timed(args.runs, run)
                worst = p95(samples)
                verdict = ""
                if is_goal:
                    ok = worst <= GOAL_MS
                    verdict = f"  goal <= {GOAL_MS:.0f} ms: {'PASS' if ok else 'FAIL'}"
                print(f"{label:40s} p50 {statistics.median(samples):6.1f} ms  p95 {worst:6.1f} ms  "
                      f"(avg {hits / args.runs:,.0f} matches){verdict}")
        engine.dispose()
        return 0 if ok else 1
    finally:
        if not args.keep_db:
            drop_database(admin_url)


if __name__ == "__main__":
    raise SystemExit(main())
