"""Shared fixtures: the same service tests run on SQLite and (when configured) PostgreSQL.

MAXBOOSTER_TEST_DATABASE_URL  an admin URL of a PostgreSQL server; a fresh database is made per run
MAXBOOSTER_TEST_REDIS_URL     a Redis URL for Redis-backed pieces
MAXBOOSTER_REQUIRE_SERVICES=1 missing services fail instead of skip (CI)
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel

REQUIRE_SERVICES = os.environ.get("MAXBOOSTER_REQUIRE_SERVICES") == "1"
pytest_plugins = ["tests.support.e2e"]

# Fixtures that mean "needs a browser and the built app" / "needs PostgreSQL, Redis or RabbitMQ".
E2E_FIXTURES = {"running_app", "browser", "page"}
SERVICE_FIXTURES = {"postgres_url", "redis_env", "redis_url", "rabbitmq_url"}
SERVICE_PARAMS = {"postgresql", "redis", "rabbitmq", "scaled-out"}
# What tests running side by side would share (a Redis database, RabbitMQ queues, one browser app):
# `./mb test` runs these one at a time after the rest, which runs one pytest process per core.
SHARED_FIXTURES = {"redis_env", "redis_url", "rabbitmq_url"}
SHARED_PARAMS = {"redis", "rabbitmq", "scaled-out"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark tests by what they use, so `./mb test --fast` can leave out browsers and services.

    Browser tests run after all the others (Playwright's sync API keeps an event loop running in
    the main thread for the session's browser), and tests marked `run_last` (they start their own
    app, which rebuilds the shared frontend in .web/ for another port) after every test that uses
    the session's running app.
    """
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        params = getattr(getattr(item, "callspec", None), "params", {})
        if names & E2E_FIXTURES or item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.e2e)
        service_param = any(v in SERVICE_PARAMS for v in params.values() if isinstance(v, str))
        if names & SERVICE_FIXTURES or service_param or item.get_closest_marker("services"):
            item.add_marker(pytest.mark.services)
        shared_param = any(v in SHARED_PARAMS for v in params.values() if isinstance(v, str))
        if names & SHARED_FIXTURES or shared_param or item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.serial)
    items.sort(key=lambda item: (item.get_closest_marker("e2e") is not None,
                                 item.get_closest_marker("run_last") is not None))


# Used when the variable is unset and the service answers on its default local port.
DEFAULT_SERVICES = {
    "MAXBOOSTER_TEST_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/postgres",
    "MAXBOOSTER_TEST_REDIS_URL": "redis://127.0.0.1:6379/0",
    "MAXBOOSTER_TEST_RABBITMQ_URL": "amqp://guest:guest@127.0.0.1:5672//",
}
_USED: dict[str, str] = {}


def _answers(env_name: str, url: str) -> bool:
    """True when the service at `url` accepts a connection within a second."""
    try:
        if env_name.endswith("DATABASE_URL"):
            import psycopg

            psycopg.connect(url, connect_timeout=1).close()
        elif env_name.endswith("REDIS_URL"):
            import redis

            redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        else:
            from kombu import Connection

            with Connection(url, connect_timeout=1) as conn:
                conn.ensure_connection(max_retries=0, timeout=1)
    except Exception:  # noqa: BLE001  (not there: the tests that need it skip)
        return False
    return True


def pytest_configure(config: pytest.Config) -> None:
    """Use PostgreSQL, Redis and RabbitMQ on their default local ports when nothing is configured."""
    for env_name, url in DEFAULT_SERVICES.items():
        if not os.environ.get(env_name) and _answers(env_name, url):
            os.environ[env_name] = url
        if os.environ.get(env_name):
            _USED[env_name] = os.environ[env_name]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    names = {"MAXBOOSTER_TEST_DATABASE_URL": "PostgreSQL", "MAXBOOSTER_TEST_REDIS_URL": "Redis",
             "MAXBOOSTER_TEST_RABBITMQ_URL": "RabbitMQ"}
    used = [f"{names[k]} ({v.split('@')[-1]})" for k, v in _USED.items()]
    missing = [names[k] for k in names if k not in _USED]
    line = "services used: " + (", ".join(used) or "none")
    if missing:
        line += "; not found, their tests skipped: " + ", ".join(missing)
    terminalreporter.write_line(line)


def service_url(env_name: str) -> str:
    """The URL of a real service for this test run, or skip (fail under REQUIRE_SERVICES)."""
    url = os.environ.get(env_name, "")
    if not url:
        message = f"{env_name} is not set, so this test has no real service to use"
        if REQUIRE_SERVICES:
            pytest.fail(message + " (MAXBOOSTER_REQUIRE_SERVICES=1)")
        pytest.skip(message)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this run, dropped afterwards."""
    admin_url = service_url("MAXBOOSTER_TEST_DATABASE_URL")
    from maxbooster.db import make_engine

    name = f"mb_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url.replace("postgresql://", "postgresql+psycopg://", 1))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database URL: SQLite file, then PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    from maxbooster.migrations import upgrade_head

    upgrade_head(url)
    return url


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    from maxbooster.db import make_engine

    eng = make_engine(db_url)
    yield eng
    eng.dispose()


def _wipe(eng: Engine) -> None:
    with eng.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def app_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: Engine) -> Iterator[Path]:
    """Point Settings (and so get_engine/session_scope) at the test database and a temp data dir."""
    from maxbooster import db
    from maxbooster.settings import get_settings

    data_dir = tmp_path / "data"
    monkeypatch.setenv("MAXBOOSTER_DATA_DIR", str(data_dir))
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("MAXBOOSTER_ENV", "test")
    get_settings.cache_clear()
    db._engine_for.cache_clear()
    _wipe(engine)
    yield data_dir
    get_settings.cache_clear()
    db._engine_for.cache_clear()


@pytest.fixture
def session(app_env: Path, engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture(scope="module")
def provider() -> Iterator[object]:
    """A real local OpenID Connect provider (tests/support/oidc_provider.py) on a free port."""
    from tests.support.oidc_provider import OIDCProvider

    with OIDCProvider() as running:
        yield running
