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
        tables = _read_sqlite_in_child(uri, sql)
        return {name: _widen(table, _text_columns(queries[name])) for name, table in tables.items()}
    import adbc_driver_postgresql.dbapi as driver

    with driver.connect(uri) as connection:  # autocommit off: one transaction until close
        with connection.cursor() as cursor:
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


# The ADBC SQLite driver carries its own copy of the SQLite library. Two copies in one process
# must never open the same database: POSIX locks are per process, so the driver's copy takes the
# writer's locks for its own, believes it is the only connection and resets the WAL index that
# aiosqlite's copy has mapped; the process dies of SIGBUS (seen in the test suite: a table rebuild
# beside an answer being stored). In a child process the two copies lock each other as two
# processes do, which SQLite is made for. The child imports only the driver and pyarrow.
_CHILD = """
import json, sys
import adbc_driver_sqlite.dbapi as driver
import pyarrow as pa
uri, sql, folder = json.loads(sys.stdin.read())
with driver.connect(uri) as connection:
    with connection.cursor() as cursor:
        for index, statement in enumerate(sql):
            cursor.execute(statement)
            table = cursor.fetch_arrow_table()
            with pa.OSFile(f"{folder}/{index}.arrow", "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
    connection.rollback()
"""


def _read_sqlite_in_child(uri: str, sql: Mapping[str, str]) -> dict[str, Any]:
    """The statements' results read by the ADBC SQLite driver in a child process, in one read
    transaction, handed back as Arrow IPC files (read here without a copy per row)."""
    import json
    import subprocess
    import sys
    import tempfile

    import pyarrow as pa

    names = list(sql)
    with tempfile.TemporaryDirectory(prefix="scenari-columnar-") as folder:
        done = subprocess.run(
            [sys.executable, "-I", "-c", _CHILD], input=json.dumps([uri, [sql[n] for n in names], folder]),
            capture_output=True, text=True, check=False,
        )
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise RuntimeError(f"the columnar reader failed: {last}")
        tables = {}
        for index, name in enumerate(names):
            with pa.memory_map(f"{folder}/{index}.arrow") as source:
                tables[name] = pa.ipc.open_file(source).read_all()
    return tables


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
