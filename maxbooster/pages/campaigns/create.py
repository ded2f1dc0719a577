"""Create a campaign: name, goal (and the smart link for clicks), 2–3 variants (hook + caption), the
networks to post on, first and last day, posts a day; refusals are shown in plain words above the button."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import app_page, link_button, panel
from maxbooster.pages.social.nav import social_tabs
from maxbooster.state.campaigns import GOALS, VARIANT_LABELS, CampaignGoal
from maxbooster.state.campaigns import CampaignNewState as S


def field(label: str, control: rx.Component, hint: str = "", html_for: str = "") -> rx.Component:
    return rx.vstack(rx.el.label(label, html_for=html_for, class_name="rt-Text rt-r-size-2 rt-r-weight-medium"),
                     control, rx.cond(hint != "", rx.text(hint, size="1", color=theme.MUTED)),
                     spacing="1", width="100%")


def variant_box(label: str) -> rx.Component:
    optional = label in VARIANT_LABELS[2:]  # A and B are required
    return panel(rx.vstack(
        rx.hstack(rx.badge(f"Variant {label}", variant="solid" if not optional else "soft", size="2"),
                  rx.text("optional" if optional else "", size="1", color=theme.MUTED), spacing="2",
                  align="center"),
        rx.input(name=f"hook_{label}", placeholder="Opening line, e.g. “Out now — tap to listen”",
                 aria_label=f"Variant {label} opening line", max_length=300, width="100%",
                 data_testid=f"hook-{label}"),
        rx.text_area(name=f"caption_{label}", placeholder="Caption", aria_label=f"Variant {label} caption",
                     rows="3", width="100%", data_testid=f"caption-{label}"),
        spacing="2", width="100%"), background=theme.PANEL_RAISED, padding="14px", width="100%")


def network_chip(net: rx.Var[dict[str, str]]) -> rx.Component:
    on = S.chosen.contains(net["key"])
    return rx.button(rx.icon(net["icon"], size=14, aria_hidden="true"), net["label"],
                     rx.text(net["handles"], size="1", color=rx.cond(on, "white", theme.MUTED)),
                     type="button", variant=rx.cond(on, "solid", "surface"), color_scheme=rx.cond(on, "blue", "gray"),
                     aria_pressed=rx.cond(on, "true", "false"), on_click=S.toggle_network(net["key"]),
                     data_testid="network-" + net["key"].to(str))


@app_page(routes.CAMPAIGN_NEW, "New campaign", on_load=S.load)
def campaign_new_page() -> rx.Component:
    form = rx.form(rx.vstack(
        panel(rx.vstack(
            rx.heading("What the campaign is for", size="3", as_="h2", weight="medium"),
            field("Name", rx.input(id="c-name", name="name", placeholder="Night Drive launch", max_length=120,
                                   width="100%", data_testid="campaign-name"), html_for="c-name"),
            field("Goal", rx.radio_group.root(rx.flex(*[rx.radio_group.item(g["label"], value=g["key"])
                                                         for g in GOALS], gap="16px", wrap="wrap"),
                                               value=S.goal, on_change=S.set_goal, aria_label="Goal",
                                               data_testid="campaign-goal"),
                  "What counts as a win when the campaign compares its variants."),
            rx.cond(S.goal == CampaignGoal.LINK_CLICKS.value, field(
                "Smart link", rx.cond(S.links.length() > 0,  # type: ignore[attr-defined]
                                      rx.el.select(rx.foreach(S.links, lambda x: rx.el.option(x["label"],
                                                                                              value=x["id"])),
                                                   id="c-link", name="link", class_name="mb-native-select",
                                                   data_testid="campaign-link"),
                                      rx.text("You have no smart links yet: give a release a smart link first, "
                                              "or choose another goal.", size="2", color="#f0b429")),
                "Each post ends with this release's link, tagged with the network and the variant.",
                html_for="c-link")),
            spacing="3", width="100%"), width="100%"),
        panel(rx.vstack(
            rx.heading("Variants", size="3", as_="h2", weight="medium"),
            rx.text("Write at least two versions. Keep the message the same and change one thing — the hook, "
                    "the call to action — so the results tell you what worked.", size="2", color=theme.MUTED),
            rx.grid(*[variant_box(x) for x in VARIANT_LABELS], columns=rx.breakpoints(initial="1", lg="3"),
                    gap="12px", width="100%"),
            spacing="3", width="100%"), width="100%"),
        panel(rx.vstack(
            rx.heading("Where and when", size="3", as_="h2", weight="medium"),
            field("Networks", rx.cond(S.networks.length() > 0,  # type: ignore[attr-defined]
                                      rx.flex(rx.foreach(S.networks, network_chip), gap="8px", wrap="wrap"),
                                      rx.hstack(rx.text("No connected accounts yet.", size="2", color="#f0b429"),
                                                rx.link("Connect one", href=routes.SOCIAL_ACCOUNTS, size="2"),
                                                spacing="2")),
                  "Every connected account on the chosen networks takes part."),
            rx.grid(
                field("First day", rx.input(id="c-start", name="starts", type="date", width="100%",
                                            data_testid="campaign-start"), html_for="c-start"),
                field("Last day", rx.input(id="c-end", name="ends", type="date", width="100%",
                                           data_testid="campaign-end"), html_for="c-end"),
                field("Posts a day per account", rx.input(id="c-per-day", name="per_day", type="number", min=1,
                                                          max=6, default_value="2", width="100%"),
                      html_for="c-per-day"),
                columns=rx.breakpoints(initial="1", md="3"), gap="12px", width="100%"),
            rx.text("Posting times are each account's best hours in your time zone (", S.tz, ").", size="1",
                    color=theme.MUTED),
            spacing="3", width="100%"), width="100%"),
        rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red", width="100%",
                                          role="alert", data_testid="campaign-error")),
        rx.hstack(link_button("Cancel", routes.CAMPAIGNS, variant="soft", color_scheme="gray"),
                  rx.button(rx.icon("rocket", size=15), "Start campaign", type="submit", loading=S.saving,
                            disabled=~S.is_hydrated, data_testid="create-campaign"),
                  spacing="3", justify="end", width="100%"),
        spacing="4", width="100%"), on_submit=S.create, width="100%")
    return rx.vstack(social_tabs(routes.CAMPAIGNS), rx.heading("New campaign", size="5", as_="h2"), form,
                     spacing="4", width="100%", max_width="1100px")
