"""Facebook Pages and Instagram professional accounts through the Graph API (versioned base URL from
GRAPH_API_BASE), with httpx and the Page's token (plus `appsecret_proof`).

Facebook: photos are uploaded unpublished (POST /{page}/photos, published=false) and attached to one
feed post (POST /{page}/feed with attached_media); text alone is a feed post; a video is posted with
POST /{page}/videos, Facebook fetching it from a signed URL of ours (`file_url`). Instagram fetches
media by URL, so `upload_media` only names the stored file; `publish` gives Instagram signed, public,
expiring URLs of ours (/api/media/… under API_URL), makes a container per item (a photo with
image_url, a video as a Reel: media_type REELS with video_url; a carousel of up to 10 with
`is_carousel_item`, its videos media_type VIDEO), waits for `status_code` FINISHED (a container in
ERROR refuses the post with Instagram's reason) and calls /{ig-user}/media_publish.
Neither has idempotency keys: every retry first looks for the post among the account's recent ones
with the same text (`key_trusted_for` zero). Errors `{"error": {"message", "type", "code",
"error_subcode"}}`: code 190 → GrantRevoked; 4, 17, 32, 613 and 80001–80014 → RateLimited (until the
usage header's estimated_time_to_regain_access, else a minute); 1, 2 or is_transient, and 5xx →
Transient; anything else → Rejected with Facebook's message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from maxbooster.services import media as signed_media
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

RATE_CODES = {4, 17, 32, 613, *range(80001, 80015)}
CONTAINER_POLL_S = (0.2, 0.5, 1, 1, 2, 2, 3, 5, 5, 10, 10, 10)  # ~50 s for a video container
MEDIA_URL_TTL_S = 6 * 3600


def _proof(token: str) -> str:
    """appsecret_proof: HMAC-SHA256 of the token under our app secret (Graph refuses calls without it when
    the app requires it, and it ties a stolen token to our app)."""
    return hmac.new(get_settings().facebook_app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def _client(token: str) -> httpx.Client:
    return httpx.Client(base_url=f"{get_settings().graph_api_base.rstrip('/')}/",
                        timeout=get_settings().social_http_timeout_s, follow_redirects=False,
                        params={"appsecret_proof": _proof(token)},
                        headers={"Authorization": f"Bearer {token}", "User-Agent": "MaxBooster/0.1 (+social)"})


def _regain_at(response: httpx.Response) -> datetime:
    """When Graph's usage throttle ends: the largest estimated_time_to_regain_access (minutes) in its headers."""
    minutes = 0
    raw = response.headers.get("X-Business-Use-Case-Usage", "")
    try:
        usage = json.loads(raw) if raw else {}
    except ValueError:
        usage = {}
    for entries in usage.values() if isinstance(usage, dict) else []:
        for entry in entries if isinstance(entries, list) else []:
            value = entry.get("estimated_time_to_regain_access") if isinstance(entry, dict) else None
            if isinstance(value, int) and value > minutes:
                minutes = value
    return datetime.now(UTC) + (timedelta(minutes=minutes) if minutes else timedelta(seconds=60))


def _json(response: httpx.Response, network: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        if response.status_code >= 500 or response.status_code < 400:
            raise Transient(f"{network}'s answer could not be read (HTTP {response.status_code}); trying again "
                            "later.") from exc
        raise Rejected(f"{network} answered HTTP {response.status_code}", status=response.status_code) from exc
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code, message = error.get("code"), str(error.get("message") or f"HTTP {response.status_code}")[:900]
        if code == 190 or response.status_code == 401:
            raise GrantRevoked(f"{network} no longer accepts our access ({message}): reconnect the account.")
        if code in RATE_CODES or response.status_code == 429:
            at = _regain_at(response)
            raise RateLimited(f"{network}'s rate limit is reached until {at:%H:%M:%S} UTC.", retry_at=at)
        if code in (1, 2) or error.get("is_transient") or response.status_code >= 500:
            raise Transient(f"{network} had a temporary problem ({message}); trying again later.")
        raise Rejected(message, status=response.status_code)
    if response.status_code >= 400:
        if response.status_code >= 500:
            raise Transient(f"{network} answered HTTP {response.status_code}; trying again later.")
        raise Rejected(f"{network} answered HTTP {response.status_code}", status=response.status_code)
    if not isinstance(body, dict):
        raise Transient(f"{network}'s answer had an unexpected shape; trying again later.")
    return body


def call(token: str, method: str, path: str, network: str = "Facebook", **kwargs: Any) -> dict[str, Any]:
    """One Graph request with the token; its JSON object, or the typed failure it means."""
    with _client(token) as client:
        try:
            response = client.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise Transient(f"{network} did not answer in time; trying again later.") from exc
        except httpx.TransportError as exc:
            raise Transient(f"{network} could not be reached ({type(exc).__name__}); trying again later.") from exc
    return _json(response, network)


def _id(body: dict[str, Any], what: str, network: str) -> str:
    value = str(body.get("id") or "")
    if not value:
        raise Transient(f"{network}'s answer to {what} carried no id; trying again.")
    return value


def _int(values: Any, *path: str) -> int:
    for key in path:
        values = values.get(key) if isinstance(values, dict) else None
    return values if isinstance(values, int) and not isinstance(values, bool) and values >= 0 else 0


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _created(value: Any) -> datetime | None:
    try:  # Graph's timestamps: 2026-12-10T09:00:00+0000
        return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None


class FacebookPageProvider:
    """Posts, photos, counts and followers of one Facebook Page (`remote_id` is the Page id)."""

    key_trusted_for = timedelta(0)

    def upload_media(self, access: AccountAccess, media: MediaFile) -> str:
        """A photo: uploaded unpublished, its id. A video: named for `publish`, which has Facebook fetch it."""
        if media.mime.startswith("video/") and media.key:
            return f"{media.mime}|{media.key}|{media.name}"
        if not media.mime.startswith("image/"):
            raise Rejected(f"A Facebook Page post takes images or one video, not {media.mime}.", status=415)
        body = call(access.access_token, "POST", f"{access.remote_id}/photos", data={"published": "false"},
                    files={"source": (media.name, media.data, media.mime)})
        return _id(body, "the photo upload", "Facebook")

    def publish(self, access: AccountAccess, *, text: str, media_ids: list[str], idempotency_key: str) -> Published:
        videos = [m for m in media_ids if "|" in m]
        if videos:
            if len(media_ids) != 1:
                raise Rejected("A Facebook video post has the video alone.", status=422)
            _, url = public_url(videos[0])
            body = call(access.access_token, "POST", f"{access.remote_id}/videos",
                        data={"file_url": url, "description": text})
            video_id = _id(body, "the video", "Facebook")
            return Published(remote_id=video_id, url=f"https://www.facebook.com/{access.remote_id}/videos/{video_id}",
                             created_at=datetime.now(UTC))
        data = {"message": text}
        for index, media_id in enumerate(media_ids):
            data[f"attached_media[{index}]"] = json.dumps({"media_fbid": media_id})
        post_id = _id(call(access.access_token, "POST", f"{access.remote_id}/feed", data=data), "the post", "Facebook")
        return Published(remote_id=post_id, url=f"https://www.facebook.com/{post_id}", created_at=datetime.now(UTC))

    def find_published(self, access: AccountAccess, *, text: str, since: datetime) -> Published | None:
        body = call(access.access_token, "GET", f"{access.remote_id}/posts", params={
            "fields": "id,message,created_time,permalink_url", "limit": 50,
            "since": int((since - timedelta(minutes=2)).timestamp())})
        for post in _list(body.get("data")):
            if isinstance(post, dict) and post.get("id") and post.get("message") == text:
                return Published(remote_id=str(post["id"]), url=str(post.get("permalink_url") or ""),
                                 created_at=_created(post.get("created_time")))
        return None

    def metrics(self, access: AccountAccess, *, remote_id: str) -> Metrics:
        body = call(access.access_token, "GET", remote_id, params={
            "fields": "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares"})
        impressions = _insight(access.access_token, remote_id, "post_impressions", "Facebook")
        return Metrics(likes=_int(body, "reactions", "summary", "total_count"), reposts=_int(body, "shares", "count"),
                       replies=_int(body, "comments", "summary", "total_count"), impressions=impressions)

    def profile(self, access: AccountAccess) -> Profile:
        body = call(access.access_token, "GET", access.remote_id, params={"fields": "id,name,username,followers_count"})
        name = str(body.get("name") or "Facebook Page")
        return Profile(remote_id=_id(body, "the Page", "Facebook"), handle=str(body.get("username") or name)[:200],
                       display_name=name[:200], followers_count=_int(body, "followers_count"))


class InstagramProvider:
    """Posts (single or carousel), counts and followers of one Instagram professional account."""

    key_trusted_for = timedelta(0)

    def upload_media(self, access: AccountAccess, media: MediaFile) -> str:
        """Instagram fetches media itself: name the stored file (its type and key) for `publish`."""
        if not media.key:
            raise Rejected(f"{media.name} is not a stored file Instagram can fetch.", status=422)
        return f"{media.mime}|{media.key}|{media.name}"

    def publish(self, access: AccountAccess, *, text: str, media_ids: list[str], idempotency_key: str) -> Published:
        if not 1 <= len(media_ids) <= 10:
            raise Rejected("An Instagram post has 1 to 10 photos or videos.", status=422)
        user, token = access.remote_id, access.access_token
        if len(media_ids) == 1:
            container = _container(token, user, media_ids[0], caption=text)
        else:
            children = [_container(token, user, item, carousel_item=True) for item in media_ids]
            container = _id(call(token, "POST", f"{user}/media", "Instagram", data={
                "media_type": "CAROUSEL", "children": ",".join(children), "caption": text}), "the carousel",
                "Instagram")
        _wait_finished(token, container, "video" if _is_video(media_ids[0]) and len(media_ids) == 1 else "media")
        media_id = _id(call(token, "POST", f"{user}/media_publish", "Instagram", data={"creation_id": container}),
                       "the publish", "Instagram")
        link = call(token, "GET", media_id, "Instagram", params={"fields": "permalink"}).get("permalink")
        return Published(remote_id=media_id, url=str(link or ""), created_at=datetime.now(UTC))

    def find_published(self, access: AccountAccess, *, text: str, since: datetime) -> Published | None:
        body = call(access.access_token, "GET", f"{access.remote_id}/media", "Instagram", params={
            "fields": "id,caption,timestamp,permalink", "limit": 25})
        for item in _list(body.get("data")):
            created = _created(item.get("timestamp")) if isinstance(item, dict) else None
            if created is None or created < since - timedelta(minutes=2):
                continue
            if (item.get("caption") or "") == text:
                return Published(remote_id=str(item["id"]), url=str(item.get("permalink") or ""), created_at=created)
        return None

    def metrics(self, access: AccountAccess, *, remote_id: str) -> Metrics:
        body = call(access.access_token, "GET", remote_id, "Instagram", params={"fields": "like_count,comments_count"})
        return Metrics(likes=_int(body, "like_count"), reposts=0, replies=_int(body, "comments_count"),
                       impressions=_insight(access.access_token, remote_id, "reach", "Instagram"))

    def profile(self, access: AccountAccess) -> Profile:
        body = call(access.access_token, "GET", access.remote_id, "Instagram",
                    params={"fields": "id,username,name,followers_count"})
        username = str(body.get("username") or "")
        return Profile(remote_id=_id(body, "the account", "Instagram"), handle=f"@{username}"[:200],
                       display_name=str(body.get("name") or username)[:200],
                       followers_count=_int(body, "followers_count"))


def _insight(token: str, object_id: str, metric: str, network: str) -> int | None:
    """One lifetime insight value, or None when Graph will not give it (too new, no permission)."""
    try:
        body = call(token, "GET", f"{object_id}/insights", network, params={"metric": metric})
    except Rejected:
        return None
    data = body.get("data")
    first = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
    values = first.get("values")
    value = values[0].get("value") if isinstance(values, list) and values and isinstance(values[0], dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _is_video(media_ref: str) -> bool:
    return media_ref.startswith("video/")


def public_url(media_ref: str) -> tuple[str, str]:
    """(mime, a signed public URL under API_URL that serves the stored file for a few hours)."""
    mime, key, name = (media_ref.split("|", 2) + ["", ""])[:3]
    path = signed_media.media_url(owner_id=uuid.UUID(int=0), key=key, filename=name or "media",  # public: no owner
                                  content_type=mime, expires_s=MEDIA_URL_TTL_S, public=True)
    return mime, get_settings().api_url.rstrip("/") + path


def _container(token: str, user: str, media_ref: str, *, caption: str = "", carousel_item: bool = False) -> str:
    """A media container for one item: a photo (image_url), a Reel (media_type REELS, video_url) or, in a
    carousel, a video item (media_type VIDEO); a carousel's video item is waited for here, since the
    carousel container can only be made from finished items."""
    mime, url = public_url(media_ref)
    video = mime.startswith("video/")
    data = {"video_url": url, "media_type": "VIDEO" if carousel_item else "REELS"} if video else {"image_url": url}
    if carousel_item:
        data["is_carousel_item"] = "true"
    if caption:
        data["caption"] = caption
    container = _id(call(token, "POST", f"{user}/media", "Instagram", data=data), "the media container", "Instagram")
    if video and carousel_item:
        _wait_finished(token, container, "video")
    return container


# Instagram's error subcodes of a container that ended in ERROR, in words that say what to do
CONTAINER_ERRORS = {
    "2207026": "Its format is not supported: export it as MP4 (H.264 video, AAC audio), then attach it again.",
    "2207003": "Instagram took too long to download it: try a smaller file.",
    "2207052": "Instagram could not fetch it from our server: try again later.",
    "2207005": "Its format is not supported: use a JPEG photo.",
}


def _wait_finished(token: str, container: str, what: str = "media") -> None:
    """Poll the container's status_code until FINISHED; ERROR / EXPIRED refuse the post with Instagram's
    reason (its `status`, which names an error subcode)."""
    for pause in (0, *CONTAINER_POLL_S):
        time.sleep(pause)
        body = call(token, "GET", container, "Instagram", params={"fields": "status_code,status"})
        status = body.get("status_code")
        if status in ("FINISHED", "PUBLISHED"):
            return
        if status == "EXPIRED":
            raise Rejected(f"it did not publish the {what} within 24 hours of receiving it; schedule the post again.")
        if status == "ERROR":
            detail = str(body.get("status") or "no reason given")[:300]
            code = re.search(r"\b(22\d{5})\b", detail)
            hint = CONTAINER_ERRORS.get(code.group(1), "") if code else ""
            raise Rejected(f"it could not use the {what} ({detail}).{' ' + hint if hint else ''}", status=422)
    raise Transient(f"Instagram is still processing the {what}; trying again later.")
