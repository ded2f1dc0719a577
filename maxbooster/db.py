"""Engine and session factory: SQLite (WAL, foreign keys) or PostgreSQL (pre-ping pool)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, create_engine

from maxbooster.settings import get_settings


def make_engine(url: str) -> Engine:
    """Create an engine with the pragmas/pool options each backend needs."""
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # As many pooled connections as worker threads run database work at once (asyncio's default
    # thread pool on 2 cores is 6; the social worker's SOCIAL_PUBLISH_THREADS), so busy moments reuse
    # connections instead of opening new ones. The pool opens them only when needed.
    size = max(10, get_settings().social_publish_threads + 2)
    return create_engine(url, pool_pre_ping=True, pool_size=size, max_overflow=10)


def _ensure_sqlite_dir(url: str) -> None:
    path = url.split(":///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


@lru_cache(maxsize=4)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine() -> Engine:
    """The engine for the configured DATABASE_URL (created lazily, never at import)."""
    return _engine_for(get_settings().database_url)


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that is closed afterwards; services commit their own transactions."""
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session
