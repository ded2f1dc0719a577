"""Google OAuth and the YouTube Data API v3 on 127.0.0.1 for tests: the subset we use.

/o/oauth2/v2/auth (auto-approves; PKCE S256 and access_type=offline required), /token (client id and
secret in the form; single-use code, verifier checked; refresh keeps the refresh token, a revoked one
answers invalid_grant), /revoke, channels?mine=true, videos?part=statistics, videos.update, and the
resumable upload (POST … uploadType=resumable → Location; PUT chunks with Content-Range → 308 with
Range until complete → 201; `bytes */N` asks what the session has). Knobs: chunks stored then the
connection cut, chunks answered 503, a chunk stored whose answer is held (kill the client then), update
applied then cut, quotaExceeded / rateLimitExceeded 403, a channel-less account, denial.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tests.social.local_http import BaseHandler, LocalServer, s256

CLIENT_ID, CLIENT_SECRET = "yt-client.apps.googleusercontent.com", "yt-secret"


@dataclass
class Knobs:
    cut_chunks: int = 0  # the next chunk PUTs are stored, then the connection is cut without an answer
    chunk_errors: int = 0  # the next chunk PUTs answer 503 and store nothing
    hold_chunk: int = 0  # the chunk PUT with this number (1-based) is stored, then its answer waits 30 s
    cut_after_update: int = 0  # videos.update applied, then the connection is cut
    quota_exceeded: int = 0  # the next videos.update calls answer 403 quotaExceeded
    rate_limited: int = 0  # the next videos.update calls answer 403 rateLimitExceeded with Retry-After
    deny_authorization: bool = False
    no_channel: bool = False
    token_lifetime_s: int = 3599


class YouTubeServer(LocalServer):
    def __init__(self, redirect_uri: str) -> None:
        super().__init__()
        self.redirect_uri, self.knobs = redirect_uri, Knobs()
        self.channel = {"id": "UCava0000000000000000001", "title": "Ava", "customUrl": "@avamusic",
                        "subscriberCount": "5120"}
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.refresh: dict[str, bool] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.videos: dict[str, dict[str, Any]] = {}
        self.handler = _Handler

    def revoke_all(self) -> None:
        with self.lock:
            for token in self.tokens.values():
                token["revoked"] = True
            self.refresh = dict.fromkeys(self.refresh, False)

    def stored_bytes(self) -> int:
        with self.lock:
            return sum(len(upload["data"]) for upload in self.sessions.values())

    def chunk_puts(self) -> list[dict[str, Any]]:
        return [r for r in self.sent("PUT", "/upload/youtube/v3/videos") if r["body"]]


def settings_env(server: YouTubeServer) -> dict[str, str]:
    """The settings (environment variables) that point our Google OAuth and YouTube clients at `server`."""
    return {"GOOGLE_CLIENT_ID": CLIENT_ID, "GOOGLE_CLIENT_SECRET": CLIENT_SECRET, "YOUTUBE_API_BASE": server.url,
            "GOOGLE_OAUTH_BASE": server.url, "GOOGLE_OAUTH_AUTHORIZE_URL": f"{server.url}/o/oauth2/v2/auth"}


def _error(status: int, reason: str, message: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message,
                      "errors": [{"message": message, "domain": "youtube.quota", "reason": reason}]}}


class _Handler(BaseHandler):
    server_state: YouTubeServer

    def _authorized(self) -> bool:
        auth = self.headers.get("Authorization", "")
        token = self.server_state.tokens.get(auth.removeprefix("Bearer ").strip())
        if token is None or token["revoked"] or token["expires"] < time.time():
            self.send(401, {"error": {"code": 401, "message": "Request had invalid authentication credentials.",
                                      "errors": [{"reason": "authError", "message": "Invalid Credentials"}]}})
            return False
        return True

    def do_GET(self) -> None:  # noqa: N802
        path, query = self.record("GET", b"")
        s = self.server_state
        if path == "/o/oauth2/v2/auth":
            return self._authorize(query)
        if not self._authorized():
            return None
        if path == "/youtube/v3/channels" and query.get("mine") == "true":
            if s.knobs.no_channel:
                return self.send(200, {"kind": "youtube#channelListResponse", "items": []})
            c = s.channel
            return self.send(200, {"items": [{"id": c["id"], "snippet": {"title": c["title"],
                                                                         "customUrl": c["customUrl"]},
                                              "statistics": {"subscriberCount": c["subscriberCount"],
                                                             "videoCount": str(len(s.videos))}}]})
        if path == "/youtube/v3/videos":
            video = s.videos.get(query.get("id", ""))
            return self.send(200, {"items": [{"id": video["id"], "statistics": video["statistics"]}]
                                   if video else []})
        return self.send(404, _error(404, "notFound", f"{path} not found"))

    def do_POST(self) -> None:  # noqa: N802
        raw = self.body()
        path, query = self.record("POST", raw)
        s = self.server_state
        if path == "/token":
            return self._token(self.form(raw))
        if path == "/revoke":
            token = s.tokens.get(str(self.form(raw).get("token", "")))
            if token is not None:
                token["revoked"] = True
            return self.send(200, {})
        if not self._authorized():
            return None
        if path == "/upload/youtube/v3/videos" and query.get("uploadType") == "resumable":
            metadata = self.form(raw)
            if not (metadata.get("snippet") or {}).get("title"):
                return self.send(400, _error(400, "invalidTitle", "The request metadata specifies an invalid or "
                                                                  "empty video title."))
            upload_id = secrets.token_urlsafe(12)
            s.sessions[upload_id] = {"total": int(self.headers.get("X-Upload-Content-Length") or 0),
                                     "type": self.headers.get("X-Upload-Content-Type"), "data": b"",
                                     "metadata": metadata, "video": None}
            location = f"{s.url}/upload/youtube/v3/videos?uploadType=resumable&upload_id={upload_id}"
            self.send_response(200)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        return self.send(404, _error(404, "notFound", f"{path} not found"))

    def do_PUT(self) -> None:  # noqa: N802
        raw = self.body()
        path, query = self.record("PUT", raw)
        if path == "/upload/youtube/v3/videos":
            return self._chunk(query.get("upload_id", ""), raw)
        if not self._authorized():
            return None
        if path == "/youtube/v3/videos":
            return self._update(self.form(raw))
        return self.send(404, _error(404, "notFound", f"{path} not found"))

    # -- OAuth ------------------------------------------------------------------------------------
    def _authorize(self, q: dict[str, str]) -> None:
        s = self.server_state
        if q.get("client_id") != CLIENT_ID or q.get("redirect_uri") != s.redirect_uri \
                or q.get("response_type") != "code" or q.get("access_type") != "offline":
            return self.send(400, {"error": "invalid_request"})
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return self.send(400, {"error": "invalid_request", "error_description": "code_challenge required"})
        if s.knobs.deny_authorization:
            return self.redirect(f"{s.redirect_uri}?" + urlencode({"error": "access_denied",
                                                                     "state": q.get("state", "")}))
        code = "4/" + secrets.token_urlsafe(16)
        s.codes[code] = {"challenge": q["code_challenge"], "used": False, "scope": q.get("scope", "")}
        self.redirect(f"{s.redirect_uri}?" + urlencode({"state": q.get("state", ""), "code": code,
                                                          "scope": q.get("scope", "")}))

    def _issue(self, scope: str, *, with_refresh: bool) -> dict[str, Any]:
        s = self.server_state
        access = "ya29." + secrets.token_urlsafe(24)
        s.tokens[access] = {"revoked": False, "expires": time.time() + s.knobs.token_lifetime_s}
        body: dict[str, Any] = {"access_token": access, "expires_in": s.knobs.token_lifetime_s, "scope": scope,
                                "token_type": "Bearer"}
        if with_refresh:
            refresh = "1//" + secrets.token_urlsafe(24)
            s.refresh[refresh] = True
            body["refresh_token"] = refresh
        return body

    def _token(self, form: dict[str, Any]) -> None:
        s = self.server_state
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return self.send(401, {"error": "invalid_client", "error_description": "The OAuth client was not found."})
        if form.get("grant_type") == "refresh_token":
            if not s.refresh.get(str(form.get("refresh_token", ""))):
                return self.send(400, {"error": "invalid_grant", "error_description": "Token has been expired or "
                                                                                      "revoked."})
            return self.send(200, self._issue("https://www.googleapis.com/auth/youtube.upload", with_refresh=False))
        grant = s.codes.get(str(form.get("code", "")))
        if grant is None or grant["used"] or form.get("redirect_uri") != s.redirect_uri:
            return self.send(400, {"error": "invalid_grant", "error_description": "Bad Request"})
        grant["used"] = True
        if s256(str(form.get("code_verifier", ""))) != grant["challenge"]:
            return self.send(400, {"error": "invalid_grant", "error_description": "Invalid code verifier."})
        self.send(200, self._issue(grant["scope"], with_refresh=True))

    # -- the resumable upload and videos ----------------------------------------------------------
    def _progress(self, upload: dict[str, Any]) -> None:
        """308 with what the session has (no Range header when it has nothing)."""
        self.send_response(308)
        if upload["data"]:
            self.send_header("Range", f"bytes=0-{len(upload['data']) - 1}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _chunk(self, upload_id: str, raw: bytes) -> None:
        s, k = self.server_state, self.server_state.knobs
        upload = s.sessions.get(upload_id)
        if upload is None:
            return self.send(404, _error(404, "notFound", "Upload session not found"))
        match = re.fullmatch(r"bytes (\*|(\d+)-(\d+))/(\d+)", self.headers.get("Content-Range", ""))
        if match is None:
            return self.send(400, _error(400, "badRequest", "Invalid Content-Range"))
        if match.group(1) == "*":  # a status query
            return self.send(201, upload["video"]) if upload["video"] else self._progress(upload)
        if k.chunk_errors > 0:
            k.chunk_errors -= 1
            return self.send(503, b"<html>Backend Error</html>")
        start = int(match.group(2))
        if start != len(upload["data"]):  # not where the session stands: say where it does
            return self._progress(upload)
        upload["data"] += raw
        if len(upload["data"]) == upload["total"] and upload["video"] is None:
            video_id = secrets.token_urlsafe(8).replace("-", "a").replace("_", "b")[:11]
            upload["video"] = s.videos[video_id] = {
                "kind": "youtube#video", "id": video_id, "snippet": dict(upload["metadata"]["snippet"]),
                "status": dict(upload["metadata"]["status"]), "size": len(upload["data"]),
                "statistics": {"viewCount": "0", "likeCount": "0", "favoriteCount": "0", "commentCount": "0"}}
        if k.cut_chunks > 0:
            k.cut_chunks -= 1
            return self.cut()
        if k.hold_chunk and len(s.chunk_puts()) == k.hold_chunk:
            k.hold_chunk = 0
            time.sleep(30)  # the client is killed meanwhile; the session keeps what it stored
        return self.send(201, upload["video"]) if upload["video"] else self._progress(upload)

    def _update(self, body: dict[str, Any]) -> None:
        s, k = self.server_state, self.server_state.knobs
        if k.quota_exceeded > 0:
            k.quota_exceeded -= 1
            return self.send(403, _error(403, "quotaExceeded", "The request cannot be completed because you have "
                                                               "exceeded your quota."))
        if k.rate_limited > 0:
            k.rate_limited -= 1
            return self.send(403, _error(403, "rateLimitExceeded", "Too many requests."), {"Retry-After": "90"})
        video = s.videos.get(str(body.get("id", "")))
        if video is None:
            return self.send(404, _error(404, "videoNotFound", "The video that you are trying to update cannot be "
                                                               "found."))
        if not (body.get("snippet") or {}).get("title") or not (body.get("snippet") or {}).get("categoryId"):
            return self.send(400, _error(400, "invalidTitle", "The request metadata specifies an invalid or empty "
                                                              "video title."))
        with s.lock:
            video["snippet"].update(body["snippet"])
            video["status"].update(body.get("status") or {})
            video["updates"] = video.get("updates", 0) + 1
        if k.cut_after_update > 0:
            k.cut_after_update -= 1
            return self.cut()
        self.send(200, {k2: v for k2, v in video.items() if k2 in ("kind", "id", "snippet", "status")})
