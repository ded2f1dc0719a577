"""The release page's "Check & send" tab: the pre-flight check grouped by what to fix, codes (ISRC/UPC)
and the code prefixes they come from, destinations, submit, the state at each destination (kept fresh
while a delivery job runs) and takedown with confirmation."""

from __future__ import annotations

import reflex as rx

from maxbooster.components import theme
from maxbooster.pages.releases.details import section
from maxbooster.pages.releases.fields import LOCKED, field
from maxbooster.state.releases import DESTINATIONS, DeliveryRow, FindingGroup, FindingRow
from maxbooster.state.releases import ReleaseState as S


def finding(f: FindingRow) -> rx.Component:
    return rx.hstack(
        rx.badge(f.severity, color_scheme=rx.cond(f.blocking, "red", "amber"), variant="soft", size="1",
                 min_width="92px", justify="center", flex_shrink="0"),
        rx.vstack(rx.text(f.message, size="2"), rx.text("How to fix: ", f.fix, size="1", color=theme.MUTED),
                  spacing="1", min_width="0"),
        spacing="3", align="start", width="100%", data_testid="finding")


def group(g: FindingGroup) -> rx.Component:
    return rx.vstack(rx.heading(g.label, size="2", as_="h3", color=theme.MUTED, text_transform="uppercase",
                                letter_spacing="0.06em"),
                     rx.foreach(g.findings, finding), spacing="2", width="100%", data_testid="finding-group")


def check_panel() -> rx.Component:
    return section(
        "Check before sending",
        rx.text("We check what stores check: cover, audio, details, codes, dates and splits. Each problem comes "
                "with how to fix it.", size="2", color=theme.MUTED),
        rx.button(rx.icon("list-checks", size=16), "Check release", on_click=S.run_check, loading=S.checking,
                  disabled=LOCKED, data_testid="check-release"),
        rx.cond(S.checked & ~LOCKED, rx.vstack(
            rx.callout(S.check.summary, icon=rx.cond(S.check.ok, "circle-check", "circle-alert"),  # type: ignore[arg-type]
                       color_scheme=rx.cond(S.check.ok, "green", "red"), width="100%", data_testid="check-summary"),
            rx.foreach(S.check.groups, group), spacing="4", width="100%")),
    )


def code_dialog() -> rx.Component:
    def box(text: str, name: str, hint: str) -> rx.Component:
        return rx.vstack(rx.el.label(text, html_for="code-" + name, class_name="rt-Text rt-r-size-2"),
                         rx.input(id="code-" + name, name=name, default_value=S.code_settings[name].to(str),
                                  key=S.rev.to_string() + name, width="100%"),
                         rx.text(hint, size="1", color=theme.MUTED), spacing="1", width="100%")

    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title("Your code prefixes"),
        rx.dialog.description("ISRCs (one per recording) and UPCs (one per release) are made from your own "
                              "prefixes, so they are yours wherever you distribute.", size="2", color=theme.MUTED),
        rx.form(rx.vstack(
            rx.grid(box("ISRC country", "isrc_country", "2 letters, e.g. US"),
                    box("ISRC registrant code", "isrc_registrant", "3 letters or digits from your ISRC agency"),
                    columns="2", spacing="3", width="100%"),
            box("GS1 company prefix", "gs1_prefix", "6 to 12 digits from GS1 (your barcode numbers)"),
            box("DDEX party id (optional)", "ddex_party_id", "Like PADPIDA2014120301Q; free from DDEX"),
            box("Name for that id (optional)", "ddex_party_name", "Your label or company name"),
            rx.hstack(rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button",
                                                on_click=S.close_codes)),
                      rx.button("Save prefixes", type="submit", data_testid="save-prefixes"),
                      justify="end", spacing="3", width="100%"),
            spacing="3", width="100%"), on_submit=S.save_codes, reset_on_submit=False),
        max_width="520px"), open=S.codes_open, on_open_change=lambda _open: S.close_codes)


def codes_panel() -> rx.Component:
    return section(
        "Codes",
        rx.text("Every track needs an ISRC and the release a UPC. Type in ones you already have, or get new ones.",
                size="2", color=theme.MUTED),
        field("UPC / EAN (barcode number)", "upc", placeholder="Empty: “Get codes” makes one", max_length=20),
        rx.foreach(S.view.tracks, lambda t: rx.hstack(
            rx.text(t.position.to_string() + ". " + t.title, size="2", trim="both"), rx.spacer(),
            rx.code(rx.cond(t.isrc != "", t.isrc, "no ISRC yet"), size="2", data_testid="isrc"),
            width="100%", align="center", spacing="3")),
        rx.hstack(rx.button(rx.icon("barcode", size=16), "Get codes", on_click=S.get_codes, disabled=LOCKED,
                            data_testid="get-codes"),
                  rx.button("Your code prefixes", variant="soft", color_scheme="gray", on_click=S.open_codes),
                  spacing="3", wrap="wrap"),
        code_dialog(),
    )


def delivery_row(d: DeliveryRow) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.text(d.name, size="2", weight="medium"), rx.spacer(),
                  rx.badge(d.label, color_scheme=d.tone, variant="soft", size="2", data_testid="delivery-state"),
                  width="100%", align="center", spacing="3", wrap="wrap"),
        rx.cond(d.busy, rx.progress(value=d.progress, max=100, size="1", aria_label="Sending progress")),
        rx.cond(d.message != "", rx.text(d.message, size="1", color=theme.MUTED)),
        spacing="2", width="100%", padding="10px 12px", border=f"1px solid {theme.BORDER}", border_radius="6px",
        data_testid="delivery")


def destination(key: str, name: str) -> rx.Component:
    return rx.el.label(rx.hstack(
        rx.checkbox(checked=S.view.destinations.contains(key), disabled=LOCKED, aria_label=name,  # type: ignore[attr-defined]
                    on_change=lambda on: S.toggle_destination(key, on)),
        rx.text(name, size="2"), spacing="2", align="center"), cursor="pointer")


def send_panel() -> rx.Component:
    return section(
        "Send to stores",
        rx.vstack(rx.text("Where it goes", size="2", color=theme.MUTED),
                  *[destination(key, name) for key, name in DESTINATIONS], spacing="2"),
        rx.vstack(rx.foreach(S.view.deliveries, delivery_row), spacing="2", width="100%"),
        rx.hstack(
            rx.button(rx.icon("send", size=16), "Submit", on_click=S.submit, loading=S.checking,
                      disabled=LOCKED | ~S.checked | ~S.check.ok, data_testid="submit"),
            rx.cond(S.view.delivered, rx.button(rx.icon("circle-stop", size=16), "Take down", color_scheme="red",
                                                variant="soft", on_click=S.ask_takedown(True),
                                                data_testid="take-down")),
            spacing="3", wrap="wrap"),
        rx.cond(~LOCKED & ~(S.checked & S.check.ok),
                rx.text("Submit unlocks when a check finds nothing that must be fixed.", size="1", color=theme.MUTED)),
        rx.alert_dialog.root(rx.alert_dialog.content(
            rx.alert_dialog.title("Take this release down?"),
            rx.alert_dialog.description("Stores remove it from sale and streaming. Its codes stay yours; you can "
                                        "send it again later."),
            rx.hstack(rx.alert_dialog.cancel(rx.button("Keep it up", variant="soft", color_scheme="gray",
                                                       on_click=S.ask_takedown(False))),
                      rx.alert_dialog.action(rx.button("Take it down", color_scheme="red", on_click=S.takedown,
                                                       data_testid="confirm-take-down")),
                      spacing="3", justify="end", padding_top="12px")),
            open=S.confirm_takedown),
    )


def send_tab() -> rx.Component:
    return rx.grid(rx.vstack(check_panel(), spacing="4", width="100%", min_width="0"),
                   rx.vstack(codes_panel(), send_panel(), spacing="4", width="100%", min_width="0"),
                   columns=rx.breakpoints(initial="1", lg="2"), spacing="4", width="100%")

