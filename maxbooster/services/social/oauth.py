"""OAuth 2.0 for the networks where Max Booster is one app with credentials from settings (X, Facebook
and Instagram through Facebook Login, YouTube through Google), with Authlib's httpx client.

Every grant uses the authorization code flow with state and PKCE S256; the token endpoint's answers
map to the failures of `providers.base`: invalid_grant / invalid_client → GrantRevoked (connect
again), another OAuth error → Rejected, unreachable / unreadable → Transient. Mastodon registers an
app per instance and keeps its own flow (providers/mastodon.py).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import OAuth2Client

from maxbooster import routes
from maxbooster.models.social import SocialNetwork
from maxbooster.services.social.providers.base import GrantRevoked, Rejected, Transient
from maxbooster.services.social.validation import network_name as name_of
from maxbooster.settings import Settings, get_settings

X_SCOPES = "tweet.read tweet.write users.read media.write offline.access"
YOUTUBE_SCOPES = ("https://www.googleapis.com/auth/youtube.upload "
                  "https://www.googleapis.com/auth/youtube.readonly")
FACEBOOK_SCOPES = ("pages_show_list,pages_read_engagement,pages_manage_posts,read_insights,business_management,"
                   "instagram_basic,instagram_content_publish,instagram_manage_insights")


@dataclass(frozen=True)
class OAuthConfig:
    """Where and how one network's grant is asked for and traded."""

    network: str
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    revoke_url: str
    scope: str
    auth_method: str  # how our client authenticates at the token endpoint (X wants HTTP Basic)
    authorize_params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    scope: str


def callback_url(network: str, settings: Settings | None = None) -> str:
    """The callback URL registered at the network: from API_URL, never from a request's Host."""
    return (settings or get_settings()).api_url.rstrip("/") + routes.SOCIAL_CONNECT_CALLBACK.format(network=network)


def config_for(network: str, settings: Settings | None = None) -> OAuthConfig | None:
    """The network's OAuth settings, or None when its client id and secret are not configured."""
    s = settings or get_settings()
    if network == SocialNetwork.X and s.x_client_id.strip() and s.x_client_secret.strip():
        base = s.x_api_base.rstrip("/")
        return OAuthConfig(network, s.x_client_id.strip(), s.x_client_secret.strip(), s.x_authorize_url,
                           f"{base}/2/oauth2/token", f"{base}/2/oauth2/revoke", X_SCOPES, "client_secret_basic")
    if network in (SocialNetwork.FACEBOOK, SocialNetwork.INSTAGRAM) and s.facebook_app_id.strip() \
            and s.facebook_app_secret.strip():
        base = s.graph_api_base.rstrip("/")
        return OAuthConfig(SocialNetwork.FACEBOOK, s.facebook_app_id.strip(), s.facebook_app_secret.strip(),
                           s.facebook_authorize_url, f"{base}/oauth/access_token", "", FACEBOOK_SCOPES,
                           "client_secret_post")
    if network == SocialNetwork.YOUTUBE and s.google_client_id.strip() and s.google_client_secret.strip():
        base = s.google_oauth_base.rstrip("/")
        return OAuthConfig(network, s.google_client_id.strip(), s.google_client_secret.strip(),
                           s.google_oauth_authorize_url, f"{base}/token", f"{base}/revoke", YOUTUBE_SCOPES,
                           "client_secret_post", {"access_type": "offline", "prompt": "consent",
                                                  "include_granted_scopes": "true"})
    return None


def _client(config: OAuthConfig, redirect_uri: str = "") -> OAuth2Client:
    return OAuth2Client(client_id=config.client_id, client_secret=config.client_secret, scope=config.scope,
                        redirect_uri=redirect_uri or None, code_challenge_method="S256",
                        token_endpoint_auth_method=config.auth_method, timeout=get_settings().social_http_timeout_s)


def authorization_url(config: OAuthConfig, *, redirect_uri: str, state: str, code_verifier: str) -> str:
    with _client(config, redirect_uri) as oauth:
        url, _ = oauth.create_authorization_url(config.authorize_url, state=state, code_verifier=code_verifier,
                                                **config.authorize_params)
    return str(url)


def token_set(token: dict[str, Any], network: str) -> TokenSet:
    access = token.get("access_token")
    if not isinstance(access, str) or not access:
        raise Transient(f"{name_of(network)}'s token answer carried no access token.")
    expires_at = None
    expires_in = token.get("expires_in")
    if isinstance(expires_in, int | float) and not isinstance(expires_in, bool) and expires_in > 0:
        expires_at = datetime.now(UTC) + timedelta(seconds=float(expires_in))
    refresh = token.get("refresh_token")
    return TokenSet(access, refresh if isinstance(refresh, str) and refresh else None, expires_at,
                    str(token.get("scope") or ""))


def _token_call(config: OAuthConfig, redirect_uri: str, **params: str) -> dict[str, Any]:
    name = name_of(config.network)
    with _client(config, redirect_uri) as oauth:
        try:
            if params.get("grant_type") == "refresh_token":
                token = oauth.refresh_token(config.token_url, refresh_token=params["refresh_token"])
            else:
                token = oauth.fetch_token(config.token_url, **params)
        except OAuthError as exc:
            refused = ("invalid_grant", "invalid_client", "unauthorized_client")
            if exc.error in refused or (params.get("grant_type") == "refresh_token" and exc.error == "invalid_request"):
                # X answers a spent or revoked refresh token with invalid_request
                raise GrantRevoked(f"{name} refused the grant ({exc.error}): connect the account again.") from exc
            raise Rejected(f"{name} refused the grant: {exc.description or exc.error}") from exc
        except httpx.TransportError as exc:
            raise Transient(f"{name}'s sign-in service could not be reached; try again.") from exc
        except ValueError as exc:  # a body that is not JSON (an HTML error page, a 5xx)
            raise Transient(f"{name}'s sign-in service sent an unreadable answer; try again.") from exc
    return dict(token)


def exchange_code(config: OAuthConfig, *, redirect_uri: str, code: str, code_verifier: str) -> TokenSet:
    """Trade the authorization code and the PKCE verifier for tokens."""
    token = _token_call(config, redirect_uri, grant_type="authorization_code", code=code,
                        code_verifier=code_verifier)
    return token_set(token, config.network)


def refresh_tokens(config: OAuthConfig, *, refresh_token: str) -> TokenSet:
    """New tokens from a refresh token (X rotates the refresh token; Google keeps it: the old one stays)."""
    return token_set(_token_call(config, "", grant_type="refresh_token", refresh_token=refresh_token),
                     config.network)


def revoke(config: OAuthConfig, *, token: str) -> None:
    """Ask the network to forget a token; best effort (a failure leaves it to expire), never raises."""
    if not config.revoke_url:
        return
    auth = (config.client_id, config.client_secret) if config.auth_method == "client_secret_basic" else None
    data = {"token": token, "token_type_hint": "access_token"}
    if auth is None:
        data.update(client_id=config.client_id, client_secret=config.client_secret)
    with contextlib.suppress(httpx.HTTPError):
        httpx.post(config.revoke_url, data=data, auth=auth, timeout=get_settings().social_http_timeout_s)
