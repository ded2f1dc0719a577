"""HTML5 drag and drop without a JS library: a draggable element carries a text id; a drop target
reports that id to a state event (one event per drop)."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.el.elements.typography import Div


def _dropped_text(event: rx.Var) -> tuple[rx.Var[str]]:
    return (rx.Var(f"{event}.dataTransfer.getData('text/plain')").to(str),)


class DropZone(Div):
    """A <div> whose `on_drop` receives the dropped element's text."""

    on_drop: rx.EventHandler[_dropped_text]

    def _render(self):  # type: ignore[no-untyped-def]
        tag = super()._render()
        # the browser only allows a drop where dragover was cancelled; the drop itself is ours
        return tag.add_props(onDragOver=rx.Var("((e) => { e.preventDefault(); })"))


def drop_zone(*children: rx.Component, on_drop: rx.EventHandler | object, **props: object) -> rx.Component:
    return DropZone.create(*children, on_drop=on_drop, **props)


def draggable(*children: rx.Component, payload: rx.Var[str] | str, **props: object) -> rx.Component:
    """An element that can be dragged onto a DropZone, carrying `payload`."""
    value = rx.Var.create(payload)
    return rx.el.div(*children, draggable=True,
                     custom_attrs={"onDragStart": rx.Var(f"((e) => {{ e.dataTransfer.setData('text/plain', {value}); "
                                                         "e.dataTransfer.effectAllowed = 'move'; })")},
                     **props)
