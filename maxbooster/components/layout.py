"""The app frame (sidebar + top bar) as a page decorator, and the public page frame.

Landmarks: a skip link, <nav> for the sidebar, <header> for the top bar and one <main id="main">
per page; the page title is the only h1. Under 768 px the sidebar folds into a menu button.
"""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.forms import post_form
from maxbooster.state.base import AuthState
from maxbooster.state.billing import BannerState

MOBILE = "768px"

# (render function, page options) of every page; maxbooster.py adds them to the app once.
# (`@rx.page` would re-add them on each compile and log "Page … is being redefined".)
PAGES: list[tuple[Callable[[], rx.Component], dict[str, object]]] = []


def register_page(render: Callable[[], rx.Component], **options: object) -> None:
    PAGES.append((render, options))


def logo() -> rx.Component:
    return rx.hstack(
        rx.box(rx.icon("audio-waveform", size=18, color="white", aria_hidden="true"), background=theme.ACCENT,
               border_radius="6px", padding="5px", display="flex"),
        rx.text("Max Booster", weight="bold", size="3", letter_spacing="0.02em"),
        align="center", spacing="2",
    )


def link_button(label: str | rx.Component, href: str, **props: object) -> rx.Component:
    """A link that looks like a button: one element, one tab stop (never <a><button>)."""
    return rx.button(rx.el.a(label, href=href), as_child=True, **props)


def skip_link() -> rx.Component:
    return rx.el.a("Skip to content", href="#main", class_name="mb-skip-link")


def nav_item(label: str, route: str, icon: str) -> rx.Component:
    active = AuthState.router.page.path == route
    return rx.link(
        rx.hstack(rx.icon(icon, size=16, aria_hidden="true"), rx.text(label, size="2"), align="center", spacing="3"),
        href=route, underline="none",
        color=rx.cond(active, theme.TEXT, theme.MUTED),
        background=rx.cond(active, theme.PANEL_RAISED, "transparent"),
        border_left=rx.cond(active, f"2px solid {theme.ACCENT}", "2px solid transparent"),
        aria_current=rx.cond(active, "page", "false"),
        padding="8px 12px", border_radius="4px", width="100%",
        _hover={"background": theme.PANEL_RAISED, "color": theme.TEXT},
    )


def nav_links() -> rx.Component:
    return rx.vstack(
        *[nav_item(label, route, icon) for label, route, icon in routes.NAV],
        rx.cond(AuthState.is_admin, rx.vstack(
            rx.text("ADMIN", size="1", color=theme.MUTED, padding="14px 12px 4px", letter_spacing="0.08em"),
            *[nav_item(label, route, icon) for label, route, icon in routes.ADMIN_NAV],
            spacing="1", width="100%")),
        spacing="1", width="100%",
    )


def logout_button(**props: object) -> rx.Component:
    return post_form(routes.AUTH_LOGOUT, rx.button("Log out", size="2", variant="soft", color_scheme="gray",
                                                   type="submit", **props))


def sidebar() -> rx.Component:
    """Full-height column on desktop; hidden on phones (the menu button opens the same links)."""
    return rx.el.nav(
        rx.vstack(
            rx.box(logo(), padding="14px 12px 18px"),
            nav_links(),
            rx.spacer(),
            rx.text("v0.1 · self-hosted", size="1", color=theme.MUTED, padding="12px"),
            height="100vh", position="sticky", top="0", spacing="1", padding_x="8px",
        ),
        aria_label="Main",
        width="210px", min_width="210px", background=theme.PANEL, border_right=f"1px solid {theme.BORDER}",
        display=rx.breakpoints(initial="none", md="block"),
    )


def mobile_menu() -> rx.Component:
    return rx.box(
        rx.drawer.root(
            rx.drawer.trigger(rx.icon_button(rx.icon("menu", size=18), variant="ghost", color_scheme="gray",
                                             aria_label="Open menu")),
            rx.drawer.overlay(z_index="40"),
            rx.drawer.portal(rx.drawer.content(
                rx.el.nav(rx.vstack(
                    rx.hstack(logo(), rx.spacer(),
                              rx.drawer.close(rx.icon_button(rx.icon("x", size=18), variant="ghost",
                                                             color_scheme="gray", aria_label="Close menu")),
                              width="100%", align="center", padding="14px 12px"),
                    nav_links(),
                    rx.box(logout_button(width="100%"), padding="16px 12px", width="100%"),
                    spacing="2", width="100%"), aria_label="Main"),
                background=theme.PANEL, width="260px", height="100%", top="0", left="0", z_index="50",
            )),
            direction="left",
        ),
        display=rx.breakpoints(initial="block", md="none"),
    )


def topbar(title: str) -> rx.Component:
    return rx.el.header(rx.hstack(
        mobile_menu(),
        rx.heading(title, size="4", weight="medium", as_="h1"),
        rx.spacer(),
        rx.cond(AuthState.signed_in, rx.hstack(
            rx.icon("circle-user", size=18, color=theme.MUTED, aria_hidden="true"),
            rx.text(AuthState.display_name, size="2", color=theme.MUTED, white_space="nowrap",
                    display=rx.breakpoints(initial="none", sm="block")),
            rx.box(logout_button(), display=rx.breakpoints(initial="none", md="block")),
            align="center", spacing="3",
        )),
        height="52px", padding_x=rx.breakpoints(initial="12px", md="24px"), align="center", width="100%",
        border_bottom=f"1px solid {theme.BORDER}", background=theme.PANEL,
    ), width="100%")


def grace_banner() -> rx.Component:
    """While a failed renewal is retried: what happened, by when to act, and the way to the billing portal."""
    return rx.cond(BannerState.grace_banner != "", rx.box(rx.callout.root(
        rx.callout.icon(rx.icon("credit-card", size=16)),
        rx.flex(rx.callout.text(BannerState.grace_banner, weight="medium"), rx.spacer(),
                rx.button("Update card", size="2", color_scheme="amber", variant="solid",
                          on_click=BannerState.open_portal, flex_shrink="0"),
                spacing="3", align="center", width="100%", wrap="wrap"),
        color_scheme="amber", variant="surface", role="alert", width="100%", data_testid="grace-banner"),
        padding=rx.breakpoints(initial="10px 14px 0", md="16px 24px 0"), width="100%"))


def app_page(route: str, title: str, admin: bool = False,
             on_load: object = None) -> Callable[[Callable[[], rx.Component]], Callable[[], rx.Component]]:
    """Register a signed-in page (admin-only with `admin=True`): frame + server-side check on every load,
    then the page's own `on_load` event."""

    def decorate(body: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def page() -> rx.Component:
            return rx.box(
                skip_link(),
                rx.hstack(
                    sidebar(),
                    rx.vstack(topbar(title),
                              grace_banner(),
                              rx.el.main(body(), id="main", tab_index=-1, width="100%",
                                         padding=rx.breakpoints(initial="14px", md="24px"), max_width="100%"),
                              width="100%", min_width="0", spacing="0", min_height="100vh"),
                    spacing="0", width="100%", align="stretch", background=theme.BG, min_height="100vh",
                ),
                width="100%",
            )

        page.__name__ = body.__name__
        guard = AuthState.require_admin if admin else AuthState.require_login
        register_page(page, route=route, title=f"{title} · Max Booster",
                      on_load=[guard, BannerState.load_banner, *([on_load] if on_load is not None else [])])
        return page

    return decorate


def public_page(route: str, title: str,
                on_load: object = None) -> Callable[[Callable[[], rx.Component]], Callable[[], rx.Component]]:
    """Register a page for visitors (landing, login, sign-up); the body supplies its own <main>."""

    def decorate(body: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def page() -> rx.Component:
            return rx.box(skip_link(), body(), background=theme.BG, min_height="100vh", width="100%")

        page.__name__ = body.__name__
        register_page(page, route=route, title=f"{title} · Max Booster", on_load=on_load)
        return page

    return decorate


def panel(*children: rx.Component, **props: object) -> rx.Component:
    """A raised panel, the basic surface of the app."""
    style = {"background": theme.PANEL, "border": f"1px solid {theme.BORDER}",
             "border_radius": "8px", "padding": "20px"}
    return rx.box(*children, **{**style, **props})
