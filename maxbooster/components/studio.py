"""The Studio editor: `studio.jsx` (arrange view on canvas, transport, mixer, library panel, undo)
with its plain modules: `studio_doc.js` (the edit ops, undo stack and queue of unsent edits),
`studio_engine.js` (the Web Audio port of the server's mixdown) and `studio_record.js` (microphone
capture, latency calibration, take placement).

The page hands it one JSON string when the project opens (`boot`) and the answer to each edit
(`ack`); it sends one `on_commit` per committed gesture (pointer-up, knob release) and nothing for
playback, meters, zoom or scrolling.
"""

from __future__ import annotations

import reflex as rx

from maxbooster.components import theme
from maxbooster.components.peaks_dat import PEAKS_DAT_JS
from maxbooster.settings import get_settings

_JSX = rx.asset("studio.jsx", shared=True)
STUDIO_DOC_JS = rx.asset("studio_doc.js", shared=True)
STUDIO_ENGINE_JS = rx.asset("studio_engine.js", shared=True)
STUDIO_RECORD_JS = rx.asset("studio_record.js", shared=True)


class Studio(rx.NoSSRComponent):
    """`studio.jsx`; rendered in the browser only (Web Audio, canvas)."""

    library = _JSX.importable_path
    tag = "Studio"

    boot: rx.Var[str]
    ready: rx.Var[bool]  # the page's load has run: `boot` is fresh, not the snapshot from an earlier visit
    ack: rx.Var[str]
    suggestion: rx.Var[str]
    upload_url: rx.Var[str]
    upload_max_bytes: rx.Var[int]
    colors: rx.Var[dict[str, str]]

    on_commit: rx.EventHandler[rx.event.passthrough_event_spec(str)]
    on_bounce: rx.EventHandler[rx.event.passthrough_event_spec(str)]
    on_media: rx.EventHandler[rx.event.passthrough_event_spec(str)]
    on_assistant: rx.EventHandler[rx.event.passthrough_event_spec(str)]


def studio(boot: rx.Var[str], ready: rx.Var[bool], ack: rx.Var[str], suggestion: rx.Var[str], upload_url: str,
           on_commit: object, on_bounce: object, on_media: object, on_assistant: object,
           **props: object) -> rx.Component:
    """The editor for the project in `boot` (see maxbooster.services.studio.editor.open_project).

    `ready` is false while the state is the snapshot a reconnecting tab gets back (its `boot` may be
    from an earlier visit); the editing session starts only on a fresh `boot`."""
    return rx.box(Studio.create(boot=boot, ready=ready, ack=ack, suggestion=suggestion, upload_url=upload_url,
                                upload_max_bytes=get_settings().upload_max_bytes,
                                colors=theme.PALETTE, on_commit=on_commit, on_bounce=on_bounce,
                                on_media=on_media, on_assistant=on_assistant, data_testid="studio"),
                  min_height="560px", width="100%", **props)


__all__ = ["PEAKS_DAT_JS", "STUDIO_DOC_JS", "STUDIO_ENGINE_JS", "STUDIO_RECORD_JS", "Studio", "studio"]
