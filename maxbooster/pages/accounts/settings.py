"""Account page: profile, plan and its limits, email, password, sessions, delete account."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.forms import field, flash, post_form
from maxbooster.components.layout import app_page, panel
from maxbooster.state.accounts import LimitRow, SessionRow
from maxbooster.state.accounts import SettingsState as S


def section(title: str, text: str | rx.Component, *children: rx.Component, **props: object) -> rx.Component:
    blurb = rx.text(text, size="2", color=theme.MUTED) if isinstance(text, str) else text
    return panel(rx.vstack(rx.heading(title, size="3", as_="h2"), blurb, *children, spacing="3", width="100%"),
                 width="100%", **props)


def _button(label: str | rx.Var[str], color: str = "blue", variant: str = "soft") -> rx.Component:
    return rx.button(label, type="submit", size="2", color_scheme=color, variant=variant)


def session_row(row: SessionRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.hstack(rx.text(row.device, size="2"),
                                rx.cond(row.current, rx.badge("this device", color_scheme="green")), wrap="wrap")),
        rx.table.cell(rx.text(row.ip, size="2", color=theme.MUTED)),
        rx.table.cell(rx.text(row.last_seen, size="2", color=theme.MUTED)),
        rx.table.cell(post_form(routes.AUTH_REVOKE_SESSION,
                                rx.el.input(type="hidden", name="session_id", value=row.session_id),
                                _button(rx.cond(row.current, "Log out", "Sign out"), "red"))),
        data_testid="session-row",
    )


def limit_row(row: LimitRow) -> rx.Component:
    return rx.table.row(rx.table.cell(rx.text(row.label, size="2")),
                        rx.table.cell(rx.text(row.used, size="2", color=theme.MUTED)),
                        rx.table.cell(rx.text(row.limit, size="2")), data_testid="limit-row")


def plan_section() -> rx.Component:
    return section(
        "Your plan", rx.hstack(rx.text("You are on the", size="2", color=theme.MUTED),
                               rx.badge(S.plan_name, size="2", data_testid="plan-name"),
                               rx.text("plan.", size="2", color=theme.MUTED), align="center", spacing="2"),
        rx.table.root(rx.table.header(rx.table.row(*[rx.table.column_header_cell(h)
                                                     for h in ("Limit", "Used", "Allowed")])),
                      rx.table.body(rx.foreach(S.limits, limit_row)), width="100%", variant="ghost", size="1"),
        rx.hstack(rx.text("Need more?", size="2", color=theme.MUTED),
                  rx.link("Compare plans and upgrade", href=routes.ACCOUNT_PLAN, size="2"), spacing="2"),
    )


@app_page(routes.SETTINGS, "Account")
def settings_page() -> rx.Component:
    return rx.vstack(
        flash(S.notice, S.error),
        rx.grid(
            section("Profile", "How your name appears across Max Booster.",
                    post_form(routes.AUTH_PROFILE, field("Display name", "display_name", default_value=S.display_name,
                                                         form_id="profile"), _button("Save"))),
            plan_section(),
            section("Email", rx.text("Signed in as ", rx.text.strong(S.email), size="2", color=theme.MUTED),
                    post_form(routes.AUTH_CHANGE_EMAIL,
                              field("New email", "new_email", type_="email", form_id="email"),
                              field("Current password", "password", type_="password", form_id="email",
                                    autocomplete="current-password"),
                              _button("Send confirmation link"))),
            section("Password", "Changing it signs out every other session.",
                    post_form(routes.AUTH_CHANGE_PASSWORD,
                              field("Current password", "current_password", type_="password",
                                    autocomplete="current-password", form_id="password"),
                              field("New password", "new_password", type_="password", autocomplete="new-password",
                                    form_id="password"),
                              _button("Change password"))),
            columns=rx.breakpoints(initial="1", lg="2"), spacing="4", width="100%",
        ),
        section("Active sessions", "Every browser signed in to your account.",
                rx.box(rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h)
                                                   for h in ("Device", "IP", "Last seen", "")])),
                    rx.table.body(rx.foreach(S.sessions, session_row)), width="100%", variant="ghost"),
                    overflow_x="auto", width="100%"),
                post_form(routes.AUTH_LOGOUT_OTHERS, _button("Sign out everywhere else", "gray"))),
        section("Delete account",
                "Removes your account and everything in it. This cannot be undone. "
                "Type your email address and password to confirm.",
                post_form(routes.AUTH_DELETE_ACCOUNT,
                          field("Your email address", "confirm_email", type_="email", form_id="delete",
                                autocomplete="off", placeholder=S.email),
                          field("Password", "password", type_="password", form_id="delete",
                                autocomplete="current-password"),
                          _button("Delete my account", "red", "solid")),
                border_color="var(--red-7)"),
        spacing="4", width="100%", max_width="1100px", on_mount=S.load_settings,
    )
