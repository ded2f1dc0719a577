"""Worker process: Celery plus a heartbeat/reaper thread in the main worker process. Two kinds: the
main worker (prefork processes, the main queue) and the social publishing worker (`--social`: a
thread pool on its own queue)."""

from __future__ import annotations

import gc
import logging
import os
import socket
import threading

from celery import signals

from maxbooster.db import session_scope
from maxbooster.integrations.celery import SOCIAL_QUEUE
from maxbooster.services import jobs
from maxbooster.services.billing import state as billing_state
from maxbooster.settings import get_settings
from maxbooster.tasks.celery_app import QUEUE, app

log = logging.getLogger("maxbooster.worker")
_stop = threading.Event()


def _housekeeping(worker_name: str) -> None:
    """Heartbeat every few seconds; reap expired leases and re-dispatch what they free; move users whose
    billing grace period is over to Free."""
    settings = get_settings()
    while not _stop.is_set():
        try:
            jobs.housekeeping(worker_id=worker_name, hostname=socket.gethostname(), pid=os.getpid())
            with session_scope() as session:
                billing_state.expire_grace(session=session)
        except Exception:  # noqa: BLE001  (keep beating through transient DB errors)
            log.exception("worker housekeeping failed")
        _stop.wait(settings.worker_heartbeat_seconds)


@signals.worker_ready.connect
def _on_ready(sender=None, **_: object) -> None:  # type: ignore[no-untyped-def]
    name = getattr(sender, "hostname", None) or f"worker@{socket.gethostname()}:{os.getpid()}"
    threading.Thread(target=_housekeeping, args=(f"{name}:{os.getpid()}",), daemon=True).start()


@signals.worker_shutdown.connect
def _on_shutdown(**_: object) -> None:
    _stop.set()


def tune_gc() -> None:
    """For a worker process, once its modules are imported: what is loaded so far is never collected
    (`gc.freeze`, which also keeps those pages shared by the prefork children), and the young generation is
    collected every 50,000 new objects instead of 700. A batch of jobs' work (the billing drain builds
    tens of thousands of short-lived objects per batch) otherwise spent a third of its CPU in collections
    that free almost nothing (reference counting frees them)."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 10)


def run_worker(*, concurrency: int | None = None, social: bool = False) -> int:
    """Run a worker in this process (blocks until stopped): the main queue on WORKER_CONCURRENCY
    processes (CPU work: mastering, audio, renders), or with `social` the social publishing queue on
    SOCIAL_PUBLISH_THREADS threads (each job waits on a network and the database far more than it
    computes, so one process runs many at once)."""
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    jobs.load_kinds()
    tune_gc()
    if social:
        n, queue, pool, name = concurrency or settings.social_publish_threads, SOCIAL_QUEUE, "threads", "social"
        if n < 1:
            log.error("SOCIAL_PUBLISH_THREADS is 0: social publishing runs on the main worker; nothing to do here")
            return 1
    else:
        n, queue, pool, name = concurrency or settings.worker_concurrency, QUEUE, "prefork", "maxbooster"
    app.worker_main(["worker", "--loglevel", "INFO", "--concurrency", str(n), "-Q", queue,
                     "--pool", pool, "-n", f"{name}-{os.getpid()}@%h", "--without-gossip",
                     "--without-mingle", "--without-heartbeat"])
    return 0
