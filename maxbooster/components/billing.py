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
    return rx.table.row(
        rx.table.cell(rx.text(row.date, size="2", white_space="nowrap")),
        rx.table.cell(rx.text(row.period, size="2", color=theme.MUTED, white_space="nowrap")),
        rx.table.cell(rx.text(row.amount, size="2", weight="medium", white_space="nowrap")),
        rx.table.cell(_status(row.status)),
        rx.table.cell(rx.cond(row.url != "", rx.link("View invoice", href=row.url, is_external=True, size="2"),
                              rx.text("—", size="2", color=theme.MUTED))),
        data_testid="invoice-row",
    )


def invoice_table(rows: rx.Var[list[InvoiceRow]]) -> rx.Component:
    return rx.cond(
        rows.length() > 0,  # type: ignore[attr-defined]
        rx.box(rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                           ("Date", "Period", "Amount", "Status", "Invoice")])),
            rx.table.body(rx.foreach(rows, _invoice_row)), width="100%", variant="ghost", size="2"),
            overflow_x="auto", width="100%"),
        rx.text("No invoices yet. They appear here after your first payment.", size="2", color=theme.MUTED),
    )
