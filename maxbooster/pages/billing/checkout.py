"""The sandbox provider's checkout (test mode: a test card, nothing charged) and the pages after Checkout:
success (waits until the payment is confirmed by the provider's webhook) and cancelled."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.billing import test_mode_badge
from maxbooster.components.layout import app_page, link_button, panel
from maxbooster.state.billing import CheckoutPageState as S


def _field(label: str, name: str, placeholder: str, autocomplete: str, **props: object) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=f"card-{name}", font_size="14px", font_weight="500"),
        rx.input(id=f"card-{name}", name=name, placeholder=placeholder, auto_complete=autocomplete, size="3",
                 required=True, width="100%", input_mode="numeric", **props),
        spacing="1", width="100%")


def _card_form() -> rx.Component:
    return rx.form(rx.vstack(
        _field("Card number", "card", "4242 4242 4242 4242", "cc-number", max_length=23),
        rx.grid(_field("Expiry (MM/YY)", "expiry", "12/34", "cc-exp", max_length=5),
                _field("CVC", "cvc", "123", "cc-csc", max_length=4), columns="2", spacing="3", width="100%"),
        rx.cond(S.card_error != "", rx.callout(S.card_error, icon="triangle-alert", color_scheme="red",
                                               role="alert", width="100%", data_testid="card-error")),
        rx.button("Pay ", S.price, type="submit", size="3", width="100%", loading=S.paying),
        rx.text("Test cards: 4242 4242 4242 4242 is accepted, 4000 0000 0000 0002 is declined. Any future "
                "expiry date and any CVC.", size="1", color=theme.MUTED),
        spacing="4", width="100%"), on_submit=S.pay, width="100%")


def _narrow(*children: rx.Component) -> rx.Component:
    return rx.center(panel(rx.vstack(*children, spacing="4", width="100%"), width="100%", max_width="480px"),
                     width="100%")


@app_page(routes.SANDBOX_CHECKOUT, "Checkout", on_load=S.load_checkout)
def sandbox_checkout() -> rx.Component:
    return _narrow(
        rx.hstack(rx.heading("Pay for your plan", size="5", as_="h2"), rx.spacer(), test_mode_badge(S.test_mode),
                  width="100%", align="center", wrap="wrap"),
        rx.cond(S.missing,
                rx.vstack(rx.text("We could not find this checkout. Start the upgrade again from your plan page.",
                                  size="2"), link_button("Back to plans", routes.ACCOUNT_PLAN, size="2")),
                rx.vstack(
                    rx.box(rx.text(S.plan_name, " plan", size="4", weight="bold"),
                           rx.text(S.price, size="2", color=theme.MUTED, data_testid="checkout-price"),
                           padding="14px", border=f"1px solid {theme.BORDER}", border_radius="8px", width="100%",
                           background=theme.PANEL_RAISED),
                    _card_form(),
                    rx.link("Cancel and go back", href=routes.BILLING_CANCELLED, size="2"),
                    spacing="4", width="100%")),
    )


@app_page(routes.BILLING_SUCCESS, "Payment received", on_load=S.load_success)
def checkout_success() -> rx.Component:
    return _narrow(
        rx.cond(
            S.confirmed,
            rx.vstack(rx.hstack(rx.icon("circle-check", color="var(--green-9)", size=28),
                                rx.heading("You are on ", S.plan_name, size="5", as_="h2"), align="center"),
                      rx.text("The payment is confirmed and your new limits apply now.", size="2"),
                      link_button("See your plan", routes.ACCOUNT_PLAN, size="3"),
                      spacing="3", data_testid="checkout-confirmed"),
            rx.cond(S.missing,
                    rx.text("We could not find this checkout. Your plan page shows your current plan.", size="2"),
                    rx.vstack(rx.hstack(rx.spinner(size="3"),
                                        rx.heading("Waiting for confirmation", size="5", as_="h2"), align="center"),
                              rx.text("Thanks! Your plan changes to ", S.plan_name, " as soon as the payment "
                                      "provider confirms the payment. This usually takes a few seconds; this page "
                                      "updates by itself.", size="2", color=theme.MUTED),
                              spacing="3", data_testid="checkout-waiting"))),
        rx.hstack(test_mode_badge(S.test_mode), rx.link("Plan & billing", href=routes.ACCOUNT_PLAN, size="2"),
                  align="center", spacing="3"),
    )


@app_page(routes.BILLING_CANCELLED, "Checkout cancelled")
def checkout_cancelled() -> rx.Component:
    return _narrow(
        rx.heading("No payment made", size="5", as_="h2"),
        rx.text("You left the checkout before paying. Nothing was charged and your plan is unchanged.", size="2"),
        link_button("Back to plans", routes.ACCOUNT_PLAN, size="3"),
    )
