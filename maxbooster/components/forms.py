"""Form pieces for plain HTML form posts to /api/auth/* (the session cookie is set by HTTP).

Every input has a <label for=…> tied to its id, so screen readers and clicks on the label work.
"""

from __future__ import annotations

import reflex as rx
from reflex_components_core.el.elements.base import BaseHTML

from maxbooster import routes
from maxbooster.components import theme


class NativeForm(BaseHTML):
    """A <form> the browser submits itself (Reflex's own form always prevents that)."""

    tag = "form"
    action: rx.Var[str]
    method: rx.Var[str]


def field(label: str, name: str, *, type_: str = "text", placeholder: str = "", required: bool = True,
          autocomplete: str = "on", default_value: str | rx.Var[str] = "", form_id: str = "",
          hint: str = "") -> rx.Component:
    """A labelled input; `form_id` keeps ids unique when two forms on a page share a field name."""
    input_id = f"{form_id or 'f'}-{name}"
    return rx.vstack(
        rx.el.label(label, html_for=input_id, font_size="14px", font_weight="500", color=theme.TEXT),
        rx.input(id=input_id, name=name, type=type_, placeholder=placeholder, required=required, size="3",
                 auto_complete=autocomplete, default_value=default_value, width="100%"),
        *([rx.text(hint, size="1", color=theme.MUTED)] if hint else []),
        spacing="1", width="100%",
    )


def post_form(action: str, *children: rx.Component, **props: object) -> rx.Component:
    """A native POST form; the server answers with a redirect back into the app."""
    return NativeForm.create(rx.vstack(*children, spacing="4", width="100%"), action=action, method="post",
                             style={"width": "100%"}, **props)


def submit(label: str, *, color_scheme: str = "blue", variant: str = "solid") -> rx.Component:
    return rx.button(label, type="submit", size="3", width="100%", color_scheme=color_scheme, variant=variant)


def flash(notice: rx.Var[str], error: rx.Var[str]) -> rx.Component:
    """The message a redirect carried back (?notice= / ?error= codes mapped to plain words)."""
    return rx.fragment(
        rx.cond(error != "", rx.callout(error, icon="triangle-alert", color_scheme="red", width="100%",
                                        role="alert", data_testid="form-error")),
        rx.cond(notice != "", rx.callout(notice, icon="circle-check", color_scheme="green", width="100%",
                                         role="status", data_testid="form-notice")),
    )


def auth_card(title: str, subtitle: str, *children: rx.Component) -> rx.Component:
    """A centred card on the dark background, for the sign-in family of pages."""
    return rx.el.main(rx.center(
        rx.vstack(
            rx.link(rx.hstack(rx.icon("audio-waveform", size=20, color=theme.ACCENT, aria_hidden="true"),
                              rx.text("Max Booster", weight="bold"), align="center", spacing="2"),
                    href=routes.LANDING, underline="none", color=theme.TEXT),
            rx.vstack(
                rx.heading(title, size="6", as_="h1"),
                rx.text(subtitle, size="2", color=theme.MUTED),
                *children,
                background=theme.PANEL, border=f"1px solid {theme.BORDER}", border_radius="10px",
                padding=rx.breakpoints(initial="22px", sm="32px"), width="420px", max_width="92vw", spacing="4",
            ),
            align="center", spacing="5", padding_y="32px",
        ),
        min_height="100vh", width="100%",
    ), id="main")
