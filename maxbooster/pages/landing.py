"""What Max Booster is, for logged-out visitors."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import link_button, logo, public_page
from maxbooster.state.base import AuthState

FEATURES = [
    ("audio-lines", "Browser studio", "Tracks, clips, mixer and effects in a dark, fast DAW."),
    ("sliders-horizontal", "AI mix & master", "Hit streaming loudness targets without clipping."),
    ("disc-3", "Distribution", "Release with ISRC/UPC codes, DDEX delivery and royalty splits."),
    ("megaphone", "Promotion", "Schedule posts and let measured engagement steer campaigns."),
    ("store", "Marketplace", "Sell beats, samples and presets with proper license terms."),
    ("chart-line", "Analytics", "Streams, listeners and revenue per release, country and day."),
]


def feature_card(icon: str, title: str, text: str) -> rx.Component:
    return rx.vstack(
        rx.icon(icon, size=22, color=theme.ACCENT, aria_hidden="true"),
        rx.heading(title, size="3", as_="h2"),
        rx.text(text, size="2", color=theme.MUTED),
        background=theme.PANEL, border=f"1px solid {theme.BORDER}", border_radius="8px",
        padding="18px", spacing="2", align="start",
    )


def visitor_actions(size: str) -> rx.Component:
    """'Open studio' for someone signed in; 'Start free' and 'Log in' for everyone else."""
    return rx.cond(
        AuthState.signed_in,
        link_button("Open studio", routes.HOME, size=size),
        rx.hstack(
            link_button("Start free", routes.SIGNUP, size=size),
            link_button("Log in", routes.LOGIN, size=size, variant="outline", color_scheme="gray"),
            spacing="3",
        ),
    )


def header() -> rx.Component:
    return rx.el.header(rx.hstack(
        logo(), rx.spacer(), visitor_actions("2"),
        padding=rx.breakpoints(initial="12px 16px", md="16px 32px"), align="center", width="100%",
    ), width="100%", background=theme.PANEL, border_bottom=f"1px solid {theme.BORDER}")


def hero() -> rx.Component:
    return rx.vstack(
        rx.badge("Self-hosted · open", variant="surface", size="2"),
        rx.heading("Your whole music career in one studio.", size=rx.breakpoints(initial="7", md="8"), weight="bold",
                   text_align="center", max_width="760px", as_="h1"),
        rx.text("Make the song, master it to every platform's loudness target, release it, promote it "
                "and sell around it. Runs on your own machine; no accounts elsewhere needed.",
                size="4", color=theme.MUTED, text_align="center", max_width="640px"),
        rx.box(visitor_actions("3"), padding_top="8px"),
        align="center", spacing="4", padding=rx.breakpoints(initial="48px 20px 32px", md="72px 24px 48px"),
    )


@public_page(routes.LANDING, "Music career studio", on_load=AuthState.load_visitor)
def landing() -> rx.Component:
    return rx.vstack(
        header(),
        rx.el.main(rx.vstack(
            hero(),
            rx.grid(*[feature_card(*f) for f in FEATURES], columns=rx.breakpoints(initial="1", sm="2", lg="3"),
                    spacing="4", width="100%", max_width="1040px", padding_x="24px"),
            width="100%", align="center", spacing="0"), id="main", width="100%"),
        rx.el.footer(rx.text("Max Booster · built for independent artists and small labels", size="1",
                             color=theme.MUTED), padding="48px"),
        width="100%", align="center", spacing="0",
    )
