"""The sandbox provider's billing portal (test mode): switch plan or billing period, cancel at the end of
the period or resume, and see invoices. Changes go through the provider's webhooks like Stripe's portal."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.billing import invoice_table, test_mode_badge
from maxbooster.components.layout import app_page, link_button, panel
from maxbooster.state.billing import BillingInterval, PlanKey
from maxbooster.state.billing import PortalState as S


def _select(label: str, field: str, value: rx.Var[str], options: list[tuple[str, str]]) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", weight="medium"),
        rx.select.root(rx.select.trigger(aria_label=label, width="100%"),
                       rx.select.content(*[rx.select.item(text, value=v) for v, text in options]),
                       value=value, on_change=lambda v: S.choose(field, v), size="2"),
        spacing="1", width="100%")


def _subscription() -> rx.Component:
    return panel(rx.vstack(
        rx.heading("Your subscription", size="3", as_="h2"),
        rx.text(S.summary, size="3", data_testid="portal-summary"),
        rx.grid(_select("Plan", "plan", S.portal_plan, [(PlanKey.PRO, "Pro"), (PlanKey.LABEL, "Label")]),
                _select("Billed", "interval", S.portal_interval,
                        [(BillingInterval.MONTH, "Monthly"), (BillingInterval.YEAR, "Yearly")]),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
        rx.button("Switch", size="2", on_click=S.switch),
        rx.separator(size="4"),
        rx.cond(S.cancelling,
                rx.vstack(rx.text("Your subscription ends at the end of this period. You keep your plan until then.",
                                  size="2", color=theme.MUTED),
                          rx.button("Resume subscription", size="2", variant="soft", on_click=S.resume),
                          spacing="2"),
                rx.vstack(rx.text("Cancel and keep your plan until the end of the period you paid for. Your files "
                                  "and projects are kept; Free's limits apply after that.", size="2",
                                  color=theme.MUTED),
                          rx.button("Cancel at period end", size="2", color_scheme="red", variant="soft",
                                    on_click=S.cancel),
                          spacing="2")),
        spacing="3", width="100%"), width="100%")


@app_page(routes.SANDBOX_PORTAL, "Billing portal", on_load=S.load_portal)
def sandbox_portal() -> rx.Component:
    return rx.vstack(
        rx.flex(rx.text("Manage your subscription. Changes apply once the payment provider confirms them.",
                        size="2", color=theme.MUTED),
                rx.spacer(), test_mode_badge(S.test_mode), spacing="3", align="center", wrap="wrap", width="100%"),
        rx.cond(S.has_subscription, _subscription(),
                panel(rx.vstack(rx.text("You have no subscription to manage. Choose a plan first.", size="2"),
                                link_button("See plans", routes.ACCOUNT_PLAN, size="2"), spacing="3"),
                      width="100%")),
        panel(rx.vstack(rx.heading("Invoices", size="3", as_="h2"), invoice_table(S.invoices), spacing="3",
                        width="100%"), width="100%"),
        link_button("Back to Max Booster", routes.ACCOUNT_PLAN, size="2", variant="soft", color_scheme="gray"),
        spacing="4", width="100%", max_width="900px",
    )
