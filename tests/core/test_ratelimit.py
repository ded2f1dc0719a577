"""Account lockout, per-IP limits (memory and Redis storage) and client IP resolution."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from maxbooster.services import ratelimit
from maxbooster.services.accounts import users
from maxbooster.services.accounts.netaddr import client_ip
from maxbooster.services.actor import Actor
from maxbooster.services.errors import AuthenticationFailed, RateLimited
from tests.support import accounts as fx
from tests.support.accounts import PASSWORD, make_user

acct_env = fx.acct_env
redis_env = fx.redis_env

@pytest.fixture(params=["memory", "redis"])
def limit_env(request: pytest.FixtureRequest, acct_env: object) -> str:
    if request.param == "redis":
        request.getfixturevalue("redis_env")
    return str(request.param)


def test_five_failures_lock_the_account_even_for_the_right_password(session: Session, limit_env: str) -> None:
    user = make_user(session)
    for i in range(5):
        with pytest.raises(AuthenticationFailed):
            users.login(session=session, actor=Actor.anonymous(ip=f"10.0.0.{i}"),
                        email=user.email, password="wrong guess")
    with pytest.raises(RateLimited) as err:
        users.login(session=session, actor=Actor.anonymous(ip="10.0.1.1"),
                        email=user.email, password=PASSWORD)
    assert 0 < err.value.retry_after_s <= 15 * 60


def test_unknown_email_locks_the_same_way(session: Session, limit_env: str) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            users.login(session=session, actor=Actor.anonymous(ip="10.1.0.1"),
                        email="ghost@example.com", password="wrong guess")
    with pytest.raises(RateLimited):
        users.login(session=session, actor=Actor.anonymous(ip="10.1.0.2"),
                        email="Ghost@Example.com", password="wrong guess")


def test_success_clears_earlier_failures(session: Session, limit_env: str) -> None:
    user = make_user(session)
    for _ in range(4):
        with pytest.raises(AuthenticationFailed):
            users.login(session=session, actor=Actor.anonymous(ip="10.2.0.1"),
                        email=user.email, password="wrong guess")
    users.login(session=session, actor=Actor.anonymous(ip="10.2.0.1"),
                        email=user.email, password=PASSWORD)
    for _ in range(4):
        with pytest.raises(AuthenticationFailed):
            users.login(session=session, actor=Actor.anonymous(ip="10.2.0.1"),
                        email=user.email, password="wrong guess")


def test_per_ip_limit(limit_env: str) -> None:
    for _ in range(30):
        ratelimit.hit_ip("192.0.2.50", "login")
    with pytest.raises(RateLimited) as err:
        ratelimit.hit_ip("192.0.2.50", "signup")
    assert err.value.retry_after_s > 0
    ratelimit.hit_ip("192.0.2.51", "login")  # other clients are unaffected


@pytest.mark.parametrize("peer,xff,trusted,expected", [
    ("203.0.113.5", "1.1.1.1", [], "203.0.113.5"),                          # no proxy configured
    ("203.0.113.5", "1.1.1.1", ["10.0.0.0/8"], "203.0.113.5"),              # peer is not a proxy
    ("10.0.0.2", "1.1.1.1", ["10.0.0.0/8"], "1.1.1.1"),
    ("10.0.0.2", "6.6.6.6, 1.1.1.1", ["10.0.0.0/8"], "1.1.1.1"),            # left entries are client-made
    ("10.0.0.2", "6.6.6.6, 1.1.1.1, 10.0.0.9", ["10.0.0.0/8"], "1.1.1.1"),  # chained proxies skipped
    ("10.0.0.2", "", ["10.0.0.0/8"], "10.0.0.2"),
    ("10.0.0.2", "not-an-ip", ["10.0.0.0/8"], "10.0.0.2"),
    ("::1", "2001:db8::1", ["::1"], "2001:db8::1"),
])
def test_client_ip(peer: str, xff: str, trusted: list[str], expected: str) -> None:
    headers = {"X-Forwarded-For": xff} if xff else {}
    assert client_ip(peer, headers, trusted_proxies=trusted) == expected
