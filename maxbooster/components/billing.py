"""Pieces of the billing pages: the test-mode badge, the invoices table and a plan's price."""

from __future__ import annotations

import reflex as rx

from maxbooster.components import theme
from maxbooster.state.billing import InvoiceRow, InvoiceStatus


def test_mode_badge(test_mode: rx.Var[bool]) -> rx.Component:
    """Shown on every billing page while the sandbox provider is in use."""
    return rx.cond(test_mode, rx.badge(rx.icon("flask-conical", size=14), "Test mode — no real money",
                                       color_scheme="amber", variant="soft", size="2", data_testid="test-mode"))


def _status(status: rx.Var[str]) -> rx.Component:
    return rx.badge(status, variant="soft",
                    color_scheme=rx.match(status, (InvoiceStatus.PAID, "green"), (InvoiceStatus.OPEN, "amber"),
                                          (InvoiceStatus.UNCOLLECTIBLE, "red"), "gray"))


def _invoice_row(row: InvoiceRow) -> rx.Component:
    return rx.flex(
        rx.vstack(rx.text(row.date, size="2", weight="medium"),
                  rx.text(row.period, size="1", color=theme.MUTED), spacing="0", min_width="150px"),
        rx.spacer(),
        rx.hstack(rx.text(row.amount, size="2", weight="medium", white_space="nowrap"), _status(row.status),
                  rx.cond(row.url != "", rx.link("View invoice", href=row.url, is_external=True, size="2")),
                  spacing="3", align="center"),
        spacing="2", align="center", wrap="wrap", width="100%", padding_y="10px",
        border_bottom=f"1px solid {theme.BORDER}", data_testid="invoice-row",
    )


def invoice_table(rows: rx.Var[list[InvoiceRow]]) -> rx.Component:
    """Invoices as a list (date and period, amount with currency, status, the hosted invoice when given)."""
    return rx.cond(
        rows.length() > 0,  # type: ignore[attr-defined]
        rx.el.ul(rx.foreach(rows, lambda r: rx.el.li(_invoice_row(r))),
                 style={"listStyle": "none", "padding": "0", "margin": "0", "width": "100%"}),
        rx.text("No invoices yet. They appear here after your first payment.", size="2", color=theme.MUTED),
    )
