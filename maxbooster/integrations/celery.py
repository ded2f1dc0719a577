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
SOCIAL_QUEUE = "maxbooster.social"  # the "social" lane: publishing, on a worker with a thread pool
RUN_JOB = "maxbooster.run_job"


EMBEDDED_POLL_S = 0.2


def make_celery(broker_url: str | None = None, *, include: list[str] | None = None) -> Celery:
    settings = get_settings()
    if settings.broker_is_embedded:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # The embedded transport polls its SQLite table; every 0.2 s (kombu's default is 1 s) starts
        # a new job sooner for one cheap indexed read. Its transport options all go to
        # create_engine(), so the interval is set on the transport's channel class instead.
        from kombu.transport import sqlalchemy as kombu_sqlalchemy

        kombu_sqlalchemy.Channel.polling_interval = EMBEDDED_POLL_S  # type: ignore[attr-defined]
    app = Celery("maxbooster", broker=broker_url or settings.celery_broker_url, include=include or [])
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


@lru_cache(maxsize=4)
def _sender(broker_url: str) -> Celery:
    return make_celery(broker_url)


def queue_for(lane: str) -> str:
    """The Celery queue of a job lane: "social" has its own queue while SOCIAL_PUBLISH_THREADS > 0 (a
    `maxbooster worker --social` consumes it with that many threads), else everything goes to QUEUE."""
    return SOCIAL_QUEUE if lane == "social" and get_settings().social_publish_threads > 0 else QUEUE


class CeleryBroker:
    """Puts job ids on the configured Celery broker (the job row was committed first)."""

    def send(self, job_id: uuid.UUID, *, countdown_s: float = 0, lane: str = "default") -> None:
        sender = _sender(get_settings().celery_broker_url)
        sender.send_task(RUN_JOB, args=[str(job_id)], countdown=countdown_s or None, queue=queue_for(lane))
