"""Admin › Users page."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import app_page, panel
from maxbooster.state.admin import AdminUsersState as S
from maxbooster.state.admin import UserRow


def labelled_select(options: rx.Var[list[str]] | list[str], value: rx.Var[str], label: rx.Var[str],
                    on_change: object) -> rx.Component:
    """A compact select whose trigger button has an accessible name."""
    items = rx.foreach(options, lambda o: rx.select.item(o, value=o)) if isinstance(options, rx.Var) \
        else rx.fragment(*[rx.select.item(o, value=o) for o in options])
    return rx.select.root(rx.select.trigger(variant="soft", aria_label=label), rx.select.content(items),
                          value=value, size="1", on_change=on_change)


def email_cell(row: UserRow) -> rx.Component:
    return rx.cond(
        row.verified, rx.badge("confirmed", color_scheme="green", variant="soft"),
        rx.hstack(rx.badge("not confirmed", color_scheme="gray", variant="soft"),
                  rx.button("Mark confirmed", size="1", variant="ghost", on_click=S.mark_verified(row.id)),
                  rx.button("Resend link", size="1", variant="ghost", on_click=S.resend(row.id)),
                  spacing="2", align="center", wrap="wrap"),
    )


def plan_cell(row: UserRow) -> rx.Component:
    """The user's plan now; an admin's free plan with its end, and the buttons to give or take it back."""
    return rx.vstack(
        rx.badge(row.plan, variant="soft", data_testid="user-plan"),
        rx.cond(row.comp != "",
                rx.vstack(rx.text(row.comp, size="1", color=theme.MUTED, data_testid="user-comp"),
                          rx.button("Take back", size="1", variant="ghost", color_scheme="red",
                                    on_click=S.revoke_comp(row.id)), spacing="1"),
                rx.button("Give plan", size="1", variant="ghost", on_click=S.open_comp(row.id, row.email))),
        spacing="1", align="start")


def comp_dialog() -> rx.Component:
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title("Give a plan for free"),
        rx.dialog.description(rx.text("For ", rx.text.strong(S.comp_email), ". Their plan is the better of this "
                                      "and what they pay for; payments never remove it.", size="2")),
        rx.form(rx.vstack(
            rx.text("Plan", size="2", weight="medium"),
            labelled_select(["pro", "label"], S.comp_plan, "Plan to give", S.set_comp_plan),
            rx.el.label("Until (optional, YYYY-MM-DD)", html_for="comp-until", font_size="14px"),
            rx.input(id="comp-until", name="until", type="date", size="2", width="100%"),
            rx.hstack(rx.dialog.close(rx.button("Cancel", type="button", variant="soft", color_scheme="gray",
                                                on_click=S.close_comp)),
                      rx.button("Give plan", type="submit"), spacing="3", justify="end", width="100%"),
            spacing="2", width="100%"), on_submit=S.give_comp),
        max_width="420px"), open=S.comp_user_id != "", on_open_change=lambda _o: S.close_comp())


def user_row(row: UserRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.hstack(rx.text(row.display_name, size="2", weight="medium"),
                                          rx.cond(row.is_me, rx.badge("you", variant="outline"))),
                                rx.text(row.email, size="1", color=theme.MUTED), spacing="0")),
        rx.table.cell(plan_cell(row)),
        rx.table.cell(labelled_select(S.role_names, row.role, "Role of " + row.email,
                                      lambda role: S.set_role(row.id, role))),
        rx.table.cell(email_cell(row)),
        rx.table.cell(rx.button(rx.cond(row.active, "Disable", "Enable"), size="1", variant="soft",
                                color_scheme=rx.cond(row.active, "red", "green"),
                                on_click=S.toggle_active(row.id, row.active))),
        rx.table.cell(rx.text(row.created, size="1", color=theme.MUTED)),
        data_testid="user-row",
    )


def own_role_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Change your own role?"),
            rx.alert_dialog.description(
                rx.text("You are about to make yourself ", rx.text.strong(S.pending_role),
                        ". You may lose access to the admin pages right away.")),
            rx.hstack(rx.alert_dialog.cancel(rx.button("Keep my role", variant="soft", color_scheme="gray",
                                                       on_click=S.cancel_own_role)),
                      rx.alert_dialog.action(rx.button("Change my role", color_scheme="red",
                                                       on_click=S.confirm_own_role)),
                      spacing="3", justify="end", padding_top="12px"),
        ),
        open=S.pending_role != "",
    )


@app_page(routes.ADMIN_USERS, "Users", admin=True)
def admin_users() -> rx.Component:
    return rx.vstack(
        rx.form(rx.hstack(rx.input(name="query", placeholder="Search email or name", size="2", width="320px",
                                   max_width="60vw", aria_label="Search users"),
                          rx.button("Search", size="2", variant="soft", type="submit")), on_submit=S.search),
        panel(rx.box(rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                           ("User", "Plan", "Role", "Email", "Account", "Joined")])),
            rx.table.body(rx.foreach(S.rows, user_row)), width="100%", variant="ghost"),
            overflow_x="auto", width="100%"),
            width="100%", padding="8px"),
        own_role_dialog(),
        comp_dialog(),
        spacing="4", width="100%", on_mount=S.load,
    )
