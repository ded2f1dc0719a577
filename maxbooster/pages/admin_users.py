"""Admin › Users page."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import app_page, panel
from maxbooster.state.admin_users import AdminUsersState as S
from maxbooster.state.admin_users import UserRow


def user_row(row: UserRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.text(row.display_name, size="2", weight="medium"),
                                rx.text(row.email, size="1", color=theme.MUTED), spacing="0")),
        rx.table.cell(rx.select(S.plan_names, value=row.plan, size="1", variant="soft",
                                on_change=lambda plan: S.set_plan(row.id, plan))),
        rx.table.cell(rx.select(["user", "admin"], value=row.role, size="1", variant="soft",
                                on_change=lambda role: S.set_role(row.id, role))),
        rx.table.cell(rx.cond(row.verified, rx.badge("verified", color_scheme="green", variant="soft"),
                              rx.badge("unverified", color_scheme="gray", variant="soft"))),
        rx.table.cell(rx.button(rx.cond(row.active, "Disable", "Enable"), size="1", variant="soft",
                                color_scheme=rx.cond(row.active, "red", "green"),
                                on_click=S.toggle_active(row.id, row.active))),
        rx.table.cell(rx.text(row.created, size="1", color=theme.MUTED)),
        data_testid="user-row",
    )


@app_page(routes.ADMIN_USERS, "Users", admin=True)
def admin_users() -> rx.Component:
    return rx.vstack(
        rx.form(rx.hstack(rx.input(name="query", placeholder="Search email or name", size="2", width="320px"),
                          rx.button("Search", size="2", variant="soft", type="submit")), on_submit=S.search),
        panel(rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                           ("User", "Plan", "Role", "Email", "Account", "Joined")])),
            rx.table.body(rx.foreach(S.rows, user_row)), width="100%", variant="ghost"),
            width="100%", padding="8px"),
        spacing="4", width="100%", on_mount=S.load,
    )
