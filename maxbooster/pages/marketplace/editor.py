"""The seller's listing editor: details, cover, audio or ZIP, the preview's watermark (a beep or an uploaded
voice tag), Make preview with progress, license tiers, collaborators with their shares, Publish."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import app_page, link_button, panel
from maxbooster.components.marketplace import cover, kind_words, preview_player
from maxbooster.components.uploader import AUDIO_ACCEPT, uploader
from maxbooster.state.marketplace import (
    CollabEdit,
    ListingKind,
    ListingStatus,
    MusicalKey,
    TierEdit,
    TierKind,
    WatermarkKind,
)
from maxbooster.state.marketplace import EditorState as E


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


def _watermark() -> rx.Component:
    """Which sound marks the preview; upload a voice tag (progress, and a refused file's reason, on its row)."""
    return rx.vstack(
        rx.hstack(rx.text("Preview watermark: ", rx.cond(E.watermark == WatermarkKind.VOICE_TAG, "your voice tag",
                                                          "a short beep"), size="2", color=theme.MUTED,
                          data_testid="watermark"),
                  rx.cond(E.watermark != WatermarkKind.TONE,
                          rx.button("Use the beep instead", size="1", variant="ghost", on_click=E.use_tone)),
                  align="center", wrap="wrap"),
        uploader(upload_url=E.voice_tag_upload_url, accept=AUDIO_ACCEPT, max_bytes=5 * 1024 * 1024, multiple=False,
                 title="Drop your voice tag here or choose a file",
                 hint="A short audio file (WAV, MP3, FLAC…) of up to 5 seconds",
                 added_text="saved", reject_text="Not an audio file.", max_parallel=1,
                 on_uploaded=E.voice_tag_uploaded, data_testid="voice-tag-uploader"),
        spacing="2", width="100%")


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
                _watermark(),
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


def _collab_row(c: CollabEdit, i: rx.Var[int]) -> rx.Component:
    return rx.flex(
        rx.input(value=c.email, on_change=lambda v: E.edit_collaborator(i, "email", v), placeholder="Email",
                 aria_label="Collaborator's email", type="email", size="2", flex="1", min_width="150px"),
        rx.hstack(rx.input(value=c.share, on_change=lambda v: E.edit_collaborator(i, "share", v), placeholder="30",
                           aria_label="Share in percent", input_mode="decimal", size="2", width="72px"),
                  rx.text("%", size="2", color=theme.MUTED), spacing="1", align="center"),
        rx.icon_button(rx.icon("x", size=14), size="1", variant="ghost", color_scheme="gray",
                       aria_label="Remove collaborator", on_click=E.remove_collaborator(i)),
        spacing="2", align="center", width="100%", data_testid="collaborator-row")


def _collaborators() -> rx.Component:
    return panel(rx.vstack(
        rx.heading("Collaborators", size="4", as_="h2"),
        rx.text("People who share each sale, with their part in percent. You keep the rest.", size="2",
                color=theme.MUTED),
        rx.foreach(E.collab_rows, _collab_row),
        rx.hstack(rx.text("You keep", size="2"), rx.spacer(),
                  rx.text(rx.cond(E.you_keep != "", E.you_keep, "—"), size="2", weight="bold",
                          data_testid="you-keep"), width="100%", padding_top="4px",
                  border_top=f"1px solid {theme.BORDER}"),
        rx.hstack(rx.button(rx.icon("user-plus", size=14), "Add person", size="2", variant="soft",
                            on_click=E.add_collaborator, data_testid="add-collaborator"),
                  rx.button("Save collaborators", size="2", on_click=E.save_collaborators, disabled=~E.is_hydrated,
                            data_testid="save-collaborators"), spacing="2", wrap="wrap"),
        spacing="3", width="100%"), width="100%")


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
