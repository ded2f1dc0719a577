"""One listing (public): cover, description, tags, BPM/key, the preview with its waveform, license tiers
with price, deliverables and caps, what is inside ZIPs, reviews and a Report button."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import link_button, panel, public_page
from maxbooster.components.marketplace import cover, market_frame, preview_player, tier_card
from maxbooster.state.marketplace import ListingState as S
from maxbooster.state.marketplace import ReportReason, ReviewRow, TierRow


def _tier(tier: TierRow) -> rx.Component:
    return tier_card(tier, rx.button(rx.icon("shopping-cart", size=15, aria_hidden="true"), "Add to cart",
                                     size="2", width="100%", on_click=S.add_to_cart(tier.id),
                                     disabled=~S.is_hydrated, data_testid="add-to-cart"))


def _findings() -> rx.Component:
    return rx.cond(S.findings.length() > 0, rx.callout(
        rx.vstack(rx.text(rx.cond(S.has_executable, "This download contains program files. Only open them if you "
                                  "trust the seller.", "Notes on the files in this download:"), weight="bold"),
                  rx.el.ul(rx.foreach(S.findings, lambda f: rx.el.li(rx.text(f, size="2")))), spacing="1"),
        icon="triangle-alert", color_scheme=rx.cond(S.has_executable, "red", "amber"), width="100%",
        data_testid="zip-findings"))


def _review(r: ReviewRow) -> rx.Component:
    return rx.vstack(rx.hstack(rx.text(r.stars, color="#f5c542", aria_label="rating"),
                               rx.text(r.date, size="1", color=theme.MUTED), spacing="2"),
                     rx.text(r.body, size="2"), spacing="1", padding_y="8px",
                     border_bottom=f"1px solid {theme.BORDER}", width="100%", data_testid="review")


def _reviews() -> rx.Component:
    return panel(rx.vstack(
        rx.hstack(rx.heading("Reviews", size="4", as_="h2"),
                  rx.cond(S.rating != "", rx.badge("★ ", S.rating, " · ", S.review_count, size="2")), align="center",
                  spacing="3"),
        rx.cond(S.reviews.length() > 0, rx.foreach(S.reviews, _review),
                rx.text("No reviews yet. Buyers can review after their purchase.", size="2", color=theme.MUTED)),
        rx.cond(S.signed_in, rx.form(rx.vstack(
            rx.text("Your review (buyers only; writing again edits it)", size="2", weight="medium"),
            rx.select.root(rx.select.trigger(placeholder="Stars", aria_label="Stars"),
                           rx.select.content(*[rx.select.item("★" * n, value=str(n)) for n in range(5, 0, -1)]),
                           name="rating", default_value="5"),
            rx.text_area(name="body", placeholder="What did you make with it?", aria_label="Review", width="100%"),
            rx.button("Save review", size="2", type="submit", disabled=~S.is_hydrated), spacing="2", width="100%"),
            on_submit=S.write_review, reset_on_submit=True, width="100%")),
        spacing="3", width="100%"), width="100%")


def _report() -> rx.Component:
    return rx.vstack(
        rx.button(rx.icon("flag", size=14, aria_hidden="true"), "Report", size="1", variant="ghost",
                  color_scheme="gray", on_click=S.toggle_report, data_testid="report-button"),
        rx.cond(S.report_open, rx.form(rx.vstack(
            rx.select.root(rx.select.trigger(placeholder="Why?", aria_label="Reason"),
                           rx.select.content(*[rx.select.item(r.value.title(), value=r.value) for r in ReportReason]),
                           name="reason", default_value=ReportReason.COPYRIGHT.value),
            rx.text_area(name="details", placeholder="Tell the moderators what is wrong", aria_label="Details",
                         width="100%"),
            rx.button("Send report", size="2", color_scheme="red", type="submit"), spacing="2", width="100%"),
            on_submit=S.send_report, width="100%")),
        spacing="2", width="100%", align="start")


def _detail() -> rx.Component:
    c = S.card
    return rx.grid(
        rx.vstack(
            cover(c.cover_url, label=c.title),
            rx.hstack(rx.text("by", size="2", color=theme.MUTED), rx.link(c.seller, href=c.seller_url, size="2"),
                      spacing="1"),
            rx.hstack(rx.badge(c.kind, variant="soft"), rx.text(c.meta, size="2", color=theme.MUTED), spacing="2",
                      wrap="wrap", align="center"),
            rx.flex(rx.foreach(S.tags, lambda t: rx.badge("#", t, variant="outline", color_scheme="gray")), spacing="2",
                    wrap="wrap"),
            _report(),
            spacing="3", width="100%", min_width="0"),
        rx.vstack(
            panel(rx.vstack(rx.heading("Preview", size="3", as_="h2"),
                            preview_player(c.preview_url, c.peaks_url, c.title, height=64),
                            rx.text("Previews carry an audible watermark; the files you buy don't.", size="1",
                                    color=theme.MUTED), spacing="2", width="100%"), width="100%"),
            rx.cond(S.description != "", rx.text(S.description, size="2", white_space="pre-wrap")),
            _findings(),
            rx.heading("Licenses", size="4", as_="h2"),
            rx.grid(rx.foreach(S.tiers, _tier), columns=rx.breakpoints(initial="1", md="2"), spacing="3",
                    width="100%"),
            _reviews(),
            spacing="4", width="100%", min_width="0"),
        columns=rx.breakpoints(initial="1", md="minmax(0, 320px) minmax(0, 1fr)"), spacing="5", width="100%")


@public_page(routes.MARKET_LISTING, "Listing", on_load=S.load)
def listing_page() -> rx.Component:
    return market_frame(
        rx.cond(S.found, S.card.title, "Listing"),
        rx.cond(S.found, _detail(), rx.cond(S.loaded, rx.vstack(
            rx.text("This listing is not on sale (it may have been removed or sold as an exclusive).", size="2",
                    color=theme.MUTED),
            link_button("Browse the marketplace", routes.MARKET, size="2"), spacing="3"))),
    )
