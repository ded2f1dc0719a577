"""Alembic migrations and SQLModel models describe the same schema, on both databases."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlmodel import SQLModel

from maxbooster.db import make_engine
from maxbooster.migrations import schema_diff


def test_upgrade_head_creates_every_table(db_url: str) -> None:
    engine = make_engine(db_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    # every table the models declare, and nothing else but Alembic's own
    assert tables == set(SQLModel.metadata.tables) | {"alembic_version"}


def test_autogenerate_finds_no_difference(db_url: str) -> None:
    # Autogenerate against a migrated database must emit nothing: models == migrations.
    assert schema_diff(db_url) == []
