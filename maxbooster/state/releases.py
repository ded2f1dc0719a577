"""Release pages: the artist's releases (calendar, "New release"), one release (editor, check, codes,
submit, takedown, smart link), and two public pages: the smart link / pre-save page (`/r/<slug>`)
and a fan's unsubscribe link. Anyone may open the public ones: no sign-in, the slug or token comes
from the URL (a public name or a signed token, never a permission)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import reflex as rx

from maxbooster import routes
from maxbooster.db import session_scope
from maxbooster.models.releases import ArtistRole, ContributorRole, DeliveryState, Platform, PriceTier, ReleaseType
from maxbooster.services.errors import DomainError, NotFound
from maxbooster.services.library.overview import parse_id
from maxbooster.services.releases import checks, codes, delivery, fans, overview, releases, smartlinks, tracks
from maxbooster.services.releases.checks import CheckResult, FindingGroup, FindingRow
from maxbooster.services.releases.overview import (
    DeliveryRow,
    EditorView,
    MasterChoice,
    ReleaseRow,
    SmartLinkPanel,
    TrackItem,
)
from maxbooster.services.releases.providers import PROFILES
from maxbooster.state.base import AuthState

__all__ = ["CONTRIBUTOR_ROLES", "DESTINATIONS", "LANGUAGES", "PLATFORMS", "ArtistRole", "CheckResult",
           "ContributorRole", "DeliveryRow", "DeliveryState", "EditorView", "FindingGroup", "FindingRow",
           "MasterChoice", "Platform", "PriceTier", "ReleaseRow", "ReleaseType", "SmartLinkPanel", "TrackItem"]
LANGUAGES = overview.LANGUAGES
PLATFORMS = [(p.value, smartlinks.LABELS[p]) for p in Platform]
DESTINATIONS = [(key, dest.name) for key, dest in PROFILES.items()]
CONTRIBUTOR_ROLES = [(r.value, r.value.replace("_", " ").capitalize()) for r in ContributorRole]
T = TypeVar("T")
POLL_S = 1.5


def _view(slug: str, source: str = "") -> smartlinks.PublicView | None:
    with session_scope() as session:
        try:
            return smartlinks.public_view(session=session, slug=slug, source=source)
        except NotFound:
            return None


class SmartLinkState(AuthState):
    loaded: bool = False
    found: bool = False
    title: str = ""
    artists: str = ""
    artwork_url: str = ""
    release_date: str = ""
    presave: bool = False
    buttons: list[dict[str, str]] = []
    consent_text: str = ""
    notice: str = ""  # after signing up or confirming
    error: str = ""
    sending: bool = False

    def _slug(self) -> str:
        return self.router.url.path.rstrip("/").rsplit("/", 1)[-1]  # /r/<slug>

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        query = parse_qs(urlsplit(str(self.router.url)).query)
        # the post's utm_source rides on the buttons, so each click is also counted for that network
        view = await asyncio.to_thread(_view, self._slug(), query.get("utm_source", [""])[0][:40])
        confirmed = query.get("confirmed") == ["1"]
        self._set(loaded=True, found=view is not None, error="",
                  notice="You're confirmed: we'll let you know about new releases." if confirmed else "")
        if view is not None:
            self._set(title=view.title, artists=view.artists, artwork_url=view.artwork_url,
                      release_date=view.release_date, presave=view.presave, consent_text=view.consent_text,
                      buttons=[{"label": b.label, "href": b.href} for b in view.links])

    @rx.event
    async def sign_up(self, form: dict[str, Any]):  # type: ignore[no-untyped-def]
        self._set(sending=True, error="")
        yield
        try:
            await self._call(smartlinks.sign_up_fan, actor=self._request_actor(), slug=self._slug(),
                             email=str(form.get("email", ""))[:400], consent=bool(form.get("consent")))
            self._set(notice=smartlinks.SIGNED_UP)
        except DomainError as exc:
            self._set(error=exc.message)
        finally:
            self._set(sending=False)


# --- the artist's release pages ----------------------------------------------------------------------

def _year(value: str) -> Any:
    """'2026' → 2026; anything else goes to the service as typed (it names the problem)."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() else text or None


class ReleasesState(AuthState):
    """The releases calendar and "New release"."""

    rows: list[ReleaseRow] = []
    loaded: bool = False
    creating: bool = False

    @rx.var
    def upcoming(self) -> list[ReleaseRow]:
        return [r for r in self.rows if r.when == "upcoming"]

    @rx.var
    def undated(self) -> list[ReleaseRow]:
        return [r for r in self.rows if r.when == "undated"]

    @rx.var
    def past(self) -> list[ReleaseRow]:
        return [r for r in self.rows if r.when == "past"]

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        try:
            self._set(rows=await self._call(overview.release_rows), loaded=True)
        except DomainError as exc:
            return self._error(exc)
        return None

    @rx.event
    def open_create(self):  # type: ignore[no-untyped-def]
        self._set(creating=True)

    @rx.event
    def close_create(self):  # type: ignore[no-untyped-def]
        self._set(creating=False)

    @rx.event
    async def create(self, form: dict[str, str]):  # type: ignore[no-untyped-def]
        data = releases.ReleaseIn(title=str(form.get("title", ""))[:400],
                                  release_type=str(form.get("release_type", ReleaseType.SINGLE)))
        try:
            made = await self._call(releases.create_release, data=data)
        except DomainError as exc:
            return self._error(exc)
        self._set(creating=False)
        return rx.redirect(routes.release_page(made.id))


class ReleaseState(AuthState):
    """One release: its editor (every change saved on its own, at once), tracks, artwork, the check,
    codes, submit and takedown with delivery states kept fresh, and the smart link panel.

    Inputs are uncontrolled: their text lives in the browser and each change (debounced, and on blur)
    saves that one field. `rev` changes only when values come from the server (page load, "Move it",
    codes, a reorder), which re-mounts the inputs with the stored values. Nothing is saved before the
    page's own load ran (`is_hydrated`): a stale snapshot shown on reload never writes."""

    loaded: bool = False
    not_found: bool = False
    rev: int = 0
    view: EditorView = EditorView()
    save_state: str = ""  # "", "saving", "saved" or "error"
    save_message: str = ""
    picking: bool = False
    choices: list[MasterChoice] = []
    check: CheckResult = CheckResult()
    checked: bool = False
    checking: bool = False
    codes_open: bool = False
    code_settings: dict[str, str] = {}
    confirm_takedown: bool = False
    link: SmartLinkPanel = SmartLinkPanel()
    watching: bool = False
    _release_id: str = ""

    def _route_id(self) -> str:
        return self.router.url.path.rstrip("/").rsplit("/", 1)[-1]  # /releases/<release_id>

    def _ready(self) -> bool:
        """Edits count only once this page's load ran for the release in the address bar."""
        return bool(self.is_hydrated and self.loaded and self._release_id == self._route_id())

    def _id(self) -> uuid.UUID:
        return parse_id(self._release_id)

    async def _refresh(self, *, remount: bool = False) -> None:
        view = await self._call(overview.editor_view, release_id=self._id())
        self._set(view=view, rev=self.rev + 1 if remount else self.rev)

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self._set(loaded=False, checked=False, save_state="", picking=False, confirm_takedown=False)
        try:
            view = await self._call(overview.editor_view, release_id=parse_id(self._route_id()))
            link = await self._call(overview.smart_link_panel, release_id=parse_id(self._route_id()))
        except NotFound:
            self._set(not_found=True)
            return None
        except DomainError as exc:
            return self._error(exc)
        self._release_id = self._route_id()
        self._set(not_found=False, view=view, link=link, loaded=True, rev=self.rev + 1)
        return ReleaseState.watch if view.busy else None

    async def _save(self, fn: Callable[..., Any], *, remount: bool = False, **kwargs: Any) -> bool:
        """One change through the service, then the page refreshed; the indicator says how it went."""
        try:
            await self._call(fn, release_id=self._id(), **kwargs)
            await self._refresh(remount=remount)
        except DomainError as exc:
            self._set(save_state="error", save_message=exc.message)
            return False
        self._set(save_state="saved", save_message="", checked=False)  # a change makes the last check stale
        return True

    @rx.event
    async def edit(self, name: str, value: str):  # type: ignore[no-untyped-def]
        """One release field changed (debounced while typing, and on blur)."""
        if not self._ready() or name not in overview.EDITABLE_FIELDS:
            return
        text = str(value)[:20_000]
        if self.view.fields.get(name) == text:
            return
        self._set(save_state="saving")
        yield
        given = _year(text) if name in ("p_year", "c_year") else text
        await self._save(releases.update_release, data=releases.ReleaseIn(**{name: given}))

    @rx.event
    async def edit_territories(self, worldwide: bool, text: str = ""):  # type: ignore[no-untyped-def]
        if not self._ready():
            return
        codes_given = [] if worldwide else [c for c in text.replace(";", ",").replace(" ", ",").split(",") if c]
        if not worldwide and not codes_given:
            self._set(view=replace(self.view, worldwide=False))
            return
        self._set(save_state="saving")
        yield
        await self._save(releases.update_release, data=releases.ReleaseIn(territories=codes_given))

    @rx.event
    async def edit_artist(self, index: int, key: str, value: str):  # type: ignore[no-untyped-def]
        if not self._ready() or not 0 <= index < len(self.view.artists):
            return
        artists = [dict(a) for a in self.view.artists]
        artists[index][key] = str(value)[:400]
        if artists != self.view.artists:  # the blur after a debounced save sends the same value again
            await self._save_artists(artists)

    @rx.event
    async def add_artist(self):  # type: ignore[no-untyped-def]
        if self._ready():
            role = ArtistRole.FEATURED if self.view.artists else ArtistRole.PRIMARY
            self._set(view=replace(self.view, artists=[*self.view.artists, {"name": "", "role": role.value}]))

    @rx.event
    async def move_artist(self, index: int, step: int):  # type: ignore[no-untyped-def]
        if not self._ready():
            return
        artists = [dict(a) for a in self.view.artists]
        target = index + step
        if 0 <= index < len(artists) and 0 <= target < len(artists):
            artists[index], artists[target] = artists[target], artists[index]
        elif 0 <= index < len(artists) and step == 0:
            artists.pop(index)  # step 0: remove
        await self._save_artists(artists, remount=True)

    async def _save_artists(self, artists: list[dict[str, str]], *, remount: bool = False) -> None:
        self._set(view=replace(self.view, artists=artists))
        named = [a for a in artists if a.get("name", "").strip()]
        await self._save(releases.update_release, data=releases.ReleaseIn(artists=named), remount=remount)
        if len(self.view.artists) < len(artists):  # keep the rows still unnamed
            self._set(view=replace(self.view, artists=[*self.view.artists,
                                                       *[a for a in artists if not a.get("name", "").strip()]]))

    @rx.event
    async def move_it(self, track_id: str = ""):  # type: ignore[no-untyped-def]
        """The style rule's offer: featured artists and version text out of the title, into their fields."""
        if not self._ready():
            return None
        if await self._save(overview.apply_style_fix, track_id=parse_id(track_id) if track_id else None,
                            remount=True):
            return rx.toast.success("Moved: the title now follows the store rules.")
        return rx.toast.error(self.save_message)

    # --- tracks ---

    @rx.event
    async def open_picker(self):  # type: ignore[no-untyped-def]
        try:
            self._set(choices=await self._call(overview.master_choices), picking=True)
        except DomainError as exc:
            return self._error(exc)
        return None

    @rx.event
    def close_picker(self):  # type: ignore[no-untyped-def]
        self._set(picking=False)

    @rx.event
    async def add_track(self, master_id: str):  # type: ignore[no-untyped-def]
        if not self._ready():
            return None
        if await self._save(tracks.add_track, data=tracks.TrackIn(master_id=master_id), remount=True):
            self._set(picking=False)
            return rx.toast.success("Track added.")
        return rx.toast.error(self.save_message)

    @rx.event
    async def edit_track(self, track_id: str, name: str, value: Any):  # type: ignore[no-untyped-def]
        if not self._ready() or name not in overview.TRACK_FIELDS:
            return
        current = next((t for t in self.view.tracks if t.id == track_id), None)
        if current is None or getattr(current, overview.TRACK_FIELDS[name]) == value:
            return
        try:
            data = overview.track_change(name, value)
        except DomainError as exc:
            self._set(save_state="error", save_message=exc.message)
            return
        self._set(save_state="saving")
        yield
        await self._save(tracks.update_track, track_id=parse_id(track_id), data=data)

    @rx.event
    async def edit_contributor(self, track_id: str, index: int, key: str, value: str):  # type: ignore[no-untyped-def]
        await self._change_contributors(track_id, lambda people: people[index].update({key: str(value)[:400]})
                                        if 0 <= index < len(people) else None)

    @rx.event
    async def add_contributor(self, track_id: str):  # type: ignore[no-untyped-def]
        await self._change_contributors(track_id, lambda people: people.append(
            {"name": "", "role": ContributorRole.COMPOSER.value}))

    @rx.event
    async def remove_contributor(self, track_id: str, index: int):  # type: ignore[no-untyped-def]
        await self._change_contributors(track_id, lambda people: people.pop(index) if 0 <= index < len(people)
                                        else None, remount=True)

    async def _change_contributors(self, track_id: str, change: Callable[[list[dict[str, str]]], Any], *,
                                   remount: bool = False) -> None:
        if not self._ready():
            return
        index = next((i for i, t in enumerate(self.view.tracks) if t.id == track_id), -1)
        if index < 0:
            return
        people = [dict(c) for c in self.view.tracks[index].contributors]
        change(people)
        if people == self.view.tracks[index].contributors:  # the same value again (blur after a debounced save)
            return
        local = [replace(t, contributors=people) if i == index else t for i, t in enumerate(self.view.tracks)]
        self._set(view=replace(self.view, tracks=local))
        named = [p for p in people if p.get("name", "").strip()]
        await self._save(tracks.update_track, track_id=parse_id(track_id), remount=remount,
                         data=tracks.TrackIn(contributors=named))
        unnamed = [p for p in people if not p.get("name", "").strip()]
        if unnamed:  # rows still being typed stay on the page
            self._set(view=replace(self.view, tracks=[replace(t, contributors=[*t.contributors, *unnamed])
                                                      if t.id == track_id else t for t in self.view.tracks]))

    @rx.event
    async def move_track(self, track_id: str, step: int):  # type: ignore[no-untyped-def]
        if not self._ready():
            return
        order = [t.id for t in self.view.tracks]
        if track_id not in order:
            return
        i = order.index(track_id)
        if step == 0:
            await self._save(tracks.remove_track, track_id=parse_id(track_id), remount=True)
            return
        if 0 <= i + step < len(order):
            order[i], order[i + step] = order[i + step], order[i]
            await self._save(tracks.reorder_tracks, track_ids=[parse_id(t) for t in order], remount=True)

    # --- artwork, check, codes, destinations, submit, takedown ---

    @rx.event
    async def artwork_uploaded(self, _payload: str):  # type: ignore[no-untyped-def]
        if self._ready():
            await self._refresh()
            self._set(save_state="saved", checked=False)

    @rx.var
    def artwork_url_upload(self) -> str:
        return routes.V1_RELEASE_ARTWORK.format(release_id=self._release_id) if self._release_id else ""

    @rx.event
    async def run_check(self):  # type: ignore[no-untyped-def]
        if not self._ready():
            return
        self._set(checking=True)
        yield
        try:
            self._set(check=await self._call(checks.check_release, release_id=self._id()), checked=True)
            await self._refresh()
        except DomainError as exc:
            yield self._error(exc)
        finally:
            self._set(checking=False)

    @rx.event
    async def get_codes(self):  # type: ignore[no-untyped-def]
        if not self._ready():
            return None
        if not await self._prefixes_known():
            return rx.toast.info("First tell us your code prefixes: ISRC country + registrant code and GS1 prefix.")
        if await self._save(tracks.allocate_codes, remount=True):
            return rx.toast.success("Codes added: every track has an ISRC and the release a UPC.")
        return rx.toast.error(self.save_message)

    async def _prefixes_known(self) -> bool:
        """Load the code settings; open their dialog when a prefix is missing."""
        row = await self._call(codes.registrant)
        self._set(code_settings={k: str(getattr(row, k) or "") for k in overview.CODE_SETTINGS})
        known = bool(row.isrc_country and row.gs1_prefix)
        self._set(codes_open=not known)
        return known

    @rx.event
    async def open_codes(self):  # type: ignore[no-untyped-def]
        await self._prefixes_known()
        self._set(codes_open=True)

    @rx.event
    def close_codes(self):  # type: ignore[no-untyped-def]
        self._set(codes_open=False)

    @rx.event
    async def save_codes(self, form: dict[str, str]):  # type: ignore[no-untyped-def]
        data = codes.RegistrantIn(**{k: str(form.get(k, ""))[:60] for k in overview.CODE_SETTINGS})
        try:
            await self._call(codes.update_registrant, data=data)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self._set(codes_open=False)
        return rx.toast.success("Your code prefixes are saved. Now press “Get codes”.")

    @rx.event
    async def toggle_destination(self, key: str, on: bool):  # type: ignore[no-untyped-def]
        if not self._ready():
            return
        chosen = [d for d in self.view.destinations if d != key] + ([key] if on else [])
        await self._save(releases.update_release, data=releases.ReleaseIn(destinations=chosen))

    @rx.event
    async def submit(self):  # type: ignore[no-untyped-def]
        if not self._ready():
            return
        self._set(checking=True)
        yield
        try:
            result = await self._call(checks.check_and_submit, release_id=self._id())
            self._set(check=result, checked=True)
            await self._refresh()
        except DomainError as exc:
            yield self._error(exc)
            return
        finally:
            self._set(checking=False)
        if not result.ok:
            yield rx.toast.error("Not sent: fix the problems marked “Must fix” first.")
            return
        yield rx.toast.success("Submitted. Each destination's state updates below.")
        yield ReleaseState.watch

    @rx.event
    def ask_takedown(self, on: bool = True):  # type: ignore[no-untyped-def]
        self._set(confirm_takedown=on)

    @rx.event
    async def takedown(self):  # type: ignore[no-untyped-def]
        self._set(confirm_takedown=False)
        try:
            await self._call(delivery.request_takedown, release_id=self._id())
            await self._refresh()
        except DomainError as exc:
            return self._error(exc)
        return [rx.toast.success("Takedown sent."), ReleaseState.watch]

    def _show_progress(self, view: EditorView) -> bool:
        self._set(view=view)
        return view.busy

    @rx.event(background=True)
    async def watch(self):  # type: ignore[no-untyped-def]
        """While a destination has a job on it, refresh its state and progress every 1.5 s."""
        await self._poll_loop(flag="watching", interval_s=POLL_S, fetch=overview.editor_view,
                              params=lambda: {"release_id": parse_id(self._release_id)}, apply=self._show_progress)

    # --- smart link ---

    @rx.event
    async def save_link(self, form: dict[str, str]):  # type: ignore[no-untyped-def]
        slug = str(form.get("slug", "")).strip()[:60]
        links = {p.value: str(form.get(p.value, "")).strip()[:600] for p in Platform}
        try:
            await self._call(smartlinks.set_smart_link, release_id=self._id(),
                             data=smartlinks.SmartLinkIn(slug or None, links))
            self._set(link=await self._call(overview.smart_link_panel, release_id=self._id()))
        except DomainError as exc:
            return rx.toast.error(exc.message)
        return rx.toast.success("Smart link saved.")

    @rx.event
    async def refresh_link(self):  # type: ignore[no-untyped-def]
        try:
            self._set(link=await self._call(overview.smart_link_panel, release_id=self._id()))
        except DomainError as exc:
            return self._error(exc)
        return None


class UnsubscribeState(AuthState):
    """A fan's emailed unsubscribe link (`?token=…`): no sign-in; the token alone says who. Opening the
    link only asks; the button unsubscribes (mail scanners open links too)."""

    done: bool = False  # the link was read
    ok: bool = False  # it is a genuine link
    gone: bool = False  # unsubscribed (now or before)
    artist: str = ""
    message: str = ""

    def _token(self) -> str:
        return parse_qs(urlsplit(str(self.router.url)).query).get("token", [""])[0][:200]

    def _show(self, result: fans.Unsubscribed, gone: bool) -> None:
        if gone:
            message = (f"You won't get emails about {result.artist}'s releases any more." if result.artist else
                       "You won't get these emails any more.")
        else:
            message = (f"You'll stop getting emails about {result.artist}'s releases." if result.artist else
                       "You'll stop getting these emails.")
        self._set(done=True, ok=True, gone=gone, artist=result.artist, message=message)

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self._set(done=False, ok=False, gone=False, artist="", message="")
        try:
            result = await self._call(fans.whose_link, actor=self._request_actor(), token=self._token())
        except DomainError as exc:
            self._set(done=True, ok=False, message=exc.message)
            return
        self._show(result, gone=result.already)

    @rx.event
    async def confirm(self):  # type: ignore[no-untyped-def]
        if not self.is_hydrated or not self.ok:
            return
        try:
            result = await self._call(fans.unsubscribe, actor=self._request_actor(), token=self._token())
        except DomainError as exc:
            self._set(ok=False, message=exc.message)
            return
        self._show(fans.Unsubscribed(result.artist or self.artist, result.already), gone=True)
