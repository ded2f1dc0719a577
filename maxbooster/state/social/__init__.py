"""Social pages: connected accounts (connect, disconnect, queues), the composer with live checks, the
calendar (month / week / list, drag to reschedule, a post's states, approvals) and the public review page.
Times are shown in the browser's time zone, read once per page load."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import reflex as rx

from maxbooster import routes
from maxbooster.models.social import HoldState, ReviewDecision, VariantState
from maxbooster.services.errors import DomainError
from maxbooster.services.library.overview import parse_id
from maxbooster.services.social import (
    accounts,
    approvals,
    compose_media,
    composer,
    oauth,
    posts,
    publishing,
    queues,
    views,
)
from maxbooster.services.social.composer import CheckRow, ComposeIn
from maxbooster.services.social.views import AccountRow, DayCell, PostRow, VariantRow
from maxbooster.state.base import AuthState

__all__ = ["AccountRow", "CheckRow", "DayCell", "HoldState", "PostRow", "ReviewDecision", "VariantRow",
           "VariantState"]
TZ_SCRIPT = "Intl.DateTimeFormat().resolvedOptions().timeZone"
CALENDAR_VIEWS = ("month", "week", "list")  # how the calendar page shows posts
NO_LINK = "none"  # the release picker's "no link" choice
NETWORKS = [{"key": n.key, "label": n.label, "icon": n.icon, "note": n.note} for n in views.NETWORKS]


def _query(state: AuthState, name: str) -> str:
    return parse_qs(urlsplit(str(state.router.url)).query).get(name, [""])[0][:500]


class SocialAccountsState(AuthState):
    rows: list[AccountRow] = []
    loaded: bool = False
    notice: str = ""
    error: str = ""
    confirm_id: str = ""  # the account whose disconnect is being confirmed
    queue_id: str = ""  # the account whose queue is being edited
    queue_text: str = ""
    tz: str = "UTC"
    sign_ins: list[dict[str, str]] = []  # networks connected through their own sign-in page (set up here)
    growth: dict[str, list[dict[str, Any]]] = {}  # account id → [{"day", "followers"}] per local day
    growth_note: dict[str, str] = {}  # account id → "+12 in 30 days"

    async def _load_growth(self) -> None:
        series = await self._call(views.follower_series, tz=self.tz)
        notes = {}
        for account_id, points in series.items():
            change, span = points[-1].followers - points[0].followers, (points[-1].day - points[0].day).days
            notes[account_id] = (f"{change:+,} in {span} day{'s' * (span != 1)}" if span else
                                 "One day of readings so far")
        self._set(growth={a: [{"day": f"{p.day:%d %b}", "followers": p.followers} for p in points]
                          for a, points in series.items()}, growth_note=notes)

    async def _reload(self) -> None:
        await self._load_growth()
        self._set(rows=await self._call(views.account_rows), loaded=True,
                  sign_ins=[{"key": str(n.key), "label": n.label, "icon": n.icon, "note": n.note,
                             "href": routes.SOCIAL_CONNECT.format(network=n.key)} for n in views.sign_in_choices()])

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self._set(notice=_query(self, "notice"), error=_query(self, "error"))
        try:
            await self._reload()
        except DomainError as exc:
            return self._error(exc)
        return rx.call_script(TZ_SCRIPT, callback=SocialAccountsState.set_tz)

    @rx.event
    async def set_tz(self, tz: str):  # type: ignore[no-untyped-def]
        self._set(tz=str(tz or "UTC")[:64])
        try:
            await self._load_growth()  # days as the viewer's calendar has them
        except DomainError:
            self._set(tz="UTC")
            await self._load_growth()

    @rx.event
    async def connect_sandbox(self, form: dict[str, Any]):  # type: ignore[no-untyped-def]
        try:
            account = await self._call(accounts.connect_sandbox, handle=str(form.get("handle", ""))[:100])
            await self._reload()
            self._set(notice=f"Connected {account.handle} (practice network).", error="")
        except DomainError as exc:
            return self._error(exc)
        return None

    async def _sign_in_at(self, network: str, instance: str = ""):  # type: ignore[no-untyped-def]
        """Start the network's sign-in and send the browser there (a navigation, not a form post: the page's
        CSP keeps form posts on our own origin, redirects included)."""
        try:
            url = await self._call(accounts.begin_connect, network=network[:40], instance_url=instance[:300],
                                   redirect_uri=oauth.callback_url(network[:40]))
        except DomainError as exc:
            return self._error(exc)
        self._set(error="")
        return rx.redirect(url)

    @rx.event
    async def connect_mastodon(self, form: dict[str, Any]):  # type: ignore[no-untyped-def]
        return await self._sign_in_at("mastodon", str(form.get("instance", "")))

    @rx.event
    async def reconnect(self, network: str, instance: str):  # type: ignore[no-untyped-def]
        """The same sign-in again for an account the network stopped accepting (its server, for Mastodon)."""
        return await self._sign_in_at(str(network), str(instance))

    @rx.event
    def ask_disconnect(self, account_id: str):  # type: ignore[no-untyped-def]
        self._set(confirm_id=account_id)

    @rx.event
    def cancel_disconnect(self):  # type: ignore[no-untyped-def]
        self._set(confirm_id="")

    @rx.event
    async def disconnect(self):  # type: ignore[no-untyped-def]
        try:
            await self._call(accounts.disconnect, account_id=parse_id(self.confirm_id))
            await self._reload()
            self._set(confirm_id="", notice="Disconnected. Its tokens are deleted.", error="")
        except DomainError as exc:
            self._set(confirm_id="")
            return self._error(exc)
        return None

    @rx.event
    async def refresh(self, account_id: str):  # type: ignore[no-untyped-def]
        try:
            await self._call(accounts.refresh_account, account_id=parse_id(account_id))
            await self._reload()
        except DomainError as exc:
            await self._reload()
            return self._error(exc)
        return rx.toast.success("Account details updated.")

    @rx.event
    def edit_queue(self, account_id: str, current: str):  # type: ignore[no-untyped-def]
        self._set(queue_id=account_id, queue_text=current)

    @rx.event
    def close_queue(self):  # type: ignore[no-untyped-def]
        self._set(queue_id="")

    @rx.event
    async def save_queue(self, form: dict[str, Any]):  # type: ignore[no-untyped-def]
        try:
            slots = queues.parse_slots(str(form.get("slots", ""))[:2000])
            await self._call(queues.set_slots, account_id=parse_id(self.queue_id), slots=slots, timezone=self.tz)
            await self._reload()
            self._set(queue_id="")
        except DomainError as exc:
            return rx.toast.error(exc.message)
        return rx.toast.success("Queue saved.")


class ComposerState(AuthState):
    choices: list[AccountRow] = []  # connected accounts one can post to
    media_choices: list[dict[str, str]] = []  # {"id": token, "name", "kind"} from the library
    link_choices: list[dict[str, str]] = []  # releases with a smart link: {"value", "label"}
    release_id: str = ""  # the release whose tagged smart link ends each text
    campaign: str = ""
    selected: list[str] = []
    text: str = ""
    overrides: dict[str, str] = {}
    chosen_media: list[str] = []
    checks: list[CheckRow] = []
    day: str = ""
    at: str = ""
    tz: str = "UTC"
    needs_approval: bool = False
    busy: bool = False
    error: str = ""
    loaded: bool = False

    @rx.var
    def networks(self) -> list[str]:
        """The networks of the chosen accounts (each may have its own text)."""
        chosen = [r.network for r in self.choices if r.id in self.selected]
        return sorted(set(chosen))

    @rx.var
    def can_send(self) -> bool:
        return bool(self.selected) and all(c.ok for c in self.checks) and not self.busy

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        try:
            rows = await self._call(views.account_rows)
            links = await self._call(compose_media.release_link_choices)
            await self._load_media()
        except DomainError as exc:
            return self._error(exc)
        usable = [r for r in rows if r.connected]
        self._set(choices=usable, link_choices=[{"value": v, "label": label} for v, label in links],
                  release_id="", campaign="", loaded=True, error="", text="", overrides={},
                  chosen_media=[], checks=[], needs_approval=False, busy=False,
                  selected=[usable[0].id] if len(usable) == 1 else [])
        return rx.call_script(TZ_SCRIPT, callback=ComposerState.set_tz)

    async def _load_media(self) -> None:
        options = await self._call(compose_media.media_options)
        self._set(media_choices=[{"id": o.token, "name": o.label, "kind": o.kind} for o in options])

    @rx.event
    async def set_tz(self, tz: str):  # type: ignore[no-untyped-def]
        self._set(tz=str(tz or "UTC")[:64])
        soon = datetime.now(queues.zone(self.tz) if self._tz_ok() else None) + timedelta(hours=1)
        self._set(day=soon.date().isoformat(), at=f"{soon:%H}:00")
        await self._recheck()

    def _tz_ok(self) -> bool:
        try:
            queues.zone(self.tz)
        except DomainError:
            self._set(tz="UTC")
            return False
        return True

    def _data(self, mode: str = "schedule") -> ComposeIn:
        return ComposeIn(account_ids=list(self.selected), text=self.text, overrides=dict(self.overrides),
                         media_ids=list(self.chosen_media), mode=mode, day=self.day, at=self.at, tz=self.tz,
                         needs_approval=self.needs_approval, release_id=self.release_id, campaign=self.campaign)

    async def _recheck(self) -> None:
        try:
            self._set(checks=await self._call(composer.check_all, data=self._data()) if self.selected else [],
                      error="")
        except DomainError as exc:
            self._set(error=exc.message)

    @rx.event
    async def toggle_account(self, account_id: str):  # type: ignore[no-untyped-def]
        self._set(selected=[s for s in self.selected if s != account_id] if account_id in self.selected
                  else [*self.selected, account_id])
        await self._recheck()

    @rx.event
    async def toggle_media(self, file_id: str):  # type: ignore[no-untyped-def]
        self._set(chosen_media=[m for m in self.chosen_media if m != file_id] if file_id in self.chosen_media
                  else [*self.chosen_media, file_id])
        await self._recheck()

    @rx.event
    async def set_text(self, value: str):  # type: ignore[no-untyped-def]
        self._set(text=str(value)[:posts.MAX_TEXT])
        await self._recheck()

    @rx.event
    async def set_override(self, network: str, value: str):  # type: ignore[no-untyped-def]
        self._set(overrides={**self.overrides, network: str(value)[:posts.MAX_TEXT]})
        await self._recheck()

    @rx.event
    async def set_release(self, value: str):  # type: ignore[no-untyped-def]
        self._set(release_id="" if value == NO_LINK else str(value)[:64])
        await self._recheck()

    @rx.event
    async def set_campaign(self, value: str):  # type: ignore[no-untyped-def]
        self._set(campaign=str(value).strip().lower()[:80])
        await self._recheck()

    @rx.event
    def set_day(self, value: str):  # type: ignore[no-untyped-def]
        self._set(day=str(value)[:10])

    @rx.event
    def set_at(self, value: str):  # type: ignore[no-untyped-def]
        self._set(at=str(value)[:5])

    @rx.event
    def set_needs_approval(self, value: bool):  # type: ignore[no-untyped-def]
        self._set(needs_approval=bool(value))

    @rx.event
    async def send(self, mode: str):  # type: ignore[no-untyped-def]
        self._set(busy=True, error="")
        yield
        try:
            post = await self._call(composer.submit, data=self._data(mode))
        except DomainError as exc:
            self._set(error=exc.message, busy=False)
            return
        self._set(busy=False)
        day = post.scheduled_at.astimezone(queues.zone(self.tz)).date().isoformat()
        yield rx.redirect(routes.with_query(routes.SOCIAL, day=day, saved=mode))


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


class ReviewState(AuthState):
    """The external review page: anyone holding the link, no account."""

    loaded: bool = False
    error: str = ""
    done: str = ""
    when: str = ""
    expires: str = ""
    variants: list[dict[str, str]] = []
    busy: bool = False

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        try:
            view = await self._call(approvals.review_by_link, actor=self._request_actor(), token=_query(self, "token"))
        except DomainError as exc:
            self._set(loaded=True, error=exc.message, variants=[])
            return
        self._set(loaded=True, error="", done="", when=f"{view.scheduled_at:%a %-d %b %Y, %H:%M} UTC",
                  expires=f"{view.expires_at:%-d %b %Y, %H:%M} UTC",
                  variants=[{"network": n, "icon": views.ICONS.get(n, "globe"), "handle": h, "text": t}
                            for n, h, t in view.variants])

    @rx.event
    async def answer(self, form: dict[str, Any]):  # type: ignore[no-untyped-def]
        self._set(busy=True)
        yield
        decision = str(form.get("decision", ""))[:40]
        try:
            await self._call(approvals.answer_review, actor=self._request_actor(), token=_query(self, "token"),
                             decision=decision, reviewer=str(form.get("reviewer", ""))[:200],
                             comment=str(form.get("comment", ""))[:2000])
            self._set(done="Approved: it goes out at its time. Thank you." if decision == ReviewDecision.APPROVE
                      else "Sent back to the artist with your comment. Thank you.", error="")
        except DomainError as exc:
            self._set(error=exc.message)
        finally:
            self._set(busy=False)
