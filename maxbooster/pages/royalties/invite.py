"""The emailed invitation to a royalty split: what is offered (track, release, share, who invites)
with Accept / Decline. Visitors are asked to log in or create an account and come back here."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.forms import auth_card
from maxbooster.components.layout import link_button, public_page
from maxbooster.state.royalties import InviteState as S
from maxbooster.state.royalties import InviteStatus


def offer() -> rx.Component:
    def line(label: str, value: rx.Var[str]) -> rx.Component:
        return rx.hstack(rx.text(label, size="2", color=theme.MUTED, min_width="90px"),
                         rx.text(value, size="2", weight="medium", word_break="break-word"), spacing="3",
                         width="100%")

    return rx.vstack(
        rx.center(rx.text(S.share, " %", size="8", weight="bold", color=theme.ACCENT, data_testid="invite-share"),
                  width="100%", padding="8px", background=theme.BG, border_radius="8px"),
        line("Track", S.track), line("Release", S.release), line("From", S.owner), line("Sent to", S.invited_email),
        spacing="2", width="100%", data_testid="invite-offer")


def answer_buttons() -> rx.Component:
    return rx.cond(
        S.signed_in,
        rx.vstack(
            rx.cond(S.email != S.invited_email, rx.callout(
                rx.text("You are logged in as ", S.email, "; the share stays tied to ", S.invited_email, "."),
                icon="info", color_scheme="amber", size="1", width="100%")),
            rx.hstack(rx.button("Decline", size="3", variant="soft", color_scheme="gray", flex="1",
                                on_click=S.respond(False), loading=S.busy, disabled=~S.is_hydrated),
                      rx.button("Accept my share", size="3", flex="1", on_click=S.respond(True), loading=S.busy,
                                disabled=~S.is_hydrated),
                      spacing="3", width="100%"),
            spacing="3", width="100%"),
        rx.vstack(
            rx.text("Log in or create a free account to answer. You will come back to this page.", size="2",
                    color=theme.MUTED),
            link_button("Log in to answer", S.login_href, size="3", width="100%"),
            link_button("Create an account", S.signup_href, size="3", width="100%", variant="outline",
                        color_scheme="gray"),
            spacing="3", width="100%"))


def answered() -> rx.Component:
    return rx.vstack(
        rx.callout(rx.cond(S.answer == InviteStatus.ACCEPTED,
                           "You accepted your share. Its earnings now show on your Earnings page.",
                           "You declined. The share stays with the person who invited you."),
                   icon="circle-check", color_scheme=rx.cond(S.answer == InviteStatus.ACCEPTED, "green", "gray"),
                   width="100%", role="status", data_testid="invite-answered"),
        link_button("Go to my earnings", routes.EARNINGS, size="3", width="100%"),
        spacing="3", width="100%")


def bad_link() -> rx.Component:
    return rx.vstack(
        rx.callout("This invitation link is not valid any more: it was already answered, replaced by a newer "
                   "invitation, or copied incompletely. Ask the person who invited you to send it again.",
                   icon="triangle-alert", color_scheme="red", width="100%", role="alert", data_testid="invite-bad"),
        link_button("Go to Max Booster", routes.LANDING, size="3", width="100%", variant="soft"),
        spacing="3", width="100%")


@public_page(routes.ROYALTY_INVITE, "Royalty split invitation", on_load=S.load)
def royalty_invite() -> rx.Component:
    return auth_card(
        "Royalty split invitation", "Someone you made music with offers you a share of a track's earnings.",
        rx.cond(~S.loaded, rx.center(rx.spinner(), width="100%", padding="24px"),
                rx.cond(S.answer != "", answered(),
                        rx.cond(S.found, rx.vstack(offer(), answer_buttons(), spacing="4", width="100%"),
                                bad_link()))),
    )
