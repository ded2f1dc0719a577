"""What an approved OAuth grant gives, per network: the accounts it lets us post as, each with its
tokens and what the network says about it (no database here; accounts.py stores the result).

X and YouTube: one account (the user, the channel). Mastodon: one account and the instance's limits.
Facebook Login: every Page the user manages (Page token) and each Instagram account linked to one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from maxbooster.models.social import SocialNetwork
from maxbooster.services.social import oauth
from maxbooster.services.social.providers import graph, mastodon
from maxbooster.services.social.providers.base import AccountAccess, GrantRevoked, Profile, Rejected
from maxbooster.services.social.providers.x import XProvider
from maxbooster.services.social.providers.youtube import YouTubeProvider


@dataclass(frozen=True)
class Grant:
    """One account an approved grant gives, with its tokens (plain: encrypted when stored)."""

    network: str
    profile: Profile
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    scope: str
    instance_url: str = ""
    limits: dict[str, Any] = field(default_factory=dict)


def from_code(network: str, *, code: str, code_verifier: str, redirect_uri: str, instance_url: str = "",
              app: mastodon.AppCredentials | None = None) -> list[Grant]:
    """Trade the callback's code for tokens and read the accounts they reach."""
    if network == SocialNetwork.MASTODON:
        if app is None:
            raise Rejected("Our app at this Mastodon server is gone; start again.", status=409)
        got = mastodon.exchange_code(instance_url, app, redirect_uri=redirect_uri, code=code,
                                     code_verifier=code_verifier)
        profile = mastodon.MastodonProvider().profile(AccountAccess("", instance_url, got.access_token))
        return [Grant(network, profile, got.access_token, got.refresh_token, got.expires_at, got.scope,
                      instance_url, mastodon.instance_limits(instance_url))]
    config = oauth.config_for(network)
    if config is None:
        raise Rejected(f"{oauth.name_of(network)} is not configured on this server.", status=409)
    tokens = oauth.exchange_code(config, redirect_uri=redirect_uri, code=code, code_verifier=code_verifier)
    if network == SocialNetwork.X:
        if "offline.access" not in tokens.scope.split() or not tokens.refresh_token:
            raise GrantRevoked("X granted no lasting access (offline.access was not allowed); connect again and "
                               "allow it, or scheduled posts could not go out.")
        profile = XProvider().profile(AccountAccess("", "", tokens.access_token))
        return [Grant(network, profile, tokens.access_token, tokens.refresh_token, tokens.expires_at, tokens.scope)]
    if network == SocialNetwork.YOUTUBE:
        if not tokens.refresh_token:
            raise GrantRevoked("Google granted no lasting (offline) access; connect again so scheduled videos "
                               "can go out.")
        profile = YouTubeProvider().profile(AccountAccess("", "", tokens.access_token))
        return [Grant(network, profile, tokens.access_token, tokens.refresh_token, tokens.expires_at, tokens.scope)]
    if network in (SocialNetwork.FACEBOOK, SocialNetwork.INSTAGRAM):
        return _pages_and_instagram(network, config, tokens.access_token)
    raise Rejected(f"Connecting {oauth.name_of(network)} is not available yet.", status=409)


def _pages_and_instagram(network: str, config: oauth.OAuthConfig, short_token: str) -> list[Grant]:
    """Facebook Login gives a user token: trade it for a long-lived one (~60 days), whose Page tokens do not
    expire; each Page is a Facebook account, each Instagram account linked to a Page an Instagram one."""
    long_lived = graph.call(short_token, "GET", "oauth/access_token", params={
        "grant_type": "fb_exchange_token", "client_id": config.client_id, "client_secret": config.client_secret,
        "fb_exchange_token": short_token}).get("access_token")
    user_token = long_lived if isinstance(long_lived, str) and long_lived else short_token
    pages = graph.call(user_token, "GET", "me/accounts", params={
        "fields": "id,name,username,access_token,followers_count,"
                  "instagram_business_account{id,username,name,followers_count}", "limit": 100}).get("data")
    given: list[Grant] = []
    for page in pages if isinstance(pages, list) else []:
        token = page.get("access_token") if isinstance(page, dict) else None
        if not isinstance(token, str) or not token or not page.get("id"):
            continue  # a Page the user may not post to
        name = str(page.get("name") or "Facebook Page")
        given.append(Grant(SocialNetwork.FACEBOOK, Profile(str(page["id"]), str(page.get("username") or name)[:200],
                                                           name[:200], _count(page.get("followers_count"))),
                           token, None, None, oauth.FACEBOOK_SCOPES))
        ig = page.get("instagram_business_account")
        if isinstance(ig, dict) and ig.get("id") and ig.get("username"):
            given.append(Grant(SocialNetwork.INSTAGRAM, Profile(str(ig["id"]), f"@{ig['username']}"[:200],
                                                                str(ig.get("name") or ig["username"])[:200],
                                                                _count(ig.get("followers_count"))),
                               token, None, None, oauth.FACEBOOK_SCOPES))
    if network == SocialNetwork.INSTAGRAM and not any(g.network == network for g in given):
        raise Rejected("None of your Facebook Pages has an Instagram professional account linked; link one in "
                       "Instagram's settings (Account type: professional), then connect again.", status=404)
    if not given:
        raise Rejected("This Facebook account manages no Page we may post to; create a Page or allow access to "
                       "one, then connect again.", status=404)
    return given


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0
