"""Does the migrated database match the models? Alembic's autogenerate diff, narrowed to some tables.

Each storage area checks its own tables, so a drift names the area whose migration is missing.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from storage import Database
from storage.models import Base


def table_of(change: Any) -> str | None:
    """The table an autogenerate diff is about (``modify_*`` diffs come in lists)."""
    item = change[0] if isinstance(change, list) else change
    kind = item[0]
    if kind in ("add_table", "remove_table"):
        return item[1].name
    if kind in ("add_column", "remove_column") or kind.startswith("modify_"):
        return item[2]
    table = getattr(item[1], "table", None)
    return getattr(table, "name", None)


async def schema_drift(db: Database, tables: set[str]) -> list[Any]:
    """The differences between the migrated ``db`` and the models, for ``tables`` only ([] when none)."""

    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [d for d in compare_metadata(context, Base.metadata) if table_of(d) in tables]

    async with db.engine.connect() as connection:
        return await connection.run_sync(diff)
