"""Run Alembic from code: `upgrade_head` at start-up and the models-vs-migrations check."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import maxbooster.models  # noqa: F401  (registers every table)
from maxbooster.db import make_engine
from maxbooster.models.marketplace import SQLITE_FTS_TABLE
from maxbooster.settings import PROJECT_ROOT

# Tables a migration makes for one dialect only (SQLite FTS5 and its shadow tables): not models.
DIALECT_ONLY_TABLE_PREFIXES = (SQLITE_FTS_TABLE,)


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Autogenerate's filter: leave the dialect-only search tables out of the models comparison."""
    return not (type_ == "table" and name is not None and name.startswith(DIALECT_ONLY_TABLE_PREFIXES))


def alembic_config(url: str) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.attributes["configure_logger"] = False
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_head(url: str) -> None:
    """Apply every pending migration to the database at `url`."""
    command.upgrade(alembic_config(url), "head")


def schema_diff(url: str) -> list[Any]:
    """What autogenerate would still emit for a migrated database (empty when models agree)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True,
                                                           "include_name": include_name})
            return list(compare_metadata(ctx, SQLModel.metadata))
    finally:
        engine.dispose()
