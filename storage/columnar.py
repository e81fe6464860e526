"""Read a query's columns straight into Arrow with an ADBC driver: no Python object per row.

The tables of :mod:`exports.tables` read about a million answers; SQLAlchemy and aiosqlite hand
each row over as a tuple, through a thread, which was most of the read time. ADBC drivers
(``adbc-driver-sqlite``, ``adbc-driver-postgresql``) fill Arrow columns in C instead. The queries
stay SQLAlchemy Core expressions (:mod:`storage.aggregates` builds them), compiled here with
their literal values for the database's dialect; nothing a person typed is in them.

A :class:`Database` URL (``sqlite+aiosqlite:///var/scenari.db``, ``postgresql+asyncpg://…``)
becomes the driver's URI; an in-memory SQLite database, another backend, or a driver that is not
installed gives ``None`` from :func:`adbc_uri` and the caller reads through SQLAlchemy instead.
Everything is read in one read-only transaction (repeatable read on PostgreSQL), as the
SQLAlchemy path does.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import String
from sqlalchemy.engine import Dialect, make_url

from .database import Database

LIBPQ_OPTIONS = frozenset({"sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "application_name",
                           "target_session_attrs", "options"})
SSL_TRUE = {"true": "require", "True": "require", "1": "require", "false": "disable", "False": "disable", "0": "disable"}


def adbc_uri(url: str) -> tuple[str, str] | None:
    """``(backend, driver URI)`` of a SQLAlchemy URL, or ``None`` when ADBC cannot read it."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if not database or database == ":memory:" or database.startswith("file:") or "mode=memory" in database:
            return None
        if importlib.util.find_spec("adbc_driver_sqlite") is None:
            return None
        return backend, f"file:{quote(str(Path(database).resolve()))}?mode=ro"  # read-only: this path never writes
    if backend == "postgresql":
        if importlib.util.find_spec("adbc_driver_postgresql") is None:
            return None
        # asyncpg's ``ssl=`` is libpq's ``sslmode=``; other asyncpg-only options mean nothing to libpq
        query = {("sslmode" if key == "ssl" else key): SSL_TRUE.get(value, value) if key == "ssl" else value
                 for key, value in parsed.query.items() if key == "ssl" or key in LIBPQ_OPTIONS}
        uri = parsed.set(drivername="postgresql", query=query)
        return backend, uri.render_as_string(hide_password=False)
    return None


def compile_sql(query: Any, dialect: Dialect) -> str:
    """The statement's SQL for ``dialect`` with its (program-made) values inlined."""
    return str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def read_arrow(db: Database, queries: Mapping[str, Any]) -> dict[str, Any] | None:
    """Each named Core query's result as a ``pyarrow.Table``, in one read transaction; ``None``
    when the database cannot be read through ADBC (the caller falls back to SQLAlchemy).

    Synchronous (the drivers are): call it in a thread."""
    target = adbc_uri(db.url)
    if target is None:
        return None
    backend, uri = target
    if db.schema and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", db.schema):
        return None  # a schema name this module would have to quote: leave it to SQLAlchemy
    dialect = db.engine.dialect
    sql = {name: compile_sql(query, dialect) for name, query in queries.items()}
    if backend == "sqlite":
        import adbc_driver_sqlite.dbapi as driver
    else:
        import adbc_driver_postgresql.dbapi as driver  # type: ignore[no-redef]
    with driver.connect(uri) as connection:  # autocommit off: one transaction until close
        with connection.cursor() as cursor:
            if backend == "postgresql":
                # the SQLAlchemy path reads in one transaction; here every statement sees its same snapshot
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                if db.schema:
                    cursor.execute(f'SET LOCAL search_path TO "{db.schema}"')
            out = {}
            for name, statement in sql.items():
                cursor.execute(statement)
                out[name] = _widen(cursor.fetch_arrow_table(), _text_columns(queries[name]))
        connection.rollback()
    return out


def _text_columns(query: Any) -> set[str]:
    """The names of the query's text columns (SQLite's driver types a column from its values:
    one with no value but NULL arrives as int64)."""
    return {column.name for column in query.selected_columns if isinstance(column.type, String)}


def _widen(table: Any, text: set[str] = frozenset()) -> Any:  # type: ignore[assignment]
    """Integers as int64 and floats as float64, whatever the column's width in the database
    (PostgreSQL's INTEGER arrives as int32): the types Python's numbers give the other paths;
    the ``text`` columns as strings even when they hold only NULLs."""
    import pyarrow as pa

    fields = []
    for field in table.schema:
        if field.name in text and not pa.types.is_string(field.type):
            field = field.with_type(pa.string())
        elif pa.types.is_integer(field.type) and field.type != pa.int64():
            field = field.with_type(pa.int64())
        elif pa.types.is_floating(field.type) and field.type != pa.float64():
            field = field.with_type(pa.float64())
        fields.append(field)
    schema = pa.schema(fields)
    return table if schema == table.schema else table.cast(schema)
