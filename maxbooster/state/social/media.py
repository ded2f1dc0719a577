"""The composer's "Make an audiogram" (a substate of the composer, so it can attach the video to the
post): pick a ready track, the excerpt's start and length, the shape and a cover; the job renders both
shapes while a background poller shows its progress; when it is ready the chosen shape is attached."""

from __future__ import annotations

import uuid

import reflex as rx

from maxbooster.models.social import AudiogramShape, AudiogramStatus
from maxbooster.services.errors import DomainError
from maxbooster.services.social import compose_media
from maxbooster.state.social.composer import ComposerState

POLL_S = 1.0
NO_COVER = "none"
SHAPES = [(AudiogramShape.VERTICAL.value, "Vertical, 1080×1920 (Reels, Shorts)"),
          (AudiogramShape.SQUARE.value, "Square, 1080×1080 (feeds)")]


def _clock(seconds: float) -> str:
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


class AudiogramMakerState(ComposerState):
    gram_tracks: list[dict[str, str]] = []  # {"value", "label"}
    gram_covers: list[dict[str, str]] = []
    gram_track: str = ""
    gram_cover: str = NO_COVER
    gram_start: str = "0"
    gram_length: str = "30"
    gram_shape: str = AudiogramShape.VERTICAL.value
    gram_error: str = ""
    gram_percent: int = 0
    gram_step: str = ""  # what the job is doing ("" when no render is running)
    gram_busy: bool = False
    gram_status: str = ""
    watching: bool = False
    _gram_id: str = ""
    _durations: dict[str, float] = {}

    def _fit_excerpt(self) -> None:
        """A fresh excerpt for the chosen track: from the start, 30 s or the whole track when shorter."""
        duration = self._durations.get(self.gram_track, 0.0)
        if duration:
            self._set(gram_start="0", gram_length=f"{min(30, int(duration)) or duration:g}")

    @rx.event
    async def load_gram(self):  # type: ignore[no-untyped-def]
        try:
            tracks, covers = await self._call(compose_media.audiogram_sources)
        except DomainError as exc:
            return self._error(exc)
        self._set(gram_tracks=[{"value": t.id, "label": f"{t.title} ({_clock(t.duration_s)})"} for t in tracks],
                  gram_covers=[{"value": c, "label": f"Cover of {title}"} for c, title in covers],
                  gram_track=tracks[0].id if tracks else "", gram_cover=covers[0][0] if covers else NO_COVER,
                  gram_error="")
        self._durations = {t.id: t.duration_s for t in tracks}
        self._fit_excerpt()
        return None

    @rx.event
    def set_gram(self, field: str, value: str):  # type: ignore[no-untyped-def]
        if field in ("gram_track", "gram_cover", "gram_start", "gram_length", "gram_shape"):
            self._set(**{field: str(value)[:64], "gram_error": ""})
        if field == "gram_track":
            self._fit_excerpt()

    @rx.event
    async def make_gram(self):  # type: ignore[no-untyped-def]
        if self.gram_busy:
            return None
        try:
            gram_id = await self._call(compose_media.make_audiogram, track_id=self.gram_track,
                                       start=self.gram_start, length=self.gram_length,
                                       cover_id="" if self.gram_cover == NO_COVER else self.gram_cover)
        except DomainError as exc:
            self._set(gram_error=exc.message)
            return None
        self._gram_id = str(gram_id)
        self._set(gram_busy=True, gram_error="", gram_percent=0, gram_step="Waiting for a worker",
                  gram_status=AudiogramStatus.RENDERING.value)
        return AudiogramMakerState.watch_gram

    @rx.event(background=True)
    async def watch_gram(self):  # type: ignore[no-untyped-def]
        """Show the render's progress every second; when it ends, attach it (or say why it failed)."""
        await self._poll_loop(flag="watching", interval_s=POLL_S, fetch=compose_media.audiogram_progress,
                              params=lambda: {"audiogram_id": uuid.UUID(self._gram_id)}, apply=self._show_gram)
        return AudiogramMakerState.gram_done

    def _show_gram(self, found: compose_media.AudiogramProgress) -> bool:
        self._set(gram_percent=found.percent, gram_step=found.message, gram_status=found.status)
        return found.status == AudiogramStatus.RENDERING

    @rx.event
    async def gram_done(self):  # type: ignore[no-untyped-def]
        if not self.gram_busy:
            return None
        self._set(gram_busy=False)
        if self.gram_status == AudiogramStatus.RENDERING:  # the poller stopped (signed out, page closed)
            self._set(gram_step="", gram_error="Still rendering: it will be in the media list above when ready.")
            return None
        if self.gram_status == AudiogramStatus.FAILED:
            self._set(gram_error=self.gram_step, gram_step="")
            return None
        token = f"audiogram:{self._gram_id}:{self.gram_shape}"
        await self._load_media()
        self._set(chosen_media=[m for m in self.chosen_media if not m.startswith(f"audiogram:{self._gram_id}:")]
                  + [token], gram_step="")
        await self._recheck()
        return rx.toast.success("Audiogram ready: it is attached to the post.")
