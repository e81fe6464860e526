"""kill -9 of the sender at random points, restarted: every recipient gets exactly one copy.

The sender runs as a real process (``scenari broadcast send --until-done``) against the local
Bot API server of this test. A kill point is random in time; before killing, the process is
frozen (SIGSTOP) and the database looked at: if a row is ``inflight`` the process is inside the
one window no Bot API can close (Telegram may have the message, the database does not know),
so it is resumed and frozen again a moment later — the random kills all land outside it. The
second test kills deliberately *inside* that window and checks the documented outcome: the
row becomes ``uncertain`` and is not sent twice.
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
from tests.communication.comm_helpers import sends_per_chat, subscribers
from tests.conftest import make_database
from tests.support.fake_bot_api import DEFAULT_TOKEN, FakeBotAPI

SCENARI = Path(sys.executable).parent / "scenari"


async def _spawn(api: FakeBotAPI, db_file: Path, rate: int = 150, lease: float = 1.5) -> asyncio.subprocess.Process:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN, "TELEGRAM_API_BASE": api.base_url,
           "SCENARI_DATABASE_URL": f"sqlite:///{db_file}", "SCENARI_LOG_LEVEL": "WARNING"}
    return await asyncio.create_subprocess_exec(
        str(SCENARI), "broadcast", "send", "--until-done", "--rate", str(rate), "--lease", str(lease), "--batch", "40",
        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )


def _inflight(db_file: Path) -> int:
    with sqlite3.connect(db_file, timeout=30) as connection:
        return connection.execute("SELECT count(*) FROM outbox_messages WHERE status = 'inflight'").fetchone()[0]


async def _kill_outside_the_window(process: asyncio.subprocess.Process, db_file: Path) -> bool:
    """Freeze, look, kill if no row is in flight; True if killed (False: it had finished)."""
    for _ in range(200):
        if process.returncode is not None:
            return False
        process.send_signal(signal.SIGSTOP)
        if _inflight(db_file) == 0:
            process.send_signal(signal.SIGKILL)
            await process.wait()
            return True
        process.send_signal(signal.SIGCONT)
        await asyncio.sleep(random.uniform(0.001, 0.01))
    raise AssertionError("never found the sender outside a send")


async def _setup(api: FakeBotAPI, tmp_path: Path, users: int) -> tuple[Database, Path, int]:
    db = await make_database("sqlite", tmp_path)
    await subscribers(db, api, list(range(1, users + 1)))
    async with db.transaction() as session:
        b = await outbox.create_broadcast(session, segment={}, text_it="Newsletter di **dicembre**", status="scheduled")
    return db, tmp_path / "scenari.db", b.id


async def test_killed_at_random_points_each_recipient_gets_exactly_one_copy(api: FakeBotAPI, tmp_path: Path) -> None:
    db, db_file, broadcast_id = await _setup(api, tmp_path, 300)
    rng = random.Random(os.getpid())
    kills = 0
    try:
        while True:
            process = await _spawn(api, db_file)
            if kills < 4:
                await asyncio.sleep(rng.uniform(0.3, 1.2))
                if await _kill_outside_the_window(process, db_file):
                    kills += 1
                    continue
            assert await asyncio.wait_for(process.wait(), timeout=60) == 0
            break
        per_chat = sends_per_chat(api)
        assert kills == 4
        assert len(per_chat) == 300 and set(per_chat.values()) == {1}, {c: n for c, n in per_chat.items() if n != 1}
        async with db.transaction() as session:
            assert await outbox.counts(session, broadcast_id) == {"sent": 300}
            assert (await outbox.get_broadcast(session, broadcast_id)).status == "done"
    finally:
        await db.dispose()


async def test_a_kill_inside_the_window_leaves_the_row_uncertain_never_sent_twice(api: FakeBotAPI, tmp_path: Path) -> None:
    db, db_file, broadcast_id = await _setup(api, tmp_path, 20)
    api.delay_next("sendMessage", 2.0, times=1)  # the first call hangs: the window is wide open
    try:
        process = await _spawn(api, db_file, rate=5)
        for _ in range(1000):  # the row is inflight and its call has reached the server (delayed there)
            if _inflight(db_file) and api.count("sendMessage"):
                break
            await asyncio.sleep(0.01)
        process.send_signal(signal.SIGKILL)  # inside the window: the row is inflight
        await process.wait()
        await asyncio.sleep(2.2)  # the server finishes the call it had (Telegram would deliver it)
        process = await _spawn(api, db_file, rate=50)
        assert await asyncio.wait_for(process.wait(), timeout=60) == 0
        per_chat = sends_per_chat(api)
        assert set(per_chat.values()) == {1} and len(per_chat) == 20  # nobody twice, nobody skipped here
        async with db.transaction() as session:
            counts = await outbox.counts(session, broadcast_id)
        assert counts.get("uncertain", 0) >= 1 and counts["sent"] + counts["uncertain"] == 20
    finally:
        await db.dispose()
