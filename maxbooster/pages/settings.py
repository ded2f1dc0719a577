"""Account settings page."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.forms import field, flash, post_form
from maxbooster.components.layout import app_page, panel
from maxbooster.state.settings import SessionRow
from maxbooster.state.settings import SettingsState as S


def section(title: str, text: str | rx.Component, *children: rx.Component) -> rx.Component:
    blurb = rx.text(text, size="2", color=theme.MUTED) if isinstance(text, str) else text
    return panel(rx.vstack(rx.heading(title, size="3"), blurb,
                           *children, spacing="3", width="100%"), width="100%")


def _button(label: str, color: str = "blue", variant: str = "soft") -> rx.Component:
    return rx.button(label, type="submit", size="2", color_scheme=color, variant=variant)


def session_row(row: SessionRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.hstack(rx.text(row.device, size="2"),
                                rx.cond(row.current, rx.badge("this device", color_scheme="green")))),
        rx.table.cell(rx.text(row.ip, size="2", color=theme.MUTED)),
        rx.table.cell(rx.text(row.last_seen, size="2", color=theme.MUTED)),
        rx.table.cell(post_form("/api/auth/revoke-session",
                                rx.el.input(type="hidden", name="session_id", value=row.session_id),
                                _button(rx.cond(row.current, "Log out", "Sign out"), "red"))),
        data_testid="session-row",
    )


@app_page(routes.SETTINGS, "Account")
def settings_page() -> rx.Component:
    return rx.vstack(
        flash(S.notice, S.error),
        rx.grid(
            section("Profile", "How your name appears across Max Booster.",
                    post_form("/api/auth/profile", field("Display name", "display_name",
                                                         default_value=S.display_name), _button("Save"))),
            section("Email", rx.text("Signed in as ", rx.text.strong(S.email), size="2", color=theme.MUTED),
                    post_form("/api/auth/change-email", field("New email", "new_email", type_="email"),
                              field("Current password", "password", type_="password"),
                              _button("Send confirmation link"))),
            section("Password", "Changing it signs out every other session.",
                    post_form("/api/auth/change-password",
                              field("Current password", "current_password", type_="password",
                                    autocomplete="current-password"),
                              field("New password", "new_password", type_="password", autocomplete="new-password"),
                              _button("Change password"))),
            section("Delete account", "Removes your account and everything in it. This cannot be undone.",
                    post_form("/api/auth/delete-account", field("Password", "password", type_="password"),
                              _button("Delete my account", "red", "solid"))),
            columns=rx.breakpoints(initial="1", lg="2"), spacing="4", width="100%",
        ),
        section("Active sessions", "Every browser signed in to your account.",
                rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h)
                                                   for h in ("Device", "IP", "Last seen", "")])),
                    rx.table.body(rx.foreach(S.sessions, session_row)), width="100%", variant="ghost"),
                post_form("/api/auth/logout-others", _button("Sign out everywhere else", "gray"))),
        spacing="4", width="100%", max_width="1100px", on_mount=S.load_settings,
    )
