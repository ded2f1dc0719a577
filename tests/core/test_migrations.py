"""Alembic migrations and SQLModel models describe the same schema, on both databases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import CheckConstraint, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from maxbooster.db import make_engine
from maxbooster.migrations import DIALECT_ONLY_TABLE_PREFIXES, schema_diff


def test_upgrade_head_creates_every_table(db_url: str) -> None:
    engine = make_engine(db_url)
    tables = {t for t in inspect(engine).get_table_names() if not t.startswith(DIALECT_ONLY_TABLE_PREFIXES)}
    engine.dispose()
    # every table the models declare, and nothing else but Alembic's own (and SQLite's FTS5 search tables)
    assert tables == set(SQLModel.metadata.tables) | {"alembic_version"}


def test_autogenerate_finds_no_difference(db_url: str) -> None:
    # Autogenerate against a migrated database must emit nothing: models == migrations.
    assert schema_diff(db_url) == []


def test_every_check_constraint_of_the_models_is_in_the_migrated_database(db_url: str) -> None:
    """Autogenerate does not compare CHECKs: the names declared on the models must all exist."""
    engine = make_engine(db_url)
    found = {(table, c["name"]) for table in inspect(engine).get_table_names()
             for c in inspect(engine).get_check_constraints(table)}
    engine.dispose()
    declared = {(t.name, c.name) for t in SQLModel.metadata.tables.values() for c in t.constraints
                if isinstance(c, CheckConstraint)}
    assert declared and declared <= found, declared - found


@pytest.mark.parametrize(("column", "bad"), [("plan", "gold"), ("role", "owner")])
def test_the_database_refuses_a_value_outside_the_enum(db_url: str, column: str, bad: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn, pytest.raises(IntegrityError):
            conn.execute(text("INSERT INTO users (id, email, display_name, role, plan, email_verified, is_active, "
                              "created_at) VALUES (:id, :email, 'X', :role, :plan, false, true, :now)"),
                         {"id": uuid.uuid4().hex if "sqlite" in db_url else uuid.uuid4(), "email": f"{bad}@x.test",
                          "role": bad if column == "role" else "user", "plan": bad if column == "plan" else "free",
                          "now": datetime.now(UTC)})
    finally:
        engine.dispose()
