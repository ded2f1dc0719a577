"""The sandbox network: the embedded default. Posts are recorded in our database (one per account and
idempotency key, so a repeated publish returns the same post) and engagement is SIMULATED: a
deterministic function of the post's features (length, media, hashtags, question, link, a call to
action), the UTC hour and weekday it went out, the account's followers, the post's age and a per-post
wobble seeded by the post's id (reach, likes, comments, shares, saves, views, link clicks, follows).
Nothing leaves the machine; every figure it gives is marked `simulated`."""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from maxbooster.models.base import utcnow
from maxbooster.models.social import SandboxPost, SocialAccount
from maxbooster.services.social.providers.base import (
    AccountAccess,
    MediaFile,
    Metrics,
    Profile,
    Published,
    Rejected,
)

SANDBOX_URL = "sandbox://posts/"
PEAK_HOUR_UTC = 19  # evenings draw the most attention in the simulation
GROWTH_HOURS = 6.0  # a post has ~63 % of its final reach after this long


def sandbox_followers(account_id: str) -> int:
    """A stable follower count per sandbox account (500..4,999)."""
    return 500 + int(hashlib.sha256(account_id.encode()).hexdigest()[:8], 16) % 4500


CALLS_TO_ACTION = ("listen", "stream", "out now", "pre-save", "presave", "link in", "tap")


def _unit(seed: str, salt: str) -> float:
    """A stable number in [0, 1) from `seed` (the post id) and `salt` (which figure it perturbs)."""
    return int(hashlib.sha256(f"{salt}:{seed}".encode()).hexdigest()[:8], 16) / 0x100000000


def simulate(*, text: str, media_count: int, hour_utc: int, followers: int, age_hours: float,
             weekday: int | None = None, seed: str = "") -> Metrics:
    """Simulated engagement: the same inputs always give the same figures. `weekday` 0 = Monday
    (weekends draw a little more); `seed` (the post's id) adds a per-post wobble of ±20 %, so two
    posts of the same text differ as real ones do."""
    lowered = text.lower()
    hashtags = sum(1 for word in text.split() if word.startswith("#") and len(word) > 1)
    has_link = "http://" in text or "https://" in text
    distance = min(abs(hour_utc - PEAK_HOUR_UTC), 24 - abs(hour_utc - PEAK_HOUR_UTC))
    factor = 0.5 + math.exp(-(distance**2) / (2 * 3.0**2))  # 0.5 at night … 1.5 at the peak
    factor *= 1.4 if media_count else 1.0
    factor *= 1.15 if 1 <= hashtags <= 3 else 0.85 if hashtags > 5 else 1.0
    factor *= 1.1 if 60 <= len(text) <= 220 else 0.9 if len(text) > 400 else 1.0
    factor *= 0.9 if has_link else 1.0
    factor *= 1.0 if weekday is None else 1.1 if weekday >= 5 else 0.9 if weekday == 0 else 1.0
    noise = 0.85 + 0.3 * (int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF)
    noise *= 0.8 + 0.4 * _unit(seed, "reach") if seed else 1.0
    growth = 1 - math.exp(-max(0.0, age_hours) / GROWTH_HOURS)
    impressions = round(followers * 0.3 * factor * noise * growth)
    reach = round(impressions * 0.8)
    ctr = 0.0
    if has_link:  # clicks on the link: a call to action and media help
        ctr = 0.02 * (1.5 if media_count else 1.0) * (1.6 if any(w in lowered for w in CALLS_TO_ACTION) else 1.0)
        ctr *= 0.8 + 0.4 * _unit(seed, "clicks") if seed else 1.0
    follow_rate = 0.003 * (1.3 if 1 <= hashtags <= 3 else 1.0) * (0.8 + 0.4 * _unit(seed, "follows") if seed else 1.0)
    return Metrics(likes=round(impressions * (0.05 if media_count else 0.035)),
                   reposts=round(impressions * 0.008),
                   replies=round(impressions * (0.012 if "?" in text else 0.004)),
                   impressions=impressions, simulated=True, reach=reach,
                   saves=round(reach * (0.01 if media_count else 0.004)),
                   video_views=round(reach * 0.45) if media_count else 0,
                   link_clicks=round(reach * ctr), follows=round(reach * follow_rate))


class SandboxProvider:
    """Posts into `social_sandbox_posts` through the caller's session."""

    def __init__(self, session: Session, clock: Callable[[], datetime] = utcnow) -> None:
        self.session, self.clock = session, clock

    def upload_media(self, access: AccountAccess, media: MediaFile) -> str:
        return "sandbox-media-" + hashlib.sha256(media.data).hexdigest()[:16]

    def publish(self, access: AccountAccess, *, text: str, media_ids: list[str], idempotency_key: str) -> Published:
        # A new key is the usual case: insert at once; the unique (account, key) turns a repeat into the
        # post the first call made, and the account's foreign key refuses an account that is gone.
        row = SandboxPost(account_id=_uuid(access.account_id), idempotency_key=idempotency_key, text=text,
                          media_count=len(media_ids), created_at=self.clock())
        try:
            self.session.add(row)
            self.session.commit()
            existing: SandboxPost | None = row
        except IntegrityError:  # this key was published before (or at the same moment elsewhere): that post wins
            self.session.rollback()
            existing = self._find(access, idempotency_key)
            if existing is None and self.session.get(SocialAccount, _uuid(access.account_id)) is None:
                raise Rejected("This sandbox account no longer exists.", status=404) from None
        if existing is None:
            raise Rejected("The sandbox could not record the post.", status=500)
        return Published(remote_id=str(existing.id), url=SANDBOX_URL + str(existing.id),
                         created_at=existing.created_at)

    def find_published(self, access: AccountAccess, *, text: str, since: datetime) -> Published | None:
        return None  # the sandbox never forgets an idempotency key: `publish` itself answers a repeat

    def metrics(self, access: AccountAccess, *, remote_id: str) -> Metrics:
        post = self.session.get(SandboxPost, _uuid(remote_id))
        if post is None or str(post.account_id) != access.account_id:
            raise Rejected("The sandbox has no such post.", status=404)
        age_h = (self.clock() - post.created_at).total_seconds() / 3600
        return simulate(text=post.text, media_count=post.media_count, hour_utc=post.created_at.hour,
                        followers=sandbox_followers(access.account_id), age_hours=age_h,
                        weekday=post.created_at.weekday(), seed=str(post.id))

    def profile(self, access: AccountAccess) -> Profile:
        account = self.session.get(SocialAccount, _uuid(access.account_id))
        handle = account.handle if account else ""
        return Profile(remote_id=access.remote_id, handle=handle, display_name=handle.lstrip("@"),
                       followers_count=sandbox_followers(access.account_id))

    def _find(self, access: AccountAccess, key: str) -> SandboxPost | None:
        query = select(SandboxPost).where(col(SandboxPost.account_id) == _uuid(access.account_id),
                                          col(SandboxPost.idempotency_key) == key)
        return self.session.exec(query).first()


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise Rejected("The sandbox has no such post.", status=404) from exc
