"""Plan & billing: Free / Pro / Label with prices per month or year and what each includes, your plan
and its limits now, upgrade through Checkout, manage or cancel in the billing portal."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.billing import invoice_table, test_mode_badge
from maxbooster.components.layout import app_page, link_button, panel
from maxbooster.state.billing import BillingInterval, OfferCard, PlanKey
from maxbooster.state.billing import BillingState as S


def _price(offer: OfferCard) -> rx.Component:
    yearly = S.interval == BillingInterval.YEAR
    return rx.hstack(
        rx.text(rx.cond(offer.month == "", "USD 0", rx.cond(yearly, offer.year, offer.month)), size="6",
                weight="bold"),
        rx.text(rx.cond(yearly, "per year", "per month"), size="2", color=theme.MUTED),
        align="baseline", spacing="2", data_testid="plan-price")


def _action(offer: OfferCard) -> rx.Component:
    return rx.cond(
        S.current_plan == offer.plan,
        rx.button("Your plan", size="3", width="100%", variant="soft", color_scheme="green", disabled=True),
        rx.cond(offer.plan == PlanKey.FREE,
                rx.text("Always free. Moving down keeps your files; lower limits apply.", size="1",
                        color=theme.MUTED),
                rx.cond(S.has_subscription,
                        rx.button("Switch in billing portal", size="3", width="100%", variant="soft",
                                  on_click=S.manage),
                        rx.button("Upgrade to ", offer.name, size="3", width="100%", loading=S.busy,
                                  on_click=S.upgrade(offer.plan)))))


def _card(offer: OfferCard) -> rx.Component:
    current = S.current_plan == offer.plan
    return rx.vstack(
        rx.hstack(rx.heading(offer.name, size="5", as_="h2"), rx.spacer(),
                  rx.cond(current, rx.badge("Current", color_scheme="green", variant="solid")), width="100%"),
        _price(offer),
        rx.el.ul(rx.foreach(offer.includes, lambda item: rx.el.li(rx.hstack(
            rx.icon("check", size=15, color=theme.ACCENT, aria_hidden="true", flex_shrink="0"),
            rx.text(item, size="2"), spacing="2", align="center"))),
            style={"listStyle": "none", "padding": "0", "margin": "0", "display": "grid", "gap": "8px"}),
        rx.spacer(),
        _action(offer),
        spacing="4", padding="22px", height="100%", background=theme.PANEL, border_radius="10px",
        border=rx.cond(current, f"2px solid {theme.ACCENT}", f"1px solid {theme.BORDER}"),
        data_testid="plan-card",
    )


def _current() -> rx.Component:
    return panel(rx.flex(
        rx.vstack(
            rx.hstack(rx.text("You are on", size="3"),
                      rx.badge(S.current_plan_name, size="3", data_testid="current-plan"), align="center", spacing="2"),
            rx.cond(S.summary != "", rx.text(S.summary, size="2", color=theme.MUTED, data_testid="plan-summary")),
            spacing="1"),
        rx.spacer(),
        rx.hstack(rx.cond(S.has_subscription, rx.button("Manage or cancel", size="2", on_click=S.manage)),
                  link_button("Invoices", routes.ACCOUNT_INVOICES, size="2", variant="soft", color_scheme="gray"),
                  spacing="2", wrap="wrap"),
        spacing="3", align="center", wrap="wrap", width="100%"), width="100%")


def _limits() -> rx.Component:
    return panel(rx.vstack(
        rx.heading("Your limits now", size="3", as_="h2"),
        rx.box(rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in ("Limit", "Used", "Allowed")])),
            rx.table.body(rx.foreach(S.limits, lambda r: rx.table.row(
                rx.table.cell(r[0]), rx.table.cell(rx.text(r[1], color=theme.MUTED)), rx.table.cell(r[2]),
                data_testid="limit-row"))),
            width="100%", variant="ghost", size="1"), overflow_x="auto", width="100%"),
        spacing="3", width="100%"), width="100%")


@app_page(routes.ACCOUNT_PLAN, "Plan & billing", on_load=S.load)
def plan_page() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.vstack(rx.heading("Choose your plan", size="6", as_="h2"),
                      rx.text("Upgrade any time; your plan changes as soon as the payment is confirmed.", size="2",
                              color=theme.MUTED), spacing="1"),
            rx.spacer(),
            rx.hstack(test_mode_badge(S.test_mode),
                      rx.segmented_control.root(
                          rx.segmented_control.item("Monthly", value=BillingInterval.MONTH),
                          rx.segmented_control.item("Yearly · 2 months free", value=BillingInterval.YEAR),
                          value=S.interval, on_change=S.set_interval, aria_label="Billing period"),
                      spacing="3", align="center", wrap="wrap"),
            spacing="3", align="end", wrap="wrap", width="100%"),
        _current(),
        rx.grid(rx.foreach(S.offers, _card), columns=rx.breakpoints(initial="1", md="3"), spacing="4",
                width="100%"),
        rx.grid(_limits(),
                panel(rx.vstack(rx.heading("Recent invoices", size="3", as_="h2"), invoice_table(S.invoices),
                                spacing="3", width="100%"), width="100%"),
                columns=rx.breakpoints(initial="1", lg="2"), spacing="4", width="100%"),
        spacing="5", width="100%", max_width="1100px",
    )


@app_page(routes.ACCOUNT_INVOICES, "Invoices", on_load=S.load)
def invoices_page() -> rx.Component:
    return rx.vstack(
        rx.flex(rx.text("Every invoice of your subscription, newest first.", size="2", color=theme.MUTED),
                rx.spacer(), test_mode_badge(S.test_mode), spacing="3", align="center", wrap="wrap", width="100%"),
        panel(invoice_table(S.invoices), width="100%"),
        link_button("Back to your plan", routes.ACCOUNT_PLAN, size="2", variant="soft", color_scheme="gray"),
        spacing="4", width="100%", max_width="1100px",
    )
