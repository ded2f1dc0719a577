"""Releases speed: DDEX ERN 4.3 generation + validation for a 20-track album.

Run: python benchmarks/releases_bench.py [--runs 30]

Measured against the goal of issue 11 (≤ 300 ms): building the complete NewReleaseMessage of a
20-track album from a snapshot and checking it (DDEX's XSD, references, profile rules). The schema is
loaded once per process (reported separately, like a worker that has delivered before). Needs the
schema folder (MAXBOOSTER_DDEX_XSD_DIR or ../shared/ddex beside the checkout).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, date, datetime

from maxbooster.services.releases import ern, ern_check

GOAL_MS = 300.0


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    started = time.perf_counter()
    schema = ern_check.load_schema()
    if schema is None:
        print("DDEX's ERN 4.3 schema is not installed (set MAXBOOSTER_DDEX_XSD_DIR)", file=sys.stderr)
        return 2
    load_ms = (time.perf_counter() - started) * 1000
    snap, header = album(), ern.Header("MB-bench-1", "bench", "PADPIDA0000000000L", "North Records",
                                       "PADPIDA0000000000L", "Store", datetime.now(UTC))
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        ern_check.check_message(ern.new_release_message(snap, header), schema=schema, require_schema=True)
        times.append((time.perf_counter() - t0) * 1000)
    median, worst = statistics.median(times), max(times)
    met = "MET" if worst <= GOAL_MS else "NOT MET"
    print(f"ERN 4.3 schema load (once per process)                 {load_ms:8.1f} ms")
    print(f"ERN 20-track album: build + XSD + reference checks     {median:8.1f} ms median, {worst:.1f} ms worst "
          f"of {args.runs}  (goal <= {GOAL_MS:.0f} ms: {met})")
    return 0 if met == "MET" else 1


if __name__ == "__main__":
    sys.exit(main())
