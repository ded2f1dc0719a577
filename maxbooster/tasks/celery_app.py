"""The worker's Celery application (configuration shared with the sender in integrations.celery).

Besides the one task module it imports every module of `job_kinds.MODULES` when the worker starts,
so a worker knows exactly the job kinds the web process can enqueue.
"""

from __future__ import annotations

from maxbooster.integrations.celery import QUEUE, make_celery
from maxbooster.services.job_kinds import MODULES

__all__ = ["QUEUE", "app"]

app = make_celery(include=["maxbooster.tasks.jobs", *MODULES])
