"""Job monitor page: every job of the user, live progress bars."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import app_page, panel
from maxbooster.state.jobs import JobRow, JobsState

STATUS_COLORS = {"pending": "gray", "running": "blue", "succeeded": "green", "failed": "red",
                 "cancelled": "orange"}


def status_badge(status: rx.Var[str]) -> rx.Component:
    return rx.match(status, *[(k, rx.badge(k, color_scheme=v, variant="soft")) for k, v in STATUS_COLORS.items()],
                    rx.badge(status))


def job_row(row: JobRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.kind, size="2", weight="medium")),
        rx.table.cell(status_badge(row.status)),
        rx.table.cell(rx.vstack(
            rx.progress(value=row.progress, max=100, size="2", width=rx.breakpoints(initial="120px", md="220px"),
                        aria_label="Progress"),
            rx.text(rx.cond(row.error != "", row.error, row.message), size="1", color=theme.MUTED),
            spacing="1")),
        rx.table.cell(rx.text(row.attempts, size="2")),
        rx.table.cell(rx.text(row.created, size="1", color=theme.MUTED)),
        rx.table.cell(rx.cond(
            (row.status == "pending") | (row.status == "running"),
            rx.button("Cancel", size="1", variant="soft", color_scheme="red", on_click=JobsState.cancel(row.id)),
        )),
        data_testid="job-row",
    )


@app_page(routes.JOBS, "Jobs")
def jobs_page() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.vstack(rx.heading("Background jobs", size="5", as_="h2"),
                      rx.text(JobsState.active_count.to_string() + " active", size="2", color=theme.MUTED),
                      spacing="1"),
            rx.spacer(),
            rx.button(rx.icon("play", size=14), "Run self-test", on_click=JobsState.start_selftest,
                      variant="soft"),
            width="100%", align="center", wrap="wrap", spacing="3",
        ),
        panel(rx.cond(
            JobsState.rows.length() > 0,
            rx.box(rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                               ("Job", "Status", "Progress", "Attempts", "Created", "")])),
                rx.table.body(rx.foreach(JobsState.rows, job_row)),
                width="100%", variant="ghost",
            ), overflow_x="auto", width="100%"),
            rx.text("No jobs yet. Renders, masters and imports you start will appear here.", color=theme.MUTED),
        ), width="100%", padding="8px"),
        spacing="4", width="100%", on_mount=JobsState.load,
    )
