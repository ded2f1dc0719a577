"""Demo page for the wrapped components, with a media route (Range requests) and a slow multipart
upload endpoint. Media come from the directory in COMPONENT_DEMO_MEDIA (written by the test)."""

from __future__ import annotations

import asyncio
import json
import os
import re
from pathlib import Path

import reflex as rx
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse

from maxbooster.api import middleware
from maxbooster.api.middleware import SecurityMiddleware
from maxbooster.components import theme
from maxbooster.components.track_player import track_player
from maxbooster.components.uploader import uploader
from maxbooster.components.waveform_thumbnail import waveform_thumbnail

MEDIA = Path(os.environ.get("COMPONENT_DEMO_MEDIA", "/tmp/component-demo-media"))
MEDIA_URL = "/api/demo/media"
UPLOAD_URL = "/api/demo/upload"
LEVELS = (64, 256, 1024, 4096, 16384)
THUMBS = 50
UPLOAD_LIMIT = 40 * 1024 * 1024
middleware.UPLOAD_PATHS = (UPLOAD_URL,)  # the real app lists its upload routes here

api = FastAPI()


@api.get(MEDIA_URL + "/{name}")
def media(name: str) -> object:
    path = MEDIA / Path(name).name
    if not path.is_file():
        return JSONResponse({"error": {"code": "not_found", "message": "No such file."}}, status_code=404)
    return FileResponse(path)  # Starlette answers Range requests


@api.post(UPLOAD_URL)
async def upload(request: Request) -> JSONResponse:
    """Reads slowly (so progress is visible), then answers like the real upload route would."""
    head, size = b"", 0
    async for chunk in request.stream():
        if len(head) < 4096:
            head += chunk[:4096]
        size += len(chunk)
        await asyncio.sleep(0.02)
    match = re.search(rb'name="file"; filename="([^"]*)"', head)
    if match is None or request.headers.get("accept") != "application/json":
        return JSONResponse({"error": {"code": "malformed_request", "message": "Send one file field."}}, 400)
    name = match.group(1).decode()
    await asyncio.sleep(0.6)  # "Processing…"
    if "reject" in name:
        return JSONResponse({"error": {"code": "invalid_input", "message": "This file is not audio we can read."}},
                            status_code=422)
    return JSONResponse({"track": {"id": f"t-{size}", "title": name, "bytes": size}, "duplicate": "dup" in name})


class DemoState(rx.State):
    positions: list[float] = []
    ab: list[str] = []
    matched: list[bool] = []
    uploaded: list[str] = []
    failed: list[str] = []
    renewals: int = 0  # like a page refresh re-issuing signed URLs for the same files

    @rx.var
    def url_a(self) -> str:
        return f"{MEDIA_URL}/song.wav?renewal={self.renewals}"

    @rx.var
    def url_b(self) -> str:
        return f"{MEDIA_URL}/master.wav?renewal={self.renewals}"

    @rx.event
    def renew(self) -> None:
        self.renewals += 1

    @rx.event
    def on_position(self, seconds: float) -> None:
        self.positions.append(seconds)

    @rx.event
    def on_ab(self, which: str) -> None:
        self.ab.append(which)

    @rx.event
    def on_match(self, on: bool) -> None:
        self.matched.append(on)

    @rx.event
    def on_uploaded(self, reply: str) -> None:
        self.uploaded.append(reply)

    @rx.event
    def on_failed(self, error: str) -> None:
        self.failed.append(error)


def _peaks(stem: str) -> dict[int, str]:
    return {spp: f"{MEDIA_URL}/{stem}.{spp}.dat" for spp in LEVELS}


def thumbnails() -> rx.Component:
    cells = []
    for i in range(THUMBS):
        stem = ("song", "master", "quiet")[i % 3]
        url = f"{MEDIA_URL}/{stem}.4096.dat?n={i}" if i != THUMBS - 1 else f"{MEDIA_URL}/missing.4096.dat"
        cells.append(rx.box(
            rx.text(f"Track {i + 1}", size="1", color=theme.MUTED),
            waveform_thumbnail(url, height=40, label=f"Waveform of track {i + 1}", data_testid=f"thumb-{i}"),
            padding="6px 8px", border=f"1px solid {theme.BORDER}", border_radius="6px", background=theme.PANEL,
            min_width="0",
        ))
    return rx.grid(*cells, columns=rx.breakpoints(initial="2", md="5"), spacing="2", width="100%")


def events() -> rx.Component:
    log = {"positions": DemoState.positions, "ab": DemoState.ab, "matched": DemoState.matched,
           "uploaded": DemoState.uploaded, "failed": DemoState.failed}
    return rx.el.pre(rx.Var.create(log).to_string(), data_testid="events", font_size="11px",
                     white_space="pre-wrap", color=theme.MUTED, word_break="break-all")


def index() -> rx.Component:
    return rx.el.main(
        rx.vstack(
            rx.heading("Component demo", as_="h1", size="5"),
            rx.heading("Player", as_="h2", size="3"),
            track_player(json.dumps(_peaks("song")), DemoState.url_a, 60.0,
                         audio_url_b=DemoState.url_b, gain_db_a=0.0, gain_db_b=-6.0,
                         on_position=DemoState.on_position, on_ab=DemoState.on_ab,
                         on_match_loudness=DemoState.on_match, data_testid="player", label="Demo song"),
            rx.button("Renew addresses", on_click=DemoState.renew, variant="soft", size="1",
                      data_testid="renew"),
            rx.heading("Upload", as_="h2", size="3"),
            uploader(UPLOAD_URL, max_bytes=UPLOAD_LIMIT, on_uploaded=DemoState.on_uploaded,
                     on_failed=DemoState.on_failed, data_testid="uploader"),
            rx.heading("Library", as_="h2", size="3"),
            thumbnails(),
            events(),
            spacing="4", width="100%", max_width="1200px", margin="0 auto",
        ),
        padding=rx.breakpoints(initial="12px", md="24px"), background=theme.BG, min_height="100vh",
    )


app = rx.App(style=theme.STYLE, api_transformer=[api, SecurityMiddleware])
app.add_page(index, route="/", title="Component demo")
