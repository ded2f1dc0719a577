"""Fixtures for the accounts tests: fast argon2, fresh rate limits, optional real Redis."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from maxbooster.models.accounts import User
from maxbooster.services.accounts import passwords
from maxbooster.services.actor import Actor
from tests.conftest import service_url

PASSWORD = "correct horse battery staple"


def _reset_caches() -> None:
    from maxbooster.services import ratelimit
    from maxbooster.settings import get_settings

    get_settings.cache_clear()
    ratelimit.reset_limiter()


@pytest.fixture
def acct_env(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """app_env plus cheap argon2 parameters (tests only) and empty in-memory limits."""
    monkeypatch.setenv("PASSWORD_HASH_MEMORY_KIB", "256")
    monkeypatch.setenv("PASSWORD_HASH_TIME_COST", "1")
    monkeypatch.setenv("APP_URL", "http://localhost:3000")
    monkeypatch.setenv("API_URL", "http://localhost:8000")
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("SECRET_KEY", "test-secret-key-" + "x" * 32)
    _reset_caches()
    yield app_env
    _reset_caches()


@pytest.fixture
def redis_env(acct_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point sessions and rate limits at the real test Redis under a unique key prefix."""
    url = service_url("MAXBOOSTER_TEST_REDIS_URL")
    prefix = f"mbtest-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("REDIS_URL", url)
    monkeypatch.setenv("REDIS_KEY_PREFIX", prefix)
    monkeypatch.setenv("RATE_LIMIT_KEY_PREFIX", prefix + "-limits")
    _reset_caches()
    yield prefix
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(params=["db", "redis"])
def store_env(request: pytest.FixtureRequest, acct_env: Path) -> str:
    """Run a session test once with the database store and once with the Redis store."""
    if request.param == "redis":
        request.getfixturevalue("redis_env")
    return str(request.param)


def make_user(session: Session, email: str = "alice@example.com", *, password: str = PASSWORD,
              verified: bool = True, role: str = "user", plan: str = "free") -> User:
    """A user row created directly (sign-up has its own tests)."""
    user = User(email=email, display_name=email.split("@")[0].title(), role=role, plan=plan,
                email_verified=verified, password_hash=passwords.hash_password(password))
    session.add(user)
    session.commit()
    return user


C = Actor.anonymous(ip="198.51.100.7", user_agent="pytest")


def actor_for(user: User, base: Actor = C) -> Actor:
    """The actor a signed-in request of `user` would carry."""
    return base.as_user(user.id, user.role)
