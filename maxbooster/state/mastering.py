"""Track page: the track's waveform, player, analysis charts and readiness report, its metadata,
and mastering (destinations, strength, reference, genre → versions with A/B and downloads).

While the track or one of its masters is processing, a background poller refreshes them
(queried outside the state lock).
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from maxbooster.models.library import TrackStatus
from maxbooster.models.mastering import MasterStatus
from maxbooster.services.errors import DomainError, NotFound
from maxbooster.services.library import tracks
from maxbooster.services.library.overview import parse_id
from maxbooster.services.mastering import masters
from maxbooster.services.mastering.overview import CheckRow, MasterRow, Snapshot, snapshot
from maxbooster.state.base import AuthState

POLL_S = 1.5


class TrackState(AuthState):
    track: dict[str, Any] = {}
    checks: list[CheckRow] = []
    loudness: list[dict[str, Any]] = []
    tonal: list[dict[str, Any]] = []
    versions: list[MasterRow] = []
    choices: list[dict[str, str]] = []
    references: list[dict[str, str]] = []
    genres: list[str] = []
    chosen: list[str] = ["spotify"]
    strength: int = 100
    genre: str = ""
    reference_id: str = ""
    custom_lufs: str = "-14"
    custom_ceiling: str = "-1"
    starting: bool = False
    polling: bool = False
    not_found: bool = False
    confirm_delete_master: str = ""
    compare_id: str = ""  # the master version loaded into the player's B side

    @rx.var
    def compare(self) -> dict[str, Any]:
        """The version being compared (the newest ready one unless another was picked)."""
        ready = [m for m in self.versions if m.status == MasterStatus.READY and m.audio_url]
        pick = next((m for m in ready if m.id == self.compare_id), ready[0] if ready else None)
        if pick is None:
            return {"id": "", "url": "", "gain_a": 0.0, "gain_b": 0.0, "label": ""}
        return {"id": pick.id, "url": pick.audio_url, "gain_a": pick.gain_original, "gain_b": pick.gain_master,
                "label": f"v{pick.version} · {pick.label}"}

    def _tid(self) -> str:
        return self.router.url.path.rstrip("/").rsplit("/", 1)[-1]  # /library/<track_id>

    def _show(self, snap: Snapshot) -> None:
        self._set(track=snap.track, checks=snap.checks, loudness=snap.loudness, tonal=snap.tonal,
                  versions=snap.masters, choices=snap.choices, references=snap.references, not_found=False)

    def _busy(self) -> bool:
        return self.track.get("status") == TrackStatus.PROCESSING or any(
            m.status == MasterStatus.PROCESSING or m.preparing for m in self.versions)

    async def _refresh(self):  # type: ignore[no-untyped-def]
        try:
            snap = await self._call(snapshot, track_id=parse_id(self._tid()), genre=self.genre)
        except NotFound:
            self._set(not_found=True, track={})
            return None
        except DomainError as exc:
            return self._error(exc)
        self._show(snap)
        return TrackState.poll if self._busy() and not self.polling else None

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        if not self.genres:
            self._set(genres=masters.genres())
        return await self._refresh()

    @rx.event
    async def save_meta(self, form: dict[str, str]):  # type: ignore[no-untyped-def]
        try:
            await self._call(tracks.update_track, track_id=parse_id(self._tid()), title=str(form.get("title", "")),
                             artist=str(form.get("artist", "")))
        except DomainError as exc:
            return self._error(exc)
        await self._refresh()
        return rx.toast.success("Saved")

    @rx.event
    def toggle_destination(self, key: str, on: bool):  # type: ignore[no-untyped-def]
        chosen = [k for k in self.chosen if k != key] + ([key] if on else [])
        self._set(chosen=chosen)

    @rx.event
    def set_strength(self, value: float):  # type: ignore[no-untyped-def]
        try:
            self._set(strength=max(0, min(100, int(float(value)))))
        except (TypeError, ValueError):
            self._set(strength=100)

    @rx.event
    async def set_genre(self, value: str):  # type: ignore[no-untyped-def]
        self._set(genre="" if value == "auto" else value)
        return await self._refresh()

    @rx.event
    def set_reference(self, value: str):  # type: ignore[no-untyped-def]
        self._set(reference_id="" if value == "none" else value)

    @rx.event
    def set_custom(self, form: dict[str, str]):  # type: ignore[no-untyped-def]
        self._set(custom_lufs=str(form.get("custom_lufs", self.custom_lufs))[:8],
                  custom_ceiling=str(form.get("custom_ceiling", self.custom_ceiling))[:8])

    @rx.event
    async def start_master(self):  # type: ignore[no-untyped-def]
        self._set(starting=True)
        yield
        try:
            lufs, ceiling = _floats(self.custom_lufs, self.custom_ceiling) if "custom" in self.chosen else (None, None)
            made = await self._call(masters.create_masters, track_id=parse_id(self._tid()), presets=self.chosen,
                                    strength_pct=self.strength, genre=self.genre,
                                    reference_track_id=parse_id(self.reference_id) if self.reference_id else None,
                                    target_lufs=lufs, ceiling_dbtp=ceiling)
        except DomainError as exc:
            yield self._error(exc)
            return
        finally:
            self._set(starting=False)
        yield rx.toast.success(f"Mastering started ({len(made)} version{'s' if len(made) > 1 else ''})")
        yield await self._refresh()

    @rx.event
    def compare_with(self, master_id: str):  # type: ignore[no-untyped-def]
        self._set(compare_id=master_id)

    @rx.event
    def ask_delete_master(self, master_id: str):  # type: ignore[no-untyped-def]
        self._set(confirm_delete_master=master_id)

    @rx.event
    def cancel_delete_master(self):  # type: ignore[no-untyped-def]
        self._set(confirm_delete_master="")

    @rx.event
    async def confirm_master_delete(self):  # type: ignore[no-untyped-def]
        master_id = self.confirm_delete_master
        self._set(confirm_delete_master="")
        try:
            await self._call(masters.delete_master, master_id=parse_id(master_id))
        except DomainError as exc:
            return self._error(exc)
        await self._refresh()
        return rx.toast.success("Version deleted")

    @rx.event
    async def retry(self):  # type: ignore[no-untyped-def]
        try:
            await self._call(tracks.retry_processing, track_id=parse_id(self._tid()))
        except DomainError as exc:
            return self._error(exc)
        return await self._refresh()

    @rx.event(background=True)
    async def poll(self):  # type: ignore[no-untyped-def]
        def apply(snap: Snapshot) -> bool:
            self._show(snap)
            return self._busy()

        await self._poll_loop(flag="polling", interval_s=POLL_S, fetch=snapshot, apply=apply,
                              params=lambda: {"track_id": parse_id(self._tid()), "genre": self.genre})


def _floats(lufs: str, ceiling: str) -> tuple[float, float]:
    from maxbooster.services.errors import InvalidInput

    try:
        return float(lufs), float(ceiling)
    except ValueError as exc:
        raise InvalidInput("Enter the custom loudness and ceiling as numbers, e.g. -14 and -1.") from exc
