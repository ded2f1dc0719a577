"""The release editor's "Details" tab: cover art with what stores will say about it, and every field of
the release (type, title, version, artists in credit order, label, genre, language, dates, where it is
sold, price tier, ℗ and ©)."""

from __future__ import annotations

import reflex as rx

from maxbooster.components import theme
from maxbooster.components.layout import panel
from maxbooster.components.uploader import uploader
from maxbooster.pages.releases.fields import LOCKED, choice, field, hints, label, saving_props
from maxbooster.state.releases import LANGUAGES, ArtistRole, PriceTier, ReleaseType
from maxbooster.state.releases import ReleaseState as S

IMAGE_ACCEPT = "image/jpeg,image/png,.jpg,.jpeg,.png"


def section(title: str, *children: rx.Component, **props: object) -> rx.Component:
    return panel(rx.vstack(rx.heading(title, size="3", as_="h2", weight="medium"), *children, spacing="3",
                           width="100%"), width="100%", **props)


def artwork() -> rx.Component:
    return section(
        "Cover art",
        rx.cond(S.view.artwork_url != "",
                rx.image(src=S.view.artwork_url, alt="Cover art", width="100%", aspect_ratio="1 / 1",
                         object_fit="cover", border_radius="6px", data_testid="cover"),
                rx.center(rx.vstack(rx.icon("image-plus", size=36, color=theme.MUTED, aria_hidden="true"),
                                    rx.text("No cover yet", size="2", color=theme.MUTED), align="center"),
                          width="100%", aspect_ratio="1 / 1", background=theme.PANEL_RAISED, border_radius="6px")),
        rx.cond(S.view.artwork_facts != "", rx.text(S.view.artwork_facts, size="1", color=theme.MUTED)),
        rx.foreach(S.view.artwork_findings, lambda f: rx.callout.root(
            rx.callout.icon(rx.icon("triangle-alert", size=16)),
            rx.vstack(rx.text(f["message"], size="2"), rx.text(f["fix"], size="1"), spacing="1"),
            color_scheme="red", size="1", width="100%", data_testid="artwork-finding")),
        rx.cond(LOCKED, rx.fragment(), uploader(
            upload_url=S.artwork_url_upload, accept=IMAGE_ACCEPT, max_bytes=20 * 1024 * 1024, multiple=False,
            method="PUT", title="Drop the cover here or choose a file", hint="Square JPEG or PNG, 3000×3000 px or more",
            added_text="uploaded", reject_text="Not a JPEG or PNG picture.", on_uploaded=S.artwork_uploaded,
            max_parallel=1, data_testid="artwork-uploader")),
        rx.text("Stores refuse covers with web addresses, social handles, prices or store logos on them.",
                size="1", color=theme.MUTED),
    )


def artist_row(artist: rx.Var[dict[str, str]], index: rx.Var[int]) -> rx.Component:
    key = S.rev.to_string() + "-artist-" + index.to_string()
    return rx.hstack(
        rx.input(key=key, default_value=artist["name"].to(str), placeholder="Artist name", size="2", width="100%",
                 aria_label="Artist name", max_length=200, data_testid="artist-name",
                 **saving_props(lambda v: S.edit_artist(index, "name", v))),
        rx.el.select(rx.el.option("Main artist", value=ArtistRole.PRIMARY),
                     rx.el.option("Featured", value=ArtistRole.FEATURED),
                     key=key + "-role", default_value=artist["role"].to(str), aria_label="Role", disabled=LOCKED,
                     on_change=lambda v: S.edit_artist(index, "role", v), class_name="mb-native-select",
                     style={"width": "128px", "flex_shrink": "0"}),
        rx.icon_button(rx.icon("arrow-up", size=14), size="1", variant="ghost", color_scheme="gray",
                       aria_label="Move up", disabled=LOCKED | (index == 0), on_click=S.move_artist(index, -1)),
        rx.icon_button(rx.icon("x", size=14), size="1", variant="ghost", color_scheme="red", aria_label="Remove",
                       disabled=LOCKED, on_click=S.move_artist(index, 0)),
        spacing="2", align="center", width="100%")


def basics() -> rx.Component:
    return section(
        "Release",
        rx.grid(choice("Type", "release_type", [(ReleaseType.SINGLE, "Single"), (ReleaseType.EP, "EP"),
                                                (ReleaseType.ALBUM, "Album")]),
                field("Version (optional)", "version", placeholder="e.g. Deluxe, Remastered 2024", max_length=100),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
        field("Title", "title", placeholder="The title only: no “feat.” and no version"),
        hints(S.view.title_hints, S.move_it(""), "release"),
        rx.vstack(label("Artists, in the order stores show them", "rel-artists"),
                  rx.foreach(S.view.artists, artist_row),
                  rx.button(rx.icon("plus", size=14), "Add artist", size="1", variant="soft", on_click=S.add_artist,
                            disabled=LOCKED, data_testid="add-artist"),
                  spacing="2", width="100%", id="rel-artists"),
    )


def where_and_when() -> rx.Component:
    return section(
        "Label, genre and dates",
        rx.grid(field("Label", "label", placeholder="Your label, or your artist name"),
                field("Genre", "genre", placeholder="e.g. Electronic", max_length=60),
                field("Subgenre (optional)", "subgenre", placeholder="e.g. Synthwave", max_length=60),
                choice("Language of the titles and lyrics", "language", LANGUAGES),
                field("Release date", "release_date", type_="date", hint="Two weeks ahead or more gives stores time."),
                field("Original release date (optional)", "original_release_date", type_="date",
                      hint="Only for music that came out before."),
                choice("Price", "price_tier", [(PriceTier.BUDGET, "Budget"), (PriceTier.MID, "Mid"),
                                               (PriceTier.FRONT, "Front line"), (PriceTier.PREMIUM, "Premium")]),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
        rx.vstack(
            rx.el.label(rx.hstack(rx.checkbox(checked=S.view.worldwide, disabled=LOCKED, aria_label="Sold worldwide",
                                              on_change=lambda on: S.edit_territories(on, S.view.territories)),
                                  rx.text("Sold worldwide", size="2"), spacing="2", align="center")),
            rx.cond(~S.view.worldwide, rx.input(
                key=S.rev.to_string() + "-territories", default_value=S.view.territories, size="2", width="100%",
                placeholder="Only in: US, GB, DE …", aria_label="Countries (two-letter codes)", disabled=LOCKED,
                on_blur=lambda v: S.edit_territories(False, v))),
            spacing="2", width="100%"),
    )


def rights() -> rx.Component:
    return section(
        "Copyright",
        rx.text("℗ is who owns the recordings, © who owns the artwork and texts. Usually both are you or your label.",
                size="1", color=theme.MUTED),
        rx.grid(field("℗ year", "p_year", type_="number", placeholder="2026"),
                field("℗ owner", "p_owner", placeholder="e.g. North Records"),
                field("© year", "c_year", type_="number", placeholder="2026"),
                field("© owner", "c_owner", placeholder="e.g. North Records"),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
    )


def details_tab() -> rx.Component:
    return rx.grid(
        rx.box(artwork(), width="100%"),
        rx.vstack(basics(), where_and_when(), rights(), spacing="4", width="100%", min_width="0"),
        columns=rx.breakpoints(initial="1", md="minmax(240px, 320px) 1fr"), spacing="4", width="100%",
    )
