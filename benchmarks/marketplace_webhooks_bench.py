"""Marketplace webhook ingestion: payment events received and applied exactly once, on PostgreSQL.

Run: python benchmarks/marketplace_webhooks_bench.py [--orders 1000] [--dups 0.25] [--workers 2] [--keep-db]

Goal (issue 12, "Speed"): >= 500 events/s sustained on 2 cores with exactly-once effects.

Setup (not timed): a fresh database `mb_bench_mkt` on the server of MAXBOOSTER_BENCH_DATABASE_URL
(default postgresql://postgres@127.0.0.1:5432/test), a seller onboarded through the sandbox, 50 published
beats, and --orders pending orders made by the real cart and checkout (sandbox provider).

Timed, as in production: one `payment_intent.succeeded` per order plus --dups duplicates, shuffled,
each signed exactly as Stripe signs and verified by the `stripe` SDK, then stored once with its job
(`receive_event`, the webhook endpoint's work: one INSERT … ON CONFLICT DO NOTHING, a drain job when none
is pending), while --workers threads drain the stored events in batches (`apply_pending`, the
`billing.apply_events` job's work, one SAVEPOINT per event and one commit per batch: order paid,
transfer, license rendered and hashed, 3 download grants, receipt email to the outbox, audit). Reported: receive
rate, end-to-end rate
(received and applied), and the exactly-once check (every order paid once: one transfer, one license,
one receipt each; every event applied once).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import multiprocessing
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GOAL_EPS = 500.0
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
BENCH_DB = "mb_bench_mkt"
SECRET = "whsec_bench_" + "k" * 24
LISTINGS = 50


def bench_database(admin_url: str) -> str:
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


def seed(orders: int) -> list[dict[str, object]]:
    """Pending orders through the real services; their payment_intent.succeeded events."""
    from sqlalchemy import select

    from maxbooster.db import session_scope
    from maxbooster.models.marketplace import LicenseTier
    from maxbooster.services.marketplace import cart, checkout, listings
    from tests.marketplace.support import onboard, ready_listing
    from tests.support.accounts import actor_for, make_user

    events = []
    with session_scope() as s:
        seller = make_user(s, "producer@example.com")
        onboard(s, seller)
        beats = []
        for i in range(LISTINGS):
            listing = ready_listing(s, seller, title=f"Beat {i}", prices={"mp3_lease": "29.99", "wav_lease": "49.99"})
            listings.publish(session=s, actor=actor_for(seller), listing_id=listing.id)
            tier = s.execute(select(LicenseTier).where(LicenseTier.listing_id == listing.id,
                                                       LicenseTier.kind == "wav_lease")).scalar_one()
            beats.append((listing.id, tier.id))
        buyers = [actor_for(make_user(s, f"buyer{i}@example.com")) for i in range(20)]
        for n in range(orders):
            actor = buyers[n % len(buyers)]
            listing_id, tier_id = beats[n % LISTINGS]
            cart.add_to_cart(session=s, actor=actor, listing_id=listing_id, tier_id=tier_id)
            order = checkout.checkout(session=s, actor=actor).order
            events.append({"id": f"evt_bench_{n:07d}", "object": "event", "type": "payment_intent.succeeded",
                           "created": int(time.time()), "livemode": False,
                           "data": {"object": checkout.payment_intent_object(order)}})
    return events


def sign(body: str) -> str:
    t = int(time.time())
    return f"t={t},v1={hmac.new(SECRET.encode(), f'{t}.{body}'.encode(), hashlib.sha256).hexdigest()}"


def drain(workers: int, ready: Any, receiving: Any, retries: Any) -> None:
    """The worker process: `workers` threads doing the `billing.apply_events` drain job's work, batch by batch,
    until receiving has ended and nothing is left."""
    from maxbooster.db import session_scope
    from maxbooster.services import broker, jobs
    from maxbooster.services.billing.drain import apply_pending

    broker.use_broker(broker.InProcessBroker())
    from maxbooster.tasks.worker import tune_gc

    jobs.load_kinds()  # a worker imports every job's module when it starts
    tune_gc()  # and tunes the garbage collector (`run_worker`)
    lock = threading.Lock()

    def worker() -> None:
        failed: set[object] = set()
        while True:
            still_receiving = receiving.is_set()
            try:
                with session_scope() as s:
                    applied, not_yet = apply_pending(session=s, skip=failed)  # type: ignore[arg-type]
            except Exception:  # noqa: BLE001  (a failed batch is retried by the job; count it)
                with lock:
                    retries.value += 1
                continue
            failed.update(not_yet)
            with lock:
                retries.value += len(not_yet)
            if applied == 0 and not not_yet:
                if not still_receiving:
                    return
                time.sleep(0.005)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    ready.set()
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def run(events: list[dict[str, object]], dups: float, workers: int, receivers: int) -> dict[str, float]:
    from maxbooster.db import read
    from maxbooster.services.billing.stripe_provider import verify_webhook
    from maxbooster.services.billing.webhooks import receive_event

    stream = events + random.Random(7).sample(events, int(len(events) * dups))
    random.Random(11).shuffle(stream)
    bodies = [json.dumps(e, separators=(",", ":")) for e in stream]
    signed = [(b, sign(b)) for b in bodies]
    ctx = multiprocessing.get_context("spawn")
    ready, receiving, retries = ctx.Event(), ctx.Event(), ctx.Value("i", 0)
    receiving.set()
    applier = ctx.Process(target=drain, args=(workers, ready, receiving, retries))  # the worker, as in production
    applier.start()
    ready.wait(60)  # the worker process is up (imports done) before the clock starts

    def receiver(part: list[tuple[str, str]]) -> None:  # one webhook request handler per thread
        for body, header in part:
            event = verify_webhook(payload=body.encode(), signature_header=header, secret=SECRET)
            read(lambda s, event=event: receive_event(session=s, provider="sandbox", event=event))  # as the route

    start = time.perf_counter()
    inbound = [threading.Thread(target=receiver, args=(signed[i::receivers],)) for i in range(receivers)]
    for t in inbound:
        t.start()
    for t in inbound:
        t.join()
    received = time.perf_counter() - start
    receiving.clear()
    applier.join()
    total = time.perf_counter() - start
    return {"events": len(stream), "receive_s": received, "total_s": total, "retries": retries.value}


def check(orders: int) -> list[str]:
    from sqlalchemy import func, select

    from maxbooster.db import session_scope
    from maxbooster.models.billing import WebhookEvent
    from maxbooster.models.email import EmailOutbox
    from maxbooster.models.marketplace import License, Order, Transfer

    with session_scope() as s:
        def n(stmt: object) -> int:
            return int(s.execute(stmt).scalar_one())  # type: ignore[call-overload]
        problems = []
        paid = WebhookEvent.type == "payment_intent.succeeded"
        facts = {"paid orders": n(select(func.count()).select_from(Order).where(Order.status == "paid")),
                 "transfers": n(select(func.count()).select_from(Transfer)),
                 "licenses": n(select(func.count()).select_from(License)),
                 "receipts": n(select(func.count()).select_from(EmailOutbox)),
                 "events stored": n(select(func.count()).select_from(WebhookEvent).where(paid)),
                 "events applied": n(select(func.count()).select_from(WebhookEvent)
                                     .where(paid, WebhookEvent.applied_at.is_not(None)))}  # type: ignore[union-attr]
        for name, value in facts.items():
            if value != orders:
                problems.append(f"{name}: {value} (expected {orders})")
        return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--dups", type=float, default=0.25)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--receivers", type=int, default=4, help="webhook requests handled at once")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    admin_url = os.environ.get("MAXBOOSTER_BENCH_DATABASE_URL", DEFAULT_ADMIN_URL)
    url = bench_database(admin_url)
    os.environ.update(DATABASE_URL=url, MAXBOOSTER_DATA_DIR=tempfile.mkdtemp(prefix="mb-mkt-bench-"),
                      PAYMENTS_PROVIDER="sandbox", EMAIL_BACKEND="outbox")
    from maxbooster.services import broker
    from maxbooster.settings import get_settings

    get_settings.cache_clear()  # read before the bench database existed (`make_engine` reads a setting)

    broker.use_broker(broker.InProcessBroker())  # jobs are stored, not run: the bench's threads apply them
    try:
        t0 = time.perf_counter()
        events = seed(args.orders)
        print(f"setup: {args.orders} pending orders by the real checkout in {time.perf_counter() - t0:.1f} s")
        r = run(events, args.dups, args.workers, args.receivers)
        problems = check(args.orders)
    finally:
        if not args.keep_db:
            drop_database(admin_url)
    receive_eps, total_eps = r["events"] / r["receive_s"], r["events"] / r["total_s"]
    print(f"events: {int(r['events'])} ({args.orders} payments + {int(r['events']) - args.orders} duplicates), "
          f"{args.receivers} receiving and {args.workers} applying threads, {int(r['retries'])} events retried")
    print(f"receive (verify signature + store once + job): {receive_eps:,.0f} events/s")
    print(f"end to end (received and applied, exactly once): {total_eps:,.0f} events/s  "
          f"goal >= {GOAL_EPS:.0f}: {'PASS' if total_eps >= GOAL_EPS else 'FAIL'}")
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    print("exactly once: " + ("OK (every order paid once: 1 transfer, 1 license, 1 receipt; every event applied "
                              "once)" if not problems else "FAILED: " + "; ".join(problems)))
    return 0 if not problems else 1


if __name__ == "__main__":
    raise SystemExit(main())
