"""The tabs that join the three royalty pages (Earnings, Splits, Statements)."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme

TABS = (("Earnings", routes.EARNINGS, "hand-coins"), ("Splits", routes.ROYALTY_SPLITS, "users"),
        ("Statements", routes.ROYALTY_STATEMENTS, "file-spreadsheet"))


def section_tabs(current: str) -> rx.Component:
    def tab(label: str, route: str, icon: str) -> rx.Component:
        active = route == current
        return rx.link(rx.hstack(rx.icon(icon, size=15, aria_hidden="true"), rx.text(label, size="2"),
                                 align="center", spacing="2"),
                       href=route, underline="none", aria_current="page" if active else "false",
                       color=theme.TEXT if active else theme.MUTED, padding="6px 12px", border_radius="6px",
                       background=theme.PANEL_RAISED if active else "transparent",
                       border=f"1px solid {theme.BORDER if active else 'transparent'}",
                       _hover={"color": theme.TEXT, "background": theme.PANEL_RAISED})

    return rx.el.nav(rx.hstack(*[tab(*t) for t in TABS], spacing="1", wrap="wrap"), aria_label="Earnings sections")


def intro(text: str) -> rx.Component:
    return rx.text(text, size="2", color=theme.MUTED, max_width="720px")
