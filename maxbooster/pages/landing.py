"""What Max Booster is, for logged-out visitors."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import logo, public_page
from maxbooster.state.auth import AuthState

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
        rx.icon(icon, size=22, color=theme.ACCENT),
        rx.text(title, weight="bold", size="3"),
        rx.text(text, size="2", color=theme.MUTED),
        background=theme.PANEL, border=f"1px solid {theme.BORDER}", border_radius="8px",
        padding="18px", spacing="2", align="start",
    )


def header() -> rx.Component:
    return rx.hstack(
        logo(), rx.spacer(),
        rx.cond(
            AuthState.signed_in,
            rx.link(rx.button("Open studio", size="2"), href=routes.DASHBOARD),
            rx.hstack(
                rx.link(rx.button("Log in", variant="ghost", color_scheme="gray", size="2"), href=routes.LOGIN),
                rx.link(rx.button("Create account", size="2"), href=routes.SIGNUP),
                spacing="2",
            ),
        ),
        padding="16px 32px", border_bottom=f"1px solid {theme.BORDER}", background=theme.PANEL, align="center",
    )


def hero() -> rx.Component:
    return rx.vstack(
        rx.badge("Self-hosted · open", variant="surface", size="2"),
        rx.heading("Your whole music career in one studio.", size="8", weight="bold",
                   text_align="center", max_width="760px"),
        rx.text("Make the song, master it to every platform's loudness target, release it, promote it "
                "and sell around it. Runs on your own machine; no accounts elsewhere needed.",
                size="4", color=theme.MUTED, text_align="center", max_width="640px"),
        rx.hstack(
            rx.link(rx.button("Start free", size="3"), href=routes.SIGNUP),
            rx.link(rx.button("Log in", size="3", variant="outline", color_scheme="gray"), href=routes.LOGIN),
            spacing="3", padding_top="8px",
        ),
        align="center", spacing="4", padding="72px 24px 48px",
    )


@public_page(routes.LANDING, "Music career studio", on_load=AuthState.load_visitor)
def landing() -> rx.Component:
    return rx.vstack(
        header(),
        hero(),
        rx.grid(*[feature_card(*f) for f in FEATURES], columns=rx.breakpoints(initial="1", sm="2", lg="3"),
                spacing="4", width="100%", max_width="1040px", padding_x="24px"),
        rx.text("Max Booster · built for independent artists and small labels", size="1",
                color=theme.MUTED, padding="48px"),
        width="100%", align="center", spacing="0",
    )
