"""What a social network adapter offers, the shapes it answers with, and how it fails.

An adapter talks to one network for one connected account (`AccountAccess`: where, whose token).
`publish` sends the idempotency key with the post: the same key twice gives the same post back, so
a retry after an uncertain outcome never posts twice. Failures are typed so the publisher knows
what to do: `RateLimited` (try again at `retry_at`), `Transient` (5xx, connection cut, timeout,
unreadable answer: try again with back-off), `GrantRevoked` (401: the account needs reconnecting),
`Rejected` (the network refused this post for good; `reason` in the network's own words).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable


class ProviderError(Exception):
    """Base of every adapter failure; the message is safe to show to the account's owner."""


class RateLimited(ProviderError):
    def __init__(self, message: str, *, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class Transient(ProviderError):
    """Worth retrying: the network may or may not have acted (it is idempotent, so retrying is safe)."""


class GrantRevoked(ProviderError):
    """The network no longer accepts our token (revoked by the user, expired, app removed)."""


class Rejected(ProviderError):
    def __init__(self, reason: str, *, status: int = 422) -> None:
        super().__init__(reason)
        self.reason, self.status = reason, status


@dataclass(frozen=True)
class AccountAccess:
    """One connected account as an adapter needs it (the token already decrypted)."""

    account_id: str
    instance_url: str = ""
    access_token: str = ""
    remote_id: str = ""


@dataclass(frozen=True)
class MediaFile:
    name: str
    mime: str
    data: bytes = field(repr=False)
    description: str = ""
    key: str = ""  # the stored file's storage key: a network that fetches media by URL (Instagram) gets a signed one


@dataclass
class UploadCheckpoint:
    """Where a resumable upload stands, kept by the publisher across attempts and worker deaths: the
    network's session URL ("" before one is opened) and the bytes it confirmed. The adapter calls
    `confirm` as soon as it opens a session (before the first byte) and after each confirmed chunk;
    `save` stores them where the next attempt will find them."""

    session_url: str = ""
    offset: int = 0
    save: Callable[[str, int], None] = field(default=lambda url, offset: None, repr=False)

    def confirm(self, session_url: str, offset: int) -> None:
        if (session_url, offset) != (self.session_url, self.offset):
            self.session_url, self.offset = session_url, offset
            self.save(session_url, offset)


@dataclass(frozen=True)
class Published:
    remote_id: str
    url: str
    created_at: datetime | None = None


@dataclass(frozen=True)
class Metrics:
    """A post's counts as the network reports them; `simulated` when the network is the sandbox.
    likes/reposts/replies are what every network reports; the others are None where a network does
    not report them (Mastodon has no impressions, reach, saves, views or link clicks)."""

    likes: int
    reposts: int  # shares
    replies: int  # comments
    impressions: int | None = None
    simulated: bool = False
    reach: int | None = None  # distinct accounts that saw it
    saves: int | None = None
    video_views: int | None = None
    link_clicks: int | None = None
    follows: int | None = None  # follows that came from this post

    def as_dict(self) -> dict[str, int | bool | None]:
        """The counts for a post's card; the optional ones only when the network reported them."""
        out: dict[str, int | bool | None] = {"likes": self.likes, "reposts": self.reposts, "replies": self.replies,
                                             "impressions": self.impressions, "simulated": self.simulated}
        extra = {"reach": self.reach, "saves": self.saves, "video_views": self.video_views,
                 "link_clicks": self.link_clicks, "follows": self.follows}
        out.update({k: v for k, v in extra.items() if v is not None})
        return out


@dataclass(frozen=True)
class Profile:
    remote_id: str
    handle: str
    display_name: str
    followers_count: int


class SocialProvider(Protocol):
    """One network's adapter, for one account at a time."""

    def upload_media(self, access: AccountAccess, media: MediaFile) -> str:
        """Upload one attachment; the network's media id (usable in `publish` once processed)."""
        ...

    def publish(self, access: AccountAccess, *, text: str, media_ids: list[str], idempotency_key: str) -> Published:
        """Post; the same `idempotency_key` again returns the post the first call made."""
        ...

    def find_published(self, access: AccountAccess, *, text: str, since: datetime) -> Published | None:
        """A post with exactly `text` made since `since`, or None: checked before a retry once the
        network may have forgotten the idempotency key (Mastodon keeps it for an hour)."""
        ...

    def metrics(self, access: AccountAccess, *, remote_id: str) -> Metrics:
        """A published post's counts."""
        ...

    def profile(self, access: AccountAccess) -> Profile:
        """The account as the network sees it now (follower count)."""
        ...


@runtime_checkable
class ResumableUploads(Protocol):
    """An adapter whose uploads survive the worker: `upload_resumable` goes on with the session in
    `checkpoint` (asking the network what it has) instead of opening a new one (YouTube)."""

    def upload_resumable(self, access: AccountAccess, media: MediaFile, checkpoint: UploadCheckpoint) -> str: ...
