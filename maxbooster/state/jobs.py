"""Job monitor: the user's jobs with live progress (a background poller while any are active).

The poller queries outside the state lock and takes the lock only to assign rows that changed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import reflex as rx
from sqlmodel import Session

from maxbooster.models.jobs import Job, JobStatus
from maxbooster.services import job_kinds, jobs
from maxbooster.services.actor import Actor
from maxbooster.services.errors import DomainError, ErrorCode, InvalidInput
from maxbooster.state.base import AuthState

POLL_S = 1.0


@dataclass
class JobRow:
    id: str
    kind: str
    label: str
    status: str
    progress: int
    message: str
    attempts: int
    created: str
    error: str


def _row(j: Job | Any) -> JobRow:  # a Job or a summary row with the same names
    return JobRow(id=str(j.id), kind=j.kind, label=job_kinds.label(j.kind), status=j.status, progress=j.progress,
                  message=j.message, attempts=j.attempts, created=j.created_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                  error=j.error or "")


def job_rows(*, session: Session, actor: Actor) -> list[JobRow]:
    """The user's rows, converted in the worker thread (not on the event loop)."""
    return [_row(j) for j in jobs.list_job_summaries(session=session, actor=actor)]


def _active(rows: list[JobRow]) -> int:
    return sum(1 for r in rows if JobStatus(r.status).is_active)


class JobsState(AuthState):
    rows: list[JobRow] = []
    active_count: int = 0
    polling: bool = False

    async def _rows(self, actor: Actor | None = None) -> list[JobRow]:
        return await self._call(job_rows, actor=actor)

    def _show(self, rows: list[JobRow]) -> None:
        self._set(rows=rows, active_count=_active(rows))

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        try:
            self._show(await self._rows())
        except DomainError as exc:
            return self._error(exc)
        return JobsState.poll if self.active_count and not self.polling else None

    @rx.event
    async def start_selftest(self):  # type: ignore[no-untyped-def]
        try:
            await self._call(jobs.enqueue_for, kind="system.selftest", params={"seconds": 8, "steps": 16})
            self._show(await self._rows())
        except DomainError as exc:
            return self._error(exc)
        return [rx.toast.success("Self-test job queued"), JobsState.poll]

    @rx.event
    async def cancel(self, job_id: str):  # type: ignore[no-untyped-def]
        try:
            try:
                parsed = uuid.UUID(job_id)
            except ValueError as exc:
                raise InvalidInput(code=ErrorCode.NOT_FOUND) from exc
            await self._call(jobs.cancel, job_id=parsed)
            self._show(await self._rows())
        except DomainError as exc:
            return self._error(exc)
        return rx.toast.info("Job cancelled")

    @rx.event(background=True)
    async def poll(self):  # type: ignore[no-untyped-def]
        def apply(rows: list[JobRow]) -> bool:
            self._show(rows)
            return bool(_active(rows))

        await self._poll_loop(flag="polling", interval_s=POLL_S, fetch=job_rows, apply=apply, params=dict)
