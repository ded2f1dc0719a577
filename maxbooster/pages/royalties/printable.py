"""One collaborator's statement as a printable page: every ledger line with its amount and the totals
per currency. Dark on screen like the app, black on white when printed (see assets/theme.css)."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import logo, register_page, skip_link
from maxbooster.state.base import AuthState
from maxbooster.state.royalties import PrintState as S

HEADERS = ("Date", "Period", "Kind", "Track", "ISRC", "Amount")
OPTIONAL = {"Period": "mb-opt", "ISRC": "mb-opt"}  # left out on phone screens (printed in full)


def totals() -> rx.Component:
    return rx.flex(rx.foreach(S.totals, lambda t: rx.vstack(
        rx.text(t["currency"], size="1", color=theme.MUTED, class_name="mb-print-muted"),
        rx.text("Earned ", t["earned"], size="2"),
        rx.text("Paid out ", t["paid"], size="2"),
        rx.text("Balance ", rx.text.strong(t["balance"]), size="3", data_testid="print-balance"),
        spacing="1", padding="12px 16px", border=f"1px solid {theme.BORDER}", border_radius="8px",
        class_name="mb-print-box")), gap="10px", wrap="wrap", width="100%")


def lines() -> rx.Component:
    return rx.box(rx.el.table(
        rx.el.thead(rx.el.tr(*[rx.el.th(h, scope="col", class_name=OPTIONAL.get(h, "")) for h in HEADERS])),
        rx.el.tbody(rx.foreach(S.lines, lambda ln: rx.el.tr(
            rx.el.td(ln["date"], class_name="mb-nowrap"), rx.el.td(ln["period"], class_name="mb-opt"),
            rx.el.td(ln["kind"]), rx.el.td(ln["track"]), rx.el.td(ln["isrc"], class_name="mb-opt"),
            rx.el.td(ln["amount"], class_name="mb-num"), data_testid="print-line"))),
        class_name="mb-print-table"), width="100%", overflow_x="auto")


def body() -> rx.Component:
    return rx.vstack(
        rx.hstack(logo(), rx.spacer(),
                  rx.button(rx.icon("printer", size=14, aria_hidden="true"), "Print", size="2",
                            on_click=rx.call_script("window.print()"), class_name="mb-no-print"),
                  rx.link("Back to earnings", href=S.back_href, size="2", class_name="mb-no-print"),
                  width="100%", align="center", spacing="3", wrap="wrap"),
        rx.heading("Royalty statement", size="6", as_="h1"),
        rx.cond(S.found, rx.vstack(
            rx.text(rx.cond(S.party_name != "", S.party_name + " · ", ""), S.party_email, size="3",
                    data_testid="print-party"),
            rx.text("Printed on ", S.printed_on, " · amounts in each currency's own units", size="1",
                    color=theme.MUTED, class_name="mb-print-muted"),
            totals(),
            rx.cond(S.lines.length() > 0, lines(),
                    rx.text("Nothing earned or paid out yet: lines appear here once a statement is imported.",
                            size="2", color=theme.MUTED)),
            rx.cond(S.more > 0, rx.text(S.more.to_string(), " older lines are left off this page; the CSV has "
                                        "them all.", size="1", color=theme.MUTED)),
            spacing="3", width="100%"),
            rx.cond(S.loaded, rx.text("No statement lines for this person in your catalogue yet.", size="2",
                                      color=theme.MUTED))),
        spacing="4", width="100%", max_width="980px", margin="0 auto")


def royalty_print() -> rx.Component:
    return rx.box(skip_link(), rx.el.main(body(), id="main", tab_index=-1, padding=rx.breakpoints(
        initial="16px", md="32px")), background=theme.BG, min_height="100vh", width="100%",
        class_name="mb-print-page")


register_page(royalty_print, route=routes.ROYALTY_PRINT, title="Royalty statement · Max Booster",
              on_load=[AuthState.require_login, S.load])
