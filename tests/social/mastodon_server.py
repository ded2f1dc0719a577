"""A Mastodon instance on 127.0.0.1 for tests: the subset of its API and OAuth endpoints we use.

Apps (POST /api/v1/apps), /oauth/authorize (auto-approves: redirects with a code and the state),
/oauth/token (client credentials, single-use code, redirect URI and the PKCE S256 verifier; refresh
tokens when `expiring_tokens` is on), /oauth/revoke, /api/v1/instance, verify_credentials, media
(v2 upload, 202 while "processing", GET v1), statuses (create with Idempotency-Key semantics per
account, as Mastodon keeps them; read with counts). Knobs make it misbehave on purpose: 429 with
X-RateLimit-Reset, 5xx, a 422 with a reason, an unreadable body, and "accept then cut the
connection before answering" (a worker that dies after the network took the post looks the same
to the client).
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from tests.social.local_http import BaseHandler, LocalServer, s256


@dataclass
class Knobs:
    """Misbehaviour for the next requests; each count is used up one request at a time."""

    rate_limit_statuses: int = 0  # answer POST /api/v1/statuses with 429 …
    rate_limit_reset_s: float = 2.0  # … whose X-RateLimit-Reset is this far ahead
    server_errors: int = 0  # answer POST /api/v1/statuses with 503
    cut_after_accept: int = 0  # create the status, then close the connection without answering
    hold_after_accept_s: float = 0  # create the status, then wait this long before answering (kill the client)
    reject_reason: str = ""  # answer POST /api/v1/statuses with 422 and this error
    malformed: int = 0  # answer POST /api/v1/statuses with 200 and a body that is not JSON
    media_processing_polls: int = 0  # a new upload answers 202 and stays unprocessed for this many GETs
    rate_limit_reads: int = 0  # answer GET /api/v1/statuses/<id> (metrics) with 429 and X-RateLimit-Reset
    read_errors: int = 0  # answer GET /api/v1/statuses/<id> with 503
    expiring_tokens: bool = False  # tokens expire (expires_in) and come with refresh tokens
    token_lifetime_s: int = 3600
    deny_authorization: bool = False


@dataclass
class _Account:
    id: str
    username: str
    followers_count: int = 42


class MastodonServer(LocalServer):
    """Start with `start()` or as a context manager; `url` is the instance's base URL."""

    def __init__(self, max_characters: int = 500) -> None:
        super().__init__()
        self.max_characters, self.knobs = max_characters, Knobs()
        self.account = _Account(id="109000000000000001", username="ava")
        self.apps: dict[str, dict[str, str]] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}  # access token -> {account, revoked, expires}
        self.refresh: dict[str, str] = {}  # refresh token -> client id
        self.statuses: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[tuple[str, str], str] = {}  # (account id, key) -> status id
        self.sources: dict[str, str] = {}  # status id -> the text as posted (GET …/source)
        self.media: dict[str, dict[str, Any]] = {}
        self._ids = iter(range(110_000_000_000_000_000, 10**19))
        self.handler = _Handler

    # -- helpers for tests ------------------------------------------------------------------------
    def next_id(self) -> str:
        return str(next(self._ids))

    def revoke_all(self) -> None:
        with self.lock:
            for token in self.tokens.values():
                token["revoked"] = True

    def forget_idempotency_keys(self) -> None:
        """What Mastodon does an hour after a key was used."""
        with self.lock:
            self.idempotency.clear()

    def status_posts(self) -> list[dict[str, Any]]:
        return self.sent("POST", "/api/v1/statuses")

    def set_counts(self, status_id: str, *, favourites: int, reblogs: int, replies: int) -> None:
        with self.lock:
            self.statuses[status_id].update(favourites_count=favourites, reblogs_count=reblogs, replies_count=replies)


class _Handler(BaseHandler):
    server_state: MastodonServer

    def _misbehave(self, rate_knob: str, error_knob: str) -> bool:
        """Answer 429 with X-RateLimit-Reset, or 503, while the named knob's count lasts (using one up)."""
        k = self.server_state.knobs
        if getattr(k, rate_knob) > 0:
            setattr(k, rate_knob, getattr(k, rate_knob) - 1)
            reset = datetime.now(UTC) + timedelta(seconds=k.rate_limit_reset_s)
            self.send(429, {"error": "Too many requests"}, {
                "X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": reset.isoformat(timespec="milliseconds").replace("+00:00", "Z")})
            return True
        if getattr(k, error_knob) > 0:
            setattr(k, error_knob, getattr(k, error_knob) - 1)
            self.send(503, b"<html>Service Unavailable</html>")
            return True
        return False

    def _account(self) -> _Account | None:
        s = self.server_state
        auth = self.headers.get("Authorization", "")
        token = s.tokens.get(auth.removeprefix("Bearer ").strip()) if auth.startswith("Bearer ") else None
        if token is None or token["revoked"] or (token["expires"] and token["expires"] < time.time()):
            return None
        return s.account

    # -- routes -----------------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802
        path, query = self.record("GET", b"")
        s = self.server_state
        if path == "/oauth/authorize":
            return self._authorize(query)
        if path == "/api/v1/instance":
            return self.send(200, {"uri": "127.0.0.1", "title": "Test instance", "configuration": {
                "statuses": {"max_characters": s.max_characters, "max_media_attachments": 4,
                             "characters_reserved_per_url": 23},
                "media_attachments": {"supported_mime_types": ["image/jpeg", "image/png", "video/mp4"],
                                      "image_size_limit": 16777216, "video_size_limit": 103809024}}})
        account = self._account()
        if account is None:
            return self.send(401, {"error": "The access token is invalid"})
        if path == "/api/v1/accounts/verify_credentials":
            return self.send(200, {"id": account.id, "username": account.username, "acct": account.username,
                                    "display_name": account.username.title(),
                                    "followers_count": account.followers_count})
        if path.startswith("/api/v1/media/"):
            media = s.media.get(path.rsplit("/", 1)[1])
            if media is None:
                return self.send(404, {"error": "Record not found"})
            with s.lock:
                if media["polls_left"] > 0:
                    media["polls_left"] -= 1
                    return self.send(206, {"id": media["id"], "url": None})
            return self.send(200, {"id": media["id"], "url": f"{s.url}/media/{media['id']}"})
        if path == f"/api/v1/accounts/{account.id}/statuses":
            newest = sorted(s.statuses.values(), key=lambda st: int(st["id"]), reverse=True)
            return self.send(200, newest[:int(query.get("limit", "20"))])
        if path.startswith("/api/v1/statuses/") and path.endswith("/source"):
            status_id = path.split("/")[-2]
            if status_id not in s.sources:
                return self.send(404, {"error": "Record not found"})
            return self.send(200, {"id": status_id, "text": s.sources[status_id], "spoiler_text": ""})
        if path.startswith("/api/v1/statuses/"):
            if self._misbehave("rate_limit_reads", "read_errors"):
                return None
            status = s.statuses.get(path.rsplit("/", 1)[1])
            return self.send(200, status) if status else self.send(404, {"error": "Record not found"})
        return self.send(404, {"error": "Not found"})

    def do_POST(self) -> None:  # noqa: N802
        raw = self.body()
        path, _ = self.record("POST", raw)
        form = self.form(raw)
        if path == "/api/v1/apps":
            return self._register(form)
        if path == "/oauth/token":
            return self._token(form)
        if path == "/oauth/revoke":
            token = self.server_state.tokens.get(str(form.get("token", "")))
            if token is not None:
                token["revoked"] = True
            return self.send(200, {})
        account = self._account()
        if account is None:
            return self.send(401, {"error": "The access token is invalid"})
        if path == "/api/v2/media":
            return self._upload(form)
        if path == "/api/v1/statuses":
            return self._status(account, form)
        return self.send(404, {"error": "Not found"})

    # -- OAuth ------------------------------------------------------------------------------------
    def _register(self, form: dict[str, Any]) -> None:
        s = self.server_state
        app = {"client_id": secrets.token_urlsafe(16), "client_secret": secrets.token_urlsafe(24),
               "redirect_uri": str(form.get("redirect_uris", "")), "scopes": str(form.get("scopes", "read"))}
        s.apps[app["client_id"]] = app
        self.send(200, {"id": s.next_id(), "name": form.get("client_name"), **app})

    def _authorize(self, q: dict[str, str]) -> None:
        s = self.server_state
        app = s.apps.get(q.get("client_id", ""))
        if app is None or q.get("redirect_uri") != app["redirect_uri"] or q.get("response_type") != "code":
            return self.send(400, {"error": "invalid_request"})
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return self.send(400, {"error": "invalid_request", "error_description": "PKCE S256 required"})
        if s.knobs.deny_authorization:
            return self.redirect(f"{app['redirect_uri']}?" + urlencode({"error": "access_denied",
                                                                          "state": q.get("state", "")}))
        code = secrets.token_urlsafe(16)
        s.codes[code] = {"client_id": app["client_id"], "redirect_uri": app["redirect_uri"],
                         "challenge": q["code_challenge"], "used": False}
        self.redirect(f"{app['redirect_uri']}?" + urlencode({"code": code, "state": q.get("state", "")}))

    def _issue(self, client_id: str) -> dict[str, Any]:
        s = self.server_state
        access = secrets.token_urlsafe(24)
        expires = time.time() + s.knobs.token_lifetime_s if s.knobs.expiring_tokens else None
        s.tokens[access] = {"account": s.account.id, "revoked": False, "expires": expires, "client_id": client_id}
        body: dict[str, Any] = {"access_token": access, "token_type": "Bearer", "scope": "read write",
                                "created_at": int(time.time())}
        if s.knobs.expiring_tokens:
            refresh = secrets.token_urlsafe(24)
            s.refresh[refresh] = client_id
            body.update(expires_in=s.knobs.token_lifetime_s, refresh_token=refresh)
        return body

    def _token(self, form: dict[str, Any]) -> None:
        s = self.server_state
        app = s.apps.get(str(form.get("client_id", "")))
        if app is None or form.get("client_secret") != app["client_secret"]:
            return self.send(401, {"error": "invalid_client"})
        if form.get("grant_type") == "refresh_token":
            if s.refresh.pop(str(form.get("refresh_token", "")), None) != app["client_id"]:
                return self.send(400, {"error": "invalid_grant"})
            return self.send(200, self._issue(app["client_id"]))
        grant = s.codes.get(str(form.get("code", "")))
        if grant is None or grant["used"] or grant["client_id"] != app["client_id"] \
                or form.get("redirect_uri") != grant["redirect_uri"]:
            return self.send(400, {"error": "invalid_grant"})
        grant["used"] = True
        if s256(str(form.get("code_verifier", ""))) != grant["challenge"]:
            return self.send(400, {"error": "invalid_grant", "error_description": "PKCE verification failed"})
        self.send(200, self._issue(app["client_id"]))

    # -- media and statuses -----------------------------------------------------------------------
    def _upload(self, form: dict[str, Any]) -> None:
        s = self.server_state
        file = form.get("file")
        if not isinstance(file, dict) or not file["data"]:
            return self.send(422, {"error": "Validation failed: File can't be blank"})
        media_id = s.next_id()
        polls = s.knobs.media_processing_polls
        s.media[media_id] = {"id": media_id, "type": file["type"], "size": len(file["data"]),
                             "description": form.get("description", ""), "polls_left": polls}
        self.send(202 if polls else 200, {"id": media_id, "url": None if polls else f"{s.url}/media/{media_id}"})

    def _status(self, account: _Account, form: dict[str, Any]) -> None:
        s, k = self.server_state, self.server_state.knobs
        key = self.headers.get("Idempotency-Key", "")
        with s.lock:
            if key and (account.id, key) in s.idempotency:  # Mastodon: the same key answers the same status
                return self.send(200, s.statuses[s.idempotency[(account.id, key)]])
            if self._misbehave("rate_limit_statuses", "server_errors"):
                return None
            if k.reject_reason:
                return self.send(422, {"error": k.reject_reason})
            text = str(form.get("status", ""))
            media_ids = [str(m) for m in form.get("media_ids") or []]
            if len(re.sub(r"https?://\S+", "x" * 23, text)) > s.max_characters:  # a link counts 23
                return self.send(422, {"error": f"Validation failed: Text character limit of "
                                                  f"{s.max_characters} exceeded"})
            if any(m not in s.media or s.media[m]["polls_left"] > 0 for m in media_ids):
                return self.send(422, {"error": "Cannot attach files that have not finished processing. "
                                                 "Try again in a moment!"})
            status_id = s.next_id()
            status = {"id": status_id, "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                      "url": f"{s.url}/@{account.username}/{status_id}", "content": f"<p>{text}</p>",
                      "account": {"id": account.id, "username": account.username},
                      "media_attachments": [{"id": m} for m in media_ids], "favourites_count": 0,
                      "reblogs_count": 0, "replies_count": 0, "visibility": form.get("visibility", "public")}
            s.statuses[status_id] = status
            s.sources[status_id] = text
            if key:
                s.idempotency[(account.id, key)] = status_id
            if k.cut_after_accept > 0:  # the post exists; the client never hears so
                k.cut_after_accept -= 1
                return self.cut()
            if k.malformed > 0:
                k.malformed -= 1
                return self.send(200, b"{not json")
            hold, k.hold_after_accept_s = k.hold_after_accept_s, 0
        if hold:
            time.sleep(hold)  # outside the lock: a retry meanwhile is answered at once
        self.send(200, status)  # the client may be gone (killed while we held the answer)
