"""`db.read`: the read path of every page event survives a dropped connection (database restart)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from maxbooster import db


def _backend_pid(session: Session) -> int:
    return int(session.connection().execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_read_runs_again_on_a_new_connection_after_the_server_dropped_it(
        app_env: Path, engine: Engine, db_url: str) -> None:
    if db_url.startswith("sqlite"):
        assert db.read(lambda s: s.connection().execute(text("SELECT 41 + 1")).scalar_one()) == 42
        return
    first = db.read(_backend_pid)
    assert db.read(_backend_pid) == first  # pooled: the same connection again, not a new one per read
    with engine.connect() as admin:  # what a restart does to every open connection
        assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar_one()
    calls: list[int] = []

    def counted(session: Session) -> int:
        calls.append(1)
        return _backend_pid(session)

    second = db.read(counted)
    assert second != first and len(calls) == 2  # failed once on the dead connection, then ran anew
    assert db.read(_backend_pid) == second


def test_read_takes_no_transaction_on_postgresql(app_env: Path, db_url: str) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite reads take no round trips to save")
    # pg_current_xact_id() gives the transaction's id: the same twice within one transaction
    ids = db.read(lambda s: [s.connection().execute(text("SELECT pg_current_xact_id()::text")).scalar_one()
                             for _ in range(2)])
    assert ids[0] != ids[1]


def test_read_raises_other_errors_without_running_again(app_env: Path) -> None:
    calls: list[int] = []

    def broken(session: Session) -> None:
        calls.append(1)
        session.connection().execute(text("SELECT * FROM no_such_table"))

    with pytest.raises(DBAPIError):
        db.read(broken)
    assert len(calls) == 1
