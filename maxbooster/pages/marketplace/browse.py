"""Browse and search published listings (no sign-in needed), and a seller's storefront."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import public_page
from maxbooster.components.marketplace import kind_words, listing_card, market_frame
from maxbooster.state.marketplace import ANY, SORTS, ListingKind, MusicalKey, TierKind
from maxbooster.state.marketplace import BrowseState as S


def _select(field: str, label: str, value: rx.Var[str], options: list[tuple[str, str]]) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(placeholder=label, aria_label=label, width="100%"),
        rx.select.content(*[rx.select.item(text, value=val) for val, text in options]),
        value=value, on_change=lambda v: S.choose(field, v), size="2")


def _field(name: str, label: str, placeholder: str, **props: object) -> rx.Component:
    return rx.input(name=name, placeholder=placeholder, aria_label=label, size="2", width="100%", **props)


def _filters() -> rx.Component:
    kinds = [(ANY, "Any type"), *[(k.value, k.value.replace("_", " ").capitalize()) for k in ListingKind]]
    keys = [(ANY, "Any key"), *[(k.value, k.value) for k in MusicalKey]]
    lic = [(ANY, "Any license"), *[(k.value, kind_words(k.value)) for k in TierKind]]
    return rx.form(rx.vstack(
        rx.hstack(
            rx.input(rx.input.slot(rx.icon("search", size=16, aria_hidden="true")), name="text",
                     placeholder="Search beats, packs, presets…", aria_label="Search the marketplace", size="3",
                     flex="1", min_width="0", data_testid="market-search"),
            rx.button("Search", size="3", type="submit"), spacing="2", width="100%"),
        rx.grid(
            _select("kind", "Type", S.kind, kinds),
            _field("genre", "Genre", "Genre"),
            rx.hstack(_field("bpm_min", "Lowest BPM", "BPM from", input_mode="numeric"),
                      _field("bpm_max", "Highest BPM", "to", input_mode="numeric"), spacing="2"),
            _select("musical_key", "Key", S.musical_key, keys),
            rx.hstack(_field("price_min", "Lowest price", "Price from", input_mode="decimal"),
                      _field("price_max", "Highest price", "to", input_mode="decimal"), spacing="2"),
            _select("license_kind", "License", S.license_kind, lic),
            columns=rx.breakpoints(initial="2", md="3", lg="6"), spacing="2", width="100%"),
        spacing="3", width="100%"), on_submit=S.submit, width="100%")


def _results(empty: str) -> rx.Component:
    return rx.cond(
        S.cards.length() > 0,
        rx.grid(rx.foreach(S.cards, listing_card), columns=rx.breakpoints(initial="1", sm="2", md="3", lg="4"),
                spacing="4", width="100%"),
        rx.cond(S.loaded, rx.center(rx.vstack(
            rx.icon("search-x", size=32, color=theme.MUTED, aria_hidden="true"),
            rx.text(empty, size="2", color=theme.MUTED, text_align="center"), align="center", spacing="2"),
            padding="48px 16px", width="100%", border=f"1px dashed {theme.BORDER}", border_radius="10px")))


@public_page(routes.MARKET, "Marketplace", on_load=S.load)
def browse_page() -> rx.Component:
    return market_frame(
        "Marketplace",
        rx.text("Beats, sample packs, presets and plugins from producers on Max Booster. Press play to hear a "
                "preview.", size="2", color=theme.MUTED),
        _filters(),
        rx.flex(rx.text(S.total, " results", size="2", color=theme.MUTED, data_testid="result-count"), rx.spacer(),
                rx.box(_select("sort", "Sort", S.sort, SORTS), min_width="190px"), align="center", width="100%",
                spacing="3", wrap="wrap"),
        _results("Nothing matches yet. Try fewer filters or another word."),
    )


@public_page(routes.MARKET_STORE, "Storefront", on_load=S.load_store)
def store_page() -> rx.Component:
    return market_frame(
        rx.cond(S.store_name != "", S.store_name, "Storefront"),
        rx.text("Everything this producer has on sale.", size="2", color=theme.MUTED),
        _results("This store has nothing on sale right now."),
    )
