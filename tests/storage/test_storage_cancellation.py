"""A query cancelled twice (as a stopping service cancels its tasks) never keeps the process alive.

SQLAlchemy closes a connection whose query was cancelled; if that close is cancelled too — as
``asyncio.run`` cancels every task still running when it ends — SQLite with aiosqlite >= 0.22
used to deadlock: the process printed its last line and never exited. Each case runs in a fresh
interpreter, since the deadlock is in the event loop's own shutdown.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

TWICE_CANCELLED = r"""
import asyncio, sys, threading
from sqlalchemy import event, text
from storage import Database

started, release = threading.Event(), threading.Event()

def hold():  # runs in aiosqlite's worker thread: the query is under way until released
    started.set()
    release.wait(60)
    return 1

async def main():
    db = Database(sys.argv[1])
    event.listen(db.engine.sync_engine, "connect", lambda conn, _: conn.create_function("hold", 0, hold))

    async def query():
        async with db.transaction() as session:
            await session.execute(text("SELECT hold()"))

    task = asyncio.create_task(query())
    await asyncio.to_thread(started.wait, 60)
    task.cancel()  # the query is cancelled: SQLAlchemy closes its connection...
    for _ in range(20):
        await asyncio.sleep(0)
    task.cancel()  # ...and that close is cancelled too, while the thread is still busy
    release.set()
    try:
        await task
    except asyncio.CancelledError:
        pass
    print("cancelled", flush=True)
    await db.dispose()

asyncio.run(main())
print("exited", flush=True)
"""


@pytest.mark.parametrize("where", ["file", "memory"])
def test_a_query_cancelled_while_its_connection_closes_lets_the_process_exit(tmp_path: Path, where: str) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'scenari.db'}" if where == "file" else "sqlite+aiosqlite://"
    try:
        result = subprocess.run([sys.executable, "-c", TWICE_CANCELLED, url], capture_output=True, text=True,
                                cwd=ROOT, timeout=300)  # a bound on a deadlock, not a measure
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the process never exited after its query was cancelled: {exc.stdout!r}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["cancelled", "exited"]
