"""Library page: the artist's tracks (search, filter, sort, pages), uploads, edit, delete.

While any track on the page is processing, a background poller refreshes the page's rows
(queried outside the state lock, assigned only when they changed). Waveforms and audio reach
the browser by signed URL, never through state.
"""

from __future__ import annotations

import json

import reflex as rx

from maxbooster import routes
from maxbooster.models.library import TrackStatus
from maxbooster.services.errors import DomainError
from maxbooster.services.library import tracks
from maxbooster.services.library.overview import TrackRow, page_rows, parse_id
from maxbooster.settings import get_settings
from maxbooster.state.base import AuthState

POLL_S = 1.5


class LibraryState(AuthState):
    rows: list[TrackRow] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    query: str = ""
    status_filter: str = ""
    sort: str = "newest"
    loaded: bool = False
    polling: bool = False
    confirm_delete_id: str = ""
    confirm_delete_title: str = ""
    editing_id: str = ""

    @rx.var
    def processing_count(self) -> int:
        return sum(1 for r in self.rows if r.status == TrackStatus.PROCESSING)

    @rx.var
    def upload_url(self) -> str:
        return routes.V1_TRACKS

    @rx.var
    def upload_max_bytes(self) -> int:
        return get_settings().upload_max_bytes

    async def _refresh(self):  # type: ignore[no-untyped-def]
        try:
            rows, total, pages = await self._call(page_rows, query=self.query, status=self.status_filter,
                                                  sort=self.sort, page=self.page)
        except DomainError as exc:
            return self._error(exc)
        self._set(rows=rows, total=total, pages=pages, loaded=True)
        return LibraryState.poll if self.processing_count and not self.polling else None

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        return await self._refresh()

    @rx.event
    async def search(self, form: dict[str, str]):  # type: ignore[no-untyped-def]
        self._set(query=str(form.get("query", ""))[:100], page=1)
        return await self._refresh()

    @rx.event
    async def set_filter(self, value: str):  # type: ignore[no-untyped-def]
        self._set(status_filter="" if value == "all" else value, page=1)
        return await self._refresh()

    @rx.event
    async def set_sort(self, value: str):  # type: ignore[no-untyped-def]
        self._set(sort=value, page=1)
        return await self._refresh()

    @rx.event
    async def go_page(self, page: int):  # type: ignore[no-untyped-def]
        self._set(page=max(1, min(int(page), self.pages)))
        return await self._refresh()

    @rx.event
    async def uploaded(self, payload: str):  # type: ignore[no-untyped-def]
        """The uploader finished one file (JSON reply of the upload endpoint)."""
        try:
            reply = json.loads(payload)
        except (TypeError, ValueError):
            reply = {}
        refresh = await self._refresh()
        if reply.get("duplicate"):
            title = (reply.get("track") or {}).get("title", "This file")
            return [refresh, rx.toast.info(f"{title} is already in your library.")] if refresh else \
                rx.toast.info(f"{title} is already in your library.")
        return refresh

    @rx.event
    def ask_delete(self, track_id: str, title: str):  # type: ignore[no-untyped-def]
        self._set(confirm_delete_id=track_id, confirm_delete_title=title)

    @rx.event
    def cancel_delete(self):  # type: ignore[no-untyped-def]
        self._set(confirm_delete_id="", confirm_delete_title="")

    @rx.event
    async def confirm_delete(self):  # type: ignore[no-untyped-def]
        track_id, title = self.confirm_delete_id, self.confirm_delete_title
        self._set(confirm_delete_id="", confirm_delete_title="")
        try:
            await self._call(tracks.delete_track, track_id=parse_id(track_id))
        except DomainError as exc:
            return self._error(exc)
        refresh = await self._refresh()
        toast = rx.toast.success(f"Deleted {title}")
        return [toast, refresh] if refresh else toast

    @rx.event
    def start_edit(self, track_id: str):  # type: ignore[no-untyped-def]
        self._set(editing_id=track_id)

    @rx.event
    async def save_edit(self, form: dict[str, str]):  # type: ignore[no-untyped-def]
        track_id = self.editing_id
        try:
            await self._call(tracks.update_track, track_id=parse_id(track_id), title=str(form.get("title", "")),
                             artist=str(form.get("artist", "")))
        except DomainError as exc:
            return self._error(exc)
        self._set(editing_id="")
        return await self._refresh()

    @rx.event
    def cancel_edit(self):  # type: ignore[no-untyped-def]
        self._set(editing_id="")

    @rx.event
    async def retry(self, track_id: str):  # type: ignore[no-untyped-def]
        try:
            await self._call(tracks.retry_processing, track_id=parse_id(track_id))
        except DomainError as exc:
            return self._error(exc)
        return await self._refresh()

    @rx.event(background=True)
    async def poll(self):  # type: ignore[no-untyped-def]
        def apply(result: tuple[list[TrackRow], int, int]) -> bool:
            self._set(rows=result[0], total=result[1], pages=result[2])
            return any(r.status == TrackStatus.PROCESSING for r in result[0])

        await self._poll_loop(flag="polling", interval_s=POLL_S, fetch=page_rows, apply=apply,
                              params=lambda: {"query": self.query, "status": self.status_filter, "sort": self.sort,
                                              "page": self.page})
