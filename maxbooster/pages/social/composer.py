"""The composer: pick accounts, one shared text with an optional text per network, a release's smart link
tagged per network, live checks per account as you type ("243 / 500", what to fix and the text as it goes
out), media from the library (or an audiogram made here), and schedule / post now / draft / queue."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.layout import app_page, link_button, panel
from maxbooster.pages.social.composer_media import link_picker, media_panel
from maxbooster.pages.social.nav import social_tabs
from maxbooster.state.social import AccountRow, CheckRow
from maxbooster.state.social import ComposerState as S
from maxbooster.state.social.assist import ComposerAssistState as A

DEBOUNCE_MS = 300


def account_chip(row: AccountRow) -> rx.Component:
    on = S.selected.contains(row.id)  # type: ignore[attr-defined]
    return rx.button(rx.icon(row.icon, size=14, aria_hidden="true"), row.handle, size="2",
                     variant=rx.cond(on, "solid", "surface"), color_scheme=rx.cond(on, "blue", "gray"),
                     on_click=S.toggle_account(row.id), aria_pressed=rx.cond(on, "true", "false"),
                     data_testid="pick-account")


def check_row(row: CheckRow) -> rx.Component:
    return rx.box(
        rx.hstack(rx.icon(row.icon, size=14, aria_hidden="true"), rx.text(row.handle, size="2", weight="medium"),
                  rx.spacer(),
                  rx.text(row.count, size="2", weight="bold", color=rx.cond(row.over, "#ff6b6b", theme.TEXT),
                          data_testid="char-count"),
                  rx.cond(row.ok, rx.icon("circle-check", size=16, color="#3fb950", aria_label="ready"),
                          rx.icon("circle-alert", size=16, color="#ff6b6b", aria_label="needs a change")),
                  width="100%", align="center", spacing="2"),
        rx.foreach(row.problems, lambda p: rx.text(p, size="1", color="#ff9b9b", data_testid="check-problem")),
        rx.cond(row.preview != "", rx.box(
            rx.text(row.preview, size="1", color=theme.MUTED, white_space="pre-wrap", overflow_wrap="anywhere"),
            margin_top="6px", padding="6px 8px", background=theme.PANEL_RAISED, border_radius="4px",
            max_height="140px", overflow_y="auto", data_testid="check-preview")),
        padding="8px 10px", border=f"1px solid {theme.BORDER}", border_radius="6px", width="100%",
        data_testid="check-row")


def override_box(network: rx.Var[str]) -> rx.Component:
    return rx.vstack(
        rx.text("Own text for ", network.capitalize(), " (leave empty to use the shared text)",  # type: ignore[attr-defined]
                size="1", color=theme.MUTED),
        rx.text_area(default_value=S.overrides.get(network, ""),  # type: ignore[attr-defined]
                     on_change=lambda v: S.set_override(network, v).debounce(DEBOUNCE_MS),
                     aria_label="Own text for " + network, rows="3", width="100%"),
        spacing="1", width="100%")


def idea_card(idea: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.box(
        rx.text(idea["text"], size="2", white_space="pre-wrap", overflow_wrap="anywhere"),
        rx.hstack(rx.text(idea["length"], size="1", color=theme.MUTED), rx.spacer(),
                  rx.button(rx.icon("corner-down-left", size=13), "Use this", size="1", variant="soft",
                            on_click=A.use_caption(idea["text"]), data_testid="use-caption"),
                  width="100%", align="center", padding_top="8px"),
        background=theme.PANEL_RAISED, border=f"1px solid {theme.BORDER}", border_radius="8px", padding="12px",
        width="100%", data_testid="caption-idea")


def ai_panel() -> rx.Component:
    return panel(rx.vstack(
        rx.hstack(rx.icon("sparkles", size=16, color=theme.ACCENT, aria_hidden="true"),
                  rx.heading("Write with AI", size="3", as_="h2", weight="medium"), spacing="2", align="center"),
        rx.cond(A.subjects.length() > 0,  # type: ignore[attr-defined]
                rx.flex(
                    rx.el.select(rx.foreach(A.subjects, lambda x: rx.el.option(x["label"], value=x["value"])),
                                 value=A.subject, on_change=A.set_subject, aria_label="What to write about",
                                 class_name="mb-native-select", data_testid="caption-subject"),
                    rx.button(rx.icon("sparkles", size=14), "Suggest 3 captions", on_click=A.write,
                              loading=A.writing, disabled=~S.is_hydrated, data_testid="write-captions"),
                    gap="8px", wrap="wrap", align="center", width="100%"),
                rx.text("Add a release or a track to your library to get caption ideas about it.", size="2",
                        color=theme.MUTED)),
        rx.cond(A.writer != "", rx.hstack(
            rx.badge(A.writer, color_scheme=rx.cond(A.by_model, "violet", "gray"), variant="soft",
                     data_testid="caption-writer"),
            rx.text("Pick one, then make it yours before posting.", size="1", color=theme.MUTED),
            spacing="2", align="center", wrap="wrap")),
        rx.cond(A.ai_notice != "", rx.callout(A.ai_notice, icon="info", color_scheme="amber", size="1", width="100%",
                                              data_testid="caption-notice")),
        rx.grid(rx.foreach(A.ideas, idea_card), columns=rx.breakpoints(initial="1", md="3"), gap="8px", width="100%"),
        spacing="3", width="100%"), width="100%", on_mount=A.load_assist)


def best_chip(chip: rx.Var[dict[str, str]]) -> rx.Component:
    on = (S.day == chip["day"]) & (S.at == chip["at"])
    return rx.button(rx.icon("clock", size=12, aria_hidden="true"), chip["label"], size="1",
                     variant=rx.cond(on, "solid", "surface"), color_scheme=rx.cond(on, "blue", "gray"),
                     title=chip["account"] + ": " + chip["hint"], on_click=A.pick_time(chip["day"], chip["at"]),
                     data_testid="best-time")


def best_times() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.text("Best times", size="2", weight="medium"), rx.spacer(),
                  rx.button(rx.icon("refresh-cw", size=12), "Suggest", size="1", variant="ghost",
                            on_click=A.refresh_best, data_testid="suggest-times"), width="100%", align="center"),
        rx.flex(rx.foreach(A.best, best_chip), gap="6px", wrap="wrap"),
        rx.foreach(A.best_notes, lambda n: rx.text(n, size="1", color=theme.MUTED, data_testid="best-note")),
        spacing="2", width="100%")


def schedule_panel() -> rx.Component:
    return panel(rx.vstack(
        rx.heading("When", size="3", as_="h2", weight="medium"),
        rx.flex(
            rx.vstack(rx.el.label("Date", html_for="post-day", class_name="rt-Text rt-r-size-1"),
                      rx.input(id="post-day", type="date", value=S.day, on_change=S.set_day, width="100%"),
                      spacing="1", flex="1"),
            rx.vstack(rx.el.label("Time", html_for="post-at", class_name="rt-Text rt-r-size-1"),
                      rx.input(id="post-at", type="time", value=S.at, on_change=S.set_at, width="100%"),
                      spacing="1", flex="1"),
            spacing="3", width="100%"),
        rx.text("Your time zone: ", S.tz, size="1", color=theme.MUTED),
        best_times(),
        rx.hstack(rx.checkbox(checked=S.needs_approval, on_change=S.set_needs_approval, id="needs-approval"),
                  rx.el.label("Needs approval before it goes out", html_for="needs-approval",
                              class_name="rt-Text rt-r-size-2"), spacing="2", align="center"),
        rx.grid(
            rx.button(rx.icon("calendar-clock", size=15), "Schedule", on_click=S.send("schedule"),
                      disabled=~S.can_send, loading=S.busy, data_testid="schedule"),
            rx.button(rx.icon("send", size=15), "Post now", on_click=S.send("now"), disabled=~S.can_send,
                      color_scheme="green", data_testid="post-now"),
            rx.button(rx.icon("list-plus", size=15), "Add to queue", on_click=S.send("queue"), disabled=~S.can_send,
                      variant="soft", data_testid="add-to-queue"),
            rx.button(rx.icon("file-pen", size=15), "Save draft", on_click=S.send("draft"),
                      disabled=S.selected.length() == 0, variant="soft", color_scheme="gray",  # type: ignore[attr-defined]
                      data_testid="save-draft"),
            columns="2", spacing="2", width="100%"),
        spacing="3", width="100%"), width="100%")


@app_page(routes.SOCIAL_NEW, "New post", on_load=S.load)
def social_composer_page() -> rx.Component:
    return rx.vstack(
        social_tabs(routes.SOCIAL_NEW),
        rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red", width="100%",
                                          role="alert", data_testid="composer-error")),
        rx.cond(S.loaded & (S.choices.length() == 0), rx.callout(  # type: ignore[attr-defined]
            rx.hstack(rx.text("Connect an account first (the sandbox works without posting for real)."),
                      link_button("Connect", routes.SOCIAL_ACCOUNTS, size="1"), spacing="3", align="center"),
            icon="info", width="100%")),
        rx.flex(
            rx.vstack(
                panel(rx.vstack(
                    rx.heading("Post to", size="3", as_="h2", weight="medium"),
                    rx.hstack(rx.foreach(S.choices, account_chip), wrap="wrap", spacing="2"),
                    rx.el.label("Text", html_for="post-text", class_name="rt-Text rt-r-size-2"),
                    rx.text_area(id="post-text", key=A.text_key, default_value=S.text,
                                 on_change=S.set_text.debounce(DEBOUNCE_MS),
                                 placeholder="What's new? Links count as 23 characters on Mastodon.", rows="6",
                                 width="100%", data_testid="post-text"),
                    rx.foreach(S.networks, override_box),
                    link_picker(),
                    spacing="3", width="100%"), width="100%"),
                ai_panel(),
                media_panel(),
                spacing="4", flex="3", min_width="0", width="100%"),
            rx.vstack(
                panel(rx.vstack(
                    rx.heading("Checks", size="3", as_="h2", weight="medium"),
                    rx.cond(S.checks.length() == 0,  # type: ignore[attr-defined]
                            rx.text("Pick an account to see its limit.", size="2", color=theme.MUTED)),
                    rx.foreach(S.checks, check_row),
                    spacing="2", width="100%"), width="100%"),
                schedule_panel(),
                spacing="4", flex="2", min_width="0", width="100%"),
            direction=rx.breakpoints(initial="column", lg="row"), spacing="4", width="100%"),
        spacing="4", width="100%", max_width="1200px",
    )
