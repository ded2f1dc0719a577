"""The external review page: someone without an account approves a post or asks for changes through an
expiring link that works once."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import logo, panel, public_page
from maxbooster.state.social import ReviewDecision
from maxbooster.state.social import ReviewState as S


def variant_card(v: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.box(rx.hstack(rx.icon(v["icon"], size=14, aria_hidden="true"), rx.text(v["handle"], size="2",
                                                                                      weight="medium"), spacing="2"),
                  rx.text(v["text"], size="3", white_space="pre-wrap", overflow_wrap="anywhere", padding_top="6px"),
                  padding="12px", border=f"1px solid {theme.BORDER}", border_radius="6px", width="100%")


def answer_form() -> rx.Component:
    return rx.form(rx.vstack(
        rx.radio_group.root(
            rx.hstack(rx.radio_group.item(value=ReviewDecision.APPROVE, id="d-approve"),
                      rx.el.label("Approve", html_for="d-approve"), spacing="2", align="center"),
            rx.hstack(rx.radio_group.item(value=ReviewDecision.REQUEST_CHANGES, id="d-changes"),
                      rx.el.label("Ask for changes", html_for="d-changes"), spacing="2", align="center"),
            name="decision", default_value=ReviewDecision.APPROVE, required=True, direction="row", spacing="5"),
        rx.input(name="reviewer", placeholder="Your name (shown to the artist)", max_length=100, width="100%",
                 aria_label="Your name"),
        rx.text_area(name="comment", placeholder="Comment (needed when asking for changes)", rows="3", width="100%",
                     aria_label="Comment"),
        rx.button("Send answer", type="submit", loading=S.busy, data_testid="send-review"),
        spacing="3", width="100%"), on_submit=S.answer)


@public_page(routes.SOCIAL_REVIEW, "Review a post", on_load=S.load)
def social_review_page() -> rx.Component:
    return rx.el.main(rx.center(rx.vstack(
        logo(),
        rx.heading("Review a post", size="6", as_="h1"),
        rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red", width="100%",
                                          role="alert", data_testid="review-error")),
        rx.cond(S.done != "", rx.callout(S.done, icon="circle-check", color_scheme="green", width="100%",
                                         role="status", data_testid="review-done")),
        rx.cond(S.variants.length() > 0, panel(rx.vstack(  # type: ignore[attr-defined]
            rx.text("Goes out ", S.when, size="2", color=theme.MUTED),
            rx.foreach(S.variants, variant_card),
            rx.cond(S.done == "", answer_form()),
            rx.text("This link works once and expires ", S.expires, ".", size="1", color=theme.MUTED),
            spacing="3", width="100%"), width="100%")),
        spacing="4", width="100%", max_width="620px", padding="32px 16px")), id="main", width="100%")
