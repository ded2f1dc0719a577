"""Only the app's own origin may open the websocket or post to the API."""

from __future__ import annotations

import httpx
import pytest
import simple_websocket

from tests.e2e.conftest import RunningApp

HANDSHAKE = "/_event/?EIO=4&transport=websocket"


def _engineio_open(url: str, origin: str) -> str:
    """Open the Reflex socket with `origin`; return engine.io's first frame (the OPEN packet)."""
    ws = simple_websocket.Client.connect(url.replace("http://", "ws://") + HANDSHAKE, headers={"Origin": origin})
    try:
        for _ in range(4):  # the OPEN packet comes first; allow a busy server some time
            frame = ws.receive(timeout=5)
            if frame is not None:
                return str(frame)
        return ""
    finally:
        ws.close()


def test_foreign_origin_cannot_open_the_socket(running_app: RunningApp) -> None:
    assert '"sid"' in _engineio_open(running_app.url, running_app.url)  # own origin: OPEN packet
    with pytest.raises((simple_websocket.ConnectionError, simple_websocket.ConnectionClosed)):
        frame = _engineio_open(running_app.url, "http://evil.example")
        assert '"sid"' not in frame
        raise simple_websocket.ConnectionClosed()


def test_foreign_origin_gets_no_cors_grant(running_app: RunningApp) -> None:
    reply = httpx.options(running_app.url + "/api/health", headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "GET"})
    assert reply.headers.get("access-control-allow-origin") != "http://evil.example"
    assert "access-control-allow-origin" not in reply.headers or reply.headers["access-control-allow-origin"] != "*"


def test_foreign_origin_form_post_refused(running_app: RunningApp) -> None:
    reply = httpx.post(running_app.url + "/api/auth/login", data={"email": running_app.demo_email,
                       "password": running_app.demo_password}, headers={"Origin": "http://evil.example"})
    assert reply.status_code == 403 and "mb_session" not in reply.headers.get("set-cookie", "")
