"""The one Celery task: run the job whose id it is given, under a renewed lease."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid

from maxbooster.db import session_scope
from maxbooster.services import jobs
from maxbooster.settings import get_settings
from maxbooster.tasks.celery_app import app, send_job

log = logging.getLogger("maxbooster.jobs")


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _keep_lease(job_id: uuid.UUID, attempt: int, stop: threading.Event) -> None:
    interval = max(1.0, get_settings().job_lease_seconds / 3)
    while not stop.wait(interval):
        with session_scope() as session:
            if not jobs.renew(session=session, job_id=job_id, attempt=attempt):
                return


@app.task(name="maxbooster.run_job", acks_late=True, reject_on_worker_lost=True)
def run_job(job_id_text: str) -> None:
    """Claim, run the registered handler, then finish or record the failure."""
    jobs._load_handlers()
    job_id = uuid.UUID(job_id_text)
    with session_scope() as session:
        attempt = jobs.claim(session=session, job_id=job_id, worker_id=worker_id())
        job = session.get(jobs.Job, job_id) if attempt else None
        kind, params = (job.kind, dict(job.params)) if job else ("", {})
    if attempt is None:
        return  # duplicate delivery, finished, or cancelled: nothing to do
    stop = threading.Event()
    threading.Thread(target=_keep_lease, args=(job_id, attempt, stop), daemon=True).start()

    def report(percent: int, message: str) -> bool:
        with session_scope() as s:
            return jobs.renew(session=s, job_id=job_id, attempt=attempt, progress=percent, message=message)

    try:
        result = jobs.HANDLERS[kind](jobs.JobContext(job_id, attempt, params, report))
        with session_scope() as session:
            jobs.finish(session=session, job_id=job_id, attempt=attempt, result_ref=result)
    except jobs.JobLost:
        log.info("job %s attempt %s stopped: lease lost or cancelled", job_id, attempt)
    except Exception as exc:  # noqa: BLE001  (any handler error becomes a recorded failure)
        log.exception("job %s attempt %s failed", job_id, attempt)
        with session_scope() as session:
            status = jobs.fail_attempt(session=session, job_id=job_id, attempt=attempt,
                                       error=f"{type(exc).__name__}: {exc}")
        if status == "pending":
            send_job(job_id, countdown_s=min(60, 2**attempt))
    finally:
        stop.set()
