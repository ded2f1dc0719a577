"""X (API v2) on 127.0.0.1 for tests: the OAuth 2.0 endpoints and the API subset we use.

/i/oauth2/authorize (auto-approves: redirects with a code and the state; PKCE S256 required),
/2/oauth2/token (HTTP Basic client auth; single-use code, redirect URI and verifier checked; refresh
tokens rotate, an old one answers invalid_request as X does), /2/oauth2/revoke, /2/users/me, the
user's timeline, /2/tweets (X's shapes: t.co links with entities, "&amp;", a media link, 403 on a
duplicate text), /2/tweets/:id with public and non-public metrics, and the v2 chunked media upload
(initialize / append / finalize / STATUS). Knobs misbehave on purpose: 429 with x-rate-limit-reset,
503, "accept then cut the connection", "accept then answer too late", a malformed body, 403.
"""

from __future__ import annotations

import html
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from tests.social.local_http import BaseHandler, LocalServer, s256

CLIENT_ID, CLIENT_SECRET = "x-client-id", "x-client-secret"


@dataclass
class Knobs:
    """Misbehaviour of POST /2/tweets (each count used up one request at a time) and of the grant."""

    rate_limit: int = 0
    rate_limit_reset_s: int = 3
    server_errors: int = 0
    cut_after_accept: int = 0
    late_after_accept_s: float = 0  # create the post, answer after this long (past the client's timeout)
    malformed_after_accept: int = 0
    forbidden: str = ""  # answer 403 with this detail
    deny_authorization: bool = False
    no_offline_access: bool = False  # the user unticked "stay connected": no refresh token
    token_lifetime_s: int = 7200
    media_processing_polls: int = 0


@dataclass
class XUser:
    id: str = "1500000000000000001"
    username: str = "ava_music"
    name: str = "Ava"
    followers_count: int = 1234


class XServer(LocalServer):
    def __init__(self, redirect_uri: str) -> None:
        super().__init__()
        self.redirect_uri = redirect_uri
        self.user, self.knobs = XUser(), Knobs()
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}  # access token -> {revoked, expires}
        self.refresh: dict[str, bool] = {}  # refresh token -> still valid
        self.tweets: dict[str, dict[str, Any]] = {}
        self.media: dict[str, dict[str, Any]] = {}
        self._ids = iter(range(1_800_000_000_000_000_000, 10**19))
        self.handler = _Handler

    def next_id(self) -> str:
        return str(next(self._ids))

    def tweet_posts(self) -> list[dict[str, Any]]:
        return self.sent("POST", "/2/tweets")

    def revoke_all(self) -> None:
        with self.lock:
            for token in self.tokens.values():
                token["revoked"] = True
            self.refresh = dict.fromkeys(self.refresh, False)


def _as_x_shows(text: str, media_keys: list[str], ids: Any) -> tuple[str, dict[str, Any]]:
    """The text as X answers it: each link a t.co link (entities keep the original), & escaped,
    one link to the attached media at the end."""
    urls: list[dict[str, Any]] = []

    def shorten(match: re.Match[str]) -> str:
        short = f"https://t.co/{next(ids) % 10**10:010d}"
        urls.append({"url": short, "expanded_url": match.group(0), "display_url": match.group(0)[8:38]})
        return short

    shown = html.escape(re.sub(r"https?://\S+", shorten, text), quote=False)
    if media_keys:
        short = f"https://t.co/{next(ids) % 10**10:010d}"
        urls.append({"url": short, "expanded_url": "https://x.com/ava/status/1/photo/1", "media_key": media_keys[0]})
        shown += " " + short
    return shown, {"urls": urls} if urls else {}


def settings_env(server: XServer) -> dict[str, str]:
    """The settings (environment variables) that point our X client and OAuth at `server`."""
    return {"X_CLIENT_ID": CLIENT_ID, "X_CLIENT_SECRET": CLIENT_SECRET, "X_API_BASE": server.url,
            "X_AUTHORIZE_URL": f"{server.url}/i/oauth2/authorize"}


class _Handler(BaseHandler):
    server_state: XServer

    def _problem(self, status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> None:
        self.send(status, {"title": title, "detail": detail, "type": "about:blank", "status": status}, headers)

    def _token_ok(self) -> bool:
        auth = self.headers.get("Authorization", "")
        token = self.server_state.tokens.get(auth.removeprefix("Bearer ").strip()) if auth.startswith("Bearer ") \
            else None
        return token is not None and not token["revoked"] and token["expires"] > time.time()

    def do_GET(self) -> None:  # noqa: N802
        path, query = self.record("GET", b"")
        s = self.server_state
        if path == "/i/oauth2/authorize":
            return self._authorize(query)
        if not self._token_ok():
            return self._problem(401, "Unauthorized", "Unauthorized")
        if path == "/2/users/me":
            u = s.user
            return self.send(200, {"data": {"id": u.id, "username": u.username, "name": u.name,
                                            "public_metrics": {"followers_count": u.followers_count,
                                                               "following_count": 10, "tweet_count": 5}}})
        if path == f"/2/users/{s.user.id}/tweets":
            since = datetime.fromisoformat(query.get("start_time", "1970-01-01T00:00:00Z").replace("Z", "+00:00"))
            found = [{k: t[k] for k in ("id", "text", "created_at", "entities") if k in t}
                     for t in sorted(s.tweets.values(), key=lambda t: int(t["id"]), reverse=True)
                     if datetime.fromisoformat(t["created_at"].replace("Z", "+00:00")) >= since]
            found = found[:int(query.get("max_results", "10"))]
            return self.send(200, {"data": found, "meta": {"result_count": len(found)}} if found
                             else {"meta": {"result_count": 0}})
        if path.startswith("/2/tweets/"):
            tweet = s.tweets.get(path.rsplit("/", 1)[1])
            if tweet is None:
                return self.send(200, {"errors": [{"title": "Not Found Error", "detail": "Could not find tweet"}]})
            return self.send(200, {"data": tweet})
        if path == "/2/media/upload" and query.get("command") == "STATUS":
            media = s.media.get(query.get("media_id", ""))
            if media is None:
                return self._problem(400, "Invalid Request", "media_id not found")
            with s.lock:
                media["polls_left"] -= 1
                state = "in_progress" if media["polls_left"] > 0 else "succeeded"
            return self.send(200, {"data": {"id": media["id"], "processing_info": {
                "state": state, "check_after_secs": 0, "progress_percent": 50 if state == "in_progress" else 100}}})
        return self._problem(404, "Not Found", f"{path} is not an endpoint")

    def do_POST(self) -> None:  # noqa: N802
        raw = self.body()
        path, _ = self.record("POST", raw)
        form = self.form(raw)
        if path == "/2/oauth2/token":
            return self._token(form)
        if path == "/2/oauth2/revoke":
            if self.basic_auth() != (CLIENT_ID, CLIENT_SECRET):
                return self.send(401, {"error": "invalid_client"})
            token = self.server_state.tokens.get(str(form.get("token", "")))
            if token is not None:
                token["revoked"] = True
            return self.send(200, {"revoked": True})
        if not self._token_ok():
            return self._problem(401, "Unauthorized", "Unauthorized")
        if path == "/2/tweets":
            return self._tweet(form)
        if path.startswith("/2/media/upload/"):
            return self._media(path, form)
        return self._problem(404, "Not Found", f"{path} is not an endpoint")

    # -- OAuth ------------------------------------------------------------------------------------
    def _authorize(self, q: dict[str, str]) -> None:
        s = self.server_state
        if q.get("client_id") != CLIENT_ID or q.get("redirect_uri") != s.redirect_uri \
                or q.get("response_type") != "code":
            return self.send(400, {"error": "invalid_request"})
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return self.send(400, {"error": "invalid_request", "error_description": "PKCE S256 required"})
        if s.knobs.deny_authorization:
            return self.redirect(f"{s.redirect_uri}?" + urlencode({"error": "access_denied",
                                                                     "state": q.get("state", "")}))
        scopes = q.get("scope", "").split()
        if s.knobs.no_offline_access:
            scopes = [x for x in scopes if x != "offline.access"]
        code = secrets.token_urlsafe(16)
        s.codes[code] = {"challenge": q["code_challenge"], "used": False, "scope": " ".join(scopes),
                         "redirect_uri": q["redirect_uri"]}
        self.redirect(f"{s.redirect_uri}?" + urlencode({"state": q.get("state", ""), "code": code}))

    def _issue(self, scope: str) -> dict[str, Any]:
        s = self.server_state
        access = secrets.token_urlsafe(24)
        s.tokens[access] = {"revoked": False, "expires": time.time() + s.knobs.token_lifetime_s}
        body: dict[str, Any] = {"token_type": "bearer", "expires_in": s.knobs.token_lifetime_s,
                                "access_token": access, "scope": scope}
        if "offline.access" in scope.split():
            refresh = secrets.token_urlsafe(24)
            s.refresh[refresh] = True
            body["refresh_token"] = refresh
        return body

    def _token(self, form: dict[str, Any]) -> None:
        s = self.server_state
        if self.basic_auth() != (CLIENT_ID, CLIENT_SECRET):
            return self.send(401, {"error": "invalid_client", "error_description": "Missing valid authorization"})
        invalid = {"error": "invalid_request", "error_description": "Value passed for the token was invalid."}
        if form.get("grant_type") == "refresh_token":
            with s.lock:
                if not s.refresh.get(str(form.get("refresh_token", ""))):
                    return self.send(400, invalid)
                s.refresh[str(form["refresh_token"])] = False  # X rotates refresh tokens: the old one is spent
            return self.send(200, self._issue("tweet.read tweet.write users.read media.write offline.access"))
        grant = s.codes.get(str(form.get("code", "")))
        if grant is None or grant["used"] or form.get("redirect_uri") != grant["redirect_uri"]:
            return self.send(400, invalid)
        grant["used"] = True
        if s256(str(form.get("code_verifier", ""))) != grant["challenge"]:
            return self.send(400, {"error": "invalid_request", "error_description": "Value passed for the code "
                                                                                      "verifier did not match"})
        self.send(200, self._issue(grant["scope"]))

    # -- posts and media --------------------------------------------------------------------------
    def _tweet(self, form: dict[str, Any]) -> None:
        s, k = self.server_state, self.server_state.knobs
        with s.lock:
            if k.rate_limit > 0:
                k.rate_limit -= 1
                return self._problem(429, "Too Many Requests", "Too Many Requests", {
                    "x-rate-limit-limit": "100", "x-rate-limit-remaining": "0",
                    "x-rate-limit-reset": str(int(time.time()) + k.rate_limit_reset_s)})
            if k.server_errors > 0:
                k.server_errors -= 1
                return self.send(503, b"<html><body>Over capacity</body></html>")
            if k.forbidden:
                return self._problem(403, "Forbidden", k.forbidden)
            text = str(form.get("text", ""))
            if len(re.sub(r"https?://\S+", "x" * 23, text)) > 280:
                return self.send(400, {"errors": [{"message": "Your post is over 280 characters."}],
                                       "title": "Invalid Request", "type": "about:blank",
                                       "detail": "One or more parameters to your request was invalid."})
            if any(t["source"] == text for t in s.tweets.values()):
                return self._problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
            media_ids = list((form.get("media") or {}).get("media_ids") or [])
            if any(m not in s.media or s.media[m]["polls_left"] > 0 for m in media_ids):
                return self.send(400, {"errors": [{"message": "Your media IDs are invalid."}],
                                       "title": "Invalid Request", "type": "about:blank"})
            tweet_id = s.next_id()
            shown, entities = _as_x_shows(text, [s.media[m]["key"] for m in media_ids], s._ids)
            tweet: dict[str, Any] = {
                "id": tweet_id, "text": shown, "source": text,
                "created_at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0,
                                   "bookmark_count": 0, "impression_count": 0},
                "non_public_metrics": {"impression_count": 0, "url_link_clicks": 0, "user_profile_clicks": 0},
                "attachments": {"media_keys": [s.media[m]["key"] for m in media_ids]} if media_ids else {}}
            if entities:
                tweet["entities"] = entities
            s.tweets[tweet_id] = tweet
            if k.cut_after_accept > 0:
                k.cut_after_accept -= 1
                return self.cut()
            if k.malformed_after_accept > 0:
                k.malformed_after_accept -= 1
                return self.send(201, b'{"data": {"id": ')
            late, k.late_after_accept_s = k.late_after_accept_s, 0
        if late:
            time.sleep(late)
        self.send(201, {"data": {"id": tweet_id, "text": shown, "edit_history_tweet_ids": [tweet_id]}})

    def _media(self, path: str, form: dict[str, Any]) -> None:
        s = self.server_state
        if path == "/2/media/upload/initialize":
            media_id = s.next_id()
            s.media[media_id] = {"id": media_id, "key": f"3_{media_id}", "type": form.get("media_type"),
                                 "total": int(form.get("total_bytes") or 0), "category": form.get("media_category"),
                                 "chunks": {}, "polls_left": 0, "finalized": False}
            return self.send(200, {"data": {"id": media_id, "media_key": f"3_{media_id}",
                                            "expires_after_secs": 86400}})
        _, _, _, _, media_id, step = path.split("/")
        media = s.media.get(media_id)
        if media is None:
            return self._problem(400, "Invalid Request", "media_id not found")
        if step == "append":
            chunk = form.get("media")
            if not isinstance(chunk, dict):
                return self._problem(400, "Invalid Request", "media is required")
            media["chunks"][int(form.get("segment_index", "0"))] = chunk["data"]
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if step == "finalize":
            size = sum(len(c) for c in media["chunks"].values())
            if size != media["total"]:
                return self._problem(400, "Invalid Request", f"File size mismatch: {size} != {media['total']}")
            media["finalized"] = True
            body: dict[str, Any] = {"id": media_id, "media_key": media["key"], "size": size}
            if str(media["type"]).startswith("video/") and s.knobs.media_processing_polls:
                media["polls_left"] = s.knobs.media_processing_polls
                body["processing_info"] = {"state": "pending", "check_after_secs": 0}
            return self.send(200, {"data": body})
        return self._problem(404, "Not Found", f"{path} is not an endpoint")
