"""Studio: the editor of one project — arrange view, transport, mixer, library panel."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import app_page, link_button
from maxbooster.components.studio import studio
from maxbooster.state.studio import JobStatus
from maxbooster.state.studio import StudioState as S


def not_found() -> rx.Component:
    return rx.center(rx.vstack(
        rx.heading("This project is not here", size="4", as_="h2"),
        rx.text("It may have been deleted, or the link is wrong.", size="2", color=theme.MUTED),
        link_button("Back to your projects", routes.PROJECTS), align="center", spacing="3", padding="40px 16px"),
        width="100%")


def bounce_panel() -> rx.Component:
    """The last bounce: progress while it runs, then where the mix is and the downloads."""
    running = (S.bounce_status == JobStatus.PENDING) | (S.bounce_status == JobStatus.RUNNING)
    return rx.cond(S.bounce_job != "", rx.callout.root(
        rx.callout.icon(rx.icon(rx.cond(running, "loader", "circle-check"), size=16)),
        rx.hstack(
            rx.cond(running,
                    rx.hstack(rx.text("Bouncing: ", S.bounce_message, size="2"),
                              rx.progress(value=S.bounce_progress, max=100, width="160px",
                                          aria_label="Bounce progress"),
                              align="center", spacing="3"),
                    rx.cond(S.bounce_status == JobStatus.SUCCEEDED,
                            rx.hstack(
                                rx.text("Your mix is ready.", size="2", weight="medium"),
                                rx.cond(S.bounce_track != "",
                                        rx.link("Master it", href=S.bounce_track, size="2",
                                                data_testid="send-to-mastering")),
                                rx.cond(S.bounce_links.contains("mix"),
                                        rx.link("Download the mix", href=S.bounce_links["mix"], size="2")),
                                rx.cond(S.bounce_links.contains("stems"),
                                        rx.link("Download the stems", href=S.bounce_links["stems"], size="2")),
                                spacing="4", align="center", wrap="wrap"),
                            rx.text("The bounce did not finish: ", S.bounce_error, size="2"))),
            rx.spacer(),
            rx.icon_button(rx.icon("x", size=14), size="1", variant="ghost", color_scheme="gray",
                           aria_label="Hide", on_click=S.dismiss_bounce),
            width="100%", align="center"),
        color_scheme=rx.cond(S.bounce_status == JobStatus.FAILED, "red", "blue"), size="1", width="100%",
        data_testid="bounce-panel"))


def export_panel() -> rx.Component:
    running = (S.export_status == JobStatus.PENDING) | (S.export_status == JobStatus.RUNNING)
    return rx.cond(S.export_job != "", rx.callout.root(
        rx.callout.icon(rx.icon(rx.cond(running, "loader", "file-archive"), size=16)),
        rx.hstack(
            rx.cond(running, rx.text("Packing the project for another DAW…", size="2"),
                    rx.cond(S.export_url != "",
                            rx.hstack(rx.link("Download the .dawproject", href=S.export_url, size="2",
                                              data_testid="export-download"),
                                      rx.text(S.export_message, size="1", color=theme.MUTED), spacing="3",
                                      align="center", wrap="wrap"),
                            rx.text("The export did not finish: ", S.export_message, size="2"))),
            rx.spacer(),
            rx.icon_button(rx.icon("x", size=14), size="1", variant="ghost", color_scheme="gray",
                           aria_label="Hide", on_click=S.dismiss_export),
            width="100%", align="center"),
        color_scheme=rx.cond(running | (S.export_url != ""), "blue", "red"), size="1", width="100%"))


@app_page(routes.PROJECT, "Studio", on_load=S.load)
def editor_page() -> rx.Component:
    return rx.cond(
        S.not_found, not_found(),
        rx.vstack(
            rx.hstack(rx.link(rx.hstack(rx.icon("chevron-left", size=16, aria_hidden="true"), rx.text("Projects"),
                                        align="center", spacing="1"),
                              href=routes.PROJECTS, color=theme.MUTED, underline="none", size="2"),
                      rx.heading(S.name, size="3", as_="h2", weight="medium"), rx.spacer(),
                      rx.button(rx.icon("file-archive", size=14), "Export for another DAW", size="1", variant="soft",
                                color_scheme="gray", on_click=S.export_dawproject, data_testid="export-dawproject"),
                      align="center", spacing="3", width="100%"),
            bounce_panel(),
            export_panel(),
            rx.cond(S.boot != "",
                    studio(boot=S.boot, ready=S.is_hydrated, ack=S.ack, suggestion=S.suggestion,
                           upload_url=routes.V1_TRACKS, on_commit=S.commit, on_bounce=S.bounce,
                           on_media=S.refresh_media, on_assistant=S.ask_assistant),
                    rx.center(rx.spinner(size="3"), min_height="420px", width="100%")),
            spacing="3", width="100%"),
    )
