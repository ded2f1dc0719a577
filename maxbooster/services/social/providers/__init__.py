"""One adapter per network behind `SocialProvider`: the sandbox (embedded default), Mastodon, X, YouTube,
Facebook Pages and Instagram (Graph API)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from maxbooster.models.social import SocialNetwork
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
    ResumableUploads,
    SocialProvider,
    Transient,
    UploadCheckpoint,
)
from maxbooster.services.social.providers.graph import FacebookPageProvider, InstagramProvider
from maxbooster.services.social.providers.mastodon import MastodonProvider
from maxbooster.services.social.providers.sandbox import SandboxProvider
from maxbooster.services.social.providers.x import XProvider
from maxbooster.services.social.providers.youtube import YouTubeProvider


def provider_for(network: str, *, session: Session, clock: Callable[[], datetime] | None = None) -> SocialProvider:
    """The adapter of `network` (the sandbox records through `session`; `clock` is its "now", for
    simulations that read metrics at a chosen time)."""
    if network == SocialNetwork.SANDBOX:
        return SandboxProvider(session, clock) if clock else SandboxProvider(session)
    if network == SocialNetwork.MASTODON:
        return MastodonProvider()
    if network == SocialNetwork.X:
        return XProvider()
    if network == SocialNetwork.YOUTUBE:
        return YouTubeProvider()
    if network == SocialNetwork.FACEBOOK:
        return FacebookPageProvider()
    if network == SocialNetwork.INSTAGRAM:
        return InstagramProvider()
    raise ValueError(f"no adapter for the network {network!r}")


__all__ = ["AccountAccess", "GrantRevoked", "MediaFile", "Metrics", "Profile", "ProviderError", "Published",
           "RateLimited", "Rejected", "ResumableUploads", "SocialProvider", "Transient", "UploadCheckpoint",
           "provider_for"]
