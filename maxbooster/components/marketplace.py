"""Pieces of the marketplace pages: the public frame (browse, listing, store, license check), a listing
card with its cover, price and preview, tier cards and the small preview player."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import link_button, logo, skip_link
from maxbooster.components.waveform_thumbnail import waveform_thumbnail
from maxbooster.state.base import AuthState
from maxbooster.state.marketplace import TIER_WORDS, CardRow, TierRow


def kind_words(kind: str) -> str:
    """A license kind as sellers and buyers say it ("wav_lease" → "WAV lease")."""
    return TIER_WORDS.get(kind, kind)  # type: ignore[call-overload]


def market_frame(title: str | rx.Var[str], *body: rx.Component) -> rx.Component:
    """Public marketplace frame: a top bar (logo, browse, cart or log in) and one <main> with the h1."""
    bar = rx.el.header(rx.flex(
        rx.link(logo(), href=routes.MARKET, underline="none", color=theme.TEXT, aria_label="Max Booster marketplace"),
        rx.spacer(),
        rx.hstack(
            rx.link("Browse", href=routes.MARKET, size="2", color=theme.MUTED),
            rx.cond(AuthState.signed_in,
                    rx.hstack(rx.link("Cart", href=routes.MARKET_CART, size="2", color=theme.MUTED),
                              link_button("Open studio", routes.HOME, size="2", variant="soft"), spacing="4",
                              align="center"),
                    link_button("Log in", routes.LOGIN, size="2", variant="soft")),
            spacing="4", align="center"),
        align="center", spacing="3", width="100%", max_width="1200px", margin="0 auto",
        padding=rx.breakpoints(initial="12px 14px", md="14px 24px")),
        style={"borderBottom": f"1px solid {theme.BORDER}", "background": theme.PANEL, "width": "100%"})
    return rx.box(skip_link(), bar, rx.el.main(
        rx.vstack(rx.heading(title, as_="h1", size=rx.breakpoints(initial="6", md="7")), *body, spacing="4",
                  width="100%"),
        id="main", tab_index=-1, width="100%", max_width="1200px", margin="0 auto",
        padding=rx.breakpoints(initial="16px 14px 40px", md="28px 24px 56px")),
        background=theme.BG, min_height="100vh", width="100%")


def cover(url: rx.Var[str], size: str = "100%", label: str | rx.Var[str] = "") -> rx.Component:
    return rx.cond(
        url != "",
        rx.image(src=url, alt=label, width=size, aspect_ratio="1", object_fit="cover", border_radius="8px"),
        rx.center(rx.icon("disc-3", size=40, color=theme.MUTED, aria_hidden="true"), width=size, aspect_ratio="1",
                  background=f"linear-gradient(135deg, {theme.PANEL_RAISED}, {theme.BG})", border_radius="8px",
                  border=f"1px solid {theme.BORDER}"))


def preview_player(audio_url: rx.Var[str], peaks_url: rx.Var[str], title: rx.Var[str],
                   height: int = 36) -> rx.Component:
    """A small play button (native audio element) above the preview's waveform."""
    return rx.cond(
        audio_url != "",
        rx.vstack(
            rx.el.audio(src=audio_url, controls=True, preload="none", aria_label=rx.Var.create("Preview of ") + title,
                        style={"width": "100%", "height": "32px", "colorScheme": "dark"}, data_testid="preview-audio"),
            rx.cond(peaks_url != "", waveform_thumbnail(peaks_url, height=height, color=theme.WAVE, label="")),
            spacing="1", width="100%"),
        rx.text("No preview yet", size="1", color=theme.MUTED))


def listing_card(card: CardRow) -> rx.Component:
    return rx.vstack(
        rx.link(cover(card.cover_url, label=card.title), href=card.url, width="100%", tab_index=-1,
                aria_hidden="true"),
        rx.vstack(
            rx.link(rx.text(card.title, size="3", weight="bold", trim="both"), href=card.url, color=theme.TEXT,
                    underline="hover", data_testid="listing-title"),
            rx.link(card.seller, href=card.seller_url, size="1", color=theme.MUTED),
            spacing="1", width="100%"),
        rx.hstack(rx.badge(card.kind, variant="soft", color_scheme="gray"),
                  rx.text(card.meta, size="1", color=theme.MUTED, trim="both"), spacing="2", align="center",
                  wrap="wrap"),
        preview_player(card.preview_url, card.peaks_url, card.title),
        rx.hstack(rx.text("from", size="1", color=theme.MUTED), rx.text(card.price_from, size="3", weight="bold"),
                  spacing="1", align="baseline"),
        spacing="3", padding="14px", background=theme.PANEL, border=f"1px solid {theme.BORDER}",
        border_radius="10px", width="100%", min_width="0", data_testid="listing-card",
    )


def tier_card(tier: TierRow, action: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.text(tier.name, size="3", weight="bold"), rx.spacer(),
                  rx.text(tier.price, size="4", weight="bold", color=theme.TEXT), width="100%", align="baseline"),
        rx.hstack(rx.icon("file-audio", size=14, color=theme.MUTED, aria_hidden="true"),
                  rx.text("You get: ", tier.deliverables, size="2"), spacing="2", align="center"),
        rx.hstack(rx.icon("gauge", size=14, color=theme.MUTED, aria_hidden="true"),
                  rx.text(tier.caps, size="2", color=theme.MUTED), spacing="2", align="center"),
        action,
        spacing="2", padding="14px", background=theme.PANEL_RAISED, border=f"1px solid {theme.BORDER}",
        border_radius="8px", width="100%", data_testid="tier-card",
    )


def cap_warning(title: str | rx.Var[str], message: rx.Var[str], upgrade: rx.Var[str],
                upgrade_url: rx.Var[str]) -> rx.Component:
    """A license whose song passed its cap: what happened and the bigger license on offer (cart, orders, home)."""
    return rx.callout.root(
        rx.callout.icon(rx.icon("gauge", size=16)),
        rx.vstack(rx.text(title, weight="bold", size="2"), rx.text(message, size="2"),
                  rx.cond(upgrade != "", link_button(rx.text("Upgrade: ", upgrade), upgrade_url, size="1")),
                  spacing="1"),
        color_scheme="amber", width="100%", data_testid="cap-warning")
