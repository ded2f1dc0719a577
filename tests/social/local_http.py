"""Plumbing shared by the local network servers (Mastodon, X, YouTube, Graph): a threaded HTTP server on 127.0.0.1
with request recording, form/JSON/multipart parsing, JSON answers, redirects, PKCE S256 checks,
"accept then cut the connection" and "answer too late" (a timeout as the client sees it)."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class LocalServer:
    """Start with `start()` or as a context manager; `url` is the base URL; `requests` what it was sent."""

    handler: type[BaseHandler]

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> LocalServer:
        owner = self

        class Handler(self.handler):  # type: ignore[name-defined,misc]
            server_state = owner

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def sent(self, method: str, path: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["method"] == method and r["path"] == path]


class BaseHandler(BaseHTTPRequestHandler):
    server_state: Any
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def form(self, raw: bytes) -> dict[str, Any]:
        kind = self.headers.get("Content-Type", "")
        if kind.startswith("application/json"):
            data = json.loads(raw or b"{}")
            return data if isinstance(data, dict) else {}
        if kind.startswith("multipart/form-data"):
            message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {kind}\r\n\r\n".encode() + raw)
            out: dict[str, Any] = {}
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True) or b""
                if part.get_filename():
                    out[str(name)] = {"filename": part.get_filename(), "type": part.get_content_type(), "data": payload}
                else:
                    out[str(name)] = payload.decode()
            return out
        return {k: v[0] if len(v) == 1 else v for k, v in parse_qs(raw.decode()).items()}

    def record(self, method: str, raw: bytes) -> tuple[str, dict[str, str]]:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        with self.server_state.lock:
            self.server_state.requests.append({"method": method, "path": parts.path, "query": query,
                                               "headers": dict(self.headers), "body": raw, "at": time.time()})
        return parts.path, query

    def send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client is gone (it timed out or was killed)
            self.close_connection = True

    def redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def cut(self) -> None:
        """Close the connection without answering: the client cannot tell whether we acted."""
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def basic_auth(self) -> tuple[str, str] | None:
        scheme, _, value = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(value).decode().partition(":")
        except ValueError:
            return None
        from urllib.parse import unquote_plus

        return unquote_plus(user), unquote_plus(password)
