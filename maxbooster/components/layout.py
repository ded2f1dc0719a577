"""The app frame (sidebar + top bar) as a page decorator, and the public page frame."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.forms import post_form
from maxbooster.state.auth import AuthState


def logo() -> rx.Component:
    return rx.hstack(
        rx.box(rx.icon("audio-waveform", size=18, color="white"), background=theme.ACCENT,
               border_radius="6px", padding="5px", display="flex"),
        rx.text("Max Booster", weight="bold", size="3", letter_spacing="0.02em"),
        align="center", spacing="2",
    )


def nav_item(label: str, route: str, icon: str) -> rx.Component:
    active = AuthState.router.page.path == route
    return rx.link(
        rx.hstack(rx.icon(icon, size=16), rx.text(label, size="2"), align="center", spacing="3"),
        href=route, underline="none",
        color=rx.cond(active, theme.TEXT, theme.MUTED),
        background=rx.cond(active, theme.PANEL_RAISED, "transparent"),
        border_left=rx.cond(active, f"2px solid {theme.ACCENT}", "2px solid transparent"),
        padding="8px 12px", border_radius="4px", width="100%",
        _hover={"background": theme.PANEL_RAISED, "color": theme.TEXT},
    )


def sidebar() -> rx.Component:
    return rx.vstack(
        rx.box(logo(), padding="14px 12px 18px"),
        *[nav_item(label, route, icon) for label, route, icon in routes.NAV],
        rx.cond(AuthState.is_admin, rx.vstack(
            rx.text("ADMIN", size="1", color=theme.MUTED, padding="14px 12px 4px", letter_spacing="0.08em"),
            *[nav_item(label, route, icon) for label, route, icon in routes.ADMIN_NAV],
            spacing="1", width="100%")),
        rx.spacer(),
        rx.text("v0.1 · self-hosted", size="1", color=theme.MUTED, padding="12px"),
        width="210px", min_width="210px", height="100vh", position="sticky", top="0",
        background=theme.PANEL, border_right=f"1px solid {theme.BORDER}", spacing="1", padding_x="8px",
    )


def topbar(title: str) -> rx.Component:
    return rx.hstack(
        rx.heading(title, size="4", weight="medium"),
        rx.spacer(),
        rx.cond(AuthState.signed_in, rx.hstack(
            rx.icon("circle-user", size=18, color=theme.MUTED),
            rx.text(AuthState.display_name, size="2", color=theme.MUTED, white_space="nowrap"),
            post_form("/api/auth/logout",
                      rx.button("Log out", size="1", variant="soft", color_scheme="gray", type="submit")),
            align="center", spacing="3",
        )),
        height="52px", padding_x="24px", align="center", width="100%",
        border_bottom=f"1px solid {theme.BORDER}", background=theme.PANEL,
    )


def app_page(route: str, title: str,
             admin: bool = False) -> Callable[[Callable[[], rx.Component]], Callable[[], rx.Component]]:
    """Register a signed-in page (admin-only with `admin=True`): frame + server-side check on every load."""

    def decorate(body: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def page() -> rx.Component:
            return rx.hstack(
                sidebar(),
                rx.vstack(topbar(title), rx.box(body(), padding="24px", width="100%"),
                          width="100%", spacing="0", min_height="100vh"),
                spacing="0", width="100%", background=theme.BG,
            )

        page.__name__ = body.__name__
        guard = AuthState.require_admin if admin else AuthState.require_login
        rx.page(route=route, title=f"{title} · Max Booster", on_load=guard)(page)
        return page

    return decorate


def public_page(route: str, title: str,
                on_load: object = None) -> Callable[[Callable[[], rx.Component]], Callable[[], rx.Component]]:
    """Register a page for visitors (landing, login, sign-up)."""

    def decorate(body: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def page() -> rx.Component:
            return rx.box(body(), background=theme.BG, min_height="100vh", width="100%")

        page.__name__ = body.__name__
        rx.page(route=route, title=f"{title} · Max Booster", on_load=on_load)(page)
        return page

    return decorate


def panel(*children: rx.Component, **props: object) -> rx.Component:
    """A raised panel, the basic surface of the app."""
    style = {"background": theme.PANEL, "border": f"1px solid {theme.BORDER}",
             "border_radius": "8px", "padding": "20px"}
    return rx.box(*children, **{**style, **props})
