"""Audio uploader: a drop zone (also a button that opens the file picker) and one row per file.

Each file goes to `upload_url` as multipart/form-data (one field, `file`) from the browser with
XMLHttpRequest: the session cookie travels, bytes never pass through Reflex state. At most three
uploads run at once; every row shows progress, then "Processing…" and the server's outcome.
"""

from __future__ import annotations

import reflex as rx

from maxbooster.components import theme
from maxbooster.settings import get_settings

_JSX = rx.asset("uploader.jsx", shared=True)

AUDIO_ACCEPT = "audio/*,.wav,.wave,.flac,.aif,.aiff,.mp3,.m4a,.aac,.ogg,.oga,.opus"


class Uploader(rx.NoSSRComponent):
    """`uploader.jsx`; rendered in the browser only (File, XMLHttpRequest)."""

    library = _JSX.importable_path
    tag = "Uploader"

    upload_url: rx.Var[str]
    accept: rx.Var[str]
    max_bytes: rx.Var[int]
    max_parallel: rx.Var[int]
    colors: rx.Var[dict[str, str]]
    title: rx.Var[str]
    hint: rx.Var[str]
    multiple: rx.Var[bool]
    method: rx.Var[str]
    added_text: rx.Var[str]
    reject_text: rx.Var[str]

    on_uploaded: rx.EventHandler[rx.event.passthrough_event_spec(str)]
    on_failed: rx.EventHandler[rx.event.passthrough_event_spec(str)]


def uploader(upload_url: str | rx.Var[str], accept: str = AUDIO_ACCEPT, max_bytes: int | None = None,
             on_uploaded: object = None, on_failed: object = None, data_testid: str | None = None,
             max_parallel: int = 3, title: str | None = None, hint: str | None = None, multiple: bool = True,
             method: str = "POST", added_text: str | None = None, reject_text: str | None = None,
             **props: object) -> rx.Component:
    """Upload widget posting to `upload_url` (same origin). `max_bytes` defaults to UPLOAD_MAX_BYTES.

    Events (each a JSON string, parse it in the handler):
    `on_uploaded` — the server's reply: `{"track": {...}, "duplicate": bool}` from the library, or an
    object with an `id` (e.g. the project a DAWproject import made) or a `release` (new cover art, sent
    with `method="PUT"`);
    `on_failed` — `{"name", "code", "message"}`: the server's `error` object; or, decided in the
    browser, `body_too_large` (over `max_bytes`, never sent), `invalid_input` (a dropped file that
    does not match `accept`), `network_error` (connection lost), `http_<status>` (a reply without
    an error object). A cancelled upload fires nothing. `added_text` is the row's word for a
    finished upload ("added" by default).
    """
    kwargs: dict[str, object] = {
        "upload_url": upload_url, "accept": accept, "max_parallel": max_parallel, "colors": theme.PALETTE,
        "multiple": multiple, **({"title": title} if title else {}), **({"hint": hint} if hint else {}),
        "method": method, **({"added_text": added_text} if added_text else {}),
        **({"reject_text": reject_text} if reject_text else {}),
        "max_bytes": get_settings().upload_max_bytes if max_bytes is None else max_bytes,
    }
    if on_uploaded is not None:
        kwargs["on_uploaded"] = on_uploaded
    if on_failed is not None:
        kwargs["on_failed"] = on_failed
    if data_testid:
        kwargs["data_testid"] = data_testid
    # Reserve the drop zone's height while the module loads, so the page does not jump.
    return rx.box(Uploader.create(**kwargs), min_height="150px", width="100%", **props)


__all__ = ["AUDIO_ACCEPT", "Uploader", "uploader"]
