"""The artist's campaigns: name, goal, dates, state; each opens its report."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import app_page, link_button, panel
from maxbooster.pages.social.nav import social_tabs
from maxbooster.state.campaigns import CampaignsState as S
from maxbooster.state.campaigns import CampaignState

STATE_COLORS = {CampaignState.ACTIVE.value: "green", CampaignState.CANCELLED.value: "gray"}


def campaign_row(row: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.link(panel(rx.hstack(
        rx.center(rx.icon("flask-conical", size=18, aria_hidden="true"), width="40px", height="40px",
                  background=theme.PANEL_RAISED, border_radius="8px", flex_shrink="0"),
        rx.vstack(rx.text(row["name"], weight="bold", size="3", overflow_wrap="anywhere"),
                  rx.hstack(rx.text("Goal: ", row["goal"], size="1", color=theme.MUTED),
                            rx.text(row["dates"], size="1", color=theme.MUTED),
                            rx.text(row["per_day"], size="1", color=theme.MUTED), spacing="3", wrap="wrap"),
                  spacing="1", min_width="0", flex="1"),
        rx.badge(row["state"], color_scheme=rx.match(row["state"], *STATE_COLORS.items(), "blue"), variant="soft"),
        rx.icon("chevron-right", size=16, color=theme.MUTED, aria_hidden="true"),
        spacing="3", align="center", width="100%"), padding="14px 16px", width="100%",
        _hover={"border_color": theme.ACCENT}),
        href=row["href"], underline="none", color=theme.TEXT, width="100%", data_testid="campaign-row")


@app_page(routes.CAMPAIGNS, "Campaigns", on_load=S.load)
def campaigns_page() -> rx.Component:
    return rx.vstack(
        social_tabs(routes.CAMPAIGNS),
        rx.hstack(
            rx.vstack(rx.heading("Campaigns", size="5", as_="h2"),
                      rx.text("Post two or more versions of the same message and let the results decide which "
                              "one goes out most.", size="2", color=theme.MUTED),
                      spacing="1", min_width="0", flex="1"),
            link_button(rx.hstack(rx.icon("plus", size=15, aria_hidden="true"), "New campaign", spacing="2",
                                  align="center"), routes.CAMPAIGN_NEW, data_testid="new-campaign"),
            width="100%", align="center", spacing="3", wrap="wrap"),
        rx.cond(S.loaded & (S.rows.length() == 0),  # type: ignore[attr-defined]
                panel(rx.vstack(rx.icon("flask-conical", size=28, color=theme.MUTED, aria_hidden="true"),
                                rx.text("No campaigns yet.", weight="bold"),
                                rx.text("Connect an account (the sandbox works too), then start a campaign to "
                                        "compare captions and hooks.", size="2", color=theme.MUTED,
                                        text_align="center"),
                                align="center", spacing="2"), width="100%", data_testid="no-campaigns")),
        rx.vstack(rx.foreach(S.rows, campaign_row), spacing="2", width="100%"),
        spacing="4", width="100%", max_width="1100px",
    )
