"""A local OpenAI-compatible chat-completions server (POST /v1/chat/completions) on 127.0.0.1 for the
caption tests: it answers as a model would, or fails the ways real endpoints fail (HTTP 500, a body
that is not JSON, prose instead of the JSON asked for, captions far too long, no answer in time)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

GOOD = {"variants": [
    {"caption": "Night Drive is out now. Windows down, volume up.", "hashtags": ["#House", "NightDrive", "#bad tag"]},
    {"caption": "Made for 2 am highways: Night Drive.", "hashtags": ["#NewMusic", "#AvaStone"]},
    {"caption": "Night Drive. Out now.", "hashtags": []},
]}


class OpenAIServer:
    """`mode`: ok | fenced | error500 | not_json | prose | too_long | slow. `requests` holds what came in."""

    def __init__(self, mode: str = "ok", *, slow_s: float = 3.0) -> None:
        self.mode, self.slow_s = mode, slow_s
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                server.requests.append({"path": self.path, "auth": self.headers.get("authorization"), "body": body})
                if self.path != "/v1/chat/completions":
                    return self._send(404, {"error": {"message": "not found"}})
                return server.answer(self, body)

            def _send(self, status: int, data: Any, *, raw: bytes | None = None) -> None:
                payload = raw if raw is not None else json.dumps(data).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(payload)

        self.handler = Handler
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def answer(self, handler: Any, body: dict[str, Any]) -> None:
        if self.mode == "error500":
            return handler._send(500, {"error": {"message": "model crashed", "type": "server_error"}})
        if self.mode == "not_json":
            return handler._send(200, None, raw=b"<html>502 Bad Gateway</html>")
        if self.mode == "slow":
            time.sleep(self.slow_s)
        content = {
            "ok": json.dumps(GOOD), "slow": json.dumps(GOOD),
            "fenced": "Sure! Here you go:\n```json\n" + json.dumps(GOOD) + "\n```",
            "prose": "Here are some great captions: Night Drive is out now!",
            "too_long": json.dumps({"variants": [{"caption": "la " * 900, "hashtags": ["#x"]}] * 3}),
        }[self.mode]
        return handler._send(200, {
            "id": "chatcmpl-1", "object": "chat.completion", "created": int(time.time()), "model": body.get("model"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        })

    def __enter__(self) -> OpenAIServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
