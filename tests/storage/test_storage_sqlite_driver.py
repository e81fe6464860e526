"""The SQLite engines' one-hand-off driver (storage/sqlite_driver.py): same results, fewer hops."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage import Database


@pytest.fixture
async def db(tmp_path: Path) -> Any:
    database = Database(f"sqlite:///{tmp_path}/driver.db")
    async with database.transaction() as session:
        await session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    yield database
    await database.dispose()


async def test_rows_counts_and_ids_read_back_as_sqlalchemy_gives_them(db: Database) -> None:
    async with db.transaction() as session:
        inserted = await session.execute(text("INSERT INTO t (name) VALUES (:n)"), {"n": "uno"})
        assert inserted.lastrowid == 1
        many = await session.execute(text("INSERT INTO t (name) VALUES (:n)"), [{"n": "due"}, {"n": "tre"}])
        assert many.rowcount == 2
        updated = await session.execute(text("UPDATE t SET name = name || '!' WHERE id > 1"))
        assert updated.rowcount == 2
    async with db.reading() as session:
        rows = (await session.execute(text("SELECT id, name FROM t ORDER BY id"))).all()
        assert [tuple(row) for row in rows] == [(1, "uno"), (2, "due!"), (3, "tre!")]
        result = await session.execute(text("SELECT name FROM t WHERE id = 2"))
        assert list(result.keys()) == ["name"] and result.scalar_one() == "due!"
        assert (await session.execute(text("SELECT name FROM t WHERE id = 99"))).first() is None


async def test_a_failing_statement_raises_sqlalchemy_error_and_rolls_back(db: Database) -> None:
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO t (name) VALUES ('uno')"))
            await session.execute(text("INSERT INTO t (name) VALUES ('uno')"))
    async with db.reading() as session:
        assert (await session.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0


async def test_each_statement_is_one_hand_off_to_the_connection_thread(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: Counter[str] = Counter()
    original = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        calls[getattr(fn, "__name__", "?")] += 1
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    async with db.transaction() as session:
        await session.execute(text("SELECT 1"))  # the transaction's BEGIN IMMEDIATE, before counting
        calls.clear()
        for n in range(10):
            await session.execute(text("INSERT INTO t (name) VALUES (:n)"), {"n": f"n{n}"})
        await session.execute(text("SELECT * FROM t"))
    # 11 statements, the commit, the pool's reset on return: stock SQLAlchemy + aiosqlite made
    # 3-4 hand-offs a statement (cursor, execute, fetchall, close)
    assert calls == Counter({"_run_statement": 11, "commit": 1, "rollback": 1}), calls
