"""A PostgreSQL database of its own for one bench or test run, dropped afterwards.

Several benches and test runs share one server (CI, eight helpers on one machine): each run
creates a database with a random name on the server ``url`` points at, works in it, and drops it
(``WITH (FORCE)``: a killed ``scenari serve`` may still hold a connection). A database rather than
a schema, because ``scenari serve`` reads only ``SCENARI_DATABASE_URL``.

::

    async with temporary_database(url) as run_url:   # postgresql+asyncpg://…/bench_3f9a…
        ...
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.engine import make_url


def _dsn(url: str, database: str | None = None) -> str:
    """The plain libpq DSN asyncpg connects with (no SQLAlchemy driver name)."""
    parsed = make_url(url)
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


async def reachable(url: str, timeout: float = 5.0) -> str | None:
    """None when the server answers, else why not (one line, for a skip or an error message)."""
    import asyncpg

    try:
        connection = await asyncpg.connect(_dsn(url), timeout=timeout)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return f"PostgreSQL at {make_url(url).render_as_string(hide_password=True)} is unreachable: {exc}"
    await connection.close()
    return None


@asynccontextmanager
async def temporary_database(url: str, prefix: str = "scenari_run") -> AsyncIterator[str]:
    """Create an empty database beside the one ``url`` names; yield its URL; drop it on exit."""
    import asyncpg

    name = f"{prefix}_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(_dsn(url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    parsed = make_url(url).set(database=name)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    try:
        yield parsed.render_as_string(hide_password=False)
    finally:
        admin = await asyncpg.connect(_dsn(url))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
