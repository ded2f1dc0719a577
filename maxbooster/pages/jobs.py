"""Job monitor page: every job of the user, live progress bars."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import app_page, panel
from maxbooster.state.jobs import JobRow, JobsState, JobStatus

STATUS_COLORS = {JobStatus.PENDING: "gray", JobStatus.RUNNING: "blue", JobStatus.SUCCEEDED: "green",
                 JobStatus.FAILED: "red", JobStatus.CANCELLED: "orange"}


STATUS_WORDS = {JobStatus.PENDING: "Waiting", JobStatus.RUNNING: "Running", JobStatus.SUCCEEDED: "Done",
                JobStatus.FAILED: "Failed", JobStatus.CANCELLED: "Cancelled"}


def status_badge(status: rx.Var[str]) -> rx.Component:
    return rx.match(status, *[(k, rx.badge(STATUS_WORDS[k], color_scheme=v, variant="soft"))
                              for k, v in STATUS_COLORS.items()], rx.badge(status))


def job_card(row: JobRow) -> rx.Component:
    active = (row.status == JobStatus.PENDING) | (row.status == JobStatus.RUNNING)
    return panel(rx.vstack(
        rx.hstack(rx.text(row.label, size="2", weight="medium"), status_badge(row.status), rx.spacer(),
                  rx.text(row.created, size="1", color=theme.MUTED), width="100%", align="center", wrap="wrap"),
        rx.progress(value=row.progress, max=100, size="2", aria_label="Progress of " + row.label),
        rx.hstack(rx.text(rx.cond(row.error != "", row.error, row.message), size="1",
                          color=rx.cond(row.error != "", "var(--red-11)", theme.MUTED)),
                  rx.spacer(),
                  rx.cond(row.attempts > 1, rx.text("attempt ", row.attempts.to_string(), size="1",
                                                    color=theme.MUTED)),
                  rx.cond(active, rx.button("Cancel", size="1", variant="soft", color_scheme="red",
                                            on_click=JobsState.cancel(row.id))),
                  width="100%", align="center", wrap="wrap", spacing="3"),
        spacing="2", width="100%"), padding="12px 14px", width="100%", data_testid="job-row")


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
        rx.cond(
            JobsState.rows.length() > 0,
            rx.vstack(rx.foreach(JobsState.rows, job_card), spacing="2", width="100%"),
            panel(rx.text("No jobs yet. Uploads you process, masters and renders you start will appear here.",
                          color=theme.MUTED), width="100%"),
        ),
        spacing="4", width="100%", on_mount=JobsState.load,
    )
