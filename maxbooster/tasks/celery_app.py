"""The worker's Celery application (configuration shared with the sender in integrations.celery)."""

from __future__ import annotations

from maxbooster.integrations.celery import QUEUE, make_celery

__all__ = ["QUEUE", "app"]

app = make_celery(include=["maxbooster.tasks.jobs"])
