"""One ASGI middleware in front of everything the backend serves (pages, /api, media):
security headers on every response and a size cap on every request body.

Headers: a Content-Security-Policy (our own origin for scripts — inline ones only by hash —,
styles and the websocket;
`frame-ancestors 'none'`, `object-src 'none'`, `base-uri 'self'`), `nosniff`, `X-Frame-Options:
DENY`, `Referrer-Policy` (`no-referrer` on pages whose URL carries a token), HSTS when APP_URL is
https, and `Cache-Control: no-store` on HTML documents and API replies that set no policy of
their own. Bodies: over the path's cap → 413 before the app reads it (Content-Length) or as
soon as the stream passes the cap (chunked).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from base64 import b64encode
from collections.abc import Awaitable, Callable, MutableMapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from maxbooster import routes
from maxbooster.services.errors import MESSAGES, ErrorCode
from maxbooster.services.storage import media_origins
from maxbooster.settings import get_settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

AUTH_BODY_BYTES = 64 * 1024
API_BODY_BYTES = 1024 * 1024
# Paths that stream uploads; they are capped at UPLOAD_MAX_BYTES instead.
UPLOAD_PATHS: tuple[str, ...] = (routes.V1_TRACKS, routes.V1_PROJECTS_IMPORT, routes.V1_ROYALTY_STATEMENTS)
# Cover art (at most 20 MB, checked again by the service) + the multipart framing around it.
ARTWORK_BODY_BYTES = 21 * 1024 * 1024
_ARTWORK_PATH = re.compile("^" + re.escape(routes.V1_RELEASE_ARTWORK).replace(re.escape("{release_id}"), "[^/]+")
                           + "$")
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)


def body_limit(path: str) -> int:
    if path.startswith(routes.AUTH):
        return AUTH_BODY_BYTES
    if path.rstrip("/") in UPLOAD_PATHS:
        return get_settings().upload_max_bytes
    if _ARTWORK_PATH.match(path.rstrip("/")):
        return ARTWORK_BODY_BYTES
    return API_BODY_BYTES


@lru_cache(maxsize=1)
def _connect_sources() -> str:
    origins = {o for o in get_settings().allowed_origins}
    sockets = {o.replace("https://", "wss://").replace("http://", "ws://") for o in origins}
    return " ".join(["'self'", *sorted(origins | sockets)])


def content_security_policy(script_hashes: tuple[str, ...] = ()) -> str:
    # 'unsafe-eval': Reflex's client runs the functions our own server sends over the
    # websocket (toasts, call_script) with eval(); inline scripts stay limited to the hashes
    # of the document's own <script> blocks.
    # blob: the studio's AudioWorklet processors are built from the engine module as a Blob, so live
    # playback and the offline render run the very same code (worklets fall under script-src).
    scripts = " ".join(["'self'", "'unsafe-eval'", "blob:", *(f"'sha256-{h}'" for h in script_hashes)])
    # With S3 storage, /api/media redirects to presigned URLs of the bucket: audio, images and
    # fetch() of stored files follow that redirect, so the bucket's origin is allowed for them.
    storage = "".join(f" {origin}" for origin in media_origins())
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self' 'unsafe-inline'",  # Radix and Emotion set inline styles
        f"img-src 'self' data: blob:{storage}",
        "font-src 'self' data:",
        f"media-src 'self' blob:{storage}",
        f"connect-src {_connect_sources()}{storage}",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def inline_script_hashes(html: bytes) -> tuple[str, ...]:
    """sha256 (base64) of every inline <script> in an HTML document, for the CSP."""
    return tuple(b64encode(hashlib.sha256(m.group(1)).digest()).decode() for m in _INLINE_SCRIPT.finditer(html))


def _security_headers(path: str, content_type: str, has_cache_control: bool) -> list[tuple[bytes, bytes]]:
    settings = get_settings()
    policy = "no-referrer" if path.rstrip("/") in routes.NO_REFERRER_PAGES else "strict-origin-when-cross-origin"
    headers = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
               (b"referrer-policy", policy.encode())]
    if settings.cookie_secure:
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    is_html = content_type.startswith("text/html")
    if not has_cache_control and (is_html or path.startswith(routes.API)):
        headers.append((b"cache-control", b"no-store"))
    return headers


class SecurityMiddleware:
    """Wraps the whole backend ASGI app (installed through Reflex's api_transformer)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        scope = _gzip_only(scope)
        limit = body_limit(path)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _reply_413(send, limit)
            return
        state = {"received": 0, "too_big": False, "replied": False}

        async def capped_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > limit:
                    state["too_big"] = True
                    return {"type": "http.disconnect"}
            return message

        start: dict[str, Message] = {}
        chunks: list[bytes] = []

        async def guarded_send(message: Message) -> None:
            if state["too_big"]:
                if not state["replied"]:
                    state["replied"] = True
                    await _reply_413(send, limit)
                return
            if message["type"] == "http.response.start":
                raw = list(message.get("headers") or [])
                names = {k.lower() for k, _ in raw}
                ctype = next((v.decode("latin-1") for k, v in raw if k.lower() == b"content-type"), "")
                message["headers"] = raw + _security_headers(path, ctype, b"cache-control" in names)
                if ctype.startswith("text/html"):
                    start["msg"] = message  # hold it: the CSP needs the document's inline scripts
                    return
                message["headers"].append((b"content-security-policy", content_security_policy().encode()))
                await send(message)
                return
            if "msg" in start and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                await _send_html(send, start.pop("msg"), b"".join(chunks))
                return
            if "msg" in start and message["type"] == "http.response.pathsend":  # a static file by path
                await _send_html(send, start.pop("msg"), Path(message["path"]).read_bytes())
                return
            await send(message)

        await self.app(scope, capped_receive, guarded_send)


def _gzip_only(scope: Scope) -> Scope:
    """Documents may come precompressed; we read their inline scripts for the CSP, so only gzip
    (which Python can read) or no encoding is offered to the static file server."""
    headers = scope.get("headers") or []
    if not any(k.lower() == b"accept-encoding" for k, _ in headers):
        return scope
    kept = [(k, v) for k, v in headers if k.lower() != b"accept-encoding"]
    offered = next(v for k, v in headers if k.lower() == b"accept-encoding").lower()
    if b"gzip" in offered:
        kept.append((b"accept-encoding", b"gzip"))
    return {**scope, "headers": kept}


async def _send_html(send: Send, start: Message, body: bytes) -> None:
    headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
    encoding = next((v.lower() for k, v in headers if k.lower() == b"content-encoding"), b"")
    document = gzip.decompress(body) if encoding == b"gzip" and body else body
    csp = content_security_policy(inline_script_hashes(document))
    headers += [(b"content-security-policy", csp.encode()), (b"content-length", str(len(body)).encode())]
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _reply_413(send: Send, limit: int) -> None:
    message = f"{MESSAGES[ErrorCode.BODY_TOO_LARGE]} The limit here is {limit // 1024} KB."
    body = json.dumps({"error": {"code": ErrorCode.BODY_TOO_LARGE.value, "message": message}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close"), (b"cache-control", b"no-store")]
    headers += [(k, v) for k, v in _security_headers(routes.API, "application/json", True)]
    headers.append((b"content-security-policy", content_security_policy().encode()))
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
