"""The release page's "Smart link" tab: the public page's name and a link per platform, clicks per
platform, how many fans signed up, their CSV, and the public page itself."""

from __future__ import annotations

import reflex as rx

from maxbooster.components import theme
from maxbooster.components.layout import link_button
from maxbooster.pages.releases.details import section
from maxbooster.state.releases import PLATFORMS
from maxbooster.state.releases import ReleaseState as S


def link_input(key: str, name: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(name, html_for="link-" + key, class_name="rt-Text rt-r-size-2", color=theme.MUTED),
        rx.input(id="link-" + key, name=key, type="url", default_value=S.link.links[key].to(str),
                 key=S.rev.to_string() + "-link-" + key, placeholder="https://…", size="2", width="100%"),
        spacing="1", width="100%", min_width="0")


def stat(label: str, value: rx.Var) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color=theme.MUTED), rx.text(value, size="6", weight="bold"),
                     spacing="1", padding="12px 14px", border=f"1px solid {theme.BORDER}", border_radius="6px",
                     min_width="120px", flex="1")


def settings_form() -> rx.Component:
    return section(
        "Your smart link",
        rx.text("One page for fans with a button per platform. Before the release date it is a pre-save page "
                "where fans leave their email. It can change any time, also after release.", size="2",
                color=theme.MUTED),
        rx.form(rx.vstack(
            rx.el.label("Page name (in the address)", html_for="link-slug", class_name="rt-Text rt-r-size-2",
                        color=theme.MUTED),
            rx.input(id="link-slug", name="slug", default_value=S.link.slug, key=S.rev.to_string() + "-slug",
                     placeholder="e.g. night-drive (empty: made from the title)", size="2", width="100%",
                     data_testid="link-slug"),
            rx.grid(*[link_input(key, name) for key, name in PLATFORMS], columns=rx.breakpoints(initial="1", sm="2"),
                    spacing="3", width="100%"),
            rx.hstack(rx.button("Save link", type="submit", data_testid="save-link"),
                      rx.cond(S.link.page != "", link_button(rx.hstack(rx.icon("external-link", size=14),
                                                                       rx.text("Open the public page")),
                                                             S.link.page, variant="soft", target="_blank",
                                                             data_testid="open-link")),
                      spacing="3", wrap="wrap"),
            spacing="3", width="100%"), on_submit=S.save_link, reset_on_submit=False, width="100%"),
    )


def numbers() -> rx.Component:
    return section(
        "How it's doing",
        rx.flex(stat("Clicks", S.link.total_clicks.to_string()),
                stat("Fans signed up", S.link.fans_confirmed.to_string()),
                stat("Waiting to confirm", S.link.fans_waiting.to_string()), spacing="3", wrap="wrap", width="100%"),
        rx.cond(S.link.clicks.length() > 0, rx.vstack(  # type: ignore[attr-defined]
            rx.foreach(S.link.clicks, lambda c: rx.hstack(rx.text(c["label"], size="2"), rx.spacer(),
                                                           rx.text(c["clicks"], size="2", weight="medium"),
                                                           width="100%", border_bottom=f"1px solid {theme.BORDER}",
                                                           padding_y="6px")),
            spacing="0", width="100%")),
        rx.hstack(
            rx.button(rx.el.a(rx.hstack(rx.icon("download", size=14), rx.text("Download fans (CSV)"), spacing="2",
                                        align="center"), href=S.link.csv_url, download="fans.csv"),
                      as_child=True, variant="soft", data_testid="fans-csv"),
            rx.button(rx.icon("refresh-cw", size=14), "Refresh", variant="ghost", color_scheme="gray",
                      on_click=S.refresh_link),
            spacing="3", wrap="wrap"),
        rx.text("Only fans who confirmed by email are in the CSV. Each of our emails to them has an unsubscribe "
                "link.", size="1", color=theme.MUTED),
    )


def link_tab() -> rx.Component:
    return rx.grid(settings_form(), numbers(), columns=rx.breakpoints(initial="1", lg="2"), spacing="4",
                   width="100%")
