"""Admin › Users: search, change plan and role, disable/enable (every handler re-checks admin)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import reflex as rx

from maxbooster.db import session_scope
from maxbooster.services import plans
from maxbooster.services.accounts import admin as admin_service
from maxbooster.services.accounts.users import get_user
from maxbooster.services.errors import DomainError
from maxbooster.state.auth import AuthState


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


class AdminUsersState(AuthState):
    rows: list[UserRow] = []
    query: str = ""
    plan_names: list[str] = list(plans.PLANS)

    def _refresh(self, db, actor) -> None:  # type: ignore[no-untyped-def]
        users = admin_service.list_users(db, admin=actor, query=self.query, client=self._client())
        self.rows = [UserRow(id=str(u.id), email=u.email, display_name=u.display_name, role=u.role, plan=u.plan,
                             active=u.is_active, verified=u.email_verified,
                             created=u.created_at.strftime("%Y-%m-%d")) for u in users]

    def _run(self, action, success: str):  # type: ignore[no-untyped-def]
        """Re-validate the session, run `action(db, actor)` through the service, refresh the list."""
        user = self._current_user()
        if user is None:
            return rx.redirect("/login")
        try:
            with session_scope() as db:
                actor = get_user(db, user_id=user.id)
                action(db, actor)
                self._refresh(db, actor)
        except (DomainError, ValueError) as exc:
            return rx.toast.error(getattr(exc, "message", "That change is not valid."))
        return rx.toast.success(success) if success else None

    @rx.event
    def load(self):  # type: ignore[no-untyped-def]
        return self._run(lambda db, actor: None, "")

    @rx.event
    def search(self, form: dict[str, str]):  # type: ignore[no-untyped-def]
        self.query = str(form.get("query", ""))[:100]
        return self._run(lambda db, actor: None, "")

    @rx.event
    def set_plan(self, user_id: str, plan: str):  # type: ignore[no-untyped-def]
        client = self._client()
        return self._run(lambda db, actor: plans.set_plan(db, admin=actor, user_id=uuid.UUID(user_id), plan=plan,
                                                          ip=client.ip, user_agent=client.user_agent),
                         f"Plan set to {plan}")

    @rx.event
    def set_role(self, user_id: str, role: str):  # type: ignore[no-untyped-def]
        return self._run(lambda db, actor: admin_service.set_role(db, admin=actor, user_id=uuid.UUID(user_id),
                                                                  role=role, client=self._client()),
                         f"Role set to {role}")

    @rx.event
    def toggle_active(self, user_id: str, active: bool):  # type: ignore[no-untyped-def]
        return self._run(lambda db, actor: admin_service.set_active(db, admin=actor, user_id=uuid.UUID(user_id),
                                                                    active=not active, client=self._client()),
                         "Account enabled" if not active else "Account disabled; its sessions are signed out")
