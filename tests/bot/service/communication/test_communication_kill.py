"""kill -9 of the sender at random points, restarted: every recipient gets exactly one copy.

The sender runs as a real process (``scenari broadcast send --until-done``) against the local
Bot API server of this test. A kill point is random in *progress* (after a random number of
further calls reached the server), never a time, so a slow machine moves it nowhere. Before
killing, the process is frozen (SIGSTOP) and the database looked at: if a row is ``inflight``
the process is inside the one window no Bot API can close (Telegram may have the message, the
database does not know), so it is resumed for a random instant and frozen again — the random
kills all land outside it. The second test kills deliberately *inside* that window, reached by
a barrier (the server carries out the call and holds its answer until the process is dead),
and checks the documented outcome: the row becomes ``uncertain`` and is not sent twice.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import sys
from pathlib import Path

from storage import Database, outbox
from tests.bot.service.communication.comm_helpers import sends_per_chat, subscribers
from tests.conftest import make_database
from tests.support.fake_bot_api import DEFAULT_TOKEN, FakeBotAPI

SCENARI = Path(sys.executable).parent / "scenari"


async def _spawn(api: FakeBotAPI, db_file: Path, rate: int = 150, lease: float = 1.5,
                 concurrency: int = 64) -> asyncio.subprocess.Process:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN, "TELEGRAM_API_BASE": api.base_url,
           "SCENARI_DATABASE_URL": f"sqlite:///{db_file}", "SCENARI_LOG_LEVEL": "WARNING"}
    return await asyncio.create_subprocess_exec(
        str(SCENARI), "broadcast", "send", "--until-done", "--rate", str(rate), "--lease", str(lease), "--batch", "40",
        "--concurrency", str(concurrency), env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )


def _inflight(db_file: Path) -> int:
    with sqlite3.connect(db_file, timeout=30) as connection:
        return connection.execute("SELECT count(*) FROM outbox_messages WHERE status = 'inflight'").fetchone()[0]


async def _kill_outside_the_window(process: asyncio.subprocess.Process, db_file: Path) -> bool:
    """Freeze, look, kill if no row is in flight; True if killed (False: it had finished)."""
    for _ in range(2000):
        if process.returncode is not None:
            return False
        process.send_signal(signal.SIGSTOP)
        if _inflight(db_file) == 0:
            process.send_signal(signal.SIGKILL)
            await process.wait()
            return True
        process.send_signal(signal.SIGCONT)
        await asyncio.sleep(random.uniform(0.001, 0.01))  # sampling a random instant, not waiting for one
    raise AssertionError("never found the sender outside a send")


async def _setup(api: FakeBotAPI, tmp_path: Path, users: int) -> tuple[Database, Path, int]:
    db = await make_database("sqlite", tmp_path)
    await subscribers(db, api, list(range(1, users + 1)))
    async with db.transaction() as session:
        b = await outbox.create_broadcast(session, segment={}, text_it="Newsletter di **dicembre**", status="scheduled")
    return db, tmp_path / "scenari.db", b.id


async def test_killed_at_random_points_each_recipient_gets_exactly_one_copy(api: FakeBotAPI, tmp_path: Path) -> None:
    db, db_file, broadcast_id = await _setup(api, tmp_path, 120)
    rng = random.Random(os.getpid())
    kills = 0
    try:
        while True:
            # a modest rate leaves instants with nothing in flight between two sends
            process = await _spawn(api, db_file, rate=30)
            if kills < 4:  # at most 4 × 20 of 120 calls: there is always work left to interrupt
                await api.wait_for_calls("sendMessage", api.count("sendMessage") + rng.randint(5, 20), timeout=600)
                if await _kill_outside_the_window(process, db_file):
                    kills += 1
                    continue
            assert await asyncio.wait_for(process.wait(), timeout=600) == 0
            break
        per_chat = sends_per_chat(api)
        assert kills == 4
        assert len(per_chat) == 120 and set(per_chat.values()) == {1}, {c: n for c, n in per_chat.items() if n != 1}
        async with db.transaction() as session:
            assert await outbox.counts(session, broadcast_id) == {"sent": 120}
            assert (await outbox.get_broadcast(session, broadcast_id)).status == "done"
    finally:
        await db.dispose()


async def test_a_kill_inside_the_window_leaves_the_row_uncertain_never_sent_twice(api: FakeBotAPI, tmp_path: Path) -> None:
    db, db_file, broadcast_id = await _setup(api, tmp_path, 20)
    hold = api.hold_next("sendMessage")  # Telegram delivers the first message; its answer waits
    try:
        process = await _spawn(api, db_file, rate=50, concurrency=1)  # one call out: no other can start
        await hold.wait_arrived(timeout=600)  # generous: only a start-up stands before it
        assert _inflight(db_file) == 1  # committed before the call left: inside the window
        process.send_signal(signal.SIGKILL)
        await process.wait()
        hold.release()  # the answer goes to a dead process
        process = await _spawn(api, db_file, rate=50)
        assert await asyncio.wait_for(process.wait(), timeout=600) == 0
        per_chat = sends_per_chat(api)
        assert set(per_chat.values()) == {1} and len(per_chat) == 20  # nobody twice, nobody skipped here
        async with db.transaction() as session:
            assert await outbox.counts(session, broadcast_id) == {"uncertain": 1, "sent": 19}
    finally:
        hold.release()
        await db.dispose()
