"""The calendar: month / week / list in the browser's time zone, drag to reschedule, a post's states,
retries and approvals (review links)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import reflex as rx

from maxbooster import routes
from maxbooster.models.social import ReviewDecision
from maxbooster.services.errors import DomainError
from maxbooster.services.library.overview import parse_id
from maxbooster.services.social import approvals, composer, posts, publishing, queues, views
from maxbooster.services.social.views import DayCell, PostRow
from maxbooster.state.base import AuthState
from maxbooster.state.social.common import TZ_SCRIPT, _query

CALENDAR_VIEWS = ("month", "week", "list")  # how the calendar page shows posts


class CalendarState(AuthState):
    mode: str = "month"  # month | week | list
    anchor: str = ""  # a local date inside the month or week shown
    tz: str = "UTC"
    title: str = ""
    cells: list[DayCell] = []
    rows: list[PostRow] = []
    open_id: str = ""
    review_link: str = ""
    comment: str = ""
    notice: str = ""
    loaded: bool = False

    @rx.var
    def current(self) -> PostRow | None:
        return next((r for c in self.cells for r in c.posts if r.id == self.open_id),
                    next((r for r in self.rows if r.id == self.open_id), None))

    @rx.event
    def load(self):  # type: ignore[no-untyped-def]
        saved, day = _query(self, "saved"), _query(self, "day")
        if day and self.mode == "list":  # a link to a day shows that day in the month
            self._set(mode=CALENDAR_VIEWS[0])
        self._set(anchor=day, open_id="", review_link="",
                  notice={"now": "Posted: it goes out within a minute.", "draft": "Saved as a draft.",
                          "queue": "Added to the queue.", "schedule": "Scheduled."}.get(saved, ""))
        return rx.call_script(TZ_SCRIPT, callback=CalendarState.set_tz)

    @rx.event
    async def set_tz(self, tz: str):  # type: ignore[no-untyped-def]
        self._set(tz=str(tz or "UTC")[:64])
        return await self._refresh()

    async def _refresh(self):  # type: ignore[no-untyped-def]
        try:
            zi = queues.zone(self.tz)
        except DomainError:
            self._set(tz="UTC")
            zi = queues.zone("UTC")
        try:
            anchor = date.fromisoformat(self.anchor) if self.anchor else datetime.now(zi).date()
        except ValueError:
            anchor = datetime.now(zi).date()
        try:
            title, cells = await self._call(views.calendar, tz=self.tz, mode="week" if self.mode == "week"
                                            else "month", anchor=anchor)
            rows = await self._call(views.post_rows, tz=self.tz) if self.mode == "list" else []
        except DomainError as exc:
            return self._error(exc)
        self._set(anchor=anchor.isoformat(), title=title, cells=cells, rows=rows, loaded=True)
        return None

    @rx.event
    async def set_mode(self, mode: str | list[str]):  # type: ignore[no-untyped-def]
        self._set(mode=mode if isinstance(mode, str) and mode in CALENDAR_VIEWS else "month")
        return await self._refresh()

    @rx.event
    async def step(self, direction: int):  # type: ignore[no-untyped-def]
        base = date.fromisoformat(self.anchor) if self.anchor else date.today()
        if direction == 0:
            self._set(anchor="")
        elif self.mode == "week":
            self._set(anchor=(base + timedelta(days=7 * direction)).isoformat())
        else:
            self._set(anchor=(base.replace(day=15) + timedelta(days=30 * direction)).replace(day=1).isoformat())
        return await self._refresh()

    @rx.event
    async def drop(self, day: str, post_id: str):  # type: ignore[no-untyped-def]
        """One drop, one reschedule: the post keeps its local time on the new day."""
        try:
            await self._call(composer.move_to_day, post_id=str(post_id)[:64], day=str(day)[:10], tz=self.tz)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        await self._refresh()
        return rx.toast.success(f"Moved to {day}.")

    @rx.event
    def open_post(self, post_id: str):  # type: ignore[no-untyped-def]
        self._set(open_id=post_id, review_link="", comment="")

    @rx.event
    def close_post(self):  # type: ignore[no-untyped-def]
        self._set(open_id="", review_link="")

    @rx.event
    def set_comment(self, value: str):  # type: ignore[no-untyped-def]
        self._set(comment=str(value)[:2000])

    async def _act(self, fn: Any, done: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        try:
            await self._call(fn, **kwargs)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        await self._refresh()
        return rx.toast.success(done)

    @rx.event
    async def retry(self, variant_id: str):  # type: ignore[no-untyped-def]
        return await self._act(posts.retry_variant, "Sending it again now.", variant_id=parse_id(variant_id))

    @rx.event
    async def read_metrics(self, variant_id: str):  # type: ignore[no-untyped-def]
        return await self._act(publishing.refresh_metrics, "Engagement updated.", variant_id=parse_id(variant_id))

    @rx.event
    async def delete(self):  # type: ignore[no-untyped-def]
        post_id, self.open_id = self.open_id, ""
        return await self._act(posts.delete_post, "Post deleted.", post_id=parse_id(post_id))

    @rx.event
    async def queue(self):  # type: ignore[no-untyped-def]
        return await self._act(queues.add_to_queue, "Moved to the next free queue slot.",
                               post_id=parse_id(self.open_id))

    @rx.event
    async def schedule_draft(self):  # type: ignore[no-untyped-def]
        return await self._act(approvals.schedule_draft, "Scheduled.", post_id=parse_id(self.open_id))

    @rx.event
    async def ask_approval(self):  # type: ignore[no-untyped-def]
        return await self._act(approvals.request_approval, "Waiting for approval.", post_id=parse_id(self.open_id))

    @rx.event
    async def decide(self, decision: str):  # type: ignore[no-untyped-def]
        return await self._act(approvals.decide, "Approved." if decision == ReviewDecision.APPROVE else
                               "Sent back with your comment.", post_id=parse_id(self.open_id),
                               decision=ReviewDecision(decision), comment=self.comment)

    @rx.event
    async def make_review_link(self):  # type: ignore[no-untyped-def]
        try:
            token, expires = await self._call(approvals.create_review_link, post_id=parse_id(self.open_id))
        except DomainError as exc:
            return rx.toast.error(exc.message)
        base = str(self.router.url).split(routes.SOCIAL)[0]
        self._set(review_link=f"{base}{routes.with_query(routes.SOCIAL_REVIEW, token=token)}")
        await self._refresh()
        return rx.toast.success(f"Review link made; it works once, until {expires:%Y-%m-%d %H:%M} UTC.")
