"""aiosqlite under SQLAlchemy with one thread hand-off per statement instead of four.

Why: aiosqlite runs every call on the connection's own thread, and SQLAlchemy's adapter makes
four of them for each statement — open a cursor, execute, fetch the rows, close the cursor —
each a queue put, a thread wake-up, a GIL hand-over and a future resolved on the event loop.
Profiled under bench/bench_web.py (fetch, 100 browsers) those hand-offs were a seventh of the
server's main-thread time, more than the statements themselves. Here the four run as one
function on that thread (:func:`_run_statement`), so a statement costs one hand-off; what the
statement does, its transaction, its errors and its rows are exactly aiosqlite's.

Used by :func:`storage.database.make_engine` for every SQLite engine, through SQLAlchemy's
documented ``module=`` argument (the DBAPI the dialect uses): the URL, the dialect and
everything built on them (Alembic, the columnar reader's URL parsing) stay ``sqlite+aiosqlite``.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_


class _Outcome:
    """What a finished statement left on its (closed) sqlite3 cursor, read by SQLAlchemy after."""

    __slots__ = ("description", "rowcount", "lastrowid", "arraysize")

    def __init__(self, description: Any = None, rowcount: int = -1, lastrowid: int | None = None) -> None:
        self.description = description
        self.rowcount = rowcount
        self.lastrowid = lastrowid
        self.arraysize = 1

    async def close(self) -> None:  # the sqlite3 cursor was closed on the connection's thread
        return None


def _run_statement(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> tuple[_Outcome, list[Any] | None]:
    """On the connection's thread: cursor, execute (or executemany), the rows if any, close."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else None
        return _Outcome(cursor.description, cursor.rowcount, cursor.lastrowid), rows
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor, each statement one call on the connection's thread.

    Opening it costs nothing (no aiosqlite cursor is made); ``execute`` runs the whole statement
    and keeps its rows here, as the stock cursor does after its fetch; closing has nothing left
    to close.
    """

    __slots__ = ()

    def __init__(self, adapt_connection: Any) -> None:  # no hand-off to open a cursor
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = _Outcome()  # type: ignore[assignment]  # nothing run yet (its own: arraysize is settable)
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = deque()

    def _run(self, operation: Any, parameters: Any, many: bool) -> None:
        connection = self._connection
        try:
            outcome, rows = await_(connection._execute(_run_statement, connection._conn, operation, parameters, many))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._cursor = outcome  # type: ignore[assignment]
        if rows is not None:
            self._rows = deque(rows)

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        self._run(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        self._run(operation, seq_of_parameters, many=True)

    async def _async_soft_close(self) -> None:  # the description is kept on the outcome already
        return None

    def close(self) -> None:
        self._rows.clear()


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection adapter, handing out :class:`OneHopCursor` (server-side cursors unchanged)."""

    __slots__ = ()
    _cursor_cls = OneHopCursor


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI shim whose connections are :class:`OneHopConnection`."""

    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        adapted = super().connect(*arg, **kw)
        return OneHopConnection(self, adapted._connection)


def one_hop_dbapi() -> OneHopDBAPI:
    """The DBAPI module to give ``create_async_engine(..., module=...)`` for a SQLite URL."""
    return OneHopDBAPI(aiosqlite, sqlite3)
