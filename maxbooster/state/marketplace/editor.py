"""The listing editor: fields, audio from the library, preview job, tiers, collaborators, publish."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

import reflex as rx

from maxbooster import routes
from maxbooster.models.marketplace import FileRole, Listing, ListingKind, PreviewStatus, TierKind
from maxbooster.services.errors import DomainError, InvalidInput
from maxbooster.services.library import tracks as library_tracks
from maxbooster.services.marketplace import editor, files, listings, previews
from maxbooster.services.money import BPS_WHOLE
from maxbooster.state.base import AuthState
from maxbooster.state.marketplace.common import CAP_WORDS, _act, _int_or_none, _plain, _public_url, _query, _uuid
from maxbooster.state.marketplace.editor_forms import CollabEdit, TierEdit, _share_bps, _split


class EditorState(AuthState):
    """The listing editor: fields, audio from the library, preview job, tiers, collaborators, publish."""

    listing_id: str = ""
    found: bool = False
    status: str = ""
    kind: str = ListingKind.BEAT
    title: str = ""
    description: str = ""
    tags: str = ""
    genre: str = ""
    bpm: str = ""
    musical_key: str = ""
    watermark: str = ""
    preview_status: str = ""
    preview_error: str = ""
    preview_url: str = ""
    peaks_url: str = ""
    cover_url: str = ""
    duration_s: float = 0.0
    file_names: list[str] = []
    tracks: list[list[str]] = []  # [id, title] of ready library tracks
    tier_rows: list[TierEdit] = []
    collab_rows: list[CollabEdit] = []  # everyone sharing the sales but you
    missing: list[str] = []
    polling: bool = False

    async def _reload(self) -> None:
        lid = _uuid(self.listing_id)
        if lid is None:
            self._set(found=False)
            return
        view = await self._call(editor.editor_view, listing_id=lid)
        row = view.listing
        self._set(found=True, status=row.status, kind=row.kind, title=row.title, description=row.description,
                  tags=", ".join(row.tags), genre=row.genre, bpm=str(row.bpm or ""), musical_key=row.musical_key or "",
                  watermark=row.watermark, cover_url=_public_url(row, row.cover_key, "cover", "image/png"),
                  file_names=[f"{f.role}: {f.original_name}" for f in view.files], missing=view.missing,
                  tier_rows=[TierEdit(kind=t.kind, name=t.name, price=_plain(t.price_minor, t.currency),
                                      deliverables=", ".join(t.deliverables),
                                      **{f: str(getattr(t, f) or "") for f in CAP_WORDS}) for t in view.tiers],
                  collab_rows=[CollabEdit(email=c.email, share=f"{c.share_bps / 100:g}") for c in view.collaborators
                               if str(c.user_id) != self._user_id])
        self._preview_of(row)

    def _preview_of(self, row: Listing) -> bool:
        """Show the listing's preview state; True while its job is still to finish."""
        self._set(preview_status=row.preview_status, preview_error=row.preview_error,
                  preview_url=_public_url(row, row.preview_key, "preview.mp3", "audio/mpeg"),
                  peaks_url=_public_url(row, row.preview_peaks_key, "preview.dat", "application/octet-stream"),
                  duration_s=float(row.preview_duration_s or 0.0))
        return row.preview_status not in (PreviewStatus.READY, PreviewStatus.FAILED)

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self._set(listing_id=_query(self, "id"))
        try:
            await self._reload()
            mine = await self._call(library_tracks.list_tracks, status="ready")
            self._set(tracks=[[str(t.id), t.title] for t in mine.tracks])
        except DomainError:
            self._set(found=False)
        return None

    @rx.event
    async def save(self, form: dict[str, Any]):  # type: ignore[no-untyped-def]
        try:
            bpm = _int_or_none(str(form.get("bpm", "")), "BPM")
            changes: dict[str, Any] = {
                "title": form.get("title", ""), "description": form.get("description", ""),
                "tags": [t for t in str(form.get("tags", "")).split(",")], "genre": form.get("genre", "")}
            if self.kind == ListingKind.BEAT:
                changes |= {"bpm": bpm, "musical_key": str(form.get("musical_key") or "") or None}
        except DomainError as exc:
            return self._error(exc)
        return await _act(self, listings.update_listing, "Saved.", listing_id=uuid.UUID(self.listing_id),
                          changes=changes)

    @rx.event
    async def use_track(self, track_id: str):  # type: ignore[no-untyped-def]
        if _uuid(track_id) is None:
            return None
        beat = self.kind == ListingKind.BEAT  # a pack's track is what its preview is made from
        done = ("The track is the beat's audio now." if beat else "The preview will be made from this track.")
        return await _act(self, files.attach_track, done + " Make a preview next.",
                          listing_id=uuid.UUID(self.listing_id), track_id=uuid.UUID(track_id),
                          role=FileRole.MAIN if beat else FileRole.PREVIEW)

    @rx.event
    async def use_tone(self):  # type: ignore[no-untyped-def]
        return await _act(self, files.set_watermark, listing_id=uuid.UUID(self.listing_id), watermark="tone")

    @rx.var
    def voice_tag_upload_url(self) -> str:
        """Where the voice tag uploader sends the file (REST, with the session cookie)."""
        lid = _uuid(self.listing_id)
        return routes.V1_MARKETPLACE_SELLER_VOICE_TAG.format(listing_id=lid) if lid else ""

    @rx.event
    async def voice_tag_uploaded(self, _reply: str):  # type: ignore[no-untyped-def]
        return await _act(self, done="Your voice tag is saved. Make the preview again to hear it.")

    @rx.event
    async def make_preview(self):  # type: ignore[no-untyped-def]
        try:
            await self._call(previews.request_preview, listing_id=uuid.UUID(self.listing_id))
            await self._reload()
        except DomainError as exc:
            return self._error(exc)
        return EditorState.poll_preview

    @rx.event(background=True)
    async def poll_preview(self):  # type: ignore[no-untyped-def]
        lid = uuid.UUID(self.listing_id)
        await self._poll_loop(flag="polling", interval_s=1.0, fetch=listings.get_listing,
                              params=lambda: {"listing_id": lid}, apply=self._preview_of)
        async with self:
            with contextlib.suppress(DomainError):
                await self._reload()

    @rx.event
    def add_tier(self) -> None:
        used = {t.kind for t in self.tier_rows}
        kind = next((k.value for k in TierKind if k.value not in used), TierKind.MP3_LEASE.value)
        self.tier_rows = [*self.tier_rows, TierEdit(kind, "", "", "mp3", "", "", "", "")]

    @rx.event
    def remove_tier(self, index: int) -> None:
        self.tier_rows = [t for i, t in enumerate(self.tier_rows) if i != index]

    @rx.event
    def edit_tier(self, index: int, field: str, value: str) -> None:
        rows = list(self.tier_rows)
        if 0 <= index < len(rows) and field in TierEdit.__dataclass_fields__:
            setattr(rows[index], field, value)
            self.tier_rows = rows

    @rx.event
    async def save_tiers(self):  # type: ignore[no-untyped-def]
        try:
            specs = [listings.TierInput(
                kind=t.kind, price=t.price.strip(), name=t.name.strip(),
                deliverables=[d.strip().lower() for d in t.deliverables.split(",") if d.strip()],
                caps={f: _int_or_none(getattr(t, f), CAP_WORDS[f].capitalize()) for f in CAP_WORDS})
                for t in self.tier_rows]
        except DomainError as exc:
            return self._error(exc)
        return await _act(self, listings.set_tiers, "License tiers saved.", listing_id=uuid.UUID(self.listing_id),
                          tiers=specs)

    @rx.event
    def add_collaborator(self) -> None:
        self.collab_rows = [*self.collab_rows, CollabEdit("", "")]

    @rx.event
    def remove_collaborator(self, index: int) -> None:
        self.collab_rows = [c for i, c in enumerate(self.collab_rows) if i != index]

    @rx.event
    def edit_collaborator(self, index: int, field: str, value: str) -> None:
        rows = list(self.collab_rows)
        if 0 <= index < len(rows) and field in CollabEdit.__dataclass_fields__:
            setattr(rows[index], field, value[:320])
            self.collab_rows = rows

    @rx.var
    def you_keep(self) -> str:
        """Your share as the rows stand ("70 %"), or "" while a share is not a number yet."""
        try:
            return f"{(BPS_WHOLE - sum(_share_bps(c.share) for c in self.collab_rows)) / 100:g} %"
        except InvalidInput:
            return ""

    @rx.event
    async def save_collaborators(self):  # type: ignore[no-untyped-def]
        try:
            people = _split(self.collab_rows, self.email)
        except InvalidInput as exc:
            return self._error(exc)
        return await _act(self, listings.set_collaborators, "Collaborators saved." if people else
                          "No collaborators: every sale is yours.", listing_id=uuid.UUID(self.listing_id),
                          collaborators=people)

    @rx.event
    async def publish(self):  # type: ignore[no-untyped-def]
        answer = await _act(self, listings.publish, "Published: buyers can find it now.",
                            listing_id=uuid.UUID(self.listing_id))
        await _act(self)  # the checklist shows what is missing after a refusal too
        return answer

    @rx.event
    async def unpublish(self):  # type: ignore[no-untyped-def]
        return await _act(self, listings.unpublish, listing_id=uuid.UUID(self.listing_id))

    @rx.event
    async def upload_cover(self, uploads: list[rx.UploadFile]):  # type: ignore[no-untyped-def]
        if not uploads:
            return None
        return await _act(self, files.set_cover, "Cover saved.", listing_id=uuid.UUID(self.listing_id),
                          chunks=[await uploads[0].read()])

    @rx.event
    async def upload_zip(self, uploads: list[rx.UploadFile]):  # type: ignore[no-untyped-def]
        if not uploads:
            return None
        try:
            for up in uploads:
                await self._call(files.attach_zip, listing_id=uuid.UUID(self.listing_id),
                                 filename=up.filename or "files.zip", chunks=[await up.read()],
                                 role=FileRole.STEMS if self.kind == ListingKind.BEAT else FileRole.ZIP)
        except DomainError as exc:
            return self._error(exc)
        return await _act(self, None, "ZIP checked and attached.")
