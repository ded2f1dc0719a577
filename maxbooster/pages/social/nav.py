"""The social pages' shared tab bar."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import link_button

TABS = [("Calendar", routes.SOCIAL, "calendar-days"), ("Accounts", routes.SOCIAL_ACCOUNTS, "users"),
        ("New post", routes.SOCIAL_NEW, "pen-line"), ("Campaigns", routes.CAMPAIGNS, "flask-conical")]


def social_tabs(current: str) -> rx.Component:
    return rx.hstack(
        *[link_button(rx.hstack(rx.icon(icon, size=15, aria_hidden="true"), label, spacing="2", align="center"),
                      route, variant="solid" if route == current else "soft",
                      color_scheme="blue" if route == current else "gray", size="2")
          for label, route, icon in TABS],
        spacing="2", wrap="wrap", padding_bottom="4px", border_bottom=f"1px solid {theme.BORDER}", width="100%",
        padding="0 0 12px 0",
    )
