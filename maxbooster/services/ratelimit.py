"""Rate limits and account lockout on the `limits` library (moving window).

Storage: Redis when REDIS_URL is set (shared by every process), memory otherwise.
- per account: RATE_LIMIT_LOGIN_FAILURES (5/15 min) failed logins, then a lock of
  ACCOUNT_LOCKOUT_MINUTES during which no password is even checked;
- per client IP: RATE_LIMIT_IP (30/15 min) across login, sign-up and password reset;
- per signed-in user and action (`hit_user`), e.g. RATE_LIMIT_RECEIPTS for re-sent receipts.
Identifiers are hashed so no email address lands in Redis keys.
"""

from __future__ import annotations

import hashlib
import math
import time
from functools import lru_cache

from limits import RateLimitItem, RateLimitItemPerMinute, parse
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from maxbooster.services.errors import RateLimited
from maxbooster.settings import get_settings


@lru_cache(maxsize=4)
def _limiter_for(redis_url: str, prefix: str) -> MovingWindowRateLimiter:
    storage: Storage = RedisStorage(redis_url, key_prefix=prefix) if redis_url else MemoryStorage()
    return MovingWindowRateLimiter(storage)


def limiter() -> MovingWindowRateLimiter:
    """The process-wide limiter for the configured storage."""
    s = get_settings()
    return _limiter_for(s.redis_url, s.rate_limit_key_prefix)


def reset_limiter() -> None:
    """Forget cached storages, and with them every in-memory counter (tests)."""
    _limiter_for.cache_clear()


def _key(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _retry_after(item: RateLimitItem, *ids: str) -> int:
    stats = limiter().get_window_stats(item, *ids)
    return max(1, math.ceil(stats.reset_time - time.time()))


def _lock_item() -> RateLimitItem:
    return RateLimitItemPerMinute(1, get_settings().account_lockout_minutes)


def hit_user(user_id: str, action: str, limit: str, message: str) -> None:
    """Count one `action` by a signed-in user against `limit` ("3/hour"); RateLimited with `message` when over."""
    item = parse(limit)
    if not limiter().hit(item, action, _key(user_id)):
        raise RateLimited(message, retry_after_s=_retry_after(item, action, _key(user_id)))


def hit_ip(ip: str, action: str) -> None:
    """Count one login/sign-up/reset request from `ip`; RateLimited when over RATE_LIMIT_IP."""
    item = parse(get_settings().rate_limit_ip)
    if not limiter().hit(item, "ip", _key(ip or "unknown")):
        raise RateLimited("Too many attempts from your network. Wait a few minutes and try again.",
                          retry_after_s=_retry_after(item, "ip", _key(ip or "unknown")))


def check_account_lock(email: str) -> None:
    """RateLimited(retry_after) while the account (normalised email) is locked."""
    item = _lock_item()
    if not limiter().test(item, "lock", _key(email)):
        raise RateLimited("Too many failed logins; this account is locked for a while. "
                          "Wait a few minutes, or reset your password.",
                          retry_after_s=_retry_after(item, "lock", _key(email)))


def record_login_failure(email: str) -> bool:
    """Count a failed login; when the limit is reached, start the lock. True if now locked."""
    item = parse(get_settings().rate_limit_login_failures)
    lim = limiter()
    lim.hit(item, "fail", _key(email))
    if lim.test(item, "fail", _key(email)):
        return False
    lim.hit(_lock_item(), "lock", _key(email))
    lim.clear(item, "fail", _key(email))
    return True


def clear_login_failures(email: str) -> None:
    """A successful login forgets earlier failures of that account."""
    lim = limiter()
    lim.clear(parse(get_settings().rate_limit_login_failures), "fail", _key(email))
