"""The page for addresses that do not exist, with a way back."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.forms import auth_card
from maxbooster.components.layout import link_button, register_page
from maxbooster.state.base import AuthState


def not_found() -> rx.Component:
    return rx.box(auth_card(
        "Page not found", "There is nothing at this address. It may have moved, or the link has a typo.",
        rx.icon("map-pin-off", size=36, color=theme.MUTED, aria_hidden="true"),
        rx.cond(AuthState.signed_in,
                link_button("Back to your studio", routes.HOME, size="3", width="100%"),
                link_button("Go to the start page", routes.LANDING, size="3", width="100%")),
    ), background=theme.BG, min_height="100vh", width="100%", data_testid="not-found")


register_page(not_found, route="404", title="Page not found · Max Booster", on_load=AuthState.load_visitor)
