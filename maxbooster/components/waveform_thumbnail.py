"""A small waveform for lists (library, releases): one coarse `.dat` file drawn on a canvas.

Bulk data travels by URL, never through state: the browser fetches `peaks_url` itself (same-origin
cookies), parses the .dat v2 file and draws min/max columns across its container's width.
"""

from __future__ import annotations

import reflex as rx

from maxbooster.components import theme
from maxbooster.components.peaks_dat import PEAKS_DAT_JS

_JSX = rx.asset("waveform_thumbnail.jsx", shared=True)


class WaveformThumbnail(rx.NoSSRComponent):
    """`waveform_thumbnail.jsx`; rendered in the browser only (canvas, fetch)."""

    library = _JSX.importable_path
    tag = "WaveformThumbnail"

    peaks_url: rx.Var[str]
    height: rx.Var[int]
    color: rx.Var[str]
    label: rx.Var[str]


def waveform_thumbnail(peaks_url: str | rx.Var[str], height: int = 48, color: str | rx.Var[str] = theme.MUTED,
                       label: str | rx.Var[str] = "Waveform", data_testid: str | None = None,
                       **props: object) -> rx.Component:
    """Waveform of one `.dat` (use a coarse level, e.g. 4096 samples per pixel), full width × `height` px.

    Loading shows a faint centre line; a failed fetch a flat line whose `title` says why. An empty
    `label` makes the canvas decorative (aria-hidden) when a title next to it already names the track.
    """
    extra = {"data_testid": data_testid} if data_testid else {}
    thumb = WaveformThumbnail.create(peaks_url=peaks_url, height=height, color=color, label=label, **extra)
    # The component appears after its module loads; the box keeps its height so lists don't jump.
    return rx.box(thumb, height=f"{height}px", width="100%", min_width="0", **props)


__all__ = ["PEAKS_DAT_JS", "WaveformThumbnail", "waveform_thumbnail"]
