"""The admin moderation queue: open reports, hide or restore a listing, ban or unban a seller, dismiss."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import app_page, panel
from maxbooster.state.marketplace import ModerationActionKind as A
from maxbooster.state.marketplace import ModerationState as S
from maxbooster.state.marketplace import ReportRow


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


@app_page(routes.ADMIN_MODERATION, "Moderation", admin=True, on_load=S.load)
def moderation_page() -> rx.Component:
    return rx.vstack(
        rx.text("Open marketplace reports, oldest first. Every action is recorded in the audit log.", size="2",
                color=theme.MUTED),
        panel(rx.cond(S.rows.length() > 0, rx.foreach(S.rows, _row),
                      rx.text("No open reports. Nice and quiet.", size="2", color=theme.MUTED)), width="100%"),
        spacing="4", width="100%", max_width="1100px")
