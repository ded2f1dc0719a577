"""Studio pages: the projects list, and the editor of one project.

The editor's document lives in the browser (it applies each edit at once) and in the database (the
authority); this state only carries it across once when the project opens (`boot`, one JSON
string), then one small acknowledgement per committed gesture (`ack`): the new version and the
ops that undo the edit, or the refusal with its message and the stored document to roll back to.
Playhead, meters, zoom and drag previews never reach the server.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import reflex as rx

from maxbooster import routes
from maxbooster.models.jobs import JobStatus
from maxbooster.services.errors import Conflict, DomainError, NotFound
from maxbooster.services.library.overview import parse_id
from maxbooster.services.studio import assistant, bounce, dawproject, downloads, editor, projects
from maxbooster.services.studio.editor import ProjectRow
from maxbooster.settings import get_settings
from maxbooster.state.base import AuthState

POLL_S = 1.5
MAX_EDIT_BYTES = 1_000_000  # one committed gesture's JSON (a paste of many clips stays far below)


class ProjectsState(AuthState):
    rows: list[ProjectRow] = []
    loaded: bool = False
    creating: bool = False
    renaming_id: str = ""
    confirm_delete_id: str = ""
    confirm_delete_name: str = ""

    async def _refresh(self):  # type: ignore[no-untyped-def]
        try:
            rows = await self._call(editor.project_rows, project_href=routes.project_page("{id}"))
        except DomainError as exc:
            return self._error(exc)
        self._set(rows=rows, loaded=True)
        return None

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        return await self._refresh()

    @rx.event
    def open_create(self):  # type: ignore[no-untyped-def]
        self._set(creating=True)

    @rx.event
    def close_create(self):  # type: ignore[no-untyped-def]
        self._set(creating=False)

    @rx.event
    async def create(self, form: dict[str, str]):  # type: ignore[no-untyped-def]
        try:
            tempo = float(str(form.get("tempo", "120")).replace(",", ".") or "120")
            beats, unit = (int(x) for x in str(form.get("meter", "4/4")).split("/", 1))
            rate = int(str(form.get("sample_rate", "48000")))
        except ValueError:
            return rx.toast.error("Tempo must be a number of beats per minute, like 120.")
        try:
            made = await self._call(projects.create_project, name=str(form.get("name", "")), sample_rate=rate,
                                    tempo_bpm=tempo, beats_per_bar=beats, beat_unit=unit)
        except DomainError as exc:
            return self._error(exc)
        self._set(creating=False)
        return rx.redirect(routes.project_page(made.id))

    @rx.var
    def import_url(self) -> str:
        return routes.V1_PROJECTS_IMPORT

    @rx.var
    def import_max_bytes(self) -> int:
        return get_settings().upload_max_bytes

    @rx.event
    def imported(self, payload: str):  # type: ignore[no-untyped-def]
        """The DAWproject upload made a project (the import endpoint's JSON reply): open it."""
        try:
            reply = json.loads(payload)
            project_id = str(reply["id"])
            notes = [str(n) for n in reply.get("notes", [])][:5]
        except (TypeError, ValueError, KeyError):
            return rx.toast.error("The import finished but its answer could not be read. Reload the page.")
        events = [rx.redirect(routes.project_page(project_id))]
        if notes:
            events.insert(0, rx.toast.info("Imported. Not everything could come along: " + " ".join(notes),
                                           duration=12000))
        return events

    @rx.event
    def start_rename(self, project_id: str):  # type: ignore[no-untyped-def]
        self._set(renaming_id=project_id)

    @rx.event
    def cancel_rename(self):  # type: ignore[no-untyped-def]
        self._set(renaming_id="")

    @rx.event
    async def rename(self, form: dict[str, str]):  # type: ignore[no-untyped-def]
        try:
            await self._call(projects.update_project, project_id=parse_id(self.renaming_id),
                             name=str(form.get("name", "")))
        except DomainError as exc:
            return self._error(exc)
        self._set(renaming_id="")
        return await self._refresh()

    @rx.event
    async def duplicate(self, project_id: str):  # type: ignore[no-untyped-def]
        try:
            made = await self._call(projects.duplicate_project, project_id=parse_id(project_id))
        except DomainError as exc:
            return self._error(exc)
        refresh = await self._refresh()
        toast = rx.toast.success(f"Made a copy: {made.name}")
        return [toast, refresh] if refresh else toast

    @rx.event
    def ask_delete(self, project_id: str, name: str):  # type: ignore[no-untyped-def]
        self._set(confirm_delete_id=project_id, confirm_delete_name=name)

    @rx.event
    def cancel_delete(self):  # type: ignore[no-untyped-def]
        self._set(confirm_delete_id="", confirm_delete_name="")

    @rx.event
    async def confirm_delete(self):  # type: ignore[no-untyped-def]
        project_id, name = self.confirm_delete_id, self.confirm_delete_name
        self._set(confirm_delete_id="", confirm_delete_name="")
        try:
            await self._call(projects.delete_project, project_id=parse_id(project_id))
        except DomainError as exc:
            return self._error(exc)
        refresh = await self._refresh()
        toast = rx.toast.success(f"Deleted {name}")
        return [toast, refresh] if refresh else toast


class StudioState(AuthState):
    boot: str = ""  # JSON from editor.open_project, sent once per opened project
    ack: str = ""  # JSON answer to the last edit
    suggestion: str = ""  # JSON: the mix assistant's last answer ({"busy": true} while it listens)
    name: str = ""
    not_found: bool = False
    bounce_job: str = ""
    bounce_status: str = ""
    bounce_progress: int = 0
    bounce_message: str = ""
    bounce_error: str = ""
    bounce_links: dict[str, str] = {}
    bounce_track: str = ""  # the mix's page in the library (where it is mastered)
    watching: bool = False
    export_job: str = ""
    export_status: str = ""
    export_url: str = ""
    export_message: str = ""
    watching_export: bool = False
    _project_id: str = ""

    def _route_id(self) -> str:
        return self.router.url.path.rstrip("/").rsplit("/", 1)[-1]  # /projects/<project_id>

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        project_id = self._route_id()
        try:
            opened = await self._call(editor.open_project, project_id=project_id)
        except NotFound:
            self._set(not_found=True, boot="", name="")
            return None
        except DomainError as exc:
            return self._error(exc)
        self._project_id = opened["project"]["id"]
        self._set(not_found=False, name=opened["project"]["name"], ack="",
                  boot=json.dumps(opened, separators=(",", ":")))
        return None

    @rx.event
    async def commit(self, payload: str):  # type: ignore[no-untyped-def]
        """One committed gesture from the editor: {"txn_id", "base_version", "ops"}."""
        txn_id = ""
        try:
            if len(payload) > MAX_EDIT_BYTES:
                raise ValueError("too big")
            edit = json.loads(payload)
            txn_id = str(edit.get("txn_id", ""))[:64]
            base, ops = edit.get("base_version"), edit.get("ops")
        except (TypeError, ValueError, AttributeError):
            self._set(ack=json.dumps({"txn_id": txn_id, "ok": False,
                                      "message": "This change could not be read. Reload the page."}))
            return None
        try:
            result = await self._call(projects.commit_edit, project_id=parse_id(self._project_id), base_version=base,
                                      edit=ops, txn_id=txn_id)
        except DomainError as exc:
            answer: dict[str, Any] = {"txn_id": txn_id, "ok": False, "message": exc.message}
            try:  # the stored document, so the browser rolls back to exactly what is saved
                current = await self._call(projects.require_project, project_id=self._project_id)
                answer.update(version=current.version, document=current.document)
                if isinstance(exc, Conflict):  # the editor now shows the other change: no reload needed
                    answer["message"] = ("Someone else changed the same thing a moment ago, so your change was not "
                                         "saved. Their version is shown now: make your change again if you still "
                                         "want it.")
            except DomainError:
                pass
            self._set(ack=json.dumps(answer, separators=(",", ":")))
            return self._error(exc) if not isinstance(exc, Conflict) else rx.toast.warning(answer["message"])
        answer = {"txn_id": txn_id, "ok": True, "version": result.version, "inverse": result.inverse}
        if result.repeated:  # applied before (a resend after a reconnect): the browser takes the stored document
            answer["document"] = result.document
        self._set(ack=json.dumps(answer, separators=(",", ":")))
        return None

    @rx.event
    async def refresh_media(self):  # type: ignore[no-untyped-def]
        """Signed URLs for the clips and the library panel again (after an upload, or when they expire)."""
        return await self.load()

    @rx.event
    async def bounce(self, payload: str = ""):  # type: ignore[no-untyped-def]
        """The editor's Bounce: {"format": "wav24"|"wav16"|"flac"|"mp3", "stems": bool} (JSON)."""
        try:
            choice = json.loads(payload) if payload.startswith("{") else {"format": payload or "wav24"}
            fmt, stems = str(choice.get("format", "wav24")), choice.get("stems") is True
        except (TypeError, ValueError, AttributeError):
            fmt, stems = "wav24", False
        try:
            job = await self._call(bounce.start_bounce, project_id=parse_id(self._project_id), file_format=fmt,
                                   stems=stems)
        except DomainError as exc:
            return self._error(exc)
        self._set(bounce_job=str(job.id), bounce_status=JobStatus.PENDING, bounce_progress=0,
                  bounce_message="Waiting for a worker", bounce_links={}, bounce_track="", bounce_error="")
        return StudioState.watch_bounce

    def _show_bounce(self, view: downloads.BounceView) -> bool:
        self._set(bounce_status=view.status, bounce_progress=view.progress, bounce_message=view.message,
                  bounce_error=view.error, bounce_links=dict(view.downloads),
                  bounce_track=routes.track_page(view.track_id) if view.track_id else "")
        return view.status in (JobStatus.PENDING, JobStatus.RUNNING)

    @rx.event(background=True)
    async def watch_bounce(self):  # type: ignore[no-untyped-def]
        await self._poll_loop(flag="watching", interval_s=POLL_S, fetch=downloads.bounce_view,
                              params=lambda: {"job_id": parse_id(self.bounce_job)}, apply=self._show_bounce)

    @rx.event(background=True)
    async def ask_assistant(self, _payload: str = ""):  # type: ignore[no-untyped-def]
        """The mix assistant listens to the project's clips (outside the state lock: it takes a few
        seconds) and answers with suggested fader/pan changes; the editor shows them as a diff."""
        async with self:
            actor = await self._actor()
            project_id = self._project_id
            if actor is None:
                return rx.redirect(routes.LOGIN)
            self._set(suggestion=json.dumps({"busy": True}))

        try:
            found = [s.to_dict() for s in await self._call(assistant.suggest, actor=actor,
                                                             project_id=parse_id(project_id))]
        except DomainError as exc:
            async with self:
                self._set(suggestion="")
            return self._error(exc)
        async with self:
            self._set(suggestion=json.dumps({"id": uuid.uuid4().hex, "tracks": found}, separators=(",", ":")))
        return None

    @rx.event
    async def export_dawproject(self):  # type: ignore[no-untyped-def]
        try:
            job = await self._call(dawproject.start_export, project_id=parse_id(self._project_id))
        except DomainError as exc:
            return self._error(exc)
        self._set(export_job=str(job.id), export_status=JobStatus.PENDING, export_url="", export_message="")
        return StudioState.watch_export

    def _show_export(self, status: dawproject.ExportStatus) -> bool:
        self._set(export_status=status.job.status, export_url=status.download_url, export_message=status.message)
        return status.job.status in (JobStatus.PENDING, JobStatus.RUNNING)

    @rx.event(background=True)
    async def watch_export(self):  # type: ignore[no-untyped-def]
        await self._poll_loop(flag="watching_export", interval_s=POLL_S, fetch=dawproject.export_status,
                              params=lambda: {"project_id": parse_id(self._project_id),
                                              "job_id": parse_id(self.export_job)},
                              apply=self._show_export)

    @rx.event
    def dismiss_export(self):  # type: ignore[no-untyped-def]
        self._set(export_job="", export_status="", export_url="", export_message="")

    @rx.event
    def dismiss_bounce(self):  # type: ignore[no-untyped-def]
        self._set(bounce_job="", bounce_status="", bounce_links={}, bounce_track="", bounce_error="")
