"""The composer's helpers (a substate of the composer, so they read and set its text and schedule):
"Write with AI" — three caption variants about a release or track, with who wrote them and why the model
was not used — and best-time chips per chosen account that set the date and time in one click; and the
post dialog's engagement (a substate of the calendar): the latest counts and a small chart of the readings."""

from __future__ import annotations

import uuid
from typing import Any

import reflex as rx

from maxbooster.services.errors import DomainError
from maxbooster.services.library.overview import parse_id
from maxbooster.services.social import best_time, captions, ingest, posts, queues
from maxbooster.state.social.calendar import CalendarState
from maxbooster.state.social.composer import ComposerState


class ComposerAssistState(ComposerState):
    subjects: list[dict[str, str]] = []  # {"value": "release:<id>", "label": …}
    subject: str = ""
    ideas: list[dict[str, str]] = []  # {"text", "length"}
    writer: str = ""
    by_model: bool = False
    ai_notice: str = ""
    writing: bool = False
    text_key: int = 0  # bumped when a caption is put in the text box (it re-mounts with the new text)
    best: list[dict[str, str]] = []  # chips: {"account", "label", "day", "at", "hint"}
    best_notes: list[str] = []

    @rx.event
    async def load_assist(self):  # type: ignore[no-untyped-def]
        try:
            found = await self._call(captions.caption_subjects)
        except DomainError as exc:
            return self._error(exc)
        subjects = [{"value": f"{kind}:{sid}", "label": ("Release: " if kind == "release" else "Track: ") + title}
                    for kind, sid, title in found]
        self._set(subjects=subjects, subject=subjects[0]["value"] if subjects else "", ideas=[], writer="",
                  ai_notice="")
        await self._load_best()
        return None

    @rx.event
    def set_subject(self, value: str):  # type: ignore[no-untyped-def]
        self._set(subject=str(value)[:100])

    @rx.event
    async def write(self):  # type: ignore[no-untyped-def]
        kind, _, raw = self.subject.partition(":")
        subject_id = parse_id(raw)
        account_id = parse_id(self.selected[0]) if self.selected else None
        if subject_id is None or account_id is None:
            self._set(ai_notice="Choose an account to post to and a release or track to write about first.")
            return
        self._set(writing=True)
        yield
        try:
            result = await self._call(captions.suggest_captions, network="", account_id=account_id,
                                      release_id=subject_id if kind == "release" else None,
                                      track_id=subject_id if kind == "track" else None)
        except DomainError as exc:
            self._set(writing=False, ai_notice=exc.message, ideas=[])
            return
        self._set(writing=False, writer=result.writer, by_model=result.by_model, ai_notice=result.notice,
                  ideas=[{"text": v.text, "length": f"{v.length} / {v.limit}"} for v in result.variants])

    @rx.event
    async def use_caption(self, text: str):  # type: ignore[no-untyped-def]
        self._set(text=str(text)[:posts.MAX_TEXT])
        self.text_key += 1
        await self._recheck()

    async def _load_best(self) -> None:
        chips, notes = [], []
        zone = queues.zone(self.tz) if self._tz_ok() else None
        for row in self.choices:
            account_id = parse_id(row.id)
            if row.id not in self.selected or account_id is None:
                continue
            try:
                found = await self._call(best_time.best_times, account_id=uuid.UUID(str(account_id)), count=4)
            except DomainError:
                continue
            if not found.from_history:
                notes.append(f"{row.handle}: {found.message}")
            for slot in found.slots:
                local = slot.next_at.astimezone(zone)
                hint = "common good time" if slot.rate is None else f"from {slot.posts} of your posts"
                chips.append({"account": row.handle, "label": f"{local:%a %d %b %H:%M}",
                              "day": local.date().isoformat(), "at": f"{local:%H:%M}", "hint": hint})
        self._set(best=chips, best_notes=notes)

    @rx.event
    async def refresh_best(self):  # type: ignore[no-untyped-def]
        await self._load_best()

    @rx.event
    def pick_time(self, day: str, at: str):  # type: ignore[no-untyped-def]
        self._set(day=str(day)[:10], at=str(at)[:5])


COUNTS = (("reach", "Reach"), ("likes", "Likes"), ("comments", "Comments"), ("shares", "Shares"), ("saves", "Saves"),
          ("video_views", "Views"), ("link_clicks", "Link clicks"))


class PostEngagementState(CalendarState):
    """A published post's engagement in the post dialog: the latest counts and their readings over time."""

    shown_id: str = ""  # the variant whose engagement is open
    counts: list[dict[str, str]] = []
    series: list[dict[str, Any]] = []
    simulated: bool = False
    empty: str = ""

    @rx.event
    async def show_engagement(self, variant_id: str):  # type: ignore[no-untyped-def]
        vid = parse_id(variant_id)
        if vid is None:
            return None
        try:
            samples = await self._call(ingest.post_series, variant_id=vid)
        except DomainError as exc:
            return self._error(exc)
        zone = queues.zone(self.tz) if self.tz else None
        last = samples[-1] if samples else None
        self._set(shown_id=str(variant_id), simulated=bool(last and last.simulated),
                  empty="" if samples else "No readings yet: the first arrives within an hour of posting.",
                  counts=[{"label": label, "value": f"{getattr(last, key):,}"} for key, label in COUNTS
                          if last is not None and getattr(last, key) is not None],
                  series=[{"t": s.taken_at.astimezone(zone).strftime("%d %b %H:%M"), "reach": s.reach or 0,
                           "likes": s.likes, "link_clicks": s.link_clicks or 0} for s in samples])
        return None
