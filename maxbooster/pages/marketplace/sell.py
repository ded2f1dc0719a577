"""The seller's side: the dashboard (payouts setup, balance, sales with refunds, payouts, listings and
"New listing"), the sandbox's onboarding page (test mode) and the listing editor."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.billing import test_mode_badge
from maxbooster.components.layout import app_page, link_button, panel
from maxbooster.components.marketplace import cover, kind_words, preview_player
from maxbooster.state.marketplace import EditorState as E
from maxbooster.state.marketplace import (
    ListingKind,
    ListingStatus,
    MusicalKey,
    MyListingRow,
    OrderLineStatus,
    SaleRow,
    TierEdit,
    TierKind,
    WatermarkKind,
)
from maxbooster.state.marketplace import SellState as S


def _stat(label: str, value: rx.Var[str], testid: str) -> rx.Component:
    return panel(rx.vstack(rx.text(label, size="2", color=theme.MUTED),
                           rx.text(rx.cond(value != "", value, "—"), size="6", weight="bold", data_testid=testid),
                           spacing="1"), width="100%")


def _sale(s: SaleRow) -> rx.Component:
    return rx.flex(
        rx.vstack(rx.text(s.title, size="2", weight="medium"),
                  rx.text(s.date, " · ", s.tier, " · paid ", s.price, size="1", color=theme.MUTED), spacing="0",
                  min_width="0", flex="1"),
        rx.hstack(rx.text(s.earned, size="2", weight="bold", white_space="nowrap", data_testid="sale-earned"),
                  rx.badge(s.status, variant="soft",
                           color_scheme=rx.cond(s.status == OrderLineStatus.PAID, "green", "gray")),
                  rx.cond(s.status == OrderLineStatus.PAID,
                          rx.button("Refund", size="1", variant="soft", color_scheme="red",
                                    on_click=S.refund(s.line_id), data_testid="refund")),
                  spacing="2", align="center"),
        spacing="3", align="center", width="100%", padding_y="10px", border_bottom=f"1px solid {theme.BORDER}",
        wrap="wrap", data_testid="sale-row")


def _mine(r: MyListingRow) -> rx.Component:
    return rx.flex(rx.link(r.title, href=r.url, size="2", weight="medium"), rx.spacer(),
                   rx.text(r.price_from, size="2", color=theme.MUTED), rx.badge(r.kind, variant="outline"),
                   rx.badge(r.status, variant="soft",
                            color_scheme=rx.cond(r.status == ListingStatus.PUBLISHED, "green", "gray")),
                   spacing="2", align="center", width="100%", padding_y="8px",
                   border_bottom=f"1px solid {theme.BORDER}", wrap="wrap", data_testid="my-listing")


def _new_listing() -> rx.Component:
    return rx.form(rx.flex(
        rx.input(name="title", placeholder="Title of the new listing", aria_label="New listing title", size="2",
                 flex="1", min_width="160px", required=True),
        rx.select.root(rx.select.trigger(aria_label="Type"),
                       rx.select.content(*[rx.select.item(k.value.replace("_", " ").capitalize(), value=k.value)
                                         for k in ListingKind]),
                       name="kind", default_value=ListingKind.BEAT.value),
        rx.button(rx.icon("plus", size=15, aria_hidden="true"), "New listing", size="2", type="submit",
                  disabled=~S.is_hydrated),
        spacing="2", width="100%", wrap="wrap"), on_submit=S.new_listing, width="100%")


@app_page(routes.SELL, "Sell", on_load=S.load)
def sell_page() -> rx.Component:
    return rx.vstack(
        panel(rx.flex(
            rx.vstack(rx.hstack(rx.heading("Payouts", size="4", as_="h2"), test_mode_badge(S.test_mode), spacing="3",
                                align="center", wrap="wrap"),
                      rx.text(S.next_step, size="2", color=theme.MUTED, data_testid="next-step"), spacing="1"),
            rx.spacer(),
            rx.cond(~S.can_publish, rx.button(rx.icon("landmark", size=15, aria_hidden="true"), "Set up payouts",
                                               size="3", on_click=S.set_up_payouts, disabled=~S.is_hydrated,
                                               data_testid="setup-payouts"),
                    rx.badge(rx.icon("circle-check", size=14), "Ready to sell", color_scheme="green", size="2")),
            spacing="3", align="center", wrap="wrap", width="100%"), width="100%"),
        rx.grid(_stat("Available balance", S.available, "balance-available"),
                _stat("On its way", S.pending, "balance-pending"),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="4", width="100%"),
        rx.grid(
            panel(rx.vstack(rx.heading("Your listings", size="4", as_="h2"), _new_listing(),
                            rx.cond(S.mine.length() > 0, rx.box(rx.foreach(S.mine, _mine), width="100%"),
                                    rx.text("No listings yet: give the first one a title above.", size="2",
                                            color=theme.MUTED)),
                            spacing="3", width="100%"), width="100%"),
            panel(rx.vstack(rx.heading("Sales", size="4", as_="h2"),
                            rx.cond(S.sales.length() > 0, rx.box(rx.foreach(S.sales, _sale), width="100%"),
                                    rx.text("No sales yet. They show here with what you earned (after the fee).",
                                            size="2", color=theme.MUTED)),
                            rx.cond(S.payouts.length() > 0, rx.vstack(
                                rx.heading("Payouts", size="3", as_="h3"),
                                rx.foreach(S.payouts, lambda p: rx.hstack(rx.text(p[0], size="2"), rx.spacer(),
                                                                          rx.text(p[1], size="2"), rx.badge(p[2]),
                                                                          width="100%")),
                                spacing="2", width="100%")),
                            spacing="3", width="100%"), width="100%"),
            columns=rx.breakpoints(initial="1", lg="2"), spacing="4", width="100%"),
        spacing="4", width="100%", max_width="1100px")


@app_page(routes.SELL_ONBOARDING, "Set up payouts (test mode)")
def onboarding_page() -> rx.Component:
    return rx.center(panel(rx.vstack(
        test_mode_badge(True),
        rx.heading("Sandbox seller onboarding", size="5", as_="h2"),
        rx.text("With a real payment provider you would enter your identity and bank details here. In test mode "
                "one click finishes onboarding; no real money moves.", size="2", color=theme.MUTED),
        rx.button("Finish onboarding", size="3", width="100%", on_click=S.finish_sandbox_onboarding,
                  disabled=~S.is_hydrated, data_testid="finish-onboarding"),
        link_button("Back to selling", routes.SELL, size="2", variant="ghost", color_scheme="gray"),
        spacing="4", width="100%"), width="100%", max_width="460px"), width="100%", padding_top="24px")


# --- the listing editor -----------------------------------------------------------------------------------

def _labelled(label: str, control: rx.Component) -> rx.Component:
    return rx.el.label(rx.vstack(rx.text(label, size="2", weight="medium"), control, spacing="1", width="100%"),
                       width="100%")


def _details() -> rx.Component:
    is_beat = E.kind == ListingKind.BEAT
    return panel(rx.form(rx.vstack(
        rx.heading("Details", size="4", as_="h2"),
        _labelled("Title", rx.input(name="title", default_value=E.title, key=E.title, width="100%")),
        _labelled("Description", rx.text_area(name="description", default_value=E.description, key=E.description,
                                              rows="4", width="100%")),
        rx.grid(_labelled("Tags (comma separated)", rx.input(name="tags", default_value=E.tags, key=E.tags,
                                                             width="100%")),
                _labelled("Genre", rx.input(name="genre", default_value=E.genre, key=E.genre, width="100%")),
                rx.cond(is_beat, _labelled("BPM", rx.input(name="bpm", default_value=E.bpm, key=E.bpm,
                                                           input_mode="numeric", width="100%"))),
                rx.cond(is_beat, _labelled("Key", rx.el.select(
                    rx.el.option("—", value=""), *[rx.el.option(k.value, value=k.value) for k in MusicalKey],
                    name="musical_key", default_value=E.musical_key, key=E.musical_key,
                    style={"width": "100%", "padding": "6px", "background": theme.PANEL_RAISED,
                           "color": theme.TEXT, "border": f"1px solid {theme.BORDER}", "borderRadius": "6px"}))),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
        rx.button("Save details", size="2", type="submit", disabled=~E.is_hydrated, data_testid="save-details"),
        spacing="3", width="100%"), on_submit=E.save, width="100%"), width="100%")


def _files() -> rx.Component:
    return panel(rx.vstack(
        rx.heading("Files and preview", size="4", as_="h2"),
        rx.grid(
            rx.vstack(cover(E.cover_url, size="140px", label="Cover"),
                      rx.el.label(rx.upload(rx.text("Upload cover", size="1", color=theme.ACCENT),
                                            id="cover", max_files=1,
                                            accept={"image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"],
                                                    "image/webp": [".webp"]},
                                            on_drop=E.upload_cover(rx.upload_files(upload_id="cover")),
                                            border=f"1px dashed {theme.BORDER}", padding="6px 10px",
                                            border_radius="6px", cursor="pointer")),
                      spacing="2"),
            rx.vstack(
                rx.text("Audio from your library", size="2", weight="medium"),
                rx.el.select(rx.el.option("Pick a ready track…", value=""),
                             rx.foreach(E.tracks, lambda t: rx.el.option(t[1], value=t[0])),
                             on_change=E.use_track, aria_label="Track from your library",
                             data_testid="pick-track",
                             style={"width": "100%", "padding": "6px", "background": theme.PANEL_RAISED,
                                    "color": theme.TEXT, "border": f"1px solid {theme.BORDER}",
                                    "borderRadius": "6px"}),
                rx.el.label(rx.upload(rx.text("Or upload a ZIP (packs, stems)", size="1", color=theme.ACCENT),
                                      id="zip", max_files=1, accept={"application/zip": [".zip"]},
                                      on_drop=E.upload_zip(rx.upload_files(upload_id="zip")),
                                      border=f"1px dashed {theme.BORDER}", padding="6px 10px", border_radius="6px",
                                      cursor="pointer")),
                rx.foreach(E.file_names, lambda f: rx.text(f, size="1", color=theme.MUTED, data_testid="file-name")),
                rx.hstack(rx.text("Watermark: ", E.watermark, size="2", color=theme.MUTED),
                          rx.cond(E.watermark != WatermarkKind.TONE,
                                  rx.button("Use the tone", size="1", variant="ghost", on_click=E.use_tone)),
                          align="center"),
                rx.hstack(rx.button(rx.icon("wand-sparkles", size=14, aria_hidden="true"), "Make preview", size="2",
                                    on_click=E.make_preview, loading=E.polling, disabled=~E.is_hydrated,
                                    data_testid="make-preview"),
                          rx.badge(E.preview_status, variant="soft", data_testid="preview-status"), align="center"),
                rx.cond(E.preview_error != "", rx.text(E.preview_error, size="2", color="tomato")),
                preview_player(E.preview_url, E.peaks_url, E.title, height=48),
                spacing="2", width="100%", min_width="0"),
            columns=rx.breakpoints(initial="1", sm="160px minmax(0, 1fr)"), spacing="4", width="100%"),
        spacing="3", width="100%"), width="100%")


def _tier_input(i: rx.Var[int], t: TierEdit, field: str, label: str, mode: str = "text") -> rx.Component:
    return rx.input(value=getattr(t, field), on_change=lambda v: E.edit_tier(i, field, v), aria_label=label,
                    placeholder=label, size="1", input_mode=mode, width="100%")


def _tier_row(t: TierEdit, i: rx.Var[int]) -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.el.select(*[rx.el.option(kind_words(k.value), value=k.value) for k in TierKind],
                         value=t.kind, on_change=lambda v: E.edit_tier(i, "kind", v), aria_label="License kind",
                         style={"padding": "5px", "background": theme.PANEL_RAISED, "color": theme.TEXT,
                                "border": f"1px solid {theme.BORDER}", "borderRadius": "6px"}),
            rx.box(_tier_input(i, t, "price", "Price (USD)", "decimal"), width="120px"),
            rx.box(_tier_input(i, t, "deliverables", "Deliverables: mp3, wav, stems"), flex="1", min_width="160px"),
            rx.icon_button(rx.icon("x", size=14), size="1", variant="ghost", color_scheme="gray",
                           aria_label="Remove tier", on_click=E.remove_tier(i)),
            spacing="2", align="center", width="100%", wrap="wrap"),
        rx.grid(_tier_input(i, t, "max_copies", "Copies (empty = unlimited)", "numeric"),
                _tier_input(i, t, "max_streams", "Streams", "numeric"),
                _tier_input(i, t, "max_music_videos", "Music videos", "numeric"),
                _tier_input(i, t, "max_radio_stations", "Radio stations", "numeric"),
                columns=rx.breakpoints(initial="2", md="4"), spacing="2", width="100%"),
        spacing="2", width="100%", padding="10px", border=f"1px solid {theme.BORDER}", border_radius="8px",
        data_testid="tier-editor")


def _tiers() -> rx.Component:
    return panel(rx.vstack(
        rx.heading("License tiers", size="4", as_="h2"),
        rx.text("Each tier: a price, what the buyer gets and how far they may use it. Leave a cap empty for "
                "unlimited.", size="2", color=theme.MUTED),
        rx.foreach(E.tier_rows, _tier_row),
        rx.hstack(rx.button(rx.icon("plus", size=14), "Add tier", size="2", variant="soft", on_click=E.add_tier,
                            data_testid="add-tier"),
                  rx.button("Save tiers", size="2", on_click=E.save_tiers, disabled=~E.is_hydrated,
                            data_testid="save-tiers"), spacing="2"),
        spacing="3", width="100%"), width="100%")


def _collaborators() -> rx.Component:
    return panel(rx.form(rx.vstack(
        rx.heading("Collaborators", size="4", as_="h2"),
        rx.text("One per line: email, share in percent (e.g. “sam@example.com, 30”). You keep the rest.", size="2",
                color=theme.MUTED),
        rx.text_area(name="collaborators", default_value=E.collaborators, rows="3", width="100%",
                     aria_label="Collaborators"),
        rx.button("Save collaborators", size="2", variant="soft", type="submit"), spacing="3", width="100%"),
        on_submit=E.save_collaborators, width="100%"), width="100%")


def _publish() -> rx.Component:
    return panel(rx.vstack(
        rx.hstack(rx.heading("Publish", size="4", as_="h2"), rx.badge(E.status, variant="soft",
                                                                     data_testid="listing-status"), align="center"),
        rx.cond(E.missing.length() > 0, rx.callout(rx.vstack(
            rx.text("Before publishing:", weight="bold"),
            rx.el.ul(rx.foreach(E.missing, lambda m: rx.el.li(rx.text(m, size="2")))), spacing="1"),
            icon="list-checks", color_scheme="amber", width="100%", data_testid="missing")),
        rx.cond(E.status == ListingStatus.PUBLISHED,
                rx.hstack(link_button("View on the marketplace", routes.MARKET_LISTING + "?id=" + E.listing_id,
                                      size="2", variant="soft"),
                          rx.button("Unpublish", size="2", variant="soft", color_scheme="gray", on_click=E.unpublish),
                          spacing="2", wrap="wrap"),
                rx.button(rx.icon("rocket", size=15, aria_hidden="true"), "Publish", size="3", on_click=E.publish,
                          disabled=~E.is_hydrated, data_testid="publish")),
        spacing="3", width="100%"), width="100%")


@app_page(routes.SELL_LISTING, "Edit listing", on_load=E.load)
def editor_page() -> rx.Component:
    return rx.vstack(
        rx.cond(E.found, rx.grid(
            rx.vstack(_details(), _files(), _tiers(), spacing="4", width="100%", min_width="0"),
            rx.vstack(_publish(), _collaborators(), spacing="4", width="100%", min_width="0"),
            columns=rx.breakpoints(initial="1", lg="minmax(0, 2fr) minmax(0, 1fr)"), spacing="4", width="100%"),
            rx.text("This listing is not yours or no longer exists.", size="2", color=theme.MUTED)),
        link_button("Back to selling", routes.SELL, size="2", variant="ghost", color_scheme="gray"),
        spacing="4", width="100%", max_width="1200px")
