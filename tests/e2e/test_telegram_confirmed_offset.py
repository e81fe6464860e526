"""Long polling: a process killed while an answer, or its reply, is on its way loses nothing.

Telegram forgets an update once the bot's next ``getUpdates`` carries an offset past it. The bot
must not ask for the next batch that way before the answer is committed and its reply sent:
killed in between, the answer would be gone for good, or the person would wait for a next
question that never comes (bot.telegram.confirmations).
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from pathlib import Path
from typing import Any

from tests.e2e.helpers import assert_three_first_answers_stored_once, spawn_bot, start_survey, stop_bot
from tests.support.fake_bot_api import BotAPIError, FakeBotAPI, SimulatedUser
from tests.support.polling import until


async def test_answer_in_flight_when_the_process_is_killed_is_redelivered_and_stored(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    path = tmp_path / "in_flight.db"
    url = f"sqlite:///{path}"
    user = api.user(user_id=3010)
    process = await spawn_bot(api, url)
    lock: sqlite3.Connection | None = None
    try:
        await start_survey(user)
        await user.press("Agricoltura e allevamento")
        await user.wait_text("Quanti addetti")
        # another writer holds the database: the next answer's commit waits behind it
        lock = sqlite3.connect(path, isolation_level=None, timeout=30)
        lock.execute("BEGIN IMMEDIATE")
        before = max(u["update_id"] for u in api.delivered_updates)
        await user.press("10–49")
        await until(lambda: max(u["update_id"] for u in api.delivered_updates) > before, timeout=60)
        pressed = max(u["update_id"] for u in api.delivered_updates)
        # the bot has the update in hand; give an eager poller ample time to confirm it
        try:
            await until(lambda: api.confirmed_offset > pressed, timeout=1.5)
        except AssertionError:
            pass  # not confirmed while uncommitted: what this test wants
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
        if lock is not None:
            lock.rollback()
            lock.close()
    assert api.confirmed_offset <= pressed, "the update was confirmed to Telegram before its answer was stored"
    await answer_the_town_after_a_restart(api, url, user)  # Telegram hands the unconfirmed update out again
    await assert_three_first_answers_stored_once(url, 3010)


async def test_a_process_killed_before_its_reply_shows_the_open_question_after_the_restart(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'reply_lost.db'}"
    user = api.user(user_id=3011)
    process = await spawn_bot(api, url, SCENARI_TELEGRAM_REPLY_WAIT="60")
    reached, released = asyncio.Event(), asyncio.Event()

    async def never_delivered(params: dict[str, Any], files: dict[str, Any]) -> Any:
        reached.set()  # the answer is stored: replies go only after the commit
        await released.wait()
        raise BotAPIError(502, "Bad Gateway")

    try:
        await start_survey(user)
        await user.press("Agricoltura e allevamento")
        await user.wait_text("Quanti addetti")
        before = max(u["update_id"] for u in api.delivered_updates)
        api.register_method("sendMessage", never_delivered)  # the next question will not reach the person
        await user.press("10–49")
        await asyncio.wait_for(reached.wait(), 60)
        pressed = max(u["update_id"] for u in api.delivered_updates)
        assert pressed > before
        assert api.confirmed_offset <= pressed  # its reply is not out: Telegram still holds the update
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
        api.restore_method("sendMessage")
        released.set()
    assert not any("In quale comune" in (m.text or "") for m in user.messages)
    # the update comes again: its answer is stored already, so the person is shown the open question
    await answer_the_town_after_a_restart(api, url, user)
    assert sum("In quale comune" in (m.text or "") for m in user.messages) == 1
    await assert_three_first_answers_stored_once(url, 3011)


async def answer_the_town_after_a_restart(api: FakeBotAPI, url: str, user: SimulatedUser) -> None:
    """A new process: the town question comes (again, or for the first time), is answered, and the next follows."""
    process = await spawn_bot(api, url)
    try:
        await user.wait_text("In quale comune")
        await user.press("Castelleone")
        await user.wait_text("introdotto innovazioni")
    finally:
        await stop_bot(process)
