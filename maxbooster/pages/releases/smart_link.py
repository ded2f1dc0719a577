"""A release's public smart link / pre-save page: cover, title and artists, one button per platform (each
goes through the counting redirect) and a "Get notified" form with an explicit consent checkbox."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import public_page
from maxbooster.state.releases import SmartLinkState as S

COLUMN = {"width": "100%", "max_width": "440px", "padding": "32px 20px 48px"}


def platform_button(item: rx.Var) -> rx.Component:
    return rx.button(rx.el.a(rx.hstack(rx.text(item["label"], weight="medium"), rx.spacer(),
                                       rx.icon("arrow-up-right", size=16, aria_hidden="true"), width="100%",
                                       align="center"), href=item["href"], rel="noopener"),
                     as_child=True, size="3", variant="surface", color_scheme="gray", width="100%")


def artwork() -> rx.Component:
    return rx.cond(
        S.artwork_url != "",
        rx.image(src=S.artwork_url, alt=S.title + " cover art", width="100%", aspect_ratio="1 / 1",
                 object_fit="cover", border_radius="8px", box_shadow="0 12px 40px rgba(0,0,0,.45)"),
        rx.center(rx.icon("disc-3", size=64, color=theme.MUTED, aria_hidden="true"), width="100%",
                  aspect_ratio="1 / 1", background=theme.PANEL, border_radius="8px"),
    )


def notify_form() -> rx.Component:
    return rx.form(rx.vstack(
        rx.heading(rx.cond(S.presave, "Get notified on release day", "Get notified about new releases"),
                   size="4", as_="h2"),
        rx.el.label("Your email", html_for="fan-email", class_name="rt-Text rt-r-size-2"),
        rx.input(id="fan-email", name="email", type="email", placeholder="you@example.com", required=True,
                 auto_complete="email", size="3", width="100%"),
        rx.hstack(
            rx.el.input(type="checkbox", id="fan-consent", name="consent", style={
                "width": "18px", "height": "18px", "margin_top": "2px", "accent_color": theme.ACCENT,
                "flex_shrink": "0"}),
            rx.el.label(S.consent_text, html_for="fan-consent", class_name="rt-Text rt-r-size-2",
                        style={"color": theme.MUTED}),
            align="start", spacing="2",
        ),
        rx.cond(S.error != "", rx.callout(S.error, icon="circle-alert", color_scheme="red", role="alert",
                                          width="100%")),
        rx.button("Notify me", type="submit", size="3", width="100%", loading=S.sending),
        rx.text("We'll send one email to confirm. Nothing else until you click its link.", size="1",
                color=theme.MUTED),
        spacing="3", width="100%", align="start",
    ), on_submit=S.sign_up, reset_on_submit=False, width="100%")


def release_view() -> rx.Component:
    return rx.vstack(
        artwork(),
        rx.vstack(
            rx.cond(S.presave, rx.badge("Out " + S.release_date, size="2", variant="soft")),
            rx.heading(S.title, size="7", as_="h1", weight="bold"),
            rx.text(S.artists, size="4", color=theme.MUTED),
            spacing="2", align="center", text_align="center", width="100%",
        ),
        rx.cond(S.buttons.length() > 0,  # type: ignore[attr-defined]
                rx.vstack(rx.foreach(S.buttons, platform_button), spacing="2", width="100%",
                          aria_label="Listen on")),
        rx.cond(S.notice != "",
                rx.callout(S.notice, icon="mail-check", color_scheme="green", role="status", width="100%"),
                rx.box(notify_form(), background=theme.PANEL, border=f"1px solid {theme.BORDER}",
                       border_radius="8px", padding="18px", width="100%")),
        spacing="5", align="center", **COLUMN,
    )


def not_found() -> rx.Component:
    return rx.vstack(
        rx.icon("link-2-off", size=40, color=theme.MUTED, aria_hidden="true"),
        rx.heading("This link doesn't lead anywhere", size="6", as_="h1"),
        rx.text("The release may have been renamed or removed. Check the address, or ask the artist for "
                "their latest link.", color=theme.MUTED, text_align="center"),
        spacing="3", align="center", **COLUMN,
    )


@public_page(routes.SMART_LINK, "Listen", on_load=S.load)
def smart_link() -> rx.Component:
    return rx.el.main(rx.center(
        rx.cond(S.loaded, rx.cond(S.found, release_view(), not_found()), rx.spinner(size="3", margin="64px")),
        width="100%"), id="main", width="100%")
