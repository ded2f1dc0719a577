"""Statements: upload a distributor's CSV (streamed to the server), see what was imported, which
lines were malformed and which ISRCs matched none of your tracks; every past import stays listed."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import app_page, panel
from maxbooster.components.uploader import uploader
from maxbooster.pages.royalties.nav import intro, section_tabs
from maxbooster.state.royalties import StatementRow
from maxbooster.state.royalties import StatementsState as S

ACCEPT = ".csv,.tsv,.txt,text/csv,text/tab-separated-values,text/plain"


def figure(label: str, value: rx.Var[int], tone: str | rx.Var[str] = theme.TEXT) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color=theme.MUTED),
                     rx.text(value.to_string(), size="5", weight="bold", color=tone),
                     spacing="0", padding="10px 14px", background=theme.BG, border_radius="6px", min_width="110px",
                     flex="1")


def report() -> rx.Component:
    r = S.report
    return rx.cond(S.report_id != "", panel(rx.vstack(
        rx.hstack(rx.heading("Import report: ", r.filename, size="3", as_="h2", word_break="break-all"),
                  rx.spacer(), rx.badge(r.layout, variant="soft"), width="100%", align="center", wrap="wrap"),
        rx.flex(figure("Lines", r.total), figure("Credited", r.credited, "var(--green-11)"),
                figure("Malformed", r.malformed, rx.cond(r.malformed > 0, "var(--red-11)", theme.TEXT)),
                figure("Unknown ISRC", r.unmatched, rx.cond(r.unmatched > 0, "var(--amber-11)", theme.TEXT)),
                gap="8px", wrap="wrap", width="100%"),
        rx.cond(S.unmatched.length() > 0, rx.vstack(
            rx.text("These ISRCs match none of your tracks, so their money was not credited. Check the ISRCs "
                    "on your releases, then upload the statement again once they match.", size="2",
                    color=theme.MUTED),
            rx.flex(rx.foreach(S.unmatched, lambda code: rx.code(code, variant="soft")), gap="6px", wrap="wrap"),
            spacing="2", width="100%", data_testid="unmatched")),
        rx.cond(S.problems.length() > 0, rx.vstack(
            rx.text("Lines we could not read (the rest was imported):", size="2", color=theme.MUTED),
            rx.box(rx.table.root(
                rx.table.header(rx.table.row(rx.table.column_header_cell("Line"),
                                             rx.table.column_header_cell("What is wrong"))),
                rx.table.body(rx.foreach(S.problems, lambda p: rx.table.row(
                    rx.table.cell(p["line"]), rx.table.cell(p["reason"])))),
                size="1", variant="ghost", width="100%"), max_height="280px", overflow="auto", width="100%"),
            spacing="2", width="100%", data_testid="problems")),
        spacing="3", width="100%"), width="100%", data_testid="import-report"))


def statement_row(row: StatementRow) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.button(row.filename, on_click=S.show(row.id), variant="ghost", size="2", white_space="normal",
                      height="auto", text_align="left", word_break="break-word", margin="0", padding="2px 0",
                      title="Show the report of " + row.filename),
            rx.text("Imported ", row.created, size="1", color=theme.MUTED),
            spacing="0", flex="1", min_width="0"),
        rx.text(row.credited.to_string(), " of ", row.total.to_string(), " lines credited", size="2",
                white_space="nowrap"),
        rx.cond((row.malformed + row.unmatched) > 0,
                rx.badge(row.malformed.to_string(), " malformed · ", row.unmatched.to_string(), " unknown ISRC",
                         color_scheme="amber", variant="soft"),
                rx.badge("All lines matched", color_scheme="green", variant="soft")),
        gap=rx.breakpoints(initial="4px", sm="16px"), align=rx.breakpoints(initial="start", sm="center"),
        direction=rx.breakpoints(initial="column", sm="row"), width="100%", padding="10px 0",
        border_bottom=f"1px solid {theme.BORDER}", data_testid="statement-row",
    )


def history() -> rx.Component:
    return panel(rx.vstack(
        rx.heading("Past statements", size="3", as_="h2"),
        rx.cond(S.rows.length() > 0, rx.vstack(rx.foreach(S.rows, statement_row), spacing="0", width="100%"),
                rx.text("Nothing imported yet.", size="2", color=theme.MUTED)),
        spacing="3", width="100%"), width="100%")


@app_page(routes.ROYALTY_STATEMENTS, "Statements", on_load=S.load)
def royalty_statements() -> rx.Component:
    return rx.vstack(
        section_tabs(routes.ROYALTY_STATEMENTS),
        intro("Upload the CSV statement your distributor sends. Each line is matched to your tracks by ISRC "
              "and split by your splits. The same file twice changes nothing."),
        uploader(upload_url=S.upload_url, accept=ACCEPT, on_uploaded=S.uploaded, on_failed=S.failed,
                 title="Drop a statement CSV here or choose a file",
                 hint="Generic CSV, DistroKid-style or TuneCore/CD Baby-style", multiple=False,
                 max_parallel=1, added_text="Imported", data_testid="statement-uploader"),
        rx.cond(S.notice != "", rx.callout(S.notice, icon="circle-check", color_scheme="green", width="100%",
                                           role="status", data_testid="statement-notice")),
        rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red", width="100%",
                                          role="alert", data_testid="statement-error")),
        report(),
        history(),
        spacing="4", width="100%", max_width="980px",
    )
