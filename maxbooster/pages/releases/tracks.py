"""The release editor's "Tracks" tab: the tracks in order, each with its title, version, featured artists,
ISRC, explicit flag, preview start, credits with roles and lyrics; "Add tracks" picks finished masters
from the library."""

from __future__ import annotations

import reflex as rx

from maxbooster.components import theme
from maxbooster.components.layout import link_button, panel
from maxbooster.pages.releases.fields import LOCKED, hints, label, saving_props
from maxbooster.state.releases import CONTRIBUTOR_ROLES, MasterChoice, TrackItem
from maxbooster.state.releases import ReleaseState as S


def track_input(t: TrackItem, text: str, name: str, value: rx.Var, placeholder: str = "",
                type_: str = "text") -> rx.Component:
    fid = "track-" + t.id + "-" + name
    return rx.vstack(label(text, fid), rx.input(
        id=fid, key=S.rev.to_string() + fid, default_value=value.to(str), placeholder=placeholder, type=type_,
        size="2", width="100%", data_testid="track-" + name, **saving_props(lambda v: S.edit_track(t.id, name, v))),
        spacing="1", width="100%", min_width="0")


def contributor(t: TrackItem, person: rx.Var[dict[str, str]], index: rx.Var[int]) -> rx.Component:
    key = S.rev.to_string() + t.id + "-c-" + index.to_string()
    return rx.hstack(
        rx.input(key=key, default_value=person["name"].to(str), placeholder="Name", aria_label="Credit name",
                 size="2", width="100%", **saving_props(lambda v: S.edit_contributor(t.id, index, "name", v))),
        rx.el.select(*[rx.el.option(words, value=value) for value, words in CONTRIBUTOR_ROLES], key=key + "-role",
                     default_value=person["role"].to(str), aria_label="Role", disabled=LOCKED,
                     on_change=lambda v: S.edit_contributor(t.id, index, "role", v), class_name="mb-native-select",
                     style={"width": "150px", "flex_shrink": "0"}),
        rx.icon_button(rx.icon("x", size=14), size="1", variant="ghost", color_scheme="red", aria_label="Remove credit",
                       disabled=LOCKED, on_click=S.remove_contributor(t.id, index)),
        spacing="2", align="center", width="100%")


def track_card(t: TrackItem) -> rx.Component:
    return panel(rx.vstack(
        rx.hstack(
            rx.badge(t.position.to_string(), variant="solid", size="2", radius="full"),
            rx.vstack(rx.text(t.title, weight="bold", size="3", trim="both"),
                      rx.text(t.source, size="1", color=theme.MUTED, trim="both"), spacing="1", min_width="0"),
            rx.spacer(),
            rx.icon_button(rx.icon("arrow-up", size=14), size="1", variant="ghost", color_scheme="gray",
                           aria_label="Move " + t.title + " up", disabled=LOCKED, on_click=S.move_track(t.id, -1)),
            rx.icon_button(rx.icon("arrow-down", size=14), size="1", variant="ghost", color_scheme="gray",
                           aria_label="Move " + t.title + " down", disabled=LOCKED, on_click=S.move_track(t.id, 1)),
            rx.icon_button(rx.icon("trash-2", size=14), size="1", variant="ghost", color_scheme="red",
                           aria_label="Remove " + t.title, disabled=LOCKED, on_click=S.move_track(t.id, 0)),
            width="100%", align="center", spacing="2"),
        hints(t.hints, S.move_it(t.id), "track"),
        rx.grid(track_input(t, "Title", "title", t.title),
                track_input(t, "Version (optional)", "version", t.version, "e.g. Radio Edit"),
                track_input(t, "Featured artists (optional)", "featured", t.featured, "Names, separated by commas"),
                track_input(t, "ISRC", "isrc", t.isrc, "Empty: “Get codes” makes one"),
                track_input(t, "Preview starts at (seconds)", "preview_start", t.preview_start, "0", "number"),
                rx.vstack(rx.text("Explicit lyrics", size="2", color=theme.MUTED),
                          rx.switch(checked=t.explicit, disabled=LOCKED, aria_label="Explicit lyrics",
                                    on_change=lambda on: S.edit_track(t.id, "explicit", on)),
                          spacing="2"),
                columns=rx.breakpoints(initial="1", sm="2", lg="3"), spacing="3", width="100%"),
        rx.vstack(rx.text("Credits (who wrote, played, produced, mixed and mastered it)", size="2", color=theme.MUTED),
                  rx.foreach(t.contributors, lambda p, i: contributor(t, p, i)),
                  rx.button(rx.icon("plus", size=14), "Add credit", size="1", variant="soft", disabled=LOCKED,
                            on_click=S.add_contributor(t.id)),
                  spacing="2", width="100%"),
        rx.vstack(label("Lyrics (optional)", "lyrics-" + t.id), rx.text_area(
            id="lyrics-" + t.id, key=S.rev.to_string() + "-lyrics-" + t.id, default_value=t.lyrics, rows="4",
            width="100%", **saving_props(lambda v: S.edit_track(t.id, "lyrics", v))), spacing="1", width="100%"),
        spacing="3", width="100%"), width="100%", data_testid="release-track")


def choice_row(c: MasterChoice) -> rx.Component:
    return rx.hstack(
        rx.vstack(rx.text(c.title, weight="medium", size="2", trim="both"),
                  rx.text(rx.cond(c.artist != "", c.artist + " · ", ""), c.duration,
                          rx.cond(c.master_label != "", " · " + c.master_label, ""), size="1", color=theme.MUTED),
                  spacing="0", min_width="0"),
        rx.spacer(),
        rx.cond(c.master_id != "",
                rx.button("Add", size="1", on_click=S.add_track(c.master_id), data_testid="add-master"),
                link_button("Master it first", c.track_href, size="1", variant="soft", color_scheme="gray")),
        width="100%", align="center", spacing="3", padding="8px 0", border_bottom=f"1px solid {theme.BORDER}")


def picker() -> rx.Component:
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title("Add tracks"),
        rx.dialog.description("Tracks are made from finished masters: stores get the mastered file.", size="2",
                              color=theme.MUTED),
        rx.cond(S.choices.length() == 0,  # type: ignore[attr-defined]
                rx.text("Your library has no processed songs yet. Upload one in the Library, master it, then come "
                        "back.", size="2", color=theme.MUTED, padding_y="12px"),
                rx.scroll_area(rx.vstack(rx.foreach(S.choices, choice_row), spacing="0", width="100%"),
                               max_height="60vh", type="auto")),
        rx.hstack(rx.dialog.close(rx.button("Done", variant="soft", color_scheme="gray", on_click=S.close_picker)),
                  justify="end", padding_top="12px"),
        max_width="560px"), open=S.picking, on_open_change=lambda _open: S.close_picker)


def tracks_tab() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.text("Tracks play in this order on every store.", size="2", color=theme.MUTED), rx.spacer(),
                  rx.button(rx.icon("plus", size=16), "Add tracks", on_click=S.open_picker, disabled=LOCKED,
                            data_testid="add-tracks"),
                  width="100%", align="center", wrap="wrap", spacing="3"),
        rx.cond(S.view.tracks.length() == 0,  # type: ignore[attr-defined]
                panel(rx.text("No tracks yet. Press “Add tracks” and choose finished masters from your library.",
                              size="2", color=theme.MUTED), width="100%"),
                rx.vstack(rx.foreach(S.view.tracks, track_card), spacing="3", width="100%")),
        picker(),
        spacing="3", width="100%",
    )
