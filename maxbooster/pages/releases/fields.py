"""Inputs of the release editor that save themselves: each change is sent (debounced while typing,
and at once on leaving the field); `key` re-mounts them when the stored values change on the server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx

from maxbooster.components import theme
from maxbooster.state.releases import ReleaseState as S

DEBOUNCE_MS = 500
LOCKED = S.view.locked != ""


def label(text: str, html_for: str | rx.Var[str]) -> rx.Component:
    return rx.el.label(text, html_for=html_for, class_name="rt-Text rt-r-size-2", color=theme.MUTED)


def saving_props(save: Callable[[Any], Any]) -> dict[str, Any]:
    return {"on_change": lambda v: save(v).debounce(DEBOUNCE_MS), "on_blur": save, "disabled": LOCKED}


def field(text: str, name: str, *, type_: str = "text", placeholder: str = "", hint: str = "",
          max_length: int = 200) -> rx.Component:
    """A release field (`S.view.fields[name]`)."""
    fid = f"rel-{name}"
    return rx.vstack(
        label(text, fid),
        rx.input(id=fid, key=S.rev.to_string() + "-" + name, default_value=S.view.fields[name].to(str), type=type_,
                 placeholder=placeholder, max_length=max_length, size="2", width="100%", data_testid=f"field-{name}",
                 **saving_props(lambda v: S.edit(name, v))),
        *([rx.text(hint, size="1", color=theme.MUTED)] if hint else []),
        spacing="1", width="100%", min_width="0")


def choice(text: str, name: str, options: list[tuple[str, str]]) -> rx.Component:
    """A release field picked from a list (a native select: keyboard and phone friendly)."""
    fid = f"rel-{name}"
    return rx.vstack(
        label(text, fid),
        rx.el.select(*[rx.el.option(words, value=value) for value, words in options], id=fid,
                     key=S.rev.to_string() + "-" + name, default_value=S.view.fields[name].to(str),
                     on_change=lambda v: S.edit(name, v), disabled=LOCKED, class_name="mb-native-select",
                     data_testid=f"field-{name}"),
        spacing="1", width="100%", min_width="0")


def save_indicator() -> rx.Component:
    return rx.box(rx.match(
        S.save_state,
        ("saving", rx.hstack(rx.spinner(size="1"), rx.text("Saving…", size="2", color=theme.MUTED), spacing="2",
                             align="center")),
        ("saved", rx.hstack(rx.icon("cloud-check", size=16, color="var(--green-11)", aria_hidden="true"),
                            rx.text("Saved", size="2", color="var(--green-11)"), spacing="2", align="center")),
        ("error", rx.hstack(rx.icon("circle-alert", size=16, color="var(--red-11)", aria_hidden="true"),
                            rx.text("Not saved: ", S.save_message, size="2", color="var(--red-11)"), spacing="2",
                            align="center")),
        rx.text("Changes save as you type", size="2", color=theme.MUTED),
    ), role="status", aria_live="polite", data_testid="save-state")


def hints(items: rx.Var[list[dict[str, str]]], on_move: Any, testid: str) -> rx.Component:
    """The store-style rule for a title, with the one-click fix."""
    return rx.cond(items.length() > 0, rx.callout.root(  # type: ignore[attr-defined]
        rx.callout.icon(rx.icon("wand-sparkles", size=16)),
        rx.vstack(
            rx.foreach(items, lambda h: rx.vstack(rx.text(h["message"], size="2"),
                                                  rx.text(h["fix"], size="1", color=theme.MUTED), spacing="0")),
            rx.button(rx.icon("arrow-right-left", size=14), "Move it", size="1", on_click=on_move, disabled=LOCKED,
                      data_testid=f"move-it-{testid}"),
            spacing="2", align="start"),
        color_scheme="amber", size="1", width="100%", data_testid=f"style-hint-{testid}"))
