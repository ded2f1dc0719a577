"""Mastodon (any instance) over its REST API with httpx, OAuth 2.0 through Authlib.

Our app is registered once per instance (POST /api/v1/apps); an account connects with the
authorization code flow, state and PKCE S256 (Mastodon ≥ 4.3 checks the verifier; older ones
ignore it). Posting sends `Idempotency-Key`: Mastodon keeps the key for an hour per account and
answers a repeat with the status the first request made. Answers map to the failures of `base`:
429 → RateLimited at `X-RateLimit-Reset`, 401 → GrantRevoked, 422 and other 4xx → Rejected with
Mastodon's `error` text, 5xx / connection / timeout / unreadable JSON → Transient.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import OAuth2Client

from maxbooster.services.social.netguard import check_public
from maxbooster.services.social.providers.base import (
    AccountAccess,
    GrantRevoked,
    MediaFile,
    Metrics,
    Profile,
    ProviderError,
    Published,
    RateLimited,
    Rejected,
    Transient,
)
from maxbooster.settings import get_settings

SCOPES = "read:accounts read:statuses write:statuses write:media"
CLIENT_NAME = "Max Booster"
MEDIA_POLL_S = (0.5, 1, 1, 2, 2, 3, 3, 5, 5, 8)  # ~30 s for a video to finish processing


@dataclass(frozen=True)
class AppCredentials:
    client_id: str
    client_secret: str


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    scope: str


def _client(base_url: str) -> httpx.Client:
    """A client for one instance. Mastodon's API paths below are relative to it ("api/v1/…" joins to
    https://host/api/v1/…): they are the instance's paths, not routes of this app."""
    check_public(base_url)
    return httpx.Client(base_url=base_url, timeout=get_settings().social_http_timeout_s,
                        headers={"User-Agent": "MaxBooster/0.1 (+social)"}, follow_redirects=False)


def _retry_at(response: httpx.Response) -> datetime:
    """When a 429 ends: X-RateLimit-Reset (ISO 8601, or epoch seconds), else Retry-After, else a minute."""
    now = datetime.now(UTC)
    reset = response.headers.get("X-RateLimit-Reset", "").strip()
    if reset:
        try:
            if reset.replace(".", "", 1).isdigit():
                value = float(reset)
                return datetime.fromtimestamp(value, UTC) if value > 1e9 else now + timedelta(seconds=value)
            parsed = datetime.fromisoformat(reset.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except ValueError:
            pass
    after = response.headers.get("Retry-After", "").strip()
    if after.isdigit():
        return now + timedelta(seconds=int(after))
    if after:
        try:
            return parsedate_to_datetime(after)
        except (TypeError, ValueError):
            pass
    return now + timedelta(seconds=60)


def _reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        text = body.get("error_description") or body.get("error")
        if isinstance(text, str) and text.strip():
            return text.strip()[:900]
    return f"Mastodon answered HTTP {response.status_code}"


def _json(response: httpx.Response, shape: type = dict) -> Any:
    """The JSON object (or list) of a successful answer; every failure as the typed error it means."""
    status = response.status_code
    if status == 429:
        retry_at = _retry_at(response)
        raise RateLimited(f"Mastodon's rate limit is reached until {retry_at:%H:%M:%S} UTC.", retry_at=retry_at)
    if status == 401:
        raise GrantRevoked("Mastodon no longer accepts our access (revoked or expired): reconnect the account.")
    if status >= 500:
        raise Transient(f"Mastodon answered HTTP {status}; trying again later.")
    if status >= 400:
        raise Rejected(_reason(response), status=status)
    try:
        body = response.json()
    except ValueError as exc:
        raise Transient("Mastodon's answer could not be read (not JSON); trying again later.") from exc
    if not isinstance(body, shape):
        raise Transient("Mastodon's answer had an unexpected shape; trying again later.")
    return body


def _request(client: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    try:
        return client.request(method, path, **kwargs)
    except httpx.TimeoutException as exc:
        raise Transient("Mastodon did not answer in time; trying again later.") from exc
    except httpx.TransportError as exc:
        raise Transient(f"Mastodon could not be reached ({type(exc).__name__}); trying again later.") from exc


def _call(client: httpx.Client, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    body: dict[str, Any] = _json(_request(client, method, path, **kwargs))
    return body


def _created_at(body: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(body["created_at"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None


def _auth(access: AccountAccess) -> dict[str, str]:
    return {"Authorization": f"Bearer {access.access_token}"}


# --- the app and the OAuth grant ------------------------------------------------------------------

def register_app(instance_url: str, *, redirect_uri: str, website: str) -> AppCredentials:
    """Register Max Booster at the instance (its client id and secret)."""
    with _client(instance_url) as client:
        body = _call(client, "POST", "api/v1/apps", data={
            "client_name": CLIENT_NAME, "redirect_uris": redirect_uri, "scopes": SCOPES, "website": website})
    client_id, secret = body.get("client_id"), body.get("client_secret")
    if not isinstance(client_id, str) or not isinstance(secret, str) or not client_id or not secret:
        raise Transient("Mastodon registered the app but sent no client credentials.")
    return AppCredentials(client_id, secret)


def _oauth(app: AppCredentials, redirect_uri: str) -> OAuth2Client:
    return OAuth2Client(client_id=app.client_id, client_secret=app.client_secret, scope=SCOPES,
                        redirect_uri=redirect_uri, code_challenge_method="S256",
                        token_endpoint_auth_method="client_secret_post",  # noqa: S106  (a method name)
                        timeout=get_settings().social_http_timeout_s)


def authorization_url(instance_url: str, app: AppCredentials, *, redirect_uri: str, state: str,
                      code_verifier: str) -> str:
    with _oauth(app, redirect_uri) as oauth:
        url, _ = oauth.create_authorization_url(f"{instance_url}/oauth/authorize", state=state,
                                                code_verifier=code_verifier)
    return str(url)


def _token_set(token: dict[str, Any]) -> TokenSet:
    access = token.get("access_token")
    if not isinstance(access, str) or not access:
        raise Transient("Mastodon's token answer carried no access token.")
    expires_at = None
    if isinstance(token.get("expires_in"), int | float) and token["expires_in"] > 0:
        expires_at = datetime.now(UTC) + timedelta(seconds=float(token["expires_in"]))
    refresh = token.get("refresh_token")
    return TokenSet(access, refresh if isinstance(refresh, str) and refresh else None, expires_at,
                    str(token.get("scope") or ""))


def _token_request(instance_url: str, app: AppCredentials, redirect_uri: str, **params: str) -> TokenSet:
    check_public(instance_url)
    with _oauth(app, redirect_uri) as oauth:
        try:
            if params.get("grant_type") == "refresh_token":
                token = oauth.refresh_token(f"{instance_url}/oauth/token", refresh_token=params["refresh_token"])
            else:
                token = oauth.fetch_token(f"{instance_url}/oauth/token", **params)
        except OAuthError as exc:
            if exc.error in ("invalid_grant", "invalid_client", "unauthorized_client"):
                raise GrantRevoked(f"Mastodon refused the grant ({exc.error}): connect the account again.") from exc
            raise Rejected(f"Mastodon refused the grant: {exc.description or exc.error}") from exc
        except httpx.TransportError as exc:
            raise Transient("Mastodon's sign-in service could not be reached; try again.") from exc
        except ValueError as exc:
            raise Transient("Mastodon's sign-in service sent an unreadable answer; try again.") from exc
    return _token_set(dict(token))


def exchange_code(instance_url: str, app: AppCredentials, *, redirect_uri: str, code: str,
                  code_verifier: str) -> TokenSet:
    """Trade the authorization code (and the PKCE verifier) for tokens."""
    return _token_request(instance_url, app, redirect_uri, grant_type="authorization_code", code=code,
                          code_verifier=code_verifier)


def refresh_tokens(instance_url: str, app: AppCredentials, *, redirect_uri: str, refresh_token: str) -> TokenSet:
    """A new access token from a refresh token (instances that issue expiring tokens)."""
    return _token_request(instance_url, app, redirect_uri, grant_type="refresh_token", refresh_token=refresh_token)


def revoke(instance_url: str, app: AppCredentials, *, token: str) -> None:
    """Tell the instance to forget the token (POST /oauth/revoke); best effort, errors are swallowed."""
    try:
        with _client(instance_url) as client:
            client.post("/oauth/revoke", data={"client_id": app.client_id, "client_secret": app.client_secret,
                                               "token": token})
    except (httpx.HTTPError, ProviderError, ValueError):
        pass


def instance_limits(instance_url: str) -> dict[str, Any]:
    """What the instance accepts in a post (GET /api/v1/instance), keys as `validation.limits_for` reads them."""
    with _client(instance_url) as client:
        body = _call(client, "GET", "api/v1/instance")
    config = _section(body, "configuration")
    statuses, media = _section(config, "statuses"), _section(config, "media_attachments")
    found = {
        "max_characters": statuses.get("max_characters", body.get("max_toot_chars")),
        "characters_reserved_per_url": statuses.get("characters_reserved_per_url"),
        "max_media_attachments": statuses.get("max_media_attachments"),
        "supported_mime_types": media.get("supported_mime_types"),
        "image_size_limit": media.get("image_size_limit"),
        "video_size_limit": media.get("video_size_limit"),
    }
    return {k: v for k, v in found.items() if v is not None}


def _section(body: dict[str, Any], key: str) -> dict[str, Any]:
    value = body.get(key)
    return value if isinstance(value, dict) else {}


# --- the account's own calls -------------------------------------------------------------------------

class MastodonProvider:
    """Posts, media, metrics and the profile of one account at its instance."""

    def upload_media(self, access: AccountAccess, media: MediaFile) -> str:
        with _client(access.instance_url) as client:
            body = _call(client, "POST", "api/v2/media", headers=_auth(access),
                         files={"file": (media.name, media.data, media.mime)},
                         data={"description": media.description} if media.description else None)
            media_id = str(body.get("id") or "")
            if not media_id:
                raise Transient("Mastodon took the file but sent no media id.")
            for wait_s in MEDIA_POLL_S:  # 202: still processing; a status may only attach it once ready
                if body.get("url"):
                    return media_id
                time.sleep(wait_s)
                body = _call(client, "GET", f"api/v1/media/{media_id}", headers=_auth(access))
        if not body.get("url"):
            raise Transient("Mastodon is still processing the media; trying again later.")
        return media_id

    def publish(self, access: AccountAccess, *, text: str, media_ids: list[str], idempotency_key: str) -> Published:
        headers = {**_auth(access), "Idempotency-Key": idempotency_key}
        payload: dict[str, Any] = {"status": text, "visibility": "public"}
        if media_ids:
            payload["media_ids"] = media_ids
        with _client(access.instance_url) as client:
            body = _call(client, "POST", "api/v1/statuses", headers=headers, json=payload)
        remote_id, account = str(body.get("id") or ""), body.get("account")
        if not remote_id:
            raise Transient("Mastodon's answer to the post carried no status id; trying again.")
        owner = str(account.get("id")) if isinstance(account, dict) else ""
        if access.remote_id and owner and owner != access.remote_id:
            raise Rejected("Mastodon answered with a post of another account; it was not recorded.", status=409)
        return Published(remote_id=remote_id, url=str(body.get("url") or body.get("uri") or ""),
                         created_at=_created_at(body))

    def find_published(self, access: AccountAccess, *, text: str, since: datetime) -> Published | None:
        """The account's status made since `since` whose source text is exactly `text`, if any: how a
        retry tells whether an earlier attempt got through once Mastodon has forgotten its key."""
        with _client(access.instance_url) as client:
            listing = _json(_request(client, "GET", f"api/v1/accounts/{access.remote_id}/statuses",
                                     params={"limit": 40, "exclude_reblogs": "true"}, headers=_auth(access)), list)
            for status in listing:
                created = _created_at(status) if isinstance(status, dict) else None
                if created is None or created < since - timedelta(minutes=2):  # newest first: the rest is older
                    break
                source = _call(client, "GET", f"api/v1/statuses/{status.get('id')}/source", headers=_auth(access))
                if source.get("text") == text:
                    return Published(remote_id=str(status["id"]), url=str(status.get("url") or ""),
                                     created_at=created)
        return None

    def metrics(self, access: AccountAccess, *, remote_id: str) -> Metrics:
        with _client(access.instance_url) as client:
            body = _call(client, "GET", f"api/v1/statuses/{remote_id}", headers=_auth(access))
        return Metrics(likes=_count(body, "favourites_count"), reposts=_count(body, "reblogs_count"),
                       replies=_count(body, "replies_count"))

    def profile(self, access: AccountAccess) -> Profile:
        with _client(access.instance_url) as client:
            body = _call(client, "GET", "api/v1/accounts/verify_credentials", headers=_auth(access))
        remote_id, username = str(body.get("id") or ""), str(body.get("username") or "")
        if not remote_id or not username:
            raise Transient("Mastodon's account answer lacked the account id or name.")
        host = urlsplit(access.instance_url).netloc
        return Profile(remote_id=remote_id, handle=f"@{username}@{host}",
                       display_name=str(body.get("display_name") or username)[:200],
                       followers_count=_count(body, "followers_count"))


def _count(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0
