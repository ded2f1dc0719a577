"""X (API v2) with httpx: posts, chunked media upload, metrics and the profile of one account.

X has no idempotency keys, so a post is never simply sent again: before any retry the publisher
asks `find_published` (the account's own posts since the first attempt with the same text, X's
t.co links expanded back), and only posts when there is none (`key_trusted_for` is zero). X also
refuses an exact duplicate of a recent post (403), which is a second guard, not the first.
Answers map to the failures of `base`: 429 → RateLimited at `x-rate-limit-reset` (epoch seconds),
401 → GrantRevoked, other 4xx → Rejected with X's `detail`, 5xx / connection / timeout /
unreadable JSON → Transient.
"""

from __future__ import annotations

import html
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from maxbooster.services.social.providers.base import (
    AccountAccess,
    GrantRevoked,
    MediaFile,
    Metrics,
    Profile,
    Published,
    RateLimited,
    Rejected,
    Transient,
)
from maxbooster.settings import get_settings

CHUNK_BYTES = 4 * 1024 * 1024  # an APPEND segment (X takes up to 5 MB)
MEDIA_POLL_LIMIT_S = 60.0
CATEGORIES = {"image/gif": "tweet_gif"}


def _client(access: AccountAccess) -> httpx.Client:
    """A client for X's API; paths below are X's ("2/tweets" joins to https://api.x.com/2/tweets)."""
    return httpx.Client(base_url=f"{get_settings().x_api_base.rstrip('/')}/",
                        timeout=get_settings().social_http_timeout_s, follow_redirects=False,
                        headers={"Authorization": f"Bearer {access.access_token}",
                                 "User-Agent": "MaxBooster/0.1 (+social)"})


def retry_at(response: httpx.Response) -> datetime:
    """When X's rate window ends: x-rate-limit-reset (epoch seconds), else Retry-After, else a minute."""
    now = datetime.now(UTC)
    for header, epoch in (("x-rate-limit-reset", True), ("retry-after", False)):
        value = response.headers.get(header, "").strip()
        if value.isdigit():
            return datetime.fromtimestamp(int(value), UTC) if epoch else now + timedelta(seconds=int(value))
    return now + timedelta(seconds=60)


def _reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        errors = body.get("errors")
        first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
        for text in (first.get("message"), body.get("detail"), first.get("detail"), body.get("title")):
            if isinstance(text, str) and text.strip():
                return text.strip()[:900]
    return f"X answered HTTP {response.status_code}"


def _json(response: httpx.Response) -> dict[str, Any]:
    status = response.status_code
    if status == 429:
        at = retry_at(response)
        raise RateLimited(f"X's rate limit is reached until {at:%H:%M:%S} UTC.", retry_at=at)
    if status == 401:
        raise GrantRevoked("X no longer accepts our access (revoked or expired): reconnect the account.")
    if status >= 500:
        raise Transient(f"X answered HTTP {status}; trying again later.")
    if status >= 400:
        raise Rejected(_reason(response), status=status)
    if status == 204 or not response.content:
        return {}
    try:
        body = response.json()
    except ValueError as exc:
        raise Transient("X's answer could not be read (not JSON); trying again later.") from exc
    if not isinstance(body, dict):
        raise Transient("X's answer had an unexpected shape; trying again later.")
    return body


def _call(client: httpx.Client, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    try:
        response = client.request(method, path, **kwargs)
    except httpx.TimeoutException as exc:
        raise Transient("X did not answer in time; trying again later.") from exc
    except httpx.TransportError as exc:
        raise Transient(f"X could not be reached ({type(exc).__name__}); trying again later.") from exc
    return _json(response)


def _data(body: dict[str, Any]) -> dict[str, Any]:
    data = body.get("data")
    if not isinstance(data, dict):
        raise Transient("X's answer carried no data; trying again later.")
    return data


def _count(values: Any, *keys: str) -> int:
    if not isinstance(values, dict):
        return 0
    return sum(v for k in keys if isinstance(v := values.get(k), int) and not isinstance(v, bool) and v > 0)


def as_posted(tweet: dict[str, Any]) -> str:
    """A post's text as its author wrote it: X's t.co links expanded, the attached media's link dropped,
    entities unescaped (X answers "&amp;" for "&")."""
    note = tweet.get("note_tweet")
    text = str(note.get("text") if isinstance(note, dict) and note.get("text") else tweet.get("text") or "")
    entities = note.get("entities") if isinstance(note, dict) and note.get("text") else tweet.get("entities")
    urls = entities.get("urls") if isinstance(entities, dict) else None
    for url in urls if isinstance(urls, list) else []:
        if isinstance(url, dict) and isinstance(url.get("url"), str):
            full = "" if url.get("media_key") else str(url.get("expanded_url") or url["url"])
            text = text.replace(url["url"], full)
    return html.unescape(text).strip()


class XProvider:
    """Posts, media, metrics and the profile of one X account."""

    key_trusted_for = timedelta(0)  # no idempotency keys: every retry looks for the post first

    def upload_media(self, access: AccountAccess, media: MediaFile) -> str:
        kind = media.mime.split("/", 1)[0]
        category = CATEGORIES.get(media.mime, f"tweet_{kind}" if kind in ("image", "video") else "")
        if not category:
            raise Rejected(f"X does not take {media.mime} files.", status=415)
        with _client(access) as client:
            init = _data(_call(client, "POST", "2/media/upload/initialize", json={
                "media_type": media.mime, "total_bytes": len(media.data), "media_category": category}))
            media_id = str(init.get("id") or "")
            if not media_id:
                raise Transient("X started the upload but sent no media id.")
            for index, start in enumerate(range(0, len(media.data), CHUNK_BYTES)):
                _call(client, "POST", f"2/media/upload/{media_id}/append", data={"segment_index": str(index)},
                      files={"media": (media.name, media.data[start:start + CHUNK_BYTES], "application/octet-stream")})
            info = _data(_call(client, "POST", f"2/media/upload/{media_id}/finalize")).get("processing_info")
            waited = 0.0
            while isinstance(info, dict) and info.get("state") in ("pending", "in_progress"):
                if waited >= MEDIA_POLL_LIMIT_S:
                    raise Transient("X is still processing the media; trying again later.")
                pause = min(max(float(info.get("check_after_secs") or 1), 0.2), 10.0)
                time.sleep(pause)
                waited += pause
                info = _data(_call(client, "GET", "2/media/upload", params={
                    "command": "STATUS", "media_id": media_id})).get("processing_info")
            if isinstance(info, dict) and info.get("state") == "failed":
                error = info.get("error")
                message = error.get("message") if isinstance(error, dict) else None
                raise Rejected(f"X could not process {media.name}: {message or 'unsupported media'}", status=422)
        return media_id

    def publish(self, access: AccountAccess, *, text: str, media_ids: list[str], idempotency_key: str) -> Published:
        payload: dict[str, Any] = {"text": text}
        if media_ids:
            payload["media"] = {"media_ids": media_ids}
        with _client(access) as client:
            data = _data(_call(client, "POST", "2/tweets", json=payload))
        remote_id = str(data.get("id") or "")
        if not remote_id:
            raise Transient("X's answer to the post carried no post id; trying again.")
        return Published(remote_id=remote_id, url=f"https://x.com/i/web/status/{remote_id}",
                         created_at=datetime.now(UTC))

    def find_published(self, access: AccountAccess, *, text: str, since: datetime) -> Published | None:
        """The account's own post since `since` whose text, as written, is `text` (replies and reposts aside)."""
        start = (since - timedelta(minutes=2)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with _client(access) as client:
            body = _call(client, "GET", f"2/users/{access.remote_id}/tweets", params={
                "start_time": start, "max_results": 100, "exclude": "retweets,replies",
                "tweet.fields": "created_at,entities,note_tweet"})
        tweets = body.get("data")
        wanted = text.strip()
        for tweet in tweets if isinstance(tweets, list) else []:
            if isinstance(tweet, dict) and tweet.get("id") and as_posted(tweet) == wanted:
                created = _parse_time(tweet.get("created_at"))
                return Published(remote_id=str(tweet["id"]), url=f"https://x.com/i/web/status/{tweet['id']}",
                                 created_at=created)
        return None

    def metrics(self, access: AccountAccess, *, remote_id: str) -> Metrics:
        with _client(access) as client:
            data = _data(_call(client, "GET", f"2/tweets/{remote_id}",
                               params={"tweet.fields": "public_metrics,non_public_metrics"}))
        public, private = data.get("public_metrics"), data.get("non_public_metrics")
        impressions = _count(private, "impression_count") or _count(public, "impression_count")
        return Metrics(likes=_count(public, "like_count"), reposts=_count(public, "retweet_count", "quote_count"),
                       replies=_count(public, "reply_count"), impressions=impressions)

    def profile(self, access: AccountAccess) -> Profile:
        with _client(access) as client:
            data = _data(_call(client, "GET", "2/users/me", params={"user.fields": "public_metrics"}))
        remote_id, username = str(data.get("id") or ""), str(data.get("username") or "")
        if not remote_id or not username:
            raise Transient("X's account answer lacked the account id or name.")
        return Profile(remote_id=remote_id, handle=f"@{username}", display_name=str(data.get("name") or username)[:200],
                       followers_count=_count(data.get("public_metrics"), "followers_count"))


def _parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
