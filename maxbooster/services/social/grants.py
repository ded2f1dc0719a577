"""What an approved OAuth grant gives, per network: the accounts it lets us post as, each with its
tokens and what the network says about it (no database here; accounts.py stores the result).

X and YouTube: one account (the user, the channel). Mastodon: one account and the instance's limits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from maxbooster.models.social import SocialNetwork
from maxbooster.services.social import oauth
from maxbooster.services.social.providers import mastodon
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
        tokens = mastodon.exchange_code(instance_url, app, redirect_uri=redirect_uri, code=code,
                                        code_verifier=code_verifier)
        profile = mastodon.MastodonProvider().profile(AccountAccess("", instance_url, tokens.access_token))
        return [Grant(network, profile, tokens.access_token, tokens.refresh_token, tokens.expires_at, tokens.scope,
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
    raise Rejected(f"Connecting {oauth.name_of(network)} is not available yet.", status=409)
