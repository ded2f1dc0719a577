"""Admin › Payment events: provider events that kept failing and were given up, each with its last
error and a "Try again" button."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import app_page, panel
from maxbooster.state.admin import FailedEventRow
from maxbooster.state.admin import PaymentEventsState as S


def event_row(row: FailedEventRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.text(row.event, size="2", weight="medium", word_break="break-all"),
                                rx.text(row.provider, size="1", color=theme.MUTED), spacing="1")),
        rx.table.cell(rx.text(row.error, size="2", color=theme.MUTED, word_break="break-word")),
        rx.table.cell(rx.text(row.attempts, size="2")),
        rx.table.cell(rx.text(row.failed, size="1", color=theme.MUTED)),
        rx.table.cell(rx.button("Try again", size="1", variant="soft", on_click=S.retry(row.id),
                                data_testid="event-retry")),
        data_testid="failed-event-row",
    )


@app_page(routes.ADMIN_PAYMENT_EVENTS, "Payment events", admin=True)
def admin_payment_events() -> rx.Component:
    return rx.vstack(
        rx.text("Payment provider events that could not be applied after several tries. Fix the cause (the error "
                "says what went wrong), then try the event again.", size="2", color=theme.MUTED),
        panel(rx.cond(S.events.length() > 0, rx.box(rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
                "Event", "Last error", "Tries", "Given up", "")])),
            rx.table.body(rx.foreach(S.events, event_row)), width="100%", min_width="760px", variant="ghost"),
            overflow_x="auto", width="100%"),  # on a phone the table scrolls inside its panel
            rx.text("No failed payment events. Every event received so far was applied or is waiting its turn.",
                    color=theme.MUTED)), width="100%", padding="8px"),
        rx.cond(S.total > S.events.length(),
                rx.text("Showing the newest ", S.events.length(), " of ", S.total, ".", size="1",
                        color=theme.MUTED)),
        spacing="4", width="100%", on_mount=S.load,
    )
