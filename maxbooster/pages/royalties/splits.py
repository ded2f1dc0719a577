"""Splits: every track of your releases with who shares in it; edit a split (shares in %, adding up
to exactly 100 %, an optional recoupment), see each collaborator's answer and the history."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import app_page, panel
from maxbooster.pages.royalties.nav import intro, section_tabs
from maxbooster.state.royalties import EditRow, InviteStatus, ShareRow, TrackRow
from maxbooster.state.royalties import SplitsState as S


def share_chip(share: ShareRow) -> rx.Component:
    return rx.hstack(
        rx.text(share.email, size="2", trim="both", word_break="break-all"),
        rx.text(share.percent, " %", size="2", weight="bold"),
        rx.badge(share.label, variant="soft", size="1", color_scheme=rx.match(
            share.status, (InviteStatus.ACCEPTED, rx.cond(share.is_owner, "blue", "green")),
            (InviteStatus.DECLINED, "red"), "amber")),
        spacing="2", align="center", padding="4px 10px", border_radius="999px", background=theme.BG,
        border=f"1px solid {theme.BORDER}", max_width="100%", data_testid="share",
    )


def track_row(t: TrackRow) -> rx.Component:
    return rx.fragment(
        rx.cond(t.first_of_release, rx.heading(t.release_title, size="3", as_="h2", padding_top="10px")),
        panel(rx.flex(
            rx.vstack(
                rx.text(t.title, weight="bold", size="3"),
                rx.text(rx.cond(t.isrc != "", "ISRC " + t.isrc, "No ISRC yet"), size="1", color=theme.MUTED),
                rx.cond(t.shares.length() > 0,
                        rx.flex(rx.foreach(t.shares, share_chip), wrap="wrap", gap="6px"),
                        rx.text("No split: all earnings go to you.", size="2", color=theme.MUTED)),
                rx.cond(t.recoupment != "", rx.text("Recoupment: ", t.recoupment, size="1", color=theme.MUTED)),
                spacing="2", min_width="0", flex="1"),
            rx.button(rx.icon("pencil", size=14, aria_hidden="true"), "Edit split", size="2", variant="soft",
                      on_click=S.open_split(t.track_id), aria_label="Edit the split of " + t.title),
            gap="12px", align="start", width="100%", direction=rx.breakpoints(initial="column", sm="row")),
            padding="14px 16px", width="100%", data_testid="split-track"),
    )


def edit_row(row: EditRow, index: rx.Var[int]) -> rx.Component:
    return rx.hstack(
        rx.input(value=row.email, on_change=lambda v: S.set_email(index, v), placeholder="name@example.com",
                 type="email", aria_label="Collaborator email", size="2", flex="1", min_width="0"),
        rx.input(rx.input.slot("%", side="right"), value=row.percent, on_change=lambda v: S.set_percent(index, v),
                 placeholder="0", aria_label="Share in percent", size="2", width="92px", input_mode="decimal"),
        rx.icon_button(rx.icon("x", size=14), size="2", variant="ghost", color_scheme="gray",
                       aria_label="Remove this share", on_click=S.remove_row(index)),
        spacing="2", width="100%", align="center", data_testid="split-row",
    )


def recoupment() -> rx.Component:
    return rx.vstack(
        rx.text("Recoupment (optional)", weight="medium", size="2"),
        rx.text("Pay one person a fixed amount first (say, a producer's fee), then split the rest by the "
                "percentages.", size="1", color=theme.MUTED),
        rx.flex(
            rx.input(value=S.recoup_amount, on_change=lambda v: S.set_recoup("recoup_amount", v),
                     placeholder="Amount, e.g. 250.00", aria_label="Recoupment amount", size="2", flex="1",
                     min_width="120px", input_mode="decimal"),
            rx.input(value=S.recoup_currency, on_change=lambda v: S.set_recoup("recoup_currency", v),
                     aria_label="Recoupment currency", size="2", width="80px", max_length=3),
            rx.input(value=S.recoup_email, on_change=lambda v: S.set_recoup("recoup_email", v),
                     placeholder="Paid to (one of the emails above)", aria_label="Recoupment paid to", size="2",
                     flex="2", min_width="200px"),
            gap="8px", wrap="wrap", width="100%"),
        spacing="2", width="100%",
    )


def editor() -> rx.Component:
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title("Split of “", S.editing_title, "”"),
        rx.dialog.description("Type each person's email and share. New people get an email to accept; until "
                              "they do, their share is paid to you.", size="2", color=theme.MUTED),
        rx.vstack(
            rx.foreach(S.rows, edit_row),
            rx.hstack(
                rx.button(rx.icon("plus", size=14, aria_hidden="true"), "Add collaborator", size="2",
                          variant="soft", color_scheme="gray", on_click=S.add_row),
                rx.spacer(),
                rx.text("Total ", rx.text.strong(S.total_label), size="3", data_testid="split-total",
                        color=rx.cond(S.total_problem == "", "var(--green-11)", "var(--amber-11)")),
                width="100%", align="center"),
            rx.cond(S.total_problem != "", rx.text(S.total_problem, size="1", color="var(--amber-11)")),
            rx.divider(),
            recoupment(),
            rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red", width="100%",
                                              role="alert", data_testid="split-error")),
            rx.hstack(
                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", on_click=S.close_split)),
                rx.button("Save and send invitations", on_click=S.save, loading=S.saving,
                          disabled=~S.is_hydrated),
                spacing="3", justify="end", width="100%", wrap="wrap"),
            rx.cond(S.history.length() > 0, rx.vstack(
                rx.divider(),
                rx.text("History", weight="medium", size="2"),
                rx.foreach(S.history, lambda h: rx.hstack(
                    rx.text(h["at"], size="1", color=theme.MUTED, white_space="nowrap"),
                    rx.text(h["text"], size="1", word_break="break-word"), spacing="3", align="start")),
                spacing="2", width="100%", data_testid="split-history")),
            spacing="3", width="100%", padding_top="12px"),
        max_width="640px", width="94vw"),
        open=S.editing_id != "", on_open_change=lambda _: S.close_split)


def empty() -> rx.Component:
    return panel(rx.vstack(
        rx.icon("disc-3", size=32, color=theme.MUTED, aria_hidden="true"),
        rx.heading("No releases yet", size="4", as_="h2"),
        rx.text("Splits belong to the tracks of a release. Make a release from your masters, then come back to "
                "share its earnings with the people who made it.", size="2", color=theme.MUTED,
                text_align="center", max_width="460px"),
        align="center", spacing="3", padding="24px 8px"), width="100%")


@app_page(routes.ROYALTY_SPLITS, "Splits", on_load=S.load)
def royalty_splits() -> rx.Component:
    return rx.vstack(
        section_tabs(routes.ROYALTY_SPLITS),
        intro("Share what a track earns: each person gets a percentage, and together they make exactly 100 %. "
              "Accepted shares are paid to the person; the rest stays with you."),
        rx.cond(S.loaded & (S.tracks.length() == 0), empty(),
                rx.vstack(rx.foreach(S.tracks, track_row), spacing="2", width="100%")),
        editor(),
        spacing="4", width="100%", max_width="980px",
    )
