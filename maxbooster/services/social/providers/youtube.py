"""YouTube (Data API v3) with httpx: a channel's videos through the resumable upload, their statistics
and the channel's subscribers.

`upload_media` sends the video through a resumable session (POST …/upload/youtube/v3/videos?
uploadType=resumable → the session URL in Location → PUT in chunks with Content-Range); a cut
connection or a 5xx mid-way asks the session what it has (`Content-Range: bytes */N`) and goes on from
there. The session URL and the confirmed offset are handed to the publisher (`UploadCheckpoint`), which
stores them on the variant: a later attempt, after a worker died mid-upload, asks that same session and
goes on (or takes the video it completed) instead of opening a second upload, which would make a
second video. It is uploaded private; `publish` then sets
its title (the post's first line), description (the rest), category Music and makes it public with
videos.update, which gives the same result however often it is repeated (the publisher records the
uploaded video id first, so a retry only updates). Failures: 401 → GrantRevoked; 403 quotaExceeded /
uploadLimitExceeded → RateLimited until the quota's reset (midnight Pacific time); 403
rateLimitExceeded / 429 → RateLimited (Retry-After, else a minute); 5xx / connection / timeout /
unreadable JSON → Transient; other 4xx → Rejected with YouTube's message.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

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
    UploadCheckpoint,
)
from maxbooster.services.social.validation import youtube_parts
from maxbooster.settings import get_settings

CHUNK_BYTES = 32 * 256 * 1024  # 8 MiB; YouTube wants chunks in multiples of 256 KiB (all but the last)
RESUME_TRIES = 5
MUSIC_CATEGORY = "10"
QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded", "uploadLimitExceeded"}
RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
PACIFIC = ZoneInfo("America/Los_Angeles")


def _client(access: AccountAccess) -> httpx.Client:
    """A client for the Data API; paths are YouTube's ("youtube/v3/videos" under https://www.googleapis.com)."""
    return httpx.Client(base_url=f"{get_settings().youtube_api_base.rstrip('/')}/",
                        timeout=get_settings().social_http_timeout_s, follow_redirects=False,
                        headers={"Authorization": f"Bearer {access.access_token}",
                                 "User-Agent": "MaxBooster/0.1 (+social)"})


def quota_reset(now: datetime | None = None) -> datetime:
    """The next midnight in Pacific time, when YouTube's daily quota starts again."""
    local = (now or datetime.now(UTC)).astimezone(PACIFIC)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), PACIFIC)
    return midnight.astimezone(UTC)


def _error(response: httpx.Response) -> tuple[str, str]:
    """(reason, message) of YouTube's `{"error": {"code", "message", "errors": [{"reason"}]}}`."""
    try:
        body = response.json()
    except ValueError:
        return "", f"YouTube answered HTTP {response.status_code}"
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "", f"YouTube answered HTTP {response.status_code}"
    errors = error.get("errors")
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    message = error.get("message") or first.get("message") or f"YouTube answered HTTP {response.status_code}"
    return str(first.get("reason") or ""), str(message)[:900]


def _raise_for(response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    reason, message = _error(response)
    if status == 401:
        raise GrantRevoked("YouTube no longer accepts our access (revoked or expired): reconnect the account.")
    if status == 403 and reason in QUOTA_REASONS:
        at = quota_reset()
        raise RateLimited(f"YouTube's daily quota is used up ({reason}) until {at:%H:%M} UTC.", retry_at=at)
    if status == 429 or (status == 403 and reason in RATE_REASONS):
        after = response.headers.get("Retry-After", "").strip()
        at = datetime.now(UTC) + timedelta(seconds=int(after) if after.isdigit() else 60)
        raise RateLimited(f"YouTube asks us to slow down until {at:%H:%M:%S} UTC.", retry_at=at)
    if status >= 500:
        raise Transient(f"YouTube answered HTTP {status}; trying again later.")
    raise Rejected(message, status=status)


def _send(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    try:
        return client.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise Transient("YouTube did not answer in time; trying again later.") from exc
    except httpx.TransportError as exc:
        raise Transient(f"YouTube could not be reached ({type(exc).__name__}); trying again later.") from exc


def _json(response: httpx.Response) -> dict[str, Any]:
    _raise_for(response)
    try:
        body = response.json()
    except ValueError as exc:
        raise Transient("YouTube's answer could not be read (not JSON); trying again later.") from exc
    if not isinstance(body, dict):
        raise Transient("YouTube's answer had an unexpected shape; trying again later.")
    return body


def _number(values: Any, key: str) -> int:
    """YouTube's counts are strings of digits ("1234")."""
    value = values.get(key) if isinstance(values, dict) else None
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    return int(text) if text.isdigit() else 0


def _first_item(body: dict[str, Any]) -> dict[str, Any] | None:
    items = body.get("items")
    return items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else None


class YouTubeProvider:
    """Videos, their statistics and the channel of one YouTube account."""

    def upload_media(self, access: AccountAccess, media: MediaFile) -> str:
        return self.upload_resumable(access, media, UploadCheckpoint())

    def upload_resumable(self, access: AccountAccess, media: MediaFile, checkpoint: UploadCheckpoint) -> str:
        """The video's id. With a session in `checkpoint` (an earlier attempt's, maybe of a worker that
        died) it asks YouTube what that session has and goes on from there, or takes the video it already
        made; a new session is saved to `checkpoint` before its first byte is sent."""
        if not media.mime.startswith("video/"):
            raise Rejected(f"YouTube takes videos, not {media.mime}.", status=415)
        if not media.data:
            raise Rejected(f"{media.name} is empty; attach the video again.", status=422)
        with _client(access) as client:
            video: dict[str, Any] | None = None
            if checkpoint.session_url:
                try:
                    video = _upload(client, checkpoint.session_url, media, checkpoint, ask=True)
                except _SessionGone:  # expired before it was complete: no video was made with it
                    video = None
            if video is None:
                session_url = _open_session(client, media)
                checkpoint.confirm(session_url, 0)
                video = _upload(client, session_url, media, checkpoint)
        video_id = str(video.get("id") or "")
        if not video_id:
            raise Transient("YouTube took the video but sent no video id; trying again.")
        return video_id

    def publish(self, access: AccountAccess, *, text: str, media_ids: list[str], idempotency_key: str) -> Published:
        if len(media_ids) != 1:
            raise Rejected("A YouTube post is exactly one video.", status=422)
        title, description = youtube_parts(text)
        if not title:
            raise Rejected("A YouTube video needs a title (the post's first line).", status=422)
        body = {"id": media_ids[0], "snippet": {"title": title[:100], "description": description[:5000],
                                                "categoryId": MUSIC_CATEGORY},
                "status": {"privacyStatus": "public", "selfDeclaredMadeForKids": False}}
        with _client(access) as client:
            video = _json(_send(client, "PUT", "youtube/v3/videos", params={"part": "snippet,status"}, json=body))
        video_id = str(video.get("id") or media_ids[0])
        return Published(remote_id=video_id, url=f"https://www.youtube.com/watch?v={video_id}",
                         created_at=datetime.now(UTC))

    def find_published(self, access: AccountAccess, *, text: str, since: datetime) -> Published | None:
        """Nothing to look for: publishing updates the uploaded video, which is the same however often it runs."""
        return None

    def metrics(self, access: AccountAccess, *, remote_id: str) -> Metrics:
        with _client(access) as client:
            item = _first_item(_json(_send(client, "GET", "youtube/v3/videos",
                                           params={"part": "statistics", "id": remote_id})))
        if item is None:
            raise Rejected("YouTube has no such video any more (deleted or made private).", status=404)
        stats = item.get("statistics")
        # the Data API reports views, not impressions: views stand in for reach here
        return Metrics(likes=_number(stats, "likeCount"), reposts=0, replies=_number(stats, "commentCount"),
                       impressions=_number(stats, "viewCount"))

    def profile(self, access: AccountAccess) -> Profile:
        with _client(access) as client:
            item = _first_item(_json(_send(client, "GET", "youtube/v3/channels",
                                           params={"part": "snippet,statistics", "mine": "true"})))
        if item is None or not item.get("id"):
            raise Rejected("This Google account has no YouTube channel; create one on YouTube, then connect again.",
                           status=404)
        found = item.get("snippet")
        snippet: dict[str, Any] = found if isinstance(found, dict) else {}
        title = str(snippet.get("title") or "YouTube channel")
        return Profile(remote_id=str(item["id"]), handle=str(snippet.get("customUrl") or title)[:200],
                       display_name=title[:200], followers_count=_number(item.get("statistics"), "subscriberCount"))


class _SessionGone(Transient):
    """The upload session expired or was dropped: the whole upload starts again on the next attempt."""


def _open_session(client: httpx.Client, media: MediaFile) -> str:
    """Start a resumable upload of a private video; its session URL (YouTube's Location header)."""
    metadata = {"snippet": {"title": media.name[:100] or "Video", "categoryId": MUSIC_CATEGORY},
                "status": {"privacyStatus": "private", "selfDeclaredMadeForKids": False}}
    start = _send(client, "POST", "upload/youtube/v3/videos", json=metadata,
                  params={"uploadType": "resumable", "part": "snippet,status"},
                  headers={"X-Upload-Content-Length": str(len(media.data)), "X-Upload-Content-Type": media.mime})
    _raise_for(start)
    session_url = start.headers.get("Location", "")
    if not session_url:
        raise Transient("YouTube opened no upload session; trying again later.")
    return session_url


def _upload(client: httpx.Client, session_url: str, media: MediaFile, checkpoint: UploadCheckpoint,
            *, ask: bool = False) -> dict[str, Any]:
    """PUT the bytes from where the session stands, asking it first when `ask` and after each failure
    (`Content-Range: bytes */N`); each confirmed offset goes to `checkpoint`. The video resource."""
    total, offset, failures = len(media.data), 0, 0
    while True:
        try:
            if ask:  # how much did YouTube keep?
                response = _send(client, "PUT", session_url, content=b"", headers={"Content-Range": f"bytes */{total}"})
                if response.status_code in (404, 410):
                    raise _SessionGone("YouTube's upload session expired; the upload starts again.")
            else:
                end = min(offset + CHUNK_BYTES, total)
                response = _send(client, "PUT", session_url, content=media.data[offset:end], headers={
                    "Content-Range": f"bytes {offset}-{end - 1}/{total}", "Content-Type": media.mime})
            if response.status_code >= 500:
                raise Transient(f"YouTube answered HTTP {response.status_code} during the upload.")
        except _SessionGone:
            raise
        except Transient:
            failures += 1
            if failures > RESUME_TRIES:
                raise
            time.sleep(min(0.2 * 2 ** failures, 5))
            ask = True
            continue
        ask = False
        if response.status_code in (200, 201):
            return _json(response)
        if response.status_code != 308:
            _raise_for(response)
            raise Transient(f"YouTube answered HTTP {response.status_code} during the upload; trying again later.")
        offset = _received(response)
        checkpoint.confirm(session_url, offset)


def _received(response: httpx.Response) -> int:
    """The next byte to send after a 308: one past the end of its `Range: bytes=0-N` (none: 0)."""
    value = response.headers.get("Range", "")
    _, _, last = value.partition("-")
    return int(last) + 1 if last.strip().isdigit() else 0
