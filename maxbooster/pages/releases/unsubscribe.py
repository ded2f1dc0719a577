"""A fan's unsubscribe link from our emails: asks once ("Unsubscribe" button, so a mail scanner that
opens links unsubscribes nobody), then says plainly that it worked; a broken link changes nothing."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import logo, public_page
from maxbooster.state.releases import UnsubscribeState as S


@public_page(routes.FAN_UNSUBSCRIBE, "Unsubscribe", on_load=S.load)
def unsubscribe() -> rx.Component:
    return rx.el.main(rx.center(rx.vstack(
        rx.box(logo(), padding_bottom="24px"),
        rx.cond(S.done, rx.icon(rx.cond(S.ok, "mail-x", "link-2-off"), size=40, color=theme.MUTED,  # type: ignore[arg-type]
                                aria_hidden="true"), rx.spinner(size="3")),
        rx.heading(rx.cond(S.done, rx.cond(S.ok, rx.cond(S.gone, "You're unsubscribed", "Stop these emails?"),
                                           "This unsubscribe link doesn't work"), "One moment…"),
                   size="6", as_="h1", text_align="center", data_testid="unsubscribe-title"),
        rx.cond(S.done, rx.text(S.message, color=theme.MUTED, text_align="center", data_testid="unsubscribe-message")),
        rx.cond(S.done & S.ok & ~S.gone,
                rx.button("Unsubscribe", size="3", on_click=S.confirm, disabled=~S.is_hydrated,
                          data_testid="unsubscribe-confirm")),
        rx.cond(S.done & S.ok & S.gone, rx.text("Your email address was deleted from the artist's list. Changed "
                                                "your mind? Sign up again on their page.", size="2",
                                                color=theme.MUTED, text_align="center")),
        spacing="3", align="center", width="100%", max_width="460px", padding="48px 20px"), width="100%"),
        id="main", width="100%")
