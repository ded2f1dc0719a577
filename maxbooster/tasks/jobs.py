"""The one Celery task: run the job whose id it is given (the work lives in services.jobs)."""

from __future__ import annotations

import os
import socket
import uuid

from maxbooster.integrations.celery import RUN_JOB
from maxbooster.services import jobs
from maxbooster.tasks.celery_app import app


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@app.task(name=RUN_JOB, acks_late=True, reject_on_worker_lost=True)
def run_job(job_id_text: str) -> None:
    """Claim, run the registered handler under a renewed lease, finish or record the failure."""
    jobs.execute(uuid.UUID(job_id_text), worker_id=worker_id())
