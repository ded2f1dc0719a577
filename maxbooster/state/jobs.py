"""Job monitor: the user's jobs with live progress (a background poller while any are active).

The poller queries outside the state lock and takes the lock only to assign rows that changed.
Every load and poll reads the rows from the database (nothing is cached); the worker thread
compares them with the rows last shown, as plain tuples, and converts and assigns them only
when they differ, so an unchanged list costs one query and one tuple comparison.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import reflex as rx
from sqlmodel import Session

from maxbooster.models.jobs import JobStatus
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


def _row(summary: tuple[Any, ...]) -> JobRow:
    """A row for the page from a `list_job_summaries` row, as a plain tuple."""
    job_id, kind, status, progress, message, attempts, created_at, error = summary
    return JobRow(id=str(job_id), kind=kind, label=job_kinds.label(kind), status=status, progress=progress,
                  message=message, attempts=attempts, created=created_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                  error=error or "")


RowsKey = tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class Fetched:
    """The user's rows as read (`key`), and converted for the page unless they equal `shown`."""

    key: RowsKey
    rows: list[JobRow] | None  # None: the same rows as the ones on the page


def job_rows(*, session: Session, actor: Actor, shown: RowsKey | None = None) -> Fetched:
    """The user's rows read now, converted in the worker thread (not on the event loop) only
    when they differ from `shown` (the key of the rows the page already has)."""
    key = tuple(tuple(r) for r in jobs.list_job_summaries(session=session, actor=actor))
    return Fetched(key, None if key == shown else [_row(r) for r in key])


def _active(rows: list[JobRow]) -> int:
    return sum(1 for r in rows if JobStatus(r.status).is_active)


class JobsState(AuthState):
    rows: list[JobRow] = []
    active_count: int = 0
    polling: bool = False
    _shown: RowsKey | None = None  # the rows as read when `rows` was last assigned

    async def _rows(self, actor: Actor | None = None) -> Fetched:
        if actor is None:  # the load: only reads
            return await self._read(job_rows, shown=self._shown)
        return await self._call(job_rows, actor=actor, shown=self._shown)

    def _show(self, fetched: Fetched) -> None:
        if fetched.key == self._shown:
            return  # the page shows these rows already
        rows = fetched.rows if fetched.rows is not None else [_row(r) for r in fetched.key]  # a poll came between
        self._shown = fetched.key
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
        def apply(fetched: Fetched) -> bool:
            self._show(fetched)
            return bool(self.active_count)

        await self._poll_loop(flag="polling", interval_s=POLL_S, fetch=job_rows, apply=apply,
                              params=lambda: {"shown": self._shown})
