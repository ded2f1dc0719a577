"""One campaign: its variants and how often each went out, the uplift report as charts (goal rate per
variant and per network against your usual posts, with 95 % intervals; the smart link's clicks per day)
with plain-words sentences, and every slot with the variant it got and whether it explored."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import app_page, link_button, panel
from maxbooster.pages.social.nav import social_tabs
from maxbooster.state.campaigns import EXPLAIN, CampaignState
from maxbooster.state.campaigns import CampaignReportState as S

BASELINE = "#6b7280"
DURING = "#3d8bfd"
AXIS = {"stroke": theme.MUTED, "font_size": 12}
STILL = {"is_animation_active": False}  # drawn at once (no grow-in animation)


def tooltip() -> rx.Component:
    return rx.recharts.graphing_tooltip(content_style={"background": theme.PANEL_RAISED,
                                                       "border": f"1px solid {theme.BORDER}", "color": theme.TEXT},
                                        cursor={"fill": "rgba(255,255,255,0.04)"})


def rate_chart() -> rx.Component:
    return rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(stroke=theme.BORDER, vertical=False),
        rx.recharts.x_axis(data_key="name", **AXIS),
        rx.recharts.y_axis(width=48, **AXIS),
        tooltip(), rx.recharts.legend(),
        rx.recharts.bar(rx.recharts.error_bar(data_key="err", stroke=theme.TEXT, width=6, stroke_width=1.5),
                        data_key="rate", name="Campaign (per 1,000 reached)", fill=DURING, radius=[4, 4, 0, 0],
                        **STILL),
        rx.recharts.bar(data_key="baseline", name="Your usual posts", fill=BASELINE, radius=[4, 4, 0, 0], **STILL),
        data=S.rates, width="100%", height=260, bar_gap=4)


def network_chart() -> rx.Component:
    return rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(stroke=theme.BORDER, vertical=False),
        rx.recharts.x_axis(data_key="name", **AXIS), rx.recharts.y_axis(width=48, **AXIS), tooltip(),
        rx.recharts.bar(data_key="rate", name="Campaign", fill=DURING, radius=[4, 4, 0, 0], **STILL),
        rx.recharts.bar(data_key="baseline", name="Usual posts", fill=BASELINE, radius=[4, 4, 0, 0], **STILL),
        data=S.networks, width="100%", height=220)


def days_chart() -> rx.Component:
    return rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(stroke=theme.BORDER, vertical=False),
        rx.recharts.x_axis(data_key="day", min_tick_gap=16, **AXIS), rx.recharts.y_axis(width=40, **AXIS),
        tooltip(), rx.recharts.legend(),
        rx.recharts.bar(data_key="before", name="Before the campaign", stack_id="c", fill=BASELINE, **STILL),
        rx.recharts.bar(data_key="during", name="During the campaign", stack_id="c", fill=DURING, **STILL),
        data=S.days, width="100%", height=220)


def variant_card(v: rx.Var[dict[str, str]]) -> rx.Component:
    return panel(rx.vstack(
        rx.hstack(rx.badge("Variant ", v["label"], variant="solid", size="2"), rx.spacer(),
                  rx.text(v["share"], size="1", color=theme.MUTED), width="100%", align="center"),
        rx.cond(v["hook"] != "", rx.text(v["hook"], weight="bold", size="2")),
        rx.text(v["caption"], size="2", color=theme.MUTED, white_space="pre-wrap", overflow_wrap="anywhere"),
        spacing="2", width="100%"), padding="14px", width="100%", data_testid="variant-card")


def interval_row(r: rx.Var[dict]) -> rx.Component:  # type: ignore[type-arg]
    return rx.table.row(rx.table.cell(r["name"]), rx.table.cell(r["posts"]), rx.table.cell(r["rate"]),
                        rx.table.cell(r["interval"]), rx.table.cell(r["baseline"]))


def slot_row(s: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(s["when"], white_space="nowrap"), rx.table.cell(s["account"]),
        rx.table.cell(rx.cond(s["variant"] != "—", rx.badge(s["variant"], variant="soft"), "—")),
        rx.table.cell(rx.cond(s["explored"] != "", rx.badge("tried", color_scheme="amber", variant="soft",
                                                              title="A less-proven variant was tried"), "")),
        rx.table.cell(rx.vstack(
            rx.badge(s["state"], color_scheme=s["tone"], variant="soft", white_space="nowrap", title=s["note"],
                     data_testid="slot-state"),
            rx.cond(s["reason"] != "", rx.text(s["reason"], size="1", color="#ff9b9b", max_width="260px",
                                               data_testid="slot-reason")),
            spacing="1")),
        rx.table.cell(s["result"], white_space="nowrap"),
        data_testid="slot-row")


def report_body() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.vstack(rx.heading(S.name, size="5", as_="h2"),
                      rx.hstack(rx.text("Goal: ", S.goal_words, size="2", color=theme.MUTED),
                                rx.text(S.dates, size="2", color=theme.MUTED),
                                rx.badge(S.state, color_scheme=rx.cond(S.state == CampaignState.ACTIVE.value,
                                                                       "green", "gray"), variant="soft"),
                                spacing="3", wrap="wrap", align="center"),
                      spacing="1", flex="1", min_width="0"),
            rx.cond(S.state == CampaignState.ACTIVE.value,
                    rx.button(rx.icon("circle-stop", size=15), "Stop campaign", variant="soft", color_scheme="red",
                              on_click=S.cancel, disabled=~S.is_hydrated, data_testid="cancel-campaign")),
            width="100%", align="center", wrap="wrap", spacing="3"),
        panel(rx.vstack(
            rx.heading("Results", size="3", as_="h2", weight="medium"),
            rx.cond(S.lines.length() > 0,  # type: ignore[attr-defined]
                    rx.vstack(rx.foreach(S.lines, lambda line: rx.hstack(
                        rx.icon("trending-up", size=16, color=DURING, aria_hidden="true", flex_shrink="0"),
                        rx.text(line, size="3", weight="medium"), spacing="2", align="start")),
                        spacing="2", width="100%", data_testid="report-summary")),
            rx.text(S.message, size="2", color=theme.MUTED, data_testid="report-message"),
            spacing="3", width="100%"), width="100%"),
        rx.cond(S.rates.length() > 0, rx.grid(  # type: ignore[attr-defined]
            panel(rx.vstack(rx.text("Rate per 1,000 people reached (", S.goal_words, ")", weight="medium", size="2"),
                            rate_chart(),
                            rx.text("The whisker is the 95 % range: where the true rate most likely lies.",
                                    size="1", color=theme.MUTED),
                            spacing="2", width="100%"), width="100%", min_width="0", data_testid="rate-chart"),
            panel(rx.vstack(rx.text("By network", weight="medium", size="2"), network_chart(),
                            spacing="2", width="100%"), width="100%", min_width="0"),
            columns=rx.breakpoints(initial="1", lg="2"), gap="12px", width="100%")),
        rx.cond(S.rates.length() > 0, panel(rx.box(rx.table.root(  # type: ignore[attr-defined]
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
                "", "Posts", "Rate", "95 % range", "Usual posts")])),
            rx.table.body(rx.foreach(S.rates, interval_row)), size="1", width="100%"), overflow_x="auto",
            width="100%"), width="100%", padding="12px")),
        rx.cond(S.days.length() > 0, panel(rx.vstack(  # type: ignore[attr-defined]
            rx.text("Smart-link clicks per day", weight="medium", size="2"), days_chart(), spacing="2",
            width="100%"), width="100%", data_testid="days-chart")),
        rx.heading("Variants", size="3", as_="h2", weight="medium"),
        rx.grid(rx.foreach(S.variants, variant_card), columns=rx.breakpoints(initial="1", md="2", lg="3"), gap="12px",
                width="100%"),
        rx.heading("Posting slots", size="3", as_="h2", weight="medium"),
        rx.callout(EXPLAIN, icon="dices", color_scheme="blue", size="1", width="100%"),
        rx.text(S.explored, size="1", color=theme.MUTED),
        panel(rx.box(rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
                "When", "Account", "Variant", "Explored", "State", "Result")])),
            rx.table.body(rx.foreach(S.slots, slot_row)), size="1", width="100%"),
            overflow_x="auto", max_height="520px", overflow_y="auto", width="100%"), width="100%", padding="8px"),
        spacing="4", width="100%")


@app_page(routes.CAMPAIGN_REPORT, "Campaign", on_load=S.load)
def campaign_report_page() -> rx.Component:
    return rx.vstack(
        social_tabs(routes.CAMPAIGNS),
        rx.cond(S.missing,
                panel(rx.vstack(rx.text("This campaign was not found.", weight="bold"),
                                rx.text("It may have been deleted, or it belongs to another account.", size="2",
                                        color=theme.MUTED),
                                link_button("All campaigns", routes.CAMPAIGNS, variant="soft"), spacing="2"),
                      width="100%", data_testid="campaign-missing"),
                rx.cond(S.loaded, report_body(), rx.center(rx.spinner(size="3"), width="100%", padding="40px"))),
        spacing="4", width="100%", max_width="1200px",
    )
