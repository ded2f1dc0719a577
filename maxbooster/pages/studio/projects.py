"""Studio: the artist's projects — start one, open, rename, copy, delete."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import app_page, panel
from maxbooster.components.uploader import uploader
from maxbooster.state.studio import ProjectRow
from maxbooster.state.studio import ProjectsState as S


def rename_form(row: ProjectRow) -> rx.Component:
    return rx.form(rx.hstack(
        rx.input(name="name", default_value=row.name, aria_label="Project name", size="2", width="100%",
                 max_length=200, auto_focus=True),
        rx.button("Save", size="1", type="submit"),
        rx.button("Cancel", size="1", variant="soft", color_scheme="gray", type="button", on_click=S.cancel_rename),
        spacing="2", width="100%", align="center"), on_submit=S.rename, width="100%")


def project_card(row: ProjectRow) -> rx.Component:
    return panel(
        rx.vstack(
            rx.cond(S.renaming_id == row.id, rename_form(row),
                    rx.link(rx.hstack(rx.icon("audio-lines", size=18, color=theme.ACCENT, aria_hidden="true"),
                                      rx.text(row.name, weight="bold", size="3", trim="both"), align="center",
                                      spacing="2"),
                            href=row.href, color=theme.TEXT, underline="none", data_testid="project-name")),
            rx.hstack(rx.badge(row.tempo, variant="soft", color_scheme="gray"),
                      rx.badge(row.meter, variant="soft", color_scheme="gray"),
                      rx.badge(row.rate, variant="soft", color_scheme="gray"),
                      rx.badge(row.tracks, variant="soft", color_scheme="blue"), spacing="2", wrap="wrap"),
            rx.hstack(
                rx.text("Edited ", row.edited, size="1", color=theme.MUTED),
                rx.spacer(),
                rx.icon_button(rx.icon("pencil", size=14), size="1", variant="ghost", color_scheme="gray",
                               aria_label="Rename " + row.name, on_click=S.start_rename(row.id)),
                rx.icon_button(rx.icon("copy", size=14), size="1", variant="ghost", color_scheme="gray",
                               aria_label="Make a copy of " + row.name, on_click=S.duplicate(row.id)),
                rx.icon_button(rx.icon("trash-2", size=14), size="1", variant="ghost", color_scheme="red",
                               aria_label="Delete " + row.name, on_click=S.ask_delete(row.id, row.name)),
                width="100%", align="center", spacing="2"),
            spacing="3", width="100%"),
        padding="16px", data_testid="project-card",
    )


def create_dialog() -> rx.Component:
    def field(label: str, control: rx.Component) -> rx.Component:
        return rx.vstack(rx.text(label, size="2", color=theme.MUTED, as_="label"), control, spacing="1", width="100%")

    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title("New project"),
        rx.dialog.description("Give it a name and a tempo. You can change the tempo later.", size="2",
                              color=theme.MUTED),
        rx.form(rx.vstack(
            field("Name", rx.input(name="name", placeholder="My new song", required=True, max_length=200,
                                   aria_label="Name", auto_focus=True, width="100%")),
            rx.hstack(
                field("Tempo (BPM)", rx.input(name="tempo", type="number", default_value="120", min="20", max="400",
                                              step="0.01", aria_label="Tempo (BPM)", width="100%")),
                field("Time signature", rx.el.select(
                    *[rx.el.option(m, value=m) for m in ("4/4", "3/4", "6/8", "2/4", "5/4", "7/8", "12/8")],
                    name="meter", default_value="4/4", aria_label="Time signature", class_name="mb-native-select")),
                field("Sample rate", rx.el.select(rx.el.option("48 kHz", value="48000"),
                                                  rx.el.option("44.1 kHz", value="44100"),
                                                  name="sample_rate", default_value="48000", aria_label="Sample rate",
                                                  class_name="mb-native-select")),
                spacing="3", width="100%"),
            rx.hstack(rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button",
                                                on_click=S.close_create)),
                      rx.button("Create project", type="submit", data_testid="create-project"),
                      spacing="3", justify="end", width="100%", padding_top="8px"),
            spacing="3", width="100%"), on_submit=S.create, reset_on_submit=False),
        max_width="520px"), open=S.creating, on_open_change=lambda _open: S.close_create)


def delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(rx.alert_dialog.content(
        rx.alert_dialog.title("Delete this project?"),
        rx.alert_dialog.description(rx.text("“", S.confirm_delete_name, "” and its history will be deleted. "
                                            "The songs in your Library stay. This cannot be undone.")),
        rx.hstack(rx.alert_dialog.cancel(rx.button("Keep it", variant="soft", color_scheme="gray",
                                                   on_click=S.cancel_delete)),
                  rx.alert_dialog.action(rx.button("Delete", color_scheme="red", on_click=S.confirm_delete)),
                  spacing="3", justify="end", padding_top="12px")),
        open=S.confirm_delete_id != "")


def empty_state() -> rx.Component:
    return rx.center(rx.vstack(
        rx.icon("sliders-horizontal", size=36, color=theme.MUTED, aria_hidden="true"),
        rx.heading("No projects yet", size="4", as_="h2"),
        rx.text("A project is a multitrack session: put songs and stems from your Library on tracks, cut and "
                "move them, mix with effects, then bounce the mix and send it to mastering.",
                size="2", color=theme.MUTED, text_align="center", max_width="480px"),
        rx.button(rx.icon("plus", size=16), "Start a project", on_click=S.open_create, size="3"),
        align="center", spacing="3", padding="40px 16px"), width="100%")


@app_page(routes.PROJECTS, "Studio", on_load=S.load)
def projects_page() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text("Your projects, last edited first.", size="2", color=theme.MUTED),
            rx.spacer(),
            rx.button(rx.icon("plus", size=16), "New project", on_click=S.open_create, data_testid="new-project"),
            width="100%", align="center"),
        rx.cond(S.loaded & (S.rows.length() == 0), empty_state(),
                rx.grid(rx.foreach(S.rows, project_card), columns=rx.breakpoints(initial="1", sm="2", lg="3"),
                        spacing="3", width="100%")),
        rx.box(
            rx.heading("Bring a project from another DAW", size="3", as_="h2", weight="medium"),
            rx.text("Export from Bitwig, Studio One, Cubase or Reaper as DAWproject (.dawproject) and drop it "
                    "here: its audio goes into your Library and its tracks, clips, fades and mix become a new project.",
                    size="2", color=theme.MUTED, padding_bottom="10px"),
            uploader(upload_url=S.import_url, accept=".dawproject", max_bytes=S.import_max_bytes,
                     on_uploaded=S.imported, multiple=False, title="Drop a .dawproject file here",
                     hint="DAWproject from Bitwig, Studio One, Cubase…", data_testid="import-dawproject"),
            width="100%", padding_top="12px"),
        create_dialog(),
        delete_dialog(),
        spacing="4", width="100%",
    )
