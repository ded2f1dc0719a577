"""Earnings: what you earn (per catalogue and currency) and, for your catalogue, what each
collaborator earns; record a payout, download a CSV, open a printable statement."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import app_page, link_button, panel
from maxbooster.pages.royalties.nav import intro, section_tabs
from maxbooster.state.royalties import BalanceRow
from maxbooster.state.royalties import EarningsState as S


def actions(row: BalanceRow, pay: bool) -> rx.Component:
    return rx.hstack(
        link_button(rx.hstack(rx.icon("printer", size=14, aria_hidden="true"), rx.text("Statement"), spacing="1",
                              align="center"), row.print_href, size="1", variant="soft", color_scheme="gray"),
        rx.button(rx.el.a(rx.hstack(rx.icon("download", size=14, aria_hidden="true"), rx.text("CSV"), spacing="1",
                                    align="center"), href=row.csv_href, download="royalty-statement.csv"),
                  as_child=True, size="1", variant="soft", color_scheme="gray"),
        *([rx.cond(row.payable, rx.button("Record payout", size="1", variant="soft",
                                           on_click=S.open_payout(row.email, row.currency, row.plain)))]
          if pay else []),
        spacing="2", wrap="wrap", justify="end")


def balance_card(row: BalanceRow, pay: bool) -> rx.Component:
    return rx.flex(
        rx.vstack(rx.text(row.who, weight="medium", size="2", word_break="break-word"),
                  rx.text(row.email, size="1", color=theme.MUTED, word_break="break-all"), spacing="0",
                  min_width="0", flex="1"),
        rx.text(row.amount, size="5", weight="bold", white_space="nowrap", font_variant_numeric="tabular-nums",
                data_testid="balance-amount"),
        actions(row, pay),
        gap="12px", align=rx.breakpoints(initial="start", sm="center"), width="100%", padding="12px 0",
        border_bottom=f"1px solid {theme.BORDER}", direction=rx.breakpoints(initial="column", sm="row"),
        data_testid="balance-row",
    )


def section(title: str, hint: str, rows: rx.Var[list[BalanceRow]], empty: str, pay: bool,
            testid: str) -> rx.Component:
    return panel(rx.vstack(
        rx.heading(title, size="3", as_="h2"),
        rx.text(hint, size="2", color=theme.MUTED),
        rx.cond(rows.length() > 0, rx.vstack(rx.foreach(rows, lambda r: balance_card(r, pay)), spacing="0",
                                             width="100%"),
                rx.text(empty, size="2", color=theme.MUTED, padding_y="8px")),
        spacing="2", width="100%"), width="100%", data_testid=testid)


def payout_dialog() -> rx.Component:
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title("Record a payout"),
        rx.dialog.description(rx.text("Money you paid to ", rx.text.strong(S.payout_email), " outside Max Booster "
                                      "(bank transfer, PayPal…). It is recorded in the ledger and lowers their "
                                      "balance; Max Booster does not send the money itself.", size="2",
                                      color=theme.MUTED)),
        rx.form(rx.vstack(
            rx.hstack(rx.vstack(rx.el.label("Amount", html_for="payout-amount", font_size="14px"),
                                rx.input(id="payout-amount", name="amount", default_value=S.payout_amount,
                                         input_mode="decimal", size="3", width="100%", required=True),
                                spacing="1", flex="1"),
                      rx.vstack(rx.text("Currency", size="2"), rx.badge(S.payout_currency, size="3", variant="soft"),
                                spacing="1"),
                      width="100%", align="end", spacing="3"),
            rx.el.label("Note (optional)", html_for="payout-note", font_size="14px"),
            rx.input(id="payout-note", name="note", placeholder="e.g. Bank transfer, 4 Dec", size="3",
                     width="100%", max_length=300),
            rx.cond(S.payout_error != "", rx.callout(S.payout_error, icon="triangle-alert", color_scheme="red",
                                                     width="100%", role="alert", data_testid="payout-error")),
            rx.hstack(rx.button("Cancel", type="button", variant="soft", color_scheme="gray",
                                on_click=S.close_payout),
                      rx.button("Record as paid", type="submit", loading=S.paying, disabled=~S.is_hydrated),
                      spacing="3", justify="end", width="100%"),
            spacing="3", width="100%", padding_top="12px"), on_submit=S.pay, reset_on_submit=False),
        max_width="480px", width="94vw"),
        open=S.payout_email != "", on_open_change=lambda _: S.close_payout)


@app_page(routes.EARNINGS, "Earnings", on_load=S.load)
def earnings() -> rx.Component:
    return rx.vstack(
        section_tabs(routes.EARNINGS),
        intro("Money from your imported statements, split by your splits. Balances are what is earned minus "
              "what was already paid out."),
        section("What you earn", "Yours, from your own releases and from the splits you accepted.", S.mine,
                "Nothing yet. Import a statement, or accept a split someone sent you.", False, "my-earnings"),
        section("Your collaborators", "What each person in your splits has earned from your releases.",
                S.catalogue, "No collaborator has earned anything from your releases yet.", True,
                "catalogue-earnings"),
        payout_dialog(),
        spacing="4", width="100%", max_width="980px",
    )
