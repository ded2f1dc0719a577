"""The Celery application. Creating it connects to nothing; workers and senders connect lazily."""

from __future__ import annotations

import uuid
from functools import lru_cache

from celery import Celery

from maxbooster.settings import get_settings

QUEUE = "maxbooster"


def make_celery(broker_url: str | None = None) -> Celery:
    settings = get_settings()
    if settings.broker_is_embedded:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = Celery("maxbooster", broker=broker_url or settings.celery_broker_url,
                 include=["maxbooster.tasks.jobs"])
    app.conf.update(
        task_default_queue=QUEUE,
        task_ignore_result=True,
        task_acks_late=True,  # with reject_on_worker_lost a killed child's message is redelivered
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        # kombu's SQLAlchemy transport hands these options to create_engine().
        broker_transport_options=(
            {"connect_args": {"timeout": 30}} if settings.broker_is_embedded
            else {"visibility_timeout": 3600}
        ),
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        task_serializer="json",
        accept_content=["json"],
    )
    return app


app = make_celery()


@lru_cache(maxsize=4)
def _sender(broker_url: str) -> Celery:
    return app if broker_url == app.conf.broker_url else make_celery(broker_url)


def send_job(job_id: uuid.UUID, *, countdown_s: float = 0) -> None:
    """Put a job id on the queue (the row was committed before this is called)."""
    sender = _sender(get_settings().celery_broker_url)
    sender.send_task("maxbooster.run_job", args=[str(job_id)], countdown=countdown_s or None, queue=QUEUE)
