"""Connected accounts: each with its network, handle, followers (and a small chart of them over time) and
state ("Reconnect" with the reason),
its queue of weekly slots; connect the sandbox (practice) or a Mastodon server; disconnect with a confirm."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import app_page, panel
from maxbooster.pages.social.nav import social_tabs
from maxbooster.state.social import AccountRow
from maxbooster.state.social import SocialAccountsState as S

TICK = {"fontSize": 11, "fill": theme.MUTED}
FILL = "rgba(61, 139, 253, 0.18)"  # the accent, faint under the line


def growth_chart(row: AccountRow) -> rx.Component:
    """Followers per day over the last 90 days (the ingestion job's readings), small enough for a card."""
    points = S.growth.get(row.id, [])  # type: ignore[attr-defined]
    return rx.cond(
        points.length() > 1,
        rx.vstack(
            rx.hstack(rx.text("Followers, last 90 days", size="1", color=theme.MUTED), rx.spacer(),
                      rx.text(S.growth_note.get(row.id, ""), size="1", weight="medium",  # type: ignore[attr-defined]
                              data_testid="growth-note"),
                      width="100%", align="center"),
            rx.recharts.area_chart(
                rx.recharts.x_axis(data_key="day", stroke=theme.BORDER, tick=TICK, min_tick_gap=40, tick_line=False),
                rx.recharts.y_axis(stroke=theme.BORDER, tick=TICK, width=44, domain=["auto", "auto"],
                                   tick_line=False, allow_decimals=False),
                rx.recharts.graphing_tooltip(content_style={"background": theme.PANEL_RAISED,
                                                            "border": f"1px solid {theme.BORDER}"}),
                rx.recharts.area(data_key="followers", name="Followers", stroke=theme.ACCENT, fill=FILL,
                                 stroke_width=2, dot=False, is_animation_active=False, type_="monotone"),
                data=points, width="100%", height=110, margin={"top": 4, "right": 4, "left": 0, "bottom": 0}),
            spacing="1", width="100%", data_testid="growth-chart"),
        rx.text(rx.cond(points.length() == 1, "Followers over time show here from the second day of readings.",
                        "Followers over time show here once the first readings arrive (within an hour)."),
                size="1", color=theme.MUTED),
    )


def account_card(row: AccountRow) -> rx.Component:
    return panel(rx.vstack(
        rx.hstack(
            rx.center(rx.icon(row.icon, size=20, aria_hidden="true"), width="40px", height="40px",
                      background=theme.PANEL_RAISED, border_radius="8px", flex_shrink="0"),
            rx.vstack(rx.text(row.handle, weight="bold", size="3", data_testid="account-handle",
                              overflow_wrap="anywhere"),
                      rx.hstack(rx.text(row.network_label, size="1", color=theme.MUTED),
                                rx.text(row.followers, size="1", color=theme.MUTED), spacing="2", wrap="wrap"),
                      spacing="0", min_width="0"),
            rx.spacer(),
            rx.cond(row.connected, rx.badge("Connected", color_scheme="green", variant="soft"),
                    rx.badge("Reconnect", color_scheme="red", variant="solid", data_testid="reconnect-badge")),
            width="100%", align="center", spacing="3"),
        rx.cond(row.note != "", rx.callout(row.note, icon="flask-conical", color_scheme="amber", size="1",
                                           width="100%")),
        rx.cond(~row.connected, rx.callout(row.reason, icon="triangle-alert", color_scheme="red", size="1",
                                           width="100%", role="alert")),
        growth_chart(row),
        rx.hstack(rx.icon("list-ordered", size=14, color=theme.MUTED, aria_hidden="true"),
                  rx.text(rx.cond(row.queue != "", "Queue: " + row.queue, "No queue slots yet"), size="1",
                          color=theme.MUTED),
                  spacing="2", align="center"),
        rx.hstack(
            rx.button(rx.icon("list-plus", size=14), "Queue", size="1", variant="soft", color_scheme="gray",
                      on_click=S.edit_queue(row.id, row.queue)),
            rx.button(rx.icon("refresh-cw", size=14), "Refresh", size="1", variant="soft", color_scheme="gray",
                      on_click=S.refresh(row.id)),
            rx.cond(~row.connected, rx.button(rx.icon("log-in", size=14), "Reconnect", size="1",
                                              on_click=S.reconnect(row.network, row.instance),
                                              data_testid="reconnect")),
            rx.spacer(),
            rx.button(rx.icon("unplug", size=14), "Disconnect", size="1", variant="soft", color_scheme="red",
                      on_click=S.ask_disconnect(row.id), data_testid="disconnect"),
            width="100%", spacing="2", wrap="wrap"),
        spacing="3", width="100%"), padding="16px", width="100%", data_testid="account-card")


def connect_panel() -> rx.Component:
    return panel(rx.vstack(
        rx.heading("Connect an account", size="3", as_="h2", weight="medium"),
        rx.flex(
            rx.vstack(
                rx.hstack(rx.icon("flask-conical", size=16, aria_hidden="true"), rx.text("Sandbox", weight="bold"),
                          rx.badge("practice network — nothing is really posted", color_scheme="amber",
                                   variant="soft"), spacing="2", align="center", wrap="wrap"),
                rx.form(rx.hstack(
                    rx.input(name="handle", placeholder="handle, e.g. ava", aria_label="Sandbox handle",
                             max_length=60, flex="1", min_width="0"),
                    rx.button("Connect sandbox", type="submit", data_testid="connect-sandbox"),
                    width="100%", spacing="2"), on_submit=S.connect_sandbox, reset_on_submit=True, width="100%"),
                spacing="2", flex="1", min_width="0", width="100%"),
            rx.vstack(
                rx.hstack(rx.icon("message-circle", size=16, aria_hidden="true"), rx.text("Mastodon", weight="bold"),
                          rx.text("any server: you sign in there", size="1", color=theme.MUTED),
                          spacing="2", align="center", wrap="wrap"),
                rx.form(rx.hstack(
                    rx.input(name="instance", placeholder="mastodon.social", aria_label="Mastodon server address",
                             required=True, max_length=300, flex="1", min_width="0", data_testid="instance"),
                    rx.button("Connect Mastodon", type="submit", data_testid="connect-mastodon"),
                    width="100%", spacing="2"), on_submit=S.connect_mastodon, width="100%"),
                spacing="2", flex="1", min_width="0", width="100%"),
            direction=rx.breakpoints(initial="column", md="row"), spacing="5", width="100%"),
        rx.cond(S.sign_ins.length() > 0, rx.flex(rx.foreach(S.sign_ins, sign_in_button), spacing="2", wrap="wrap",
                                                   width="100%", data_testid="sign-in-networks")),
        spacing="3", width="100%"), width="100%")


def sign_in_button(network: rx.Var[dict[str, str]]) -> rx.Component:
    """A network connected through its own sign-in page: a plain link that starts the round trip."""
    return rx.link(rx.button(rx.icon(network["icon"], size=14, aria_hidden="true"), "Connect ", network["label"],
                             variant="surface", size="2", title=network["note"]),
                   href=network["href"], data_testid="connect-" + network["key"].to(str))


def disconnect_dialog() -> rx.Component:
    return rx.alert_dialog.root(rx.alert_dialog.content(
        rx.alert_dialog.title("Disconnect this account?"),
        rx.alert_dialog.description("Its access tokens are deleted and posts that have not gone out yet will "
                                    "not be sent. Published posts stay on the network.", size="2"),
        rx.hstack(rx.alert_dialog.cancel(rx.button("Keep it", variant="soft", color_scheme="gray",
                                                   on_click=S.cancel_disconnect)),
                  rx.alert_dialog.action(rx.button("Disconnect", color_scheme="red", on_click=S.disconnect,
                                                   data_testid="confirm-disconnect")),
                  spacing="3", justify="end", padding_top="12px"),
        max_width="440px"), open=S.confirm_id != "")


def queue_dialog() -> rx.Component:
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title("Queue slots"),
        rx.dialog.description(rx.text("Weekly times this account posts at, in your time zone (", S.tz, "). "
                                      "“Add to queue” puts a post in the next free one."), size="2"),
        rx.form(rx.vstack(
            rx.el.label("Slots", html_for="queue-slots", class_name="rt-Text rt-r-size-2"),
            rx.input(id="queue-slots", name="slots", default_value=S.queue_text, placeholder="Mon 09:00, Fri 18:30",
                     width="100%", data_testid="queue-slots"),
            rx.text("A weekday and a 24-hour time each, separated by commas.", size="1", color=theme.MUTED),
            rx.hstack(rx.button("Cancel", type="button", variant="soft", color_scheme="gray", on_click=S.close_queue),
                      rx.button("Save queue", type="submit", data_testid="save-queue"), spacing="3", justify="end",
                      width="100%"),
            spacing="2", width="100%"), on_submit=S.save_queue),
        max_width="460px"), open=S.queue_id != "", on_open_change=lambda _o: S.close_queue)


@app_page(routes.SOCIAL_ACCOUNTS, "Social accounts", on_load=S.load)
def social_accounts_page() -> rx.Component:
    return rx.vstack(
        social_tabs(routes.SOCIAL_ACCOUNTS),
        rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red", width="100%",
                                          role="alert", data_testid="social-error")),
        rx.cond(S.notice != "", rx.callout(S.notice, icon="circle-check", color_scheme="green", width="100%",
                                           role="status", data_testid="social-notice")),
        connect_panel(),
        rx.heading("Your accounts", size="3", as_="h2", weight="medium"),
        rx.cond(S.loaded & (S.rows.length() == 0),  # type: ignore[attr-defined]
                rx.text("No accounts yet. Start with the sandbox to try everything without posting for real.",
                        size="2", color=theme.MUTED)),
        rx.grid(rx.foreach(S.rows, account_card), columns=rx.breakpoints(initial="1", md="2", xl="3"), gap="12px",
                width="100%"),
        disconnect_dialog(), queue_dialog(),
        spacing="4", width="100%", max_width="1200px",
    )
