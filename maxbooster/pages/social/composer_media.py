"""The composer's media and link panels: library media to attach (covers, master previews, audiograms),
"Make an audiogram" with its progress, and the release whose smart link ends the post, tagged per network."""

from __future__ import annotations

import reflex as rx

from maxbooster.components import theme
from maxbooster.components.layout import panel
from maxbooster.state.social import NO_LINK
from maxbooster.state.social import ComposerState as S
from maxbooster.state.social.media import NO_COVER, SHAPES
from maxbooster.state.social.media import AudiogramMakerState as G


def _label(text: str, target: str) -> rx.Component:
    return rx.el.label(text, html_for=target, class_name="rt-Text rt-r-size-1", style={"color": theme.MUTED})


def _select(target: str, value: rx.Var, options: rx.Var | list, on_change: object, *first: rx.Component,
            testid: str) -> rx.Component:
    items = rx.foreach(options, lambda o: rx.el.option(o["label"], value=o["value"])) if isinstance(
        options, rx.Var) else [rx.el.option(label, value=v) for v, label in options]
    return rx.el.select(*first, items, id=target, value=value, on_change=on_change,  # type: ignore[arg-type]
                        class_name="mb-native-select", style={"width": "100%"}, data_testid=testid)


def media_item(item: rx.Var[dict[str, str]]) -> rx.Component:
    on = S.chosen_media.contains(item["id"])  # type: ignore[attr-defined]
    return rx.button(rx.icon(rx.match(item["kind"], ("image", "image"), ("video", "film"), "music"), size=14,
                             aria_hidden="true"),
                     rx.text(item["name"], max_width="260px", overflow="hidden", text_overflow="ellipsis",
                             white_space="nowrap"),
                     size="1", variant=rx.cond(on, "solid", "surface"), color_scheme=rx.cond(on, "blue", "gray"),
                     on_click=S.toggle_media(item["id"]), aria_pressed=rx.cond(on, "true", "false"),
                     title=item["name"], data_testid="media-choice")


def _field(label: str, target: str, control: rx.Component) -> rx.Component:
    return rx.vstack(_label(label, target), control, spacing="1", width="100%", min_width="0")


def audiogram_maker() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.icon("audio-waveform", size=16, color=theme.ACCENT, aria_hidden="true"),
                  rx.text("Make an audiogram", size="2", weight="medium"), spacing="2", align="center"),
        rx.text("A short video of a track excerpt with moving bars over a cover. Both shapes are made; the one "
                "you pick is attached.", size="1", color=theme.MUTED),
        rx.cond(G.gram_tracks.length() == 0,  # type: ignore[attr-defined]
                rx.text("Add a track to your library to make an audiogram from it.", size="2", color=theme.MUTED),
                rx.vstack(
                    rx.grid(
                        _field("Track", "gram-track", _select("gram-track", G.gram_track, G.gram_tracks,
                                                              lambda v: G.set_gram("gram_track", v),
                                                              testid="gram-track")),
                        _field("Cover", "gram-cover", _select(
                            "gram-cover", G.gram_cover, G.gram_covers, lambda v: G.set_gram("gram_cover", v),
                            rx.el.option("No cover (a dark card)", value=NO_COVER), testid="gram-cover")),
                        _field("Start (seconds)", "gram-start", rx.input(
                            id="gram-start", value=G.gram_start, type="number", min="0", step="0.5",
                            on_change=lambda v: G.set_gram("gram_start", v), width="100%", data_testid="gram-start")),
                        _field("Length (seconds, up to 60)", "gram-length", rx.input(
                            id="gram-length", value=G.gram_length, type="number", min="1", max="60", step="1",
                            on_change=lambda v: G.set_gram("gram_length", v), width="100%",
                            data_testid="gram-length")),
                        columns=rx.breakpoints(initial="1", sm="2"), gap="10px", width="100%"),
                    _field("Shape", "gram-shape", _select("gram-shape", G.gram_shape, SHAPES,
                                                          lambda v: G.set_gram("gram_shape", v), testid="gram-shape")),
                    rx.button(rx.icon("clapperboard", size=14), "Make audiogram", on_click=G.make_gram,
                              loading=G.gram_busy, disabled=~S.is_hydrated, variant="soft", data_testid="make-gram"),
                    spacing="2", width="100%")),
        rx.cond(G.gram_busy, rx.vstack(
            rx.progress(value=G.gram_percent, max=100, width="100%", aria_label="Audiogram progress"),
            rx.text(G.gram_step, " · ", G.gram_percent, " %", size="1", color=theme.MUTED, data_testid="gram-progress"),
            spacing="1", width="100%")),
        rx.cond(G.gram_error != "", rx.callout(G.gram_error, icon="triangle-alert", color_scheme="red", size="1",
                                               width="100%", role="alert", data_testid="gram-error")),
        spacing="2", width="100%", padding_top="12px", border_top=f"1px solid {theme.BORDER}", on_mount=G.load_gram)


def media_panel() -> rx.Component:
    return panel(rx.vstack(
        rx.heading("Media from your library", size="3", as_="h2", weight="medium"),
        rx.cond(S.media_choices.length() == 0,  # type: ignore[attr-defined]
                rx.text("No covers, finished masters or audiograms yet: add a cover to a release, master a track, "
                        "or make an audiogram below.", size="2", color=theme.MUTED),
                rx.flex(rx.foreach(S.media_choices, media_item), wrap="wrap", gap="6px", width="100%")),
        audiogram_maker(),
        spacing="3", width="100%"), width="100%")


def link_picker() -> rx.Component:
    return rx.vstack(
        rx.grid(
            _field("Link to a release", "post-release", rx.cond(
                S.link_choices.length() == 0,  # type: ignore[attr-defined]
                rx.text("Set up a smart link on a release to link to it here.", size="2", color=theme.MUTED),
                _select("post-release", rx.cond(S.release_id == "", NO_LINK, S.release_id), S.link_choices,
                        S.set_release, rx.el.option("No link", value=NO_LINK), testid="post-release"))),
            rx.cond(S.release_id != "", _field("Campaign name in the link (optional)", "post-campaign", rx.input(
                id="post-campaign", default_value=S.campaign, placeholder="e.g. summer-tour",
                on_change=S.set_campaign.debounce(400), width="100%", data_testid="post-campaign"))),
            columns=rx.breakpoints(initial="1", sm="2"), gap="10px", width="100%"),
        rx.cond(S.release_id != "", rx.text(
            "Each network gets its own tagged link, so you can see which one sends listeners. See it under Checks.",
            size="1", color=theme.MUTED)),
        spacing="1", width="100%")
