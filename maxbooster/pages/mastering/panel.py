"""The mastering form (destinations, strength, genre, reference) and the versions with their
before/after table, the engine's reasons, A/B comparison and downloads."""

from __future__ import annotations

import reflex as rx

from maxbooster.components import theme
from maxbooster.components.layout import panel
from maxbooster.state.mastering import MasterRow, MasterStatus, TrackStatus
from maxbooster.state.mastering import TrackState as S


def destination(choice: rx.Var[dict[str, str]]) -> rx.Component:
    key = choice["key"].to(str)
    return rx.el.label(rx.hstack(
        rx.checkbox(checked=S.chosen.contains(key), on_change=lambda on: S.toggle_destination(key, on),
                    aria_label=choice["label"].to(str)),
        rx.vstack(rx.text(choice["label"].to(str), size="2", weight="medium"),
                  rx.text(choice["hint"].to(str), size="1", color=theme.MUTED), spacing="0"),
        spacing="2", align="center"), padding="8px 10px", border=f"1px solid {theme.BORDER}", border_radius="6px",
        cursor="pointer", data_testid="destination")


def custom_target() -> rx.Component:
    return rx.cond(S.chosen.contains("custom"), rx.form(rx.hstack(
        rx.el.label("Loudness (LUFS)", html_for="custom-lufs", font_size="13px"),
        rx.input(id="custom-lufs", name="custom_lufs", default_value=S.custom_lufs, width="80px", size="1",
                 on_blur=lambda v: S.set_custom({"custom_lufs": v})),
        rx.el.label("Ceiling (dBTP)", html_for="custom-ceiling", font_size="13px"),
        rx.input(id="custom-ceiling", name="custom_ceiling", default_value=S.custom_ceiling, width="80px", size="1",
                 on_blur=lambda v: S.set_custom({"custom_ceiling": v})),
        spacing="2", align="center", wrap="wrap"), on_submit=S.set_custom))


def mastering_panel() -> rx.Component:
    return rx.cond(S.track["status"].to(str) == TrackStatus.READY, panel(rx.vstack(
        rx.heading("Master this track", size="3", as_="h2"),
        rx.text("Pick where it will be played. Each choice becomes its own version at that platform's loudness, "
                "never louder than its peak ceiling.", size="2", color=theme.MUTED),
        rx.flex(rx.foreach(S.choices, destination), rx.el.label(rx.hstack(
            rx.checkbox(checked=S.chosen.contains("custom"), on_change=lambda on: S.toggle_destination("custom", on),
                        aria_label="Custom target"),
            rx.text("Custom target", size="2", weight="medium"), spacing="2", align="center"),
            padding="8px 10px", border=f"1px solid {theme.BORDER}", border_radius="6px", cursor="pointer"),
            wrap="wrap", gap="8px"),
        custom_target(),
        rx.grid(
            rx.vstack(rx.el.label("Strength: ", S.strength.to_string(), " %", html_for="strength", font_size="14px"),
                      rx.el.input(id="strength", type="range", min=0, max=100, step=5, default_value="100",
                                  on_change=S.set_strength.debounce(250), class_name="mb-range", width="100%"),
                      rx.text("Lower keeps more of your own sound; 100 % applies everything the analysis suggests.",
                              size="1", color=theme.MUTED), spacing="2", width="100%"),
            rx.vstack(rx.text("Genre", size="2"), rx.select.root(
                rx.select.trigger(aria_label="Genre", placeholder="Decide from the track"),
                rx.select.content(rx.select.item("Decide from the track", value="auto"),
                                  rx.foreach(S.genres, lambda g: rx.select.item(g.capitalize(), value=g))),
                value=rx.cond(S.genre == "", "auto", S.genre), on_change=S.set_genre), spacing="2"),
            rx.vstack(rx.text("Reference track (optional)", size="2"), rx.select.root(
                rx.select.trigger(aria_label="Reference track", placeholder="None"),
                rx.select.content(rx.select.item("None", value="none"),
                                  rx.foreach(S.references, lambda r: rx.select.item(r["title"].to(str),
                                                                                    value=r["id"].to(str)))),
                value=rx.cond(S.reference_id == "", "none", S.reference_id), on_change=S.set_reference),
                rx.text("Match the sound of a song you like from your library.", size="1", color=theme.MUTED),
                spacing="2"),
            columns=rx.breakpoints(initial="1", md="3"), spacing="4", width="100%"),
        rx.button(rx.cond(S.starting, rx.spinner(size="2"), rx.icon("sparkles", size=16)), "Master",
                  on_click=S.start_master, disabled=S.starting | (S.chosen.length() == 0), size="3",
                  data_testid="start-master"),
        spacing="4", width="100%"), width="100%"))


def compare_table(row: MasterRow) -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(rx.table.column_header_cell(""), rx.table.column_header_cell("Before"),
                                     rx.table.column_header_cell("After"))),
        rx.table.body(rx.foreach(row.compare, lambda c: rx.table.row(
            rx.table.cell(c["label"]), rx.table.cell(c["before"]), rx.table.cell(c["after"])))),
        size="1", variant="ghost", width="100%")


def downloads(row: MasterRow) -> rx.Component:
    return rx.hstack(
        rx.foreach(row.downloads, lambda d: rx.link(rx.hstack(rx.icon("download", size=14, aria_hidden="true"),
                                                              rx.text(d["label"], size="2"), spacing="1",
                                                              align="center"),
                                                    href=d["url"], data_testid="download-" + d["format"])),
        rx.cond(row.preparing, rx.hstack(rx.spinner(size="1"), rx.text("Preparing the other formats…", size="1",
                                                                         color=theme.MUTED), spacing="1")),
        rx.cond(row.locked != "", rx.text("Not in your plan: ", row.locked, size="1", color=theme.MUTED)),
        spacing="4", wrap="wrap", align="center")


def version_card(row: MasterRow) -> rx.Component:
    return panel(rx.vstack(
        rx.hstack(rx.badge("v", row.version.to_string(), variant="surface"), rx.text(row.label, weight="medium"),
                  rx.spacer(), rx.text(row.created, size="1", color=theme.MUTED),
                  rx.icon_button(rx.icon("trash-2", size=14), size="1", variant="ghost", color_scheme="red",
                                 aria_label="Delete this version", on_click=S.ask_delete_master(row.id)),
                  width="100%", align="center", wrap="wrap"),
        rx.match(row.status,
                 (MasterStatus.PROCESSING,
                  rx.vstack(rx.text("Mastering…", size="2", color=theme.MUTED),
                            rx.progress(value=row.progress, max=100, aria_label="Mastering progress"), width="100%")),
                 (MasterStatus.FAILED,
                  rx.callout(row.message, icon="triangle-alert", color_scheme="red", width="100%")),
                 rx.vstack(
                     rx.grid(compare_table(row),
                             rx.vstack(rx.foreach(row.reasons, lambda r: rx.text("• ", r, size="1",
                                                                                 color=theme.MUTED)),
                                       spacing="1"),
                             columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%"),
                     rx.hstack(rx.button(rx.cond(S.compare["id"].to(str) == row.id, "Comparing in the player",
                                                 "Compare with the original"),
                                         size="1", variant="soft", on_click=S.compare_with(row.id),
                                         disabled=S.compare["id"].to(str) == row.id),
                               downloads(row), spacing="4", wrap="wrap", align="center"),
                     spacing="3", width="100%")),
        spacing="3", width="100%"), width="100%", data_testid="master-version")


def delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(rx.alert_dialog.content(
        rx.alert_dialog.title("Delete this version?"),
        rx.alert_dialog.description("Its files will be deleted. The original track stays."),
        rx.hstack(rx.alert_dialog.cancel(rx.button("Keep it", variant="soft", color_scheme="gray",
                                                   on_click=S.cancel_delete_master)),
                  rx.alert_dialog.action(rx.button("Delete", color_scheme="red", on_click=S.confirm_master_delete)),
                  spacing="3", justify="end", padding_top="12px")),
        open=S.confirm_delete_master != "")


def versions() -> rx.Component:
    return rx.fragment(rx.cond(S.versions.length() > 0, rx.vstack(
        rx.heading("Versions", size="3", as_="h2"), rx.foreach(S.versions, version_card), spacing="3",
        width="100%")), delete_dialog())
