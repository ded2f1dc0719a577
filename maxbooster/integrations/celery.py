"""Celery configuration and the broker adapter. Creating the app connects to nothing.

The worker app (`maxbooster.tasks.celery_app`) and the sending side share `make_celery`;
sending needs only the task's name, so the services that enqueue never import tasks.
"""

from __future__ import annotations

import uuid
from functools import lru_cache

from celery import Celery

from maxbooster.settings import get_settings

QUEUE = "maxbooster"
RUN_JOB = "maxbooster.run_job"


def make_celery(broker_url: str | None = None, *, include: list[str] | None = None) -> Celery:
    settings = get_settings()
    if settings.broker_is_embedded:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = Celery("maxbooster", broker=broker_url or settings.celery_broker_url, include=include or [])
    app.conf.update(
        task_default_queue=QUEUE,
        task_ignore_result=True,
        task_acks_late=True,  # with reject_on_worker_lost a killed child's message is redelivered
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        # kombu's SQLAlchemy transport hands these options to create_engine().
        # The embedded transport polls its SQLite table: every 0.2 s (kombu's default is 1 s) keeps
        # a new job's start quick at the cost of a cheap indexed read.
        broker_transport_options=(
            {"connect_args": {"timeout": 30}, "polling_interval": 0.2} if settings.broker_is_embedded
            else {"visibility_timeout": 3600}
        ),
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        task_serializer="json",
        accept_content=["json"],
    )
    return app


@lru_cache(maxsize=4)
def _sender(broker_url: str) -> Celery:
    return make_celery(broker_url)


class CeleryBroker:
    """Puts job ids on the configured Celery broker (the job row was committed first)."""

    def send(self, job_id: uuid.UUID, *, countdown_s: float = 0) -> None:
        sender = _sender(get_settings().celery_broker_url)
        sender.send_task(RUN_JOB, args=[str(job_id)], countdown=countdown_s or None, queue=QUEUE)
