"""The async engine and session factory: SQLite (WAL) by default, PostgreSQL in production."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from .sqlite_driver import one_hop_dbapi


def normalise_url(url: str) -> str:
    """Accept the usual sync spellings and pick the async driver the project installs."""
    parsed = make_url(url)
    driver = parsed.drivername
    if driver in ("sqlite", "sqlite+pysqlite"):
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif driver in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, echo: bool = False, schema: str | None = None, read_only: bool = False) -> AsyncEngine:
    url = normalise_url(url)
    parsed = make_url(url)
    # hide_parameters: an error's text (logged, or printed by a command) never carries the
    # statement's values — an answer, a password's hash
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            private_sqlite_file(Path(parsed.database))
        kwargs["connect_args"] = {"timeout": 30}
        kwargs["module"] = one_hop_dbapi()  # aiosqlite with one thread hand-off a statement (storage/sqlite_driver.py)
    else:
        if schema:  # a PostgreSQL schema of its own (e.g. one per test run)
            kwargs["connect_args"] = {"server_settings": {"search_path": schema}}
    engine = create_async_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_read_pragmas if read_only else _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin_deferred if read_only else _sqlite_begin_immediate)
        _close_instead_of_terminate(engine)
    else:
        _ping_after_idle(engine)
    return engine


#: a pooled connection unused for longer than this is pinged before it is handed out again
PING_AFTER_IDLE = 2.0


def _ping_after_idle(engine: AsyncEngine) -> None:
    """Ping a PostgreSQL connection on checkout only when it has sat in the pool for a while.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout, and asyncpg's ping is three round
    trips (BEGIN, ``;``, ROLLBACK): a third of a group-committed batch's round trips, since the
    committer checks a connection out per batch, milliseconds after it went back. A connection
    back within :data:`PING_AFTER_IDLE` seconds was just working; one idle for longer (a server restarted in
    the meantime, a connection dropped by a firewall) is pinged as before, and one found dead
    is replaced before anyone uses it (``DisconnectionError``: the pool retries the checkout).
    A server restarted within those seconds of a connection's last use fails the one transaction
    that meets it, as one restarted in the middle of a transaction does (the pool then drops every
    older connection; the group committer runs the batch's units again alone).
    """
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    def checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["scenari.checked_in"] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.pop("scenari.checked_in", None)
        if returned is None or time.monotonic() - returned <= PING_AFTER_IDLE:
            return  # new (just connected) or just returned
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:  # ``;`` cannot fail on a working connection: replace it
            raise DisconnectionError("connection found dead on checkout") from exc

    event.listen(pool, "checkin", checkin)
    event.listen(pool, "checkout", checkout)


def _close_instead_of_terminate(engine: AsyncEngine) -> None:
    """A SQLite connection invalidated by a cancelled query is closed, never "terminated".

    SQLAlchemy's asyncio terminate runs a shielded graceful close and, when it is cancelled
    again (asyncio.run's shutdown cancels every task still running), stops aiosqlite's worker
    thread beside it; aiosqlite (>= 0.22) then awaits a reply from the thread it just stopped,
    and the process never exits (a stopped `scenari serve`, a test's event loop; the same
    deadlock as wapiti-scanner/wapiti#802). A plain close waits for the thread, which answers.
    """
    dialect = engine.sync_engine.dialect
    dialect.has_terminate = False  # a garbage-collected connection is left to its (daemon) thread
    dialect.do_terminate = dialect.do_close  # type: ignore[method-assign]


def private_sqlite_file(path: Path) -> None:
    """Create the database file readable by its owner only (0600), before SQLite opens it.

    SQLite creates its ``-wal`` and ``-shm`` files with the database file's permissions, so they
    follow; a file (or WAL/SHM) left wider by an older version is narrowed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:  # another process made it first
            pass
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if file.stat().st_mode & 0o077:
                os.chmod(file, 0o600)
        except OSError:  # absent, not ours, or a read-only file system: SQLite will say what matters
            continue


def _sqlite_begin_immediate(connection: Any) -> None:
    # The driver's own deferred BEGIN lets two processes read a run, then race to write it.
    # BEGIN IMMEDIATE takes the write lock up front, so a read-modify-write of a run is atomic
    # across instances; it also makes SAVEPOINTs behave (SQLAlchemy's documented recipe).
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_begin_deferred(connection: Any) -> None:
    # A reader: WAL gives it the last committed snapshot without the write lock.
    connection.exec_driver_sql("BEGIN DEFERRED")


def _sqlite_read_pragmas(dbapi_connection: Any, record: Any) -> None:
    # The reading engine's connections refuse to write (query_only): a write there by mistake
    # fails at once instead of taking the lock behind the writer's back.
    _sqlite_pragmas(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (exports) run beside the writer; FULL sync makes each commit durable
    # before the bot replies; foreign keys make erasure cascade; busy_timeout lets a second
    # instance wait for the lock instead of failing.
    dbapi_connection.isolation_level = None  # SQLAlchemy, not the driver, emits BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Database:
    """One engine and session factory per process, made at start-up and passed down."""

    def __init__(self, url: str, echo: bool = False, schema: str | None = None) -> None:
        self.url = normalise_url(url)
        self.schema = schema
        self.engine = make_engine(self.url, echo=echo, schema=schema)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._read_engine: AsyncEngine | None = None
        self._read_sessions: async_sessionmaker[AsyncSession] | None = None

    @property
    def backend(self) -> str:
        return make_url(self.url).get_backend_name()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed on success and rolled back on error."""
        async with self.sessions() as session:
            async with session.begin():
                yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A read-only transaction that takes no write lock: page views beside the writer.

        On a SQLite file, a second engine whose transactions begin DEFERRED (in WAL a reader
        sees the last commit and neither waits for the writer nor holds it up) and refuse to
        write (``query_only``). Elsewhere (PostgreSQL, or an in-memory SQLite that a second
        engine could not see) a plain transaction of the one engine.
        """
        parsed = make_url(self.url)
        if self.backend != "sqlite" or not parsed.database or parsed.database == ":memory:" or "mode=memory" in self.url:
            async with self.transaction() as session:
                yield session
            return
        if self._read_sessions is None:
            self._read_engine = make_engine(self.url, schema=self.schema, read_only=True)
            self._read_sessions = async_sessionmaker(self._read_engine, expire_on_commit=False)
        async with self._read_sessions() as session:
            async with session.begin():
                yield session

    async def ping(self) -> None:
        """A round trip to the database (``SELECT 1``); raises if it cannot be reached."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        if self._read_engine is not None:
            await self._read_engine.dispose()
        await self.engine.dispose()
