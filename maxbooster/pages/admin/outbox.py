"""Admin › Outbox page: the emails this server stored or sent, with their links clickable."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import app_page, panel
from maxbooster.state.admin import EmailStatus, MailRow
from maxbooster.state.admin import OutboxState as S


def mail_row(row: MailRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.button(row.subject, variant="ghost", size="2", on_click=S.open(row.id),
                                text_align="left", white_space="normal", height="auto")),
        rx.table.cell(rx.text(row.recipient, size="2")),
        rx.table.cell(rx.badge(row.status, variant="soft",
                               color_scheme=rx.match(row.status, (EmailStatus.FAILED, "red"),
                                                     (EmailStatus.SENT, "green"), "gray"))),
        rx.table.cell(rx.text(row.created, size="1", color=theme.MUTED)),
        data_testid="mail-row",
    )


def opened() -> rx.Component:
    return rx.cond(S.open_id != "", panel(rx.vstack(
        rx.hstack(rx.heading(S.open_subject, size="3", as_="h2"), rx.spacer(),
                  rx.button("Close", size="1", variant="soft", color_scheme="gray", on_click=S.close), width="100%"),
        rx.text("To ", S.open_to, size="2", color=theme.MUTED),
        rx.foreach(S.open_links, lambda link: rx.link(link, href=link, size="2", word_break="break-all",
                                                      data_testid="mail-link")),
        rx.el.pre(S.open_body, white_space="pre-wrap", word_break="break-word", font_size="13px", padding="12px",
                  background=theme.BG, border_radius="6px", width="100%", margin="0"),
        spacing="3", width="100%"), width="100%", data_testid="mail-open"))


@app_page(routes.ADMIN_OUTBOX, "Outbox", admin=True)
def admin_outbox() -> rx.Component:
    return rx.vstack(
        rx.text("Emails this server sent or stored. Without SMTP settings, email stays here: open one to copy "
                "or follow its link.", size="2", color=theme.MUTED),
        opened(),
        panel(rx.cond(S.mails.length() > 0, rx.box(rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in ("Subject", "To", "Status",
                                                                                   "Created")])),
            rx.table.body(rx.foreach(S.mails, mail_row)), width="100%", variant="ghost"), overflow_x="auto"),
            rx.text("No emails yet.", color=theme.MUTED)), width="100%", padding="8px"),
        spacing="4", width="100%", on_mount=S.load,
    )
