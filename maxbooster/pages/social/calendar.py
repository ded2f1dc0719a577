"""The posting calendar: month and week views with each post on its day, colored by state; drag a post to
another day to move it (same time); click to open it. A list view shows every post with its state per
network, the network's reason for a failure with a retry, the link to what was published and its metrics."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.dnd import draggable, drop_zone
from maxbooster.components.layout import app_page, link_button, panel
from maxbooster.pages.social.nav import social_tabs
from maxbooster.pages.social.post_dialog import post_dialog, variant_line
from maxbooster.state.social import CalendarState as S
from maxbooster.state.social import DayCell, PostRow

TONE_COLORS = (("green", "#2ea04366"), ("red", "#f8514966"), ("amber", "#d2992266"), ("violet", "#8957e566"),
               ("orange", "#db6d2866"), ("gray", "#6e768166"))


def tone_color(tone: rx.Var[str]) -> rx.Var:
    return rx.match(tone, *TONE_COLORS, "#1f6feb66")


def chip(row: PostRow, week: bool = False) -> rx.Component:
    body = rx.box(
        rx.hstack(rx.text(row.time, size="1", weight="bold"),
                  rx.text(row.text, size="1", overflow="hidden", text_overflow="ellipsis",
                          white_space="nowrap",
                          display="block" if week else rx.breakpoints(initial="none", md="block")),
                  spacing="1", align="center", min_width="0"),
        background=tone_color(row.tone), border_left="3px solid", border_color=tone_color(row.tone),
        border_radius="4px", padding="2px 6px", cursor="pointer", width="100%", min_width="0",
        on_click=S.open_post(row.id), title=row.state_label + " · " + row.text, role="button", tab_index=0,
        aria_label=row.state_label + " post at " + row.time)
    return rx.cond(row.movable, draggable(body, payload=row.id, data_testid="post-chip", width="100%"),
                   rx.box(body, data_testid="post-chip", width="100%"))


def day_cell(cell: DayCell, week: bool = False) -> rx.Component:
    return drop_zone(
        rx.hstack(rx.text(cell.day, size="1", weight=rx.cond(cell.today, "bold", "regular"),
                          color=rx.cond(cell.today, theme.ACCENT, rx.cond(cell.in_range, theme.TEXT, theme.MUTED))),
                  *([rx.text(cell.weekday, size="1", color=theme.MUTED, display=rx.breakpoints(initial="block",
                                                                                              md="none"))]
                    if week else []),
                  spacing="1"),
        rx.vstack(rx.foreach(cell.posts, lambda r: chip(r, week)), spacing="1", width="100%"),
        on_drop=[rx.prevent_default, S.drop(cell.date)],
        data_day=cell.date, data_testid="day-cell",
        style={"min_height": rx.breakpoints(initial="52px", md="260px") if week else "96px", "padding": "6px",
               "background": rx.cond(cell.in_range, theme.PANEL, theme.BG), "min_width": "0",
               "border": f"1px solid {theme.BORDER}", "border_radius": "6px", "display": "flex",
               "flex_direction": "column", "gap": "4px",
               "outline": rx.cond(cell.today, f"1px solid {theme.ACCENT}", "none")},
    )


def grid(week: bool) -> rx.Component:
    """Seven columns; on a phone the week is a list of days (a post there shows its text too)."""
    heads = [rx.text(d, size="1", color=theme.MUTED, text_align="center") for d in
             ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")]
    columns = rx.breakpoints(initial="1", md="7") if week else "7"
    return rx.vstack(
        rx.grid(*heads, columns="7", spacing="1", width="100%",
                display=rx.breakpoints(initial="none", md="grid") if week else "grid"),
        rx.grid(rx.foreach(S.cells, lambda c: day_cell(c, week)), columns=columns, spacing="1", width="100%"),
        spacing="1", width="100%")


def list_row(row: PostRow) -> rx.Component:
    return panel(rx.vstack(
        rx.hstack(rx.text(row.when, size="2", weight="bold"), rx.badge(row.state_label, color_scheme=row.tone),
                  rx.spacer(), rx.button("Open", size="1", variant="soft", on_click=S.open_post(row.id)),
                  width="100%", align="center", wrap="wrap", spacing="2"),
        rx.text(row.text, size="2", color=theme.TEXT, white_space="pre-wrap", overflow_wrap="anywhere"),
        rx.foreach(row.variants, variant_line),
        spacing="2", width="100%"), padding="12px", width="100%", data_testid="post-row")


def toolbar() -> rx.Component:
    return rx.flex(
        rx.segmented_control.root(
            rx.segmented_control.item("Month", value="month"), rx.segmented_control.item("Week", value="week"),
            rx.segmented_control.item("List", value="list"),
            value=S.mode, on_change=S.set_mode, size="2"),
        rx.cond(S.mode != "list", rx.hstack(
            rx.icon_button(rx.icon("chevron-left", size=16), variant="soft", color_scheme="gray",
                           on_click=S.step(-1), aria_label="Previous"),
            rx.button("Today", variant="soft", color_scheme="gray", on_click=S.step(0)),
            rx.icon_button(rx.icon("chevron-right", size=16), variant="soft", color_scheme="gray",
                           on_click=S.step(1), aria_label="Next"),
            rx.heading(S.title, size="4", as_="h2", weight="medium", data_testid="calendar-title"),
            spacing="2", align="center")),
        rx.spacer(),
        link_button(rx.hstack(rx.icon("plus", size=15), "New post", spacing="2", align="center"), routes.SOCIAL_NEW),
        spacing="3", align="center", wrap="wrap", width="100%")


@app_page(routes.SOCIAL, "Social", on_load=S.load)
def social_calendar_page() -> rx.Component:
    return rx.vstack(
        social_tabs(routes.SOCIAL),
        rx.cond(S.notice != "", rx.callout(S.notice, icon="circle-check", color_scheme="green", width="100%",
                                           role="status", data_testid="social-notice")),
        toolbar(),
        rx.cond(S.mode == "list",
                rx.vstack(rx.cond(S.loaded & (S.rows.length() == 0),  # type: ignore[attr-defined]
                                  rx.text("No posts yet.", size="2", color=theme.MUTED)),
                          rx.foreach(S.rows, list_row), spacing="2", width="100%"),
                rx.vstack(rx.cond(S.mode == "week", grid(True), grid(False)),
                          rx.text("Drag a post to another day to move it; it keeps its time.", size="1",
                                          color=theme.MUTED), width="100%", spacing="2")),
        post_dialog(),
        spacing="4", width="100%", max_width="1280px",
    )
