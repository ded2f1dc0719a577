"""The admin moderation queue: open reports, hide or restore a listing, ban or unban a seller, dismiss;
below it the hidden listings, to restore one or unban its seller."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import app_page, panel
from maxbooster.state.marketplace import HiddenRow, ReportRow
from maxbooster.state.marketplace import ModerationActionKind as A
from maxbooster.state.marketplace import ModerationState as S


def _row(r: ReportRow) -> rx.Component:
    def act(label: str, action: str, scheme: str) -> rx.Component:
        return rx.button(label, size="1", variant="soft", color_scheme=scheme, on_click=S.act(r.id, action))

    return rx.flex(
        rx.vstack(rx.hstack(rx.badge(r.reason, color_scheme="red", variant="soft"),
                            rx.text(r.target, size="2", weight="medium"),
                            rx.text(r.date, size="1", color=theme.MUTED), spacing="2", align="center", wrap="wrap"),
                  rx.cond(r.listing_id != "", rx.link("Open listing", size="1",
                                                      href=routes.MARKET_LISTING + "?id=" + r.listing_id)),
                  rx.text(r.details, size="2", color=theme.MUTED), spacing="1", min_width="0", flex="1"),
        rx.flex(rx.cond(r.listing_id != "", rx.fragment(act("Hide listing", A.HIDE, "red"),
                                                        act("Restore", A.RESTORE, "green"))),
                rx.cond(r.seller_id != "", rx.fragment(act("Ban seller", A.BAN_SELLER, "red"),
                                                       act("Unban", A.UNBAN_SELLER, "gray"))),
                act("Dismiss", A.DISMISS_REPORT, "gray"), spacing="2", wrap="wrap"),
        spacing="3", wrap="wrap", width="100%", padding_y="12px", border_bottom=f"1px solid {theme.BORDER}",
        data_testid="report-row")


def _hidden(h: HiddenRow) -> rx.Component:
    return rx.flex(
        rx.vstack(rx.hstack(rx.text(h.title, size="2", weight="medium"),
                            rx.cond(h.seller_banned, rx.badge("seller banned", color_scheme="red", variant="soft")),
                            spacing="2", align="center", wrap="wrap"),
                  rx.text(h.reason, size="1", color=theme.MUTED), spacing="1", min_width="0", flex="1"),
        rx.cond(h.seller_banned,
                rx.button("Unban seller", size="1", variant="soft", color_scheme="gray",
                          on_click=S.undo(h.listing_id, A.UNBAN_SELLER)),
                rx.button("Restore", size="1", variant="soft", color_scheme="green",
                          on_click=S.undo(h.listing_id, A.RESTORE))),
        spacing="3", align="center", wrap="wrap", width="100%", padding_y="10px",
        border_bottom=f"1px solid {theme.BORDER}", data_testid="hidden-row")


@app_page(routes.ADMIN_MODERATION, "Moderation", admin=True, on_load=S.load)
def moderation_page() -> rx.Component:
    return rx.vstack(
        rx.text("Open marketplace reports, oldest first. Every action is recorded in the audit log.", size="2",
                color=theme.MUTED),
        panel(rx.cond(S.rows.length() > 0, rx.foreach(S.rows, _row),
                      rx.text("No open reports. Nice and quiet.", size="2", color=theme.MUTED)), width="100%"),
        rx.cond(S.hidden.length() > 0, panel(rx.vstack(
            rx.heading("Hidden listings", size="4", as_="h2"),
            rx.text("Taken off the store by a moderator or with their seller's ban.", size="2", color=theme.MUTED),
            rx.box(rx.foreach(S.hidden, _hidden), width="100%"), spacing="2", width="100%"), width="100%")),
        spacing="4", width="100%", max_width="1100px")
