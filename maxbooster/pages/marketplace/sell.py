"""The seller's side: the dashboard (payouts setup, balance, sales with refunds, payouts, listings and
"New listing") and the sandbox's onboarding page (test mode). The listing editor is in `editor.py`."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.billing import test_mode_badge
from maxbooster.components.layout import app_page, link_button, panel
from maxbooster.state.marketplace import (
    ListingKind,
    ListingStatus,
    MyListingRow,
    OrderLineStatus,
    SaleRow,
)
from maxbooster.state.marketplace import SellState as S


def _stat(label: str, value: rx.Var[str], testid: str) -> rx.Component:
    return panel(rx.vstack(rx.text(label, size="2", color=theme.MUTED),
                           rx.text(rx.cond(value != "", value, "—"), size="6", weight="bold", data_testid=testid),
                           spacing="1"), width="100%")


def _refund_form(s: SaleRow) -> rx.Component:
    """Refund part of one sale: an amount (at most what is left) and a reason for the buyer."""
    return rx.form(rx.vstack(
        rx.flex(
            rx.el.label(rx.vstack(rx.text("Amount to refund", size="1", color=theme.MUTED),
                                  rx.input(name="amount", default_value=s.remaining, input_mode="decimal", size="2",
                                           width="120px", data_testid="refund-amount"), spacing="1")),
            rx.el.label(rx.vstack(rx.text("Reason (optional)", size="1", color=theme.MUTED),
                                  rx.input(name="reason", max_length=500, size="2", width="100%",
                                           placeholder="e.g. the buyer asked"), spacing="1", width="100%"),
                        flex="1", min_width="160px"),
            spacing="3", width="100%", wrap="wrap", align="end"),
        rx.text("At most ", s.left, ". The buyer's downloads for this sale stop and its license becomes void.",
                size="1", color=theme.MUTED),
        rx.cond(S.refund_error != "", rx.text(S.refund_error, size="2", color="tomato", role="alert",
                                              data_testid="refund-error")),
        rx.hstack(rx.button("Refund this amount", size="2", color_scheme="red", type="submit",
                            data_testid="refund-part-confirm"),
                  rx.button("Cancel", size="2", variant="ghost", color_scheme="gray", type="button",
                            on_click=S.toggle_refund(s.line_id)), spacing="3", align="center"),
        spacing="2", width="100%"), on_submit=S.partial_refund, reset_on_submit=False, width="100%",
        padding="10px", border=f"1px solid {theme.BORDER}", border_radius="8px", background=theme.PANEL_RAISED,
        data_testid="refund-form")


def _sale(s: SaleRow) -> rx.Component:
    paid = s.status == OrderLineStatus.PAID
    return rx.vstack(rx.flex(
        rx.vstack(rx.text(s.title, size="2", weight="medium"),
                  rx.text(s.date, " · ", s.tier, " · paid ", s.price, size="1", color=theme.MUTED),
                  rx.cond(s.refunded != "", rx.text("Given back to the buyer: ", s.refunded, size="1",
                                                    color=theme.MUTED, data_testid="sale-refunded")),
                  spacing="0", min_width="180px", flex="1 1 180px"),
        rx.hstack(rx.text(s.earned, size="2", weight="bold", white_space="nowrap", data_testid="sale-earned"),
                  rx.badge(s.status, variant="soft", color_scheme=rx.cond(paid, "green", "gray")),
                  rx.cond(paid, rx.hstack(
                      rx.button("Refund part", size="1", variant="soft", color_scheme="gray",
                                on_click=S.toggle_refund(s.line_id), data_testid="refund-part"),
                      rx.button("Refund all", size="1", variant="soft", color_scheme="red",
                                on_click=S.refund(s.line_id), data_testid="refund"), spacing="2")),
                  spacing="2", align="center", wrap="wrap"),
        spacing="3", align="center", width="100%", wrap="wrap"),
        rx.cond(paid & (S.refund_open == s.line_id), _refund_form(s)),
        spacing="2", width="100%", padding_y="10px", border_bottom=f"1px solid {theme.BORDER}",
        data_testid="sale-row")


def _mine(r: MyListingRow) -> rx.Component:
    return rx.flex(rx.link(r.title, href=r.url, size="2", weight="medium"), rx.spacer(),
                   rx.text(r.price_from, size="2", color=theme.MUTED), rx.badge(r.kind, variant="outline"),
                   rx.badge(r.status, variant="soft",
                            color_scheme=rx.cond(r.status == ListingStatus.PUBLISHED, "green", "gray")),
                   spacing="2", align="center", width="100%", padding_y="8px",
                   border_bottom=f"1px solid {theme.BORDER}", wrap="wrap", data_testid="my-listing")


def _new_listing() -> rx.Component:
    return rx.form(rx.flex(
        rx.input(name="title", placeholder="Title of the new listing", aria_label="New listing title", size="2",
                 flex="1", min_width="160px", required=True),
        rx.select.root(rx.select.trigger(aria_label="Type"),
                       rx.select.content(*[rx.select.item(k.value.replace("_", " ").capitalize(), value=k.value)
                                         for k in ListingKind]),
                       name="kind", default_value=ListingKind.BEAT.value),
        rx.button(rx.icon("plus", size=15, aria_hidden="true"), "New listing", size="2", type="submit",
                  disabled=~S.is_hydrated),
        spacing="2", width="100%", wrap="wrap"), on_submit=S.new_listing, width="100%")


@app_page(routes.SELL, "Sell", on_load=S.load)
def sell_page() -> rx.Component:
    return rx.vstack(
        panel(rx.flex(
            rx.vstack(rx.hstack(rx.heading("Payouts", size="4", as_="h2"), test_mode_badge(S.test_mode), spacing="3",
                                align="center", wrap="wrap"),
                      rx.text(S.next_step, size="2", color=theme.MUTED, data_testid="next-step"), spacing="1"),
            rx.spacer(),
            rx.cond(~S.can_publish, rx.button(rx.icon("landmark", size=15, aria_hidden="true"), "Set up payouts",
                                               size="3", on_click=S.set_up_payouts, disabled=~S.is_hydrated,
                                               data_testid="setup-payouts"),
                    rx.badge(rx.icon("circle-check", size=14), "Ready to sell", color_scheme="green", size="2")),
            spacing="3", align="center", wrap="wrap", width="100%"), width="100%"),
        rx.grid(_stat("Available balance", S.available, "balance-available"),
                _stat("On its way", S.pending, "balance-pending"),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="4", width="100%"),
        rx.grid(
            panel(rx.vstack(rx.heading("Your listings", size="4", as_="h2"), _new_listing(),
                            rx.cond(S.mine.length() > 0, rx.box(rx.foreach(S.mine, _mine), width="100%"),
                                    rx.text("No listings yet: give the first one a title above.", size="2",
                                            color=theme.MUTED)),
                            spacing="3", width="100%"), width="100%"),
            panel(rx.vstack(rx.heading("Sales", size="4", as_="h2"),
                            rx.cond(S.sales.length() > 0, rx.box(rx.foreach(S.sales, _sale), width="100%"),
                                    rx.text("No sales yet. They show here with what you earned (after the fee).",
                                            size="2", color=theme.MUTED)),
                            rx.cond(S.payouts.length() > 0, rx.vstack(
                                rx.heading("Payouts", size="3", as_="h3"),
                                rx.foreach(S.payouts, lambda p: rx.hstack(rx.text(p[0], size="2"), rx.spacer(),
                                                                          rx.text(p[1], size="2"), rx.badge(p[2]),
                                                                          width="100%")),
                                spacing="2", width="100%")),
                            spacing="3", width="100%"), width="100%"),
            columns=rx.breakpoints(initial="1", lg="2"), spacing="4", width="100%"),
        spacing="4", width="100%", max_width="1100px")


@app_page(routes.SELL_ONBOARDING, "Set up payouts (test mode)")
def onboarding_page() -> rx.Component:
    return rx.center(panel(rx.vstack(
        test_mode_badge(True),
        rx.heading("Sandbox seller onboarding", size="5", as_="h2"),
        rx.text("With a real payment provider you would enter your identity and bank details here. In test mode "
                "one click finishes onboarding; no real money moves.", size="2", color=theme.MUTED),
        rx.button("Finish onboarding", size="3", width="100%", on_click=S.finish_sandbox_onboarding,
                  disabled=~S.is_hydrated, data_testid="finish-onboarding"),
        link_button("Back to selling", routes.SELL, size="2", variant="ghost", color_scheme="gray"),
        spacing="4", width="100%"), width="100%", max_width="460px"), width="100%", padding_top="24px")
