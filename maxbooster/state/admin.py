"""Admin pages: Users (a plan for free, role, enable/disable, verify), the email Outbox and the payment
events given up after repeated failures (try again).

Every handler re-validates the session; the services check the admin role again. After each
change the row is re-read from what was stored, so the table never shows a stale value.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import reflex as rx

from maxbooster.models.accounts import PlanKey, Role, User
from maxbooster.models.email import EmailStatus as EmailStatus  # the Outbox page colours rows by it
from maxbooster.services.admin import outbox as outbox_service
from maxbooster.services.admin import users as admin_users
from maxbooster.services.billing import comp as billing_comp
from maxbooster.services.billing import failed_events
from maxbooster.services.errors import DomainError, ErrorCode, NotFound
from maxbooster.state.base import AuthState


@dataclass
class UserRow:
    id: str
    email: str
    display_name: str
    role: str
    plan: str
    active: bool
    verified: bool
    created: str
    is_me: bool
    comp: str = ""  # "Pro for free until 31 Jan 2027" while an admin's comp is active


@dataclass
class MailRow:
    id: str
    recipient: str
    subject: str
    status: str
    created: str


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise NotFound(code=ErrorCode.NOT_FOUND) from exc


class AdminUsersState(AuthState):
    rows: list[UserRow] = []
    query: str = ""
    plan_names: list[str] = [p.value for p in PlanKey]
    role_names: list[str] = [r.value for r in Role]
    # a change to one's own role waits here until confirmed in a dialog
    pending_role: str = ""

    # the "give a plan for free" dialog
    comp_user_id: str = ""
    comp_email: str = ""
    comp_plan: str = PlanKey.PRO

    def _to_rows(self, users: list[User], comps: dict[uuid.UUID, billing_comp.CompView]) -> list[UserRow]:
        def comp(u: User) -> str:
            view = comps.get(u.id)
            if view is None or not view.active:
                return ""
            until = f"until {view.until - timedelta(days=1):%d %b %Y}" if view.until else "with no end date"
            return f"{view.plan.title()} for free {until}"

        return [UserRow(id=str(u.id), email=u.email, display_name=u.display_name, role=u.role, plan=u.plan,
                        active=u.is_active, verified=u.email_verified, created=u.created_at.strftime("%Y-%m-%d"),
                        is_me=str(u.id) == self._user_id, comp=comp(u)) for u in users]

    async def _run(self, change: Callable[..., Any] | None, success: str = "", **kwargs: Any):  # type: ignore[no-untyped-def]
        """Apply `change` through its service (if any), then re-read the list from the database,
        whether the change worked or not, so every row shows what is stored."""
        reply = rx.toast.success(success) if success else None
        try:
            if change is not None:
                await self._call(change, **kwargs)
        except DomainError as exc:
            reply = self._error(exc)
        try:
            users = await self._call(admin_users.list_users, query=self.query)
            comps = await self._call(billing_comp.comps, user_ids=[u.id for u in users])
        except DomainError as exc:
            return self._error(exc)
        self._set(rows=self._to_rows(users, comps))
        return reply

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        return await self._run(None)

    @rx.event
    async def search(self, form: dict[str, str]):  # type: ignore[no-untyped-def]
        self._set(query=str(form.get("query", ""))[:100])
        return await self._run(None)

    @rx.event
    def open_comp(self, user_id: str, email: str):  # type: ignore[no-untyped-def]
        self._set(comp_user_id=user_id, comp_email=email, comp_plan=PlanKey.PRO)

    @rx.event
    def close_comp(self):  # type: ignore[no-untyped-def]
        self._set(comp_user_id="")

    @rx.event
    def set_comp_plan(self, plan: str):  # type: ignore[no-untyped-def]
        self._set(comp_plan=plan)

    @rx.event
    async def give_comp(self, form: dict[str, str]):  # type: ignore[no-untyped-def]
        try:
            until = billing_comp.parse_until(str(form.get("until", "")))
        except DomainError as exc:
            return self._error(exc)
        user_id, plan = self.comp_user_id, self.comp_plan
        self._set(comp_user_id="")
        return await self._run(billing_comp.grant_comp, f"{plan.title()} given for free", user_id=_uuid(user_id),
                               plan=plan, until=until)

    @rx.event
    async def revoke_comp(self, user_id: str):  # type: ignore[no-untyped-def]
        return await self._run(billing_comp.revoke_comp, "Free plan taken back", user_id=_uuid(user_id))

    @rx.event
    async def set_role(self, user_id: str, role: str):  # type: ignore[no-untyped-def]
        if user_id == self._user_id:
            self._set(pending_role=role)  # ask first: this changes what the admin can do
            return None
        return await self._run(admin_users.set_role, f"Role set to {role}", user_id=_uuid(user_id), role=role)

    @rx.event
    async def confirm_own_role(self):  # type: ignore[no-untyped-def]
        role, self.pending_role = self.pending_role, ""
        return await self._run(admin_users.set_role, f"Your role is now {role}",
                               user_id=_uuid(self._user_id), role=role)

    @rx.event
    async def cancel_own_role(self):  # type: ignore[no-untyped-def]
        self._set(pending_role="")
        return await self._run(None)

    @rx.event
    async def toggle_active(self, user_id: str, active: bool):  # type: ignore[no-untyped-def]
        done = "Account enabled" if not active else "Account disabled; its sessions are signed out"
        return await self._run(admin_users.set_active, done, user_id=_uuid(user_id), active=not active)

    @rx.event
    async def mark_verified(self, user_id: str):  # type: ignore[no-untyped-def]
        return await self._run(admin_users.mark_verified, "Email marked as confirmed", user_id=_uuid(user_id))

    @rx.event
    async def resend(self, user_id: str):  # type: ignore[no-untyped-def]
        return await self._run(admin_users.resend_verification, "Verification email sent (see Outbox)",
                               user_id=_uuid(user_id))


class OutboxState(AuthState):
    mails: list[MailRow] = []
    open_id: str = ""
    open_subject: str = ""
    open_to: str = ""
    open_body: str = ""
    open_links: list[str] = []

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        try:
            rows = await self._call(outbox_service.latest)
        except DomainError as exc:
            return self._error(exc)
        self._set(mails=[MailRow(id=str(m.id), recipient=m.to_addr, subject=m.subject, status=m.status,
                                 created=m.created_at.strftime("%Y-%m-%d %H:%M UTC")) for m in rows])
        return None

    @rx.event
    async def open(self, email_id: str):  # type: ignore[no-untyped-def]
        try:
            mail = await self._call(outbox_service.open_email, email_id=_uuid(email_id))
        except DomainError as exc:
            return self._error(exc)
        self._set(open_id=str(mail.id), open_subject=mail.subject, open_to=mail.to_addr,
                  open_body=mail.text_body, open_links=outbox_service.links_in(mail.text_body))
        return None

    @rx.event
    def close(self):  # type: ignore[no-untyped-def]
        self._set(open_id="")


@dataclass
class FailedEventRow:
    id: str
    event: str  # "payment_intent.succeeded · evt_123"
    provider: str
    attempts: int
    error: str
    failed: str


class PaymentEventsState(AuthState):
    events: list[FailedEventRow] = []
    total: int = 0

    async def _reload(self, reply: Any = None):  # type: ignore[no-untyped-def]
        try:
            rows, total = await self._call(failed_events.list_failed)
        except DomainError as exc:
            return self._error(exc)
        self._set(total=total, events=[FailedEventRow(
            id=str(r.id), event=f"{r.type} · {r.event_id}", provider=r.provider, attempts=r.attempts, error=r.error,
            failed=r.failed_at.strftime("%Y-%m-%d %H:%M UTC")) for r in rows])
        return reply

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        return await self._reload()

    @rx.event
    async def retry(self, event_id: str):  # type: ignore[no-untyped-def]
        try:
            await self._call(failed_events.retry, webhook_event_id=_uuid(event_id))
        except DomainError as exc:
            return await self._reload(self._error(exc))
        return await self._reload(rx.toast.success("Queued to be applied again; it leaves this list now"))
