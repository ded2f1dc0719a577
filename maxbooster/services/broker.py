"""The broker interface the job service sends job ids through, and an in-process broker.

Services never import Celery tasks: `enqueue` hands the committed job id to `get_broker()`.
The default is the Celery adapter (`maxbooster.integrations.celery`), which only needs the
task's name. `InProcessBroker` runs jobs on a thread of this process with the same
`jobs.execute` a Celery worker calls — a real broker for tests and single-process tools.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
import uuid
from typing import Protocol


class Broker(Protocol):
    def send(self, job_id: uuid.UUID, *, countdown_s: float = 0, lane: str = "default") -> None:
        """Deliver the id to a worker (of `lane`'s workers where the broker keeps lanes apart)."""
        ...


_override: Broker | None = None


def get_broker() -> Broker:
    """The configured broker: an installed override (tests, tools), else Celery."""
    if _override is not None:
        return _override
    from maxbooster.integrations.celery import CeleryBroker

    return CeleryBroker()


def use_broker(broker: Broker | None) -> None:
    """Install `broker` for this process (None restores the Celery default)."""
    global _override
    _override = broker


class InProcessBroker:
    """Delivers job ids to `jobs.execute` on one background thread, honouring countdowns."""

    def __init__(self, worker_id: str = "in-process") -> None:
        self.worker_id = worker_id
        self.sent: list[uuid.UUID] = []
        self._queue: list[tuple[float, int, uuid.UUID]] = []
        self._seq = itertools.count()
        self._cv = threading.Condition()
        self._busy = 0
        self._stop = False
        self._thread: threading.Thread | None = None

    def send(self, job_id: uuid.UUID, *, countdown_s: float = 0, lane: str = "default") -> None:
        with self._cv:
            self.sent.append(job_id)
            heapq.heappush(self._queue, (time.monotonic() + countdown_s, next(self._seq), job_id))
            self._cv.notify_all()

    def start(self) -> InProcessBroker:
        self._thread = threading.Thread(target=self._loop, name="in-process-broker", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cv:
            self._stop = True
            self._cv.notify_all()
        if self._thread:
            self._thread.join(10)

    def wait_idle(self, timeout_s: float = 30) -> bool:
        """Block until nothing is queued or running (True), or the timeout passes (False)."""
        deadline = time.monotonic() + timeout_s
        with self._cv:
            while self._queue or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cv.wait(min(left, 0.05))
        return True

    def _loop(self) -> None:
        from maxbooster.services import jobs

        while True:
            with self._cv:
                while not self._stop and (not self._queue or self._queue[0][0] > time.monotonic()):
                    self._cv.wait(0.05 if self._queue else 1)
                if self._stop:
                    return
                _, _, job_id = heapq.heappop(self._queue)
                self._busy += 1
            try:
                jobs.execute(job_id, worker_id=self.worker_id)
            finally:
                with self._cv:
                    self._busy -= 1
                    self._cv.notify_all()
