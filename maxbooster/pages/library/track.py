"""One track: waveform and player (A/B against a master), analysis charts, readiness, metadata."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import app_page, panel
from maxbooster.components.track_player import track_player
from maxbooster.pages.mastering.panel import mastering_panel, versions
from maxbooster.state.mastering import CheckRow, TrackStatus
from maxbooster.state.mastering import TrackState as S

CHECK_COLORS = {"PASS": "green", "WARN": "amber", "FAIL": "red"}


def section(title: str, *children: rx.Component, **props: object) -> rx.Component:
    return panel(rx.vstack(rx.heading(title, size="3", as_="h2"), *children, spacing="3", width="100%"),
                 width="100%", **props)


def stat(label: str, value: rx.Var[str]) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color=theme.MUTED), rx.text(value, size="3", weight="medium"),
                     spacing="0", min_width="110px")


def header() -> rx.Component:
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=14, aria_hidden="true"), rx.text("Library", size="2"),
                          spacing="1", align="center"), href=routes.LIBRARY, color=theme.MUTED, underline="none"),
        rx.heading(S.track["title"].to(str), size="6", as_="h2", data_testid="track-heading"),
        rx.text(rx.cond(S.track["artist"].to(str) != "", S.track["artist"].to(str), "Unknown artist"),
                color=theme.MUTED, size="2"),
        rx.hstack(stat("Length", S.track["duration"].to(str)), stat("Loudness", S.track["lufs"].to(str)),
                  stat("True peak", S.track["peak"].to(str)), stat("Loudness range", S.track["lra"].to(str)),
                  stat("Stereo correlation", S.track["correlation"].to(str)), stat("Format", S.track["format"].to(str)),
                  spacing="5", wrap="wrap", padding_top="6px"),
        spacing="1", width="100%",
    )


def player() -> rx.Component:
    ready = S.track["status"].to(str) == TrackStatus.READY
    return rx.cond(ready, panel(rx.vstack(
        track_player(peaks_urls=S.track["peaks"].to(str), audio_url=S.track["audio_url"].to(str),
                     duration_s=S.track["duration_s"].to(float), audio_url_b=S.compare["url"].to(str),
                     gain_db_a=S.compare["gain_a"].to(float), gain_db_b=S.compare["gain_b"].to(float),
                     match_loudness=True, height=180, data_testid="track-player"),
        rx.cond(S.compare["url"].to(str) != "",
                rx.text("A = original, B = ", S.compare["label"].to(str),
                        ". Loudness matching is on: the louder one is turned down so you judge the sound, not the "
                        "level.", size="1", color=theme.MUTED),
                rx.text("Master the track below to compare it with the original here.", size="1", color=theme.MUTED)),
        spacing="2", width="100%"), width="100%", padding="14px"),
        panel(processing_note(), width="100%"))


def processing_note() -> rx.Component:
    return rx.cond(S.track["status"].to(str) == TrackStatus.FAILED,
                   rx.hstack(rx.callout(S.track["message"].to(str), icon="triangle-alert", color_scheme="red"),
                             rx.button("Try again", on_click=S.retry, variant="soft"), align="center", wrap="wrap",
                             spacing="3"),
                   rx.vstack(rx.text("Processing: reading the file, drawing the waveform, measuring loudness…",
                                     size="2", color=theme.MUTED),
                             rx.progress(value=S.track["progress"].to(int), max=100, aria_label="Processing"),
                             width="100%", spacing="2"))


def loudness_chart() -> rx.Component:
    return rx.recharts.line_chart(
        rx.recharts.line(data_key="lufs", stroke=theme.ACCENT, dot=False, name="Short-term loudness",
                         is_animation_active=False),
        rx.recharts.line(data_key="target", stroke="#e5a50a", dot=False, stroke_dasharray="5 4", name="Target",
                         is_animation_active=False),
        rx.recharts.x_axis(data_key="t", min_tick_gap=40, stroke=theme.MUTED),
        rx.recharts.y_axis(domain=[-40, 0], unit=" LUFS", width=72, stroke=theme.MUTED),
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", stroke=theme.BORDER),
        rx.recharts.graphing_tooltip(), rx.recharts.legend(),
        data=S.loudness, width="100%", height=240,
    )


def tonal_chart() -> rx.Component:
    return rx.recharts.composed_chart(
        rx.recharts.bar(data_key="track", fill=theme.ACCENT, name="This track", is_animation_active=False),
        rx.recharts.line(data_key="target", stroke="#e5a50a", name="Genre target", is_animation_active=False),
        rx.recharts.x_axis(data_key="band", unit=" Hz", stroke=theme.MUTED),
        rx.recharts.y_axis(unit=" dB", width=60, stroke=theme.MUTED),
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", stroke=theme.BORDER),
        rx.recharts.graphing_tooltip(), rx.recharts.legend(),
        data=S.tonal, width="100%", height=240,
    )


def check_row(row: CheckRow) -> rx.Component:
    return rx.hstack(
        rx.badge(row.status, color_scheme=rx.match(row.status, ("PASS", "green"), ("WARN", "amber"), "red"),
                 variant="soft", min_width="52px", justify="center"),
        rx.vstack(rx.text(row.title, size="2", weight="medium"),
                  rx.cond(row.detail != "", rx.text(row.detail, size="1", color=theme.MUTED)),
                  rx.cond(row.fix != "", rx.text("How to fix: ", row.fix, size="1")), spacing="0"),
        spacing="3", align="start", width="100%", data_testid="check-row",
    )


def metadata() -> rx.Component:
    return section("Details", rx.form(rx.vstack(
        rx.el.label("Title", html_for="meta-title", font_size="14px"),
        rx.input(id="meta-title", name="title", default_value=S.track["title"].to(str), size="2", width="100%"),
        rx.el.label("Artist", html_for="meta-artist", font_size="14px"),
        rx.input(id="meta-artist", name="artist", default_value=S.track["artist"].to(str), size="2", width="100%"),
        rx.hstack(rx.button("Save", size="2", type="submit"),
                  rx.link("Download the original", href=S.track["original_url"].to(str), size="2"),
                  spacing="4", align="center"),
        spacing="2", width="100%"), on_submit=S.save_meta, width="100%"),
        rx.text("File: ", S.track["file"].to(str), size="1", color=theme.MUTED, word_break="break-all"))


def analysis() -> rx.Component:
    return rx.cond(S.track["status"].to(str) == TrackStatus.READY, rx.grid(
        section("Loudness over time", rx.text("Short-term loudness (3 s windows) against the streaming target.",
                                              size="1", color=theme.MUTED), loudness_chart()),
        section("Tonal balance", rx.text("Each octave's level against the genre's target curve.", size="1",
                                         color=theme.MUTED), tonal_chart()),
        section("Ready for release?", rx.vstack(rx.foreach(S.checks, check_row), spacing="3", width="100%")),
        metadata(),
        columns=rx.breakpoints(initial="1", lg="2"), spacing="4", width="100%"))


def missing() -> rx.Component:
    return panel(rx.vstack(rx.heading("Track not found", size="4", as_="h2"),
                           rx.text("It may have been deleted.", color=theme.MUTED, size="2"),
                           rx.link("Back to your library", href=routes.LIBRARY), spacing="2"), width="100%")


@app_page(routes.TRACK, "Track", on_load=S.load)
def track_page() -> rx.Component:
    return rx.cond(S.not_found, missing(), rx.vstack(
        header(), player(), mastering_panel(), versions(), analysis(),
        spacing="4", width="100%", max_width="1200px",
    ))
