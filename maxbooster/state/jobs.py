"""Job monitor: the user's jobs with live progress (a background poller while any are active)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

import reflex as rx

from maxbooster.db import session_scope
from maxbooster.services import jobs
from maxbooster.services.errors import DomainError
from maxbooster.state.auth import AuthState


@dataclass
class JobRow:
    id: str
    kind: str
    status: str
    progress: int
    message: str
    attempts: int
    created: str
    error: str


def _rows(owner_id: uuid.UUID) -> list[JobRow]:
    with session_scope() as session:
        return [JobRow(id=str(j.id), kind=j.kind, status=j.status, progress=j.progress, message=j.message,
                       attempts=j.attempts, created=j.created_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                       error=j.error or "")
                for j in jobs.list_jobs(session=session, owner_id=owner_id)]


class JobsState(AuthState):
    rows: list[JobRow] = []
    polling: bool = False

    @rx.var
    def active_count(self) -> int:
        return sum(1 for r in self.rows if r.status in ("pending", "running"))

    @rx.event
    def load(self):  # type: ignore[no-untyped-def]
        user = self._current_user()
        self._sync(user)
        if user is None:
            return AuthState.require_login
        self.rows = _rows(user.id)
        return JobsState.poll if self.active_count and not self.polling else None

    @rx.event
    def start_selftest(self):  # type: ignore[no-untyped-def]
        user = self._current_user()
        if user is None:
            return AuthState.require_login
        with session_scope() as session:
            jobs.enqueue(session=session, kind="system.selftest", owner_id=user.id,
                         params={"seconds": 8, "steps": 16})
        self.rows = _rows(user.id)
        return [rx.toast.success("Self-test job queued"), JobsState.poll]

    @rx.event
    def cancel(self, job_id: str):  # type: ignore[no-untyped-def]
        user = self._current_user()
        if user is None:
            return AuthState.require_login
        try:
            with session_scope() as session:
                jobs.cancel(session=session, job_id=uuid.UUID(job_id), owner_id=user.id)
        except (ValueError, DomainError) as exc:
            return rx.toast.error(getattr(exc, "message", "That job cannot be cancelled."))
        self.rows = _rows(user.id)
        return rx.toast.info("Job cancelled")

    @rx.event(background=True)
    async def poll(self):  # type: ignore[no-untyped-def]
        async with self:
            if self.polling:
                return
            self.polling = True
        try:
            while True:
                await asyncio.sleep(1)
                async with self:
                    user = self._current_user()
                    if user is None:
                        return
                    self.rows = _rows(user.id)
                    if not self.active_count:
                        return
        finally:
            async with self:
                self.polling = False
