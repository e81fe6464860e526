"""The tables read through ADBC (Arrow columns) are the tables read through SQLAlchemy.

``exports.tables.compute_tables`` reads with :func:`storage.aggregates.load_columnar` when the
database allows it; the SQLAlchemy paths (ORM rows, Core columns) remain for the dashboard and
for databases ADBC cannot open. Whatever path read them, an analyst gets the same cells.
"""

from __future__ import annotations

import pandas as pd
import pytest

from exports.tables import Options, build_tables, write_tables
from exports.tables.build import read_data
from storage import Database, aggregates
from storage.columnar import adbc_uri
from storage.simulate import simulate
from tests.support.convergence_city import build_city
from tests.support.plans import CREMONA_QUESTIONNAIRES as Q
from tests.support.plans import CREMONA_SOURCES

OPTIONS = Options(sources=CREMONA_SOURCES, k=3)


async def _three_ways(db: Database):
    columnar = await read_data(db, columnar=True)
    core = await read_data(db, columnar=False)
    async with db.transaction() as session:
        orm = await aggregates.load(session)
    return columnar, core, orm


def _same(a, b, check_dtype: bool) -> None:
    assert a.counts == b.counts
    assert list(a.tables) == list(b.tables)
    for name in a.tables:
        pd.testing.assert_frame_equal(a[name].reset_index(drop=True), b[name].reset_index(drop=True),
                                      check_dtype=check_dtype, obj=name)


@pytest.mark.parametrize("fill", ["city", "simulated"])
async def test_adbc_read_gives_the_same_tables(db: Database, fill: str, tmp_path) -> None:
    if fill == "city":
        await build_city(db)  # consents withdrawn, human and machine tags, cards and ratings, a register
    else:
        await simulate(db, 300, seed=5, questionnaires=Q)
    assert adbc_uri(db.url) is not None  # a file database or PostgreSQL: the Arrow path is taken
    columnar, core, orm = await _three_ways(db)
    assert isinstance(columnar.answers, aggregates.ArrowColumns)
    by_arrow = build_tables(columnar, OPTIONS)
    _same(by_arrow, build_tables(core, OPTIONS), check_dtype=True)  # the same frames, dtypes too
    _same(by_arrow, build_tables(orm, OPTIONS), check_dtype=False)
    # and the same workbook cells and CSV files (what the analysts open)
    for tables, out in ((by_arrow, tmp_path / "arrow"), (build_tables(core, OPTIONS), tmp_path / "core")):
        write_tables(tables, "csv", out)
    for path in sorted((tmp_path / "arrow").iterdir()):
        if path.name != "README.csv":  # README carries the time of the read
            assert path.read_bytes() == (tmp_path / "core" / path.name).read_bytes(), path.name


def test_databases_adbc_cannot_open_fall_back() -> None:
    assert adbc_uri("sqlite+aiosqlite:///:memory:") is None
    assert adbc_uri("sqlite+aiosqlite://") is None
    assert adbc_uri("mysql+aiomysql://u@h/db") is None
    backend, uri = adbc_uri("postgresql+asyncpg://scenari:s3cret@db.example:5433/city?ssl=require")
    assert (backend, uri) == ("postgresql", "postgresql://scenari:s3cret@db.example:5433/city?sslmode=require")


async def test_in_memory_database_reads_through_sqlalchemy(tmp_path) -> None:
    from storage import upgrade_database

    db = Database("sqlite+aiosqlite:///:memory:")
    try:
        await upgrade_database(db)
        assert await aggregates.load_columnar(db) is None
        data = await read_data(db)  # falls back, and the (empty) tables build
        assert build_tables(data, OPTIONS).counts["answers"] == 0
    finally:
        await db.dispose()


CONCURRENT_READS = r"""
import asyncio, sys
import aiosqlite
from sqlalchemy import column, select, table
from storage import Database
from storage.columnar import read_arrow

path = sys.argv[1]

async def main():
    async with aiosqlite.connect(path) as writer:
        await writer.execute("PRAGMA journal_mode=WAL")
        await writer.execute("CREATE TABLE answers (id INTEGER PRIMARY KEY, value TEXT)")
        await writer.commit()
        db = Database(f"sqlite+aiosqlite:///{path}")
        query = select(table("answers", column("id"), column("value")))
        stop = asyncio.Event()

        async def store():
            n = 0
            while not stop.is_set():
                await writer.execute("INSERT INTO answers (value) VALUES (?)", (f"answer {n}",))
                await writer.commit()
                n += 1

        storing = asyncio.create_task(store())
        counts = []
        for _ in range(15):
            tables = await asyncio.to_thread(read_arrow, db, {"answers": query})
            counts.append(tables["answers"].num_rows)
        stop.set()
        await storing
        await db.dispose()
    print(counts == sorted(counts), "adbc_driver_sqlite" in sys.modules)

asyncio.run(main())
"""


def test_tables_read_while_answers_are_stored_never_load_a_second_sqlite_into_the_process(tmp_path):
    """The ADBC SQLite driver links its own SQLite: in the serving process, beside aiosqlite's, it
    broke the WAL's locks and killed the process (SIGBUS). It reads in a child process instead."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", CONCURRENT_READS, str(tmp_path / "city.db")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True", "False"]  # each read saw a consistent, growing table; no driver here
