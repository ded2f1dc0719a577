"""One release: a header with its save state, then tabs for the details, the tracks, the check and
sending, and the smart link."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import app_page, panel
from maxbooster.pages.releases.details import details_tab
from maxbooster.pages.releases.fields import save_indicator
from maxbooster.pages.releases.link import link_tab
from maxbooster.pages.releases.send import send_tab
from maxbooster.pages.releases.tracks import tracks_tab
from maxbooster.state.releases import ReleaseState as S


def header() -> rx.Component:
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=14, aria_hidden="true"), rx.text("Releases", size="2"),
                          spacing="1", align="center"), href=routes.RELEASES, color=theme.MUTED, underline="none"),
        rx.flex(rx.heading(S.view.heading, size="6", as_="h2", data_testid="release-heading", min_width="0",
                           trim="both"),
                rx.cond(S.view.locked == "", save_indicator()), justify="between", align="center", spacing="3",
                wrap="wrap", width="100%"),
        rx.cond(S.view.locked != "", rx.callout(S.view.locked, icon="lock", color_scheme="blue", width="100%",
                                                 data_testid="locked")),
        spacing="2", width="100%")


def tabs() -> rx.Component:
    def trigger(value: str, text: str, icon: str) -> rx.Component:
        return rx.tabs.trigger(rx.hstack(rx.icon(icon, size=14, aria_hidden="true",
                                                 display=rx.breakpoints(initial="none", sm="block")),
                                         rx.text(text, white_space="nowrap"), spacing="2", align="center"),
                               value=value)

    return rx.tabs.root(
        rx.box(rx.tabs.list(trigger("details", "Details", "file-pen-line"), trigger("tracks", "Tracks", "list-music"),
                            trigger("send", "Check & send", "send"), trigger("link", "Smart link", "link"),
                            size="2", wrap="nowrap"),
               overflow_x="auto", width="100%"),
        rx.tabs.content(details_tab(), value="details", padding_top="16px"),
        rx.tabs.content(tracks_tab(), value="tracks", padding_top="16px"),
        rx.tabs.content(send_tab(), value="send", padding_top="16px"),
        rx.tabs.content(link_tab(), value="link", padding_top="16px"),
        default_value="details", width="100%")


def missing() -> rx.Component:
    return panel(rx.vstack(rx.heading("Release not found", size="4", as_="h2"),
                           rx.text("It may have been deleted, or it belongs to another account.", color=theme.MUTED,
                                   size="2"),
                           rx.link("Back to your releases", href=routes.RELEASES), spacing="2"), width="100%")


@app_page(routes.RELEASE, "Release", on_load=S.load)
def release_page() -> rx.Component:
    return rx.cond(S.not_found, missing(), rx.cond(
        S.is_hydrated & S.loaded,
        rx.vstack(header(), tabs(), spacing="4", width="100%", max_width="1200px"),
        rx.center(rx.spinner(size="3"), width="100%", padding="64px")))
