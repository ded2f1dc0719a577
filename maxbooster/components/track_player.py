"""The track page's player: zoomable canvas waveform from the `.dat` pyramid, play/pause through Web
Audio (gain above or below unity) and an A/B switch between two versions at the same position.

Bulk data travels by URL (peaks levels, audio with Range requests); the browser keeps the playhead,
zoom and scroll to itself and reports only `on_position` (pause, seek, end), `on_ab` and
`on_match_loudness`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import reflex as rx

from maxbooster.components import theme
from maxbooster.components.peaks_dat import PEAKS_DAT_JS

_JSX = rx.asset("track_player.jsx", shared=True)
_CHROME_PX = 67  # toolbar, scrollbar strip and borders around the waveform canvas


class TrackPlayer(rx.NoSSRComponent):
    """`track_player.jsx`; rendered in the browser only (Web Audio, canvas)."""

    library = _JSX.importable_path
    tag = "TrackPlayer"

    peaks_urls: rx.Var[str]  # JSON object {"<samples per pixel>": url, ...}
    audio_url: rx.Var[str]
    audio_url_b: rx.Var[str]
    duration_s: rx.Var[float]
    gain_db_a: rx.Var[float]
    gain_db_b: rx.Var[float]
    match_loudness: rx.Var[bool]
    height: rx.Var[int]
    label: rx.Var[str]
    label_a: rx.Var[str]
    label_b: rx.Var[str]
    colors: rx.Var[dict[str, str]]

    on_position: rx.EventHandler[rx.event.passthrough_event_spec(float)]
    on_ab: rx.EventHandler[rx.event.passthrough_event_spec(str)]
    on_match_loudness: rx.EventHandler[rx.event.passthrough_event_spec(bool)]


def _peaks_json(peaks_urls: str | Mapping[int | str, str] | rx.Var) -> str | rx.Var:
    if isinstance(peaks_urls, Mapping):
        return json.dumps({str(int(spp)): url for spp, url in peaks_urls.items()}, sort_keys=True)
    if isinstance(peaks_urls, rx.Var) and not issubclass(peaks_urls._var_type, str):  # a dict state var
        return peaks_urls.to_string()
    return peaks_urls


def _number(value: float | rx.Var) -> float | rx.Var:
    return value if isinstance(value, rx.Var) else float(value)


def track_player(peaks_urls: str | Mapping[int | str, str] | rx.Var, audio_url: str | rx.Var[str],
                 duration_s: float | rx.Var[float], audio_url_b: str | rx.Var[str] | None = None,
                 gain_db_a: float | rx.Var[float] = 0.0, gain_db_b: float | rx.Var[float] = 0.0,
                 match_loudness: bool | rx.Var[bool] = True, height: int = 160,
                 on_position: object = None, on_ab: object = None, on_match_loudness: object = None,
                 data_testid: str | None = None, label: str | rx.Var[str] = "Track",
                 label_a: str = "Original", label_b: str = "Master", **props: object) -> rx.Component:
    """Player for one track, or an A/B comparison when `audio_url_b` is given.

    `peaks_urls` maps samples-per-pixel to a `.dat` URL (`{64: url, 256: url, ...}`, or that as JSON);
    the player fetches the level each zoom needs, lazily. With `match_loudness`, version A plays at
    `gain_db_a` and B at `gain_db_b` (offsets that make both equally loud); the listener can switch
    to real levels. Events: `on_position(seconds: float)` on pause/seek/end, `on_ab("a" | "b")`,
    `on_match_loudness(on: bool)`. Keys: Space play/pause, A/B, +/−/0 zoom, arrows seek.
    """
    kwargs: dict[str, object] = {
        "peaks_urls": _peaks_json(peaks_urls), "audio_url": audio_url, "duration_s": _number(duration_s),
        "gain_db_a": _number(gain_db_a), "gain_db_b": _number(gain_db_b), "match_loudness": match_loudness,
        "height": height, "label": label, "label_a": label_a, "label_b": label_b, "colors": theme.PALETTE,
    }
    if audio_url_b is not None:
        kwargs["audio_url_b"] = audio_url_b
    events = {"on_position": on_position, "on_ab": on_ab, "on_match_loudness": on_match_loudness}
    kwargs.update({name: handler for name, handler in events.items() if handler is not None})
    if data_testid:
        kwargs["data_testid"] = data_testid
    # The player appears once its module has loaded; reserving its height keeps the page from jumping.
    return rx.box(TrackPlayer.create(**kwargs), min_height=f"{height + _CHROME_PX}px", width="100%", **props)


__all__ = ["PEAKS_DAT_JS", "TrackPlayer", "track_player"]
