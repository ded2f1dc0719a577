"""Only the app's own origin may open the websocket or post to the API."""

from __future__ import annotations

import base64
import os
import socket
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.e2e import RunningApp

pytestmark = pytest.mark.e2e

HANDSHAKE = "/_event/?EIO=4&transport=websocket"


def _engineio_open(url: str, origin: str) -> str:
    """Open the Reflex websocket with `origin` (a raw RFC 6455 handshake, no client threads).

    Returns engine.io's first frame (the OPEN packet, '0{"sid": ...}') or "HTTP <status>" when refused.
    """
    parts = urlsplit(url)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET {HANDSHAKE} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
               f"Origin: {origin}\r\n\r\n")
    with socket.create_connection((parts.hostname, parts.port), timeout=15) as sock:
        sock.sendall(request.encode())
        data = b""
        while b"\r\n\r\n" not in data and (chunk := sock.recv(4096)):
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        status = head.split(b" ", 2)[1].decode() if head else "closed"
        if status != "101":
            return f"HTTP {status}"
        while len(rest) < 2 and (chunk := sock.recv(4096)):
            rest += chunk
        length, offset = rest[1] & 0x7F, 2
        if length == 126:
            length, offset = int.from_bytes(rest[2:4], "big"), 4
        while len(rest) < offset + length and (chunk := sock.recv(4096)):
            rest += chunk
        return rest[offset:offset + length].decode(errors="replace")


def test_foreign_origin_cannot_open_the_socket(running_app: RunningApp) -> None:
    assert _engineio_open(running_app.url, running_app.url).startswith('0{"sid"')  # own origin: OPEN
    refused = _engineio_open(running_app.url, "http://evil.example")
    assert refused.startswith("HTTP 4") and "sid" not in refused


def test_foreign_origin_gets_no_cors_grant(running_app: RunningApp) -> None:
    reply = httpx.options(running_app.url + "/api/health", headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "GET"})
    assert reply.headers.get("access-control-allow-origin") != "http://evil.example"
    assert "access-control-allow-origin" not in reply.headers or reply.headers["access-control-allow-origin"] != "*"


def test_foreign_origin_form_post_refused(running_app: RunningApp) -> None:
    reply = httpx.post(running_app.url + "/api/auth/login", data={"email": running_app.demo_email,
                       "password": running_app.demo_password}, headers={"Origin": "http://evil.example"})
    assert reply.status_code == 403 and "mb_session" not in reply.headers.get("set-cookie", "")
