"""Engine and session factory: SQLite (WAL, foreign keys) or PostgreSQL (pre-ping pool), and a
read path for the work every page event does (on PostgreSQL: no transaction, no pre-ping)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, create_engine

from maxbooster.settings import get_settings

T = TypeVar("T")


def make_engine(url: str, *, autocommit: bool = False) -> Engine:
    """Create an engine with the pragmas/pool options each backend needs. `autocommit` (PostgreSQL):
    the engine of `read` (each statement its own transaction, no pre-ping); ignored for SQLite."""
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
    if autocommit:
        # No BEGIN/ROLLBACK round trips around a read, and no "SELECT 1" at each checkout: a
        # connection the server dropped fails its first statement instead, and `read` retries.
        return create_engine(url, isolation_level="AUTOCOMMIT", pool_size=6, max_overflow=4)
    # As many pooled connections as worker threads run database work at once (asyncio's default
    # thread pool on 2 cores is 6; the social worker's SOCIAL_PUBLISH_THREADS), so busy moments reuse
    # connections instead of opening new ones. The pool opens them only when needed.
    size = max(10, get_settings().social_publish_threads + 2)
    return create_engine(url, pool_pre_ping=True, pool_size=size, max_overflow=10)


def _ensure_sqlite_dir(url: str) -> None:
    path = url.split(":///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


@lru_cache(maxsize=8)
def _engine_for(url: str, autocommit: bool = False) -> Engine:
    if autocommit and url.startswith("sqlite"):
        return _engine_for(url)  # one SQLite pool: its reads take no round trips to save
    return make_engine(url, autocommit=autocommit)


def get_engine() -> Engine:
    """The engine for the configured DATABASE_URL (created lazily, never at import)."""
    return _engine_for(get_settings().database_url)


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that is closed afterwards; services commit their own transactions."""
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session


def read(fn: Callable[[Session], T]) -> T:
    """`fn(session)` for work that reads (or writes only single idempotent statements, such as a
    session's last-seen time or a webhook's store-once INSERT): on PostgreSQL each statement is its
    own transaction, with no BEGIN/ROLLBACK and no pre-ping. When the connection turns out dead (the
    database restarted), SQLAlchemy invalidates it and the pool's older connections, and `fn` runs once more on a new
    one (its "optimistic" disconnect handling); any other error, or a second one, is raised."""
    engine = _engine_for(get_settings().database_url, True)
    try:
        with Session(engine, expire_on_commit=False) as session:
            return fn(session)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    with Session(engine, expire_on_commit=False) as session:
        return fn(session)
