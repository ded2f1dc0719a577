"""Signed-in home: a short overview and where to go next."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import app_page, panel
from maxbooster.components.marketplace import cap_warning
from maxbooster.state.base import AuthState
from maxbooster.state.marketplace import CapState


def shortcut(icon: str, title: str, text: str, href: str) -> rx.Component:
    return rx.link(panel(
        rx.hstack(rx.icon(icon, size=20, color=theme.ACCENT, aria_hidden="true"),
                  rx.text(title, weight="bold"), spacing="2"),
        rx.text(text, size="2", color=theme.MUTED, padding_top="6px"),
        _hover={"border_color": theme.ACCENT}, height="100%",
    ), href=href, underline="none", color=theme.TEXT)


def _cap_warnings() -> rx.Component:
    """Purchased licenses whose song passed its stream limit, with the upgrade on offer."""
    return rx.cond(CapState.cap_warnings.length() > 0, rx.vstack(
        rx.heading("Licenses to upgrade", size="4", as_="h3"),
        rx.foreach(CapState.cap_warnings, lambda w: cap_warning(w.title, w.message, w.upgrade, w.upgrade_url)),
        spacing="2", width="100%", max_width="900px"))


@app_page(routes.HOME, "Home", on_load=CapState.load_caps)
def home() -> rx.Component:
    return rx.vstack(
        rx.heading(f"Welcome back, {AuthState.display_name}", size="6", as_="h2"),
        rx.text("Everything you start here runs on this server; long work shows up under Jobs.",
                color=theme.MUTED, size="2"),
        _cap_warnings(),
        rx.grid(
            shortcut("activity", "Jobs", "Renders, analyses and imports with live progress.", routes.JOBS),
            shortcut("user-cog", "Account", "Profile, plan, password, sessions on other devices.", routes.SETTINGS),
            columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%", max_width="900px",
        ),
        spacing="4", align="start",
    )
