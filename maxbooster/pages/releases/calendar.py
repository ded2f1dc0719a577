"""Releases: the artist's release calendar (coming up, not dated yet, already out) with each release's
cover, type and state at every destination, and "New release"."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import app_page, panel
from maxbooster.state.releases import DeliveryRow, ReleaseRow, ReleaseType
from maxbooster.state.releases import ReleasesState as S


def cover(url: rx.Var[str], title: rx.Var[str], size: str = "56px") -> rx.Component:
    return rx.cond(url != "",
                   rx.image(src=url, alt="Cover of " + title, width=size, height=size, object_fit="cover",
                            border_radius="6px", flex_shrink="0"),
                   rx.center(rx.icon("disc-3", size=22, color=theme.MUTED, aria_hidden="true"), width=size,
                             height=size, background=theme.PANEL_RAISED, border_radius="6px", flex_shrink="0"))


def date_block(row: ReleaseRow) -> rx.Component:
    return rx.vstack(
        rx.text(row.weekday, size="1", color=theme.MUTED, text_transform="uppercase", letter_spacing="0.06em"),
        rx.text(row.day, size="6", weight="bold", line_height="1"),
        rx.text(row.month, size="1", color=theme.MUTED, white_space="nowrap"),
        spacing="1", align="center", min_width="64px", padding="6px 4px", border_right=f"1px solid {theme.BORDER}",
    )


def delivery_badge(d: DeliveryRow) -> rx.Component:
    return rx.hstack(rx.text(d.name, size="1", color=theme.MUTED, trim="both"),
                     rx.badge(d.label, color_scheme=d.tone, variant="soft", size="1"),
                     spacing="2", align="center", wrap="wrap")


def release_row(row: ReleaseRow) -> rx.Component:
    return rx.link(panel(rx.flex(
        rx.hstack(date_block(row), cover(row.artwork_url, row.title), rx.vstack(
            rx.text(row.title, weight="bold", size="3", trim="both", data_testid="release-title"),
            rx.text(row.artists, size="2", color=theme.MUTED, trim="both"),
            rx.hstack(rx.badge(row.kind, variant="surface", size="1"),
                      rx.badge(row.tracks, variant="soft", color_scheme="gray", size="1"), spacing="2"),
            spacing="1", min_width="0"), spacing="3", align="center", min_width="0"),
        rx.vstack(rx.foreach(row.deliveries, delivery_badge), spacing="1",
                  align=rx.breakpoints(initial="start", md="end")),
        direction=rx.breakpoints(initial="column", md="row"), justify="between", spacing="3", width="100%",
        align=rx.breakpoints(initial="start", md="center")), padding="12px", width="100%",
        _hover={"border_color": theme.ACCENT}), href=row.href, underline="none", color=theme.TEXT, width="100%",
        data_testid="release-row")


def group(title: str, rows: rx.Var[list[ReleaseRow]], hint: str) -> rx.Component:
    return rx.cond(rows.length() > 0, rx.vstack(  # type: ignore[attr-defined]
        rx.hstack(rx.heading(title, size="3", as_="h2", weight="medium"), rx.text(hint, size="1", color=theme.MUTED),
                  align="baseline", spacing="3", wrap="wrap"),
        rx.foreach(rows, release_row), spacing="2", width="100%"))


def create_dialog() -> rx.Component:
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title("New release"),
        rx.dialog.description("Start with a title. Everything else can be filled in after, and it saves as you "
                              "type.", size="2", color=theme.MUTED),
        rx.form(rx.vstack(
            rx.el.label("Title", html_for="new-release-title", class_name="rt-Text rt-r-size-2"),
            rx.input(id="new-release-title", name="title", placeholder="e.g. Night Drive", required=True,
                     max_length=200, auto_focus=True, width="100%"),
            rx.el.label("Type", html_for="new-release-type", class_name="rt-Text rt-r-size-2"),
            rx.el.select(rx.el.option("Single (1–3 tracks)", value=ReleaseType.SINGLE),
                         rx.el.option("EP (2–6 tracks)", value=ReleaseType.EP),
                         rx.el.option("Album", value=ReleaseType.ALBUM),
                         id="new-release-type", name="release_type", default_value=ReleaseType.SINGLE,
                         class_name="mb-native-select"),
            rx.hstack(rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button",
                                                on_click=S.close_create)),
                      rx.button("Create release", type="submit", data_testid="create-release"),
                      spacing="3", justify="end", width="100%", padding_top="8px"),
            spacing="2", width="100%"), on_submit=S.create, reset_on_submit=False),
        max_width="460px"), open=S.creating, on_open_change=lambda _open: S.close_create)


def empty_state() -> rx.Component:
    return rx.center(rx.vstack(
        rx.icon("disc-3", size=36, color=theme.MUTED, aria_hidden="true"),
        rx.heading("No releases yet", size="4", as_="h2"),
        rx.text("A release is what goes to the stores: a single, an EP or an album made from your finished "
                "masters, with its cover, credits and release date. We check everything stores check before "
                "you send it.", size="2", color=theme.MUTED, text_align="center", max_width="480px"),
        rx.button(rx.icon("plus", size=16), "Start a release", on_click=S.open_create, size="3"),
        align="center", spacing="3", padding="40px 16px"), width="100%")


@app_page(routes.RELEASES, "Releases", on_load=S.load)
def releases_page() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.text("Your release calendar: what's coming, what's waiting for a date and what's out.",
                          size="2", color=theme.MUTED),
                  rx.spacer(),
                  rx.button(rx.icon("plus", size=16), "New release", on_click=S.open_create,
                            data_testid="new-release"),
                  width="100%", align="center", wrap="wrap", spacing="3"),
        rx.cond(S.loaded & (S.rows.length() == 0), empty_state(), rx.vstack(
            group("Coming up", S.upcoming, "soonest first"),
            group("No date yet", S.undated, "drafts: pick a release date in the editor"),
            group("Out already", S.past, "latest first"),
            spacing="5", width="100%")),
        create_dialog(),
        spacing="4", width="100%", max_width="1100px",
    )
