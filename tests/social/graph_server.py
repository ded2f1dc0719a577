"""Facebook Login and the Graph API (v21.0) on 127.0.0.1 for tests: the subset we use for Pages and
Instagram.

/dialog/oauth (auto-approves; PKCE S256 checked at the token call), /oauth/access_token (the code, and
fb_exchange_token for a long-lived user token), /me/accounts (Pages with their tokens and linked
Instagram accounts), Page photos (unpublished), feed posts with attached_media, Page posts listing,
counts and insights; Instagram containers that FETCH their image_url / video_url (so the signed URL
must really serve the file; a video is media_type REELS, or VIDEO as a carousel item), status_code
polling (IN_PROGRESS, FINISHED, or ERROR with a subcode in `status`), carousels, media_publish, the account's media,
counts and insights. Every call must carry the right appsecret_proof. Knobs answer with Graph's error
shape (190, 4/32 with X-Business-Use-Case-Usage, 1, 368), a 500, or "accept then cut the connection".
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from tests.social.local_http import BaseHandler, LocalServer, s256

APP_ID, APP_SECRET, VERSION = "1234567890", "graph-app-secret", "v21.0"
PAGE_ID, IG_ID = "101000000000001", "17841400000000001"


@dataclass
class Knobs:
    error: dict[str, Any] = field(default_factory=dict)  # the next write answers {"error": this} (with `status`)
    usage_minutes: int = 0  # estimated_time_to_regain_access in X-Business-Use-Case-Usage on that error
    server_errors: int = 0  # the next writes answer 500 with an HTML body
    cut_after_accept: int = 0  # the next feed post / media_publish is made, then the connection is cut
    container_polls: int = 1  # a container answers IN_PROGRESS this many times before FINISHED
    container_error: str = ""  # video containers made from now on end in ERROR with this error subcode
    deny_authorization: bool = False
    no_instagram: bool = False


class GraphServer(LocalServer):
    def __init__(self, redirect_uri: str) -> None:
        super().__init__()
        self.redirect_uri, self.knobs = redirect_uri, Knobs()
        self.codes: dict[str, dict[str, Any]] = {}
        self.user_tokens: dict[str, str] = {}  # token -> "short" | "long"
        self.page_token = "EAAPage" + secrets.token_urlsafe(16)
        self.revoked = False
        self.photos: dict[str, dict[str, Any]] = {}
        self.posts: dict[str, dict[str, Any]] = {}
        self.containers: dict[str, dict[str, Any]] = {}
        self.ig_media: dict[str, dict[str, Any]] = {}
        self._ids = iter(range(200_000_000_000_001, 10**16))
        self.handler = _Handler
        self.fetch: Callable[[str], tuple[bytes, str]] = _fetch  # tests may serve our API in-process instead

    def next_id(self) -> str:
        return str(next(self._ids))

    def writes(self, edge: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["method"] == "POST" and r["path"].endswith("/" + edge)]


def _fetch(url: str) -> tuple[bytes, str]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
        if response.status != 200:
            raise OSError(f"HTTP {response.status}")
        return response.read(), str(response.headers.get("Content-Type"))


def _media_type_problem(form: dict[str, Any]) -> str:
    """What Graph says of a container whose media_type does not fit: a video is a Reel (REELS), or VIDEO
    inside a carousel; a photo has no video media_type."""
    kind, item = form.get("media_type"), form.get("is_carousel_item") == "true"
    if form.get("video_url"):
        if kind != ("VIDEO" if item else "REELS"):
            return ("The parameter media_type must be VIDEO for a carousel item" if item else
                    "The parameter media_type must be REELS to publish a video")
        return ""
    return "The parameter video_url is required for this media_type." if kind in ("REELS", "VIDEO") else ""


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


class _Handler(BaseHandler):
    server_state: GraphServer

    def _error(self, status: int, code: int, message: str, subcode: int | None = None,
               headers: dict[str, str] | None = None) -> None:
        error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code,
                                 "fbtrace_id": secrets.token_hex(8)}
        if subcode:
            error["error_subcode"] = subcode
        self.send(status, {"error": error}, headers)

    def _token(self, query: dict[str, str]) -> str | None:
        """The request's token when it is valid and comes with the right appsecret_proof."""
        s = self.server_state
        token = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        proof = hmac.new(APP_SECRET.encode(), token.encode(), hashlib.sha256).hexdigest()
        if query.get("appsecret_proof") != proof:
            self._error(400, 100, "Invalid appsecret_proof provided in the API argument")
            return None
        if s.revoked or (token != s.page_token and token not in s.user_tokens):
            self._error(400, 190, "Error validating access token: The session has been invalidated because the "
                                  "user changed their password or Facebook has changed the session.", 460)
            return None
        return token

    def _misbehave(self) -> bool:
        k = self.server_state.knobs
        if k.error:
            error, k.error = dict(k.error), {}
            headers = {}
            if k.usage_minutes:
                headers["X-Business-Use-Case-Usage"] = json.dumps({PAGE_ID: [{
                    "type": "pages", "call_count": 100, "total_cputime": 20, "total_time": 30,
                    "estimated_time_to_regain_access": k.usage_minutes}]})
            self._error(error.pop("status", 400), error["code"], error["message"], error.get("subcode"), headers)
            return True
        if k.server_errors > 0:
            k.server_errors -= 1
            self.send(500, b"<html>Sorry, something went wrong.</html>")
            return True
        return False

    # -- routes -----------------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802
        path, query = self.record("GET", b"")
        parts = path.strip("/").split("/")
        if parts[0] != VERSION:
            return self._error(400, 2500, "Unknown path components")
        parts = parts[1:]
        if parts == ["dialog", "oauth"]:
            return self._authorize(query)
        if parts == ["oauth", "access_token"]:
            return self._access_token(query)
        if self._token(query) is None:
            return None
        return self._read(parts, query)

    def do_POST(self) -> None:  # noqa: N802
        raw = self.body()
        path, query = self.record("POST", raw)
        parts = path.strip("/").split("/")[1:]
        form = self.form(raw)
        if parts == ["oauth", "access_token"]:
            return self._access_token({**query, **{k: str(v) for k, v in form.items()}})
        if self._token(query) is None:
            return None
        if self._misbehave():
            return None
        return self._write(parts, form)

    # -- OAuth ------------------------------------------------------------------------------------
    def _authorize(self, q: dict[str, str]) -> None:
        s = self.server_state
        if q.get("client_id") != APP_ID or q.get("redirect_uri") != s.redirect_uri:
            return self._error(400, 191, "The redirect_uri is not owned by the application.")
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return self._error(400, 100, "code_challenge required")
        if s.knobs.deny_authorization:
            return self.redirect(f"{s.redirect_uri}?" + urlencode({
                "error": "access_denied", "error_code": "200", "error_reason": "user_denied",
                "error_description": "Permissions error", "state": q.get("state", "")}))
        code = "AQ" + secrets.token_urlsafe(16)
        s.codes[code] = {"challenge": q["code_challenge"], "used": False}
        self.redirect(f"{s.redirect_uri}?" + urlencode({"code": code, "state": q.get("state", "")}))

    def _access_token(self, q: dict[str, str]) -> None:
        s = self.server_state
        if q.get("client_id") != APP_ID or q.get("client_secret") != APP_SECRET:
            return self._error(400, 1, "Error validating client secret.")
        if q.get("grant_type") == "fb_exchange_token":
            if s.user_tokens.get(q.get("fb_exchange_token", "")) != "short":
                return self._error(400, 190, "Invalid OAuth access token.")
            token = "EAALong" + secrets.token_urlsafe(16)
            s.user_tokens[token] = "long"
            return self.send(200, {"access_token": token, "token_type": "bearer", "expires_in": 5183944})
        grant = s.codes.get(q.get("code", ""))
        if grant is None or grant["used"] or q.get("redirect_uri") != s.redirect_uri:
            return self._error(400, 100, "This authorization code has been used.", 36009)
        grant["used"] = True
        if s256(q.get("code_verifier", "")) != grant["challenge"]:
            return self._error(400, 100, "Invalid code verifier")
        token = "EAAShort" + secrets.token_urlsafe(16)
        s.user_tokens[token] = "short"
        self.send(200, {"access_token": token, "token_type": "bearer", "expires_in": 5400})

    # -- reads ------------------------------------------------------------------------------------
    def _read(self, parts: list[str], query: dict[str, str]) -> None:
        s = self.server_state
        if parts == ["me", "accounts"]:
            page: dict[str, Any] = {"id": PAGE_ID, "name": "Ava Music", "access_token": s.page_token,
                                    "followers_count": 880, "category": "Musician/Band",
                                    "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"]}
            if not s.knobs.no_instagram:
                page["instagram_business_account"] = {"id": IG_ID, "username": "ava.music", "name": "Ava",
                                                      "followers_count": 2400}
            return self.send(200, {"data": [page], "paging": {"cursors": {"before": "a", "after": "b"}}})
        if parts == [PAGE_ID]:
            return self.send(200, {"id": PAGE_ID, "name": "Ava Music", "followers_count": 880})
        if parts == [IG_ID]:
            return self.send(200, {"id": IG_ID, "username": "ava.music", "name": "Ava", "followers_count": 2400})
        if parts == [PAGE_ID, "posts"]:
            since = int(query.get("since", "0"))
            found = [{"id": p["id"], "message": p["message"], "created_time": p["created_time"],
                      "permalink_url": f"https://www.facebook.com/{p['id']}"}
                     for p in sorted(s.posts.values(), key=lambda p: p["at"], reverse=True) if p["at"] >= since]
            return self.send(200, {"data": found})
        if parts == [IG_ID, "media"]:
            found = [{k: m[k] for k in ("id", "caption", "timestamp", "permalink")}
                     for m in sorted(s.ig_media.values(), key=lambda m: m["at"], reverse=True)]
            return self.send(200, {"data": found})
        if len(parts) == 2 and parts[1] == "insights":
            item = s.posts.get(parts[0]) or s.ig_media.get(parts[0])
            if item is None:
                return self._error(400, 100, "Unsupported get request.", 33)
            return self.send(200, {"data": [{"name": query.get("metric"), "period": "lifetime",
                                             "values": [{"value": item["counts"]["reach"]}]}]})
        if len(parts) == 1 and parts[0] in s.containers:
            c = s.containers[parts[0]]
            with s.lock:
                c["polls"] -= 1
            if c["polls"] >= 0:
                return self.send(200, {"id": c["id"], "status_code": "IN_PROGRESS", "status": "In Progress"})
            if c.get("error"):
                return self.send(200, {"id": c["id"], "status_code": "ERROR",
                                       "status": f"Error: Media upload has failed with error code {c['error']}"})
            return self.send(200, {"id": c["id"], "status_code": "FINISHED",
                                   "status": "Finished: Media has been uploaded and it is ready to be published."})
        if len(parts) == 1 and parts[0] in s.posts:
            c = s.posts[parts[0]]["counts"]
            return self.send(200, {"id": parts[0], "reactions": {"data": [], "summary": {"total_count": c["likes"]}},
                                   "comments": {"data": [], "summary": {"total_count": c["comments"]}},
                                   "shares": {"count": c["shares"]}})
        if len(parts) == 1 and parts[0] in s.ig_media:
            m = s.ig_media[parts[0]]
            return self.send(200, {"id": m["id"], "permalink": m["permalink"], "like_count": m["counts"]["likes"],
                                   "comments_count": m["counts"]["comments"]})
        return self._error(400, 100, f"Unsupported get request. Object with ID '{parts[0]}' does not exist.", 33)

    # -- writes -----------------------------------------------------------------------------------
    def _write(self, parts: list[str], form: dict[str, Any]) -> None:
        s = self.server_state
        if parts == [PAGE_ID, "photos"]:
            source = form.get("source")
            if not isinstance(source, dict) or form.get("published") != "false":
                return self._error(400, 324, "Requires upload file")
            photo_id = s.next_id()
            s.photos[photo_id] = {"id": photo_id, "data": source["data"], "type": source["type"]}
            return self.send(200, {"id": photo_id})
        if parts == [PAGE_ID, "feed"]:
            attached = [json.loads(v)["media_fbid"] for k, v in sorted(form.items()) if k.startswith("attached_media")]
            if any(a not in s.photos for a in attached):
                return self._error(400, 100, "Invalid parameter: attached_media")
            post_id = f"{PAGE_ID}_{s.next_id()}"
            s.posts[post_id] = {"id": post_id, "message": form.get("message", ""), "attached": attached,
                                "created_time": _now(), "at": int(time.time()),
                                "counts": {"likes": 0, "comments": 0, "shares": 0, "reach": 0}}
            return self._maybe_cut({"id": post_id})
        if parts == [PAGE_ID, "videos"]:
            try:  # Facebook fetches the video from file_url
                data, kind = s.fetch(str(form.get("file_url", "")))
            except OSError as exc:
                return self._error(400, 100, f"The video could not be fetched from file_url: {exc}")
            video_id = s.next_id()  # a video post is listed among the Page's posts with its description
            s.posts[video_id] = {"id": video_id, "message": form.get("description", ""), "attached": [],
                                 "video": data, "type": kind, "created_time": _now(), "at": int(time.time()),
                                 "counts": {"likes": 0, "comments": 0, "shares": 0, "reach": 0}}
            return self._maybe_cut({"id": video_id})
        if parts == [IG_ID, "media"]:
            return self._container(form)
        if parts == [IG_ID, "media_publish"]:
            container = s.containers.get(str(form.get("creation_id", "")))
            if container is None or container["polls"] >= 0 or container.get("child") or container.get("error"):
                return self._error(400, 9007, "Media ID is not available", 2207027)
            if container.get("published"):
                return self._error(400, 9007, "The media has already been published", 2207006)
            container["published"] = True
            media_id = s.next_id()
            s.ig_media[media_id] = {"id": media_id, "caption": container.get("caption", ""), "timestamp": _now(),
                                    "at": time.time(), "permalink": f"https://www.instagram.com/p/{media_id}/",
                                    "children": container.get("children", []),
                                    "counts": {"likes": 0, "comments": 0, "reach": 0}}
            return self._maybe_cut({"id": media_id})
        return self._error(400, 100, "Unsupported post request.", 33)

    def _container(self, form: dict[str, Any]) -> None:
        s = self.server_state
        container_id = s.next_id()
        entry: dict[str, Any] = {"id": container_id, "caption": form.get("caption", ""),
                                 "child": form.get("is_carousel_item") == "true", "polls": s.knobs.container_polls}
        if form.get("media_type") == "CAROUSEL":
            children = str(form.get("children", "")).split(",")
            if not 2 <= len(children) <= 10 or any(c not in s.containers for c in children):
                return self._error(400, 100, "Invalid parameter: children")
            entry["children"] = children
        else:
            url = form.get("image_url") or form.get("video_url")
            if not url:
                return self._error(400, 100, "The parameter image_url is required.")
            problem = _media_type_problem(form)
            if problem:
                return self._error(400, 100, problem)
            try:  # Instagram fetches the file from the URL it was given
                entry["fetched"], entry["type"] = s.fetch(str(url))
            except OSError as exc:
                return self._error(400, 9004, f"The media could not be fetched from this uri: {exc}", 2207052)
            entry["kind"] = "video" if form.get("video_url") else "image"
            entry["media_type"] = form.get("media_type", "IMAGE")
            if entry["kind"] == "video" and s.knobs.container_error:
                entry["error"] = s.knobs.container_error
        s.containers[container_id] = entry
        self.send(200, {"id": container_id})

    def _maybe_cut(self, body: dict[str, Any]) -> None:
        k = self.server_state.knobs
        if k.cut_after_accept > 0:
            k.cut_after_accept -= 1
            return self.cut()
        return self.send(200, body)
