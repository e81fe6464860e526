"""Apply the Alembic migrations: the only way the schema is made or changed."""

from __future__ import annotations

import asyncio
from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from .database import Database


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("storage") / "migrations"))
    return config


async def upgrade_database(db: Database, revision: str = "head") -> None:
    """Bring the schema of ``db`` to ``revision`` (idempotent)."""

    def _run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with db.engine.begin() as connection:
        await connection.run_sync(_run)


async def current_revision(db: Database) -> str | None:
    async with db.engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


def upgrade(url: str, revision: str = "head") -> None:
    async def _main() -> None:
        db = Database(url)
        try:
            await upgrade_database(db, revision)
        finally:
            await db.dispose()

    asyncio.run(_main())
