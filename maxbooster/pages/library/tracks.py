"""Library: drop files in, see every track with its waveform, find, edit and delete them."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import app_page, panel
from maxbooster.components.uploader import uploader
from maxbooster.components.waveform_thumbnail import waveform_thumbnail
from maxbooster.state.library import LibraryState as S
from maxbooster.state.library import TrackRow, TrackStatus


def status_badge(row: TrackRow) -> rx.Component:
    return rx.match(row.status,
                    (TrackStatus.PROCESSING, rx.badge("Processing ", row.progress.to_string(), "%",
                                                      color_scheme="blue", variant="soft")),
                    (TrackStatus.READY, rx.badge("Ready", color_scheme="green", variant="soft")),
                    (TrackStatus.FAILED, rx.badge("Failed", color_scheme="red", variant="soft")),
                    rx.badge(row.status))


def figures(row: TrackRow) -> rx.Component:
    return rx.hstack(
        rx.text(row.duration, size="1", color=theme.MUTED),
        rx.text(row.lufs, size="1", color=theme.MUTED),
        rx.text(row.peak, size="1", color=theme.MUTED),
        rx.badge(row.format, variant="outline", size="1"),
        spacing="3", wrap="wrap", align="center",
    )


def edit_form(row: TrackRow) -> rx.Component:
    return rx.form(rx.vstack(
        rx.input(name="title", default_value=row.title, aria_label="Title", size="2", width="100%"),
        rx.input(name="artist", default_value=row.artist, aria_label="Artist", placeholder="Artist", size="2",
                 width="100%"),
        rx.hstack(rx.button("Save", size="1", type="submit"),
                  rx.button("Cancel", size="1", variant="soft", color_scheme="gray", type="button",
                            on_click=S.cancel_edit), spacing="2"),
        spacing="2", width="100%"), on_submit=S.save_edit, width="100%")


def track_card(row: TrackRow) -> rx.Component:
    return panel(
        rx.vstack(
            rx.cond(row.thumb_url != "",
                    rx.link(waveform_thumbnail(peaks_url=row.thumb_url, height=56), href=row.href, width="100%",
                            aria_label="Open " + row.title),
                    rx.box(rx.cond(row.status == TrackStatus.PROCESSING,
                                   rx.progress(value=row.progress, max=100, size="1", aria_label="Processing"),
                                   rx.text(row.message, size="1", color="var(--red-11)")),
                           height="56px", width="100%", display="flex", align_items="center")),
            rx.cond(S.editing_id == row.id, edit_form(row), rx.vstack(
                rx.link(rx.text(row.title, weight="bold", size="3", trim="both"), href=row.href, color=theme.TEXT,
                        underline="none", data_testid="track-title"),
                rx.text(rx.cond(row.artist != "", row.artist, "Unknown artist"), size="2", color=theme.MUTED),
                spacing="1", width="100%")),
            figures(row),
            rx.hstack(
                status_badge(row), rx.spacer(),
                rx.cond(row.status == TrackStatus.FAILED,
                        rx.button("Retry", size="1", variant="soft", on_click=S.retry(row.id))),
                rx.icon_button(rx.icon("pencil", size=14), size="1", variant="ghost", color_scheme="gray",
                               aria_label="Edit " + row.title, on_click=S.start_edit(row.id)),
                rx.icon_button(rx.icon("trash-2", size=14), size="1", variant="ghost", color_scheme="red",
                               aria_label="Delete " + row.title, on_click=S.ask_delete(row.id, row.title)),
                width="100%", align="center", spacing="2"),
            spacing="2", width="100%"),
        padding="14px", data_testid="track-card",
    )


def toolbar() -> rx.Component:
    return rx.hstack(
        rx.form(rx.hstack(rx.input(name="query", placeholder="Search title, artist or file", size="2",
                                   default_value=S.query, aria_label="Search tracks", width="260px", max_width="60vw"),
                          rx.button("Search", size="2", variant="soft", type="submit"), spacing="2"),
                on_submit=S.search),
        rx.select.root(rx.select.trigger(aria_label="Show", variant="soft"), rx.select.content(
            rx.select.item("All tracks", value="all"), rx.select.item("Ready", value=TrackStatus.READY),
            rx.select.item("Processing", value=TrackStatus.PROCESSING),
            rx.select.item("Failed", value=TrackStatus.FAILED)),
            value=rx.cond(S.status_filter == "", "all", S.status_filter), on_change=S.set_filter, size="2"),
        rx.select.root(rx.select.trigger(aria_label="Sort", variant="soft"), rx.select.content(
            rx.select.item("Newest first", value="newest"), rx.select.item("Oldest first", value="oldest"),
            rx.select.item("Title A–Z", value="title"), rx.select.item("Loudest", value="loudest"),
            rx.select.item("Longest", value="longest")), value=S.sort, on_change=S.set_sort, size="2"),
        rx.spacer(),
        rx.text(rx.cond(S.total == 1, "1 track", S.total.to_string() + " tracks"), size="2", color=theme.MUTED,
                data_testid="track-count"),
        width="100%", align="center", wrap="wrap", spacing="3",
    )


def pager() -> rx.Component:
    return rx.cond(S.pages > 1, rx.hstack(
        rx.button("Previous", size="1", variant="soft", disabled=S.page <= 1, on_click=S.go_page(S.page - 1)),
        rx.text("Page ", S.page.to_string(), " of ", S.pages.to_string(), size="2", color=theme.MUTED),
        rx.button("Next", size="1", variant="soft", disabled=S.page >= S.pages, on_click=S.go_page(S.page + 1)),
        spacing="3", align="center", justify="center", width="100%"))


def empty_state() -> rx.Component:
    return rx.center(rx.vstack(
        rx.icon("audio-lines", size=36, color=theme.MUTED, aria_hidden="true"),
        rx.heading(rx.cond(S.query != "", "Nothing matches your search", "Your library is empty"), size="4",
                   as_="h2"),
        rx.text(rx.cond(S.query != "", "Try other words, or clear the search.",
                        "Drop your songs above: WAV, FLAC, AIFF, MP3 or OGG. We check each file, measure its "
                        "loudness and draw its waveform, then you can master it for every platform."),
                size="2", color=theme.MUTED, text_align="center", max_width="460px"),
        align="center", spacing="3", padding="40px 16px"), width="100%")


def delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(rx.alert_dialog.content(
        rx.alert_dialog.title("Delete this track?"),
        rx.alert_dialog.description(rx.text("“", S.confirm_delete_title, "” and all its masters will be deleted. "
                                            "This cannot be undone.")),
        rx.hstack(rx.alert_dialog.cancel(rx.button("Keep it", variant="soft", color_scheme="gray",
                                                   on_click=S.cancel_delete)),
                  rx.alert_dialog.action(rx.button("Delete", color_scheme="red", on_click=S.confirm_delete)),
                  spacing="3", justify="end", padding_top="12px")),
        open=S.confirm_delete_id != "")


@app_page(routes.LIBRARY, "Library")
def library() -> rx.Component:
    return rx.vstack(
        uploader(upload_url=S.upload_url, max_bytes=S.upload_max_bytes, on_uploaded=S.uploaded,
                 data_testid="uploader"),
        toolbar(),
        rx.cond(S.loaded & (S.rows.length() == 0), empty_state(),
                rx.grid(rx.foreach(S.rows, track_card), columns=rx.breakpoints(initial="1", sm="2", lg="3", xl="4"),
                        spacing="3", width="100%")),
        pager(),
        delete_dialog(),
        spacing="4", width="100%", on_mount=S.load,
    )
