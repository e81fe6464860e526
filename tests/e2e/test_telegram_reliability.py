"""Nothing lost, nothing doubled: redelivery, restarts, a killed process, flood control."""

from __future__ import annotations

import signal
from pathlib import Path

from aiogram import Dispatcher

from bot.settings import Settings
from bot.telegram.app import build_dispatcher
from storage import Database
from tests.e2e.helpers import (
    answer_rows, answer_until_free_text, assert_three_first_answers_stored_once, spawn_bot, start_survey, stop_bot,
    stored_answers,
)
from tests.support.fake_bot_api import FakeBotAPI


async def test_redelivered_update_stores_one_answer(api: FakeBotAPI, dispatcher: Dispatcher, db: Database) -> None:
    user = api.user(user_id=3001)
    async with api.polling(dispatcher):
        await start_survey(user)
        await answer_until_free_text(user, innovations="1")
        update = await user.send_text("Forno nuovo")
        await user.wait_text("ricerca e sviluppo")
        await api.redeliver(update)
        await api.redeliver(update)
        await user.expect_silence(0.5)
        await user.press("No")
        await user.wait_text("Con chi collabora")
    rows = await answer_rows(db, 3001)
    assert [key for key, _, _ in rows].count("innovation_example") == 1
    assert (await stored_answers(db, 3001))["rd"] == "none"


async def test_restart_before_offset_confirmed_redelivers_without_doubles(
    api: FakeBotAPI, db: Database, settings: Settings
) -> None:
    user = api.user(user_id=3002)
    async with api.polling(build_dispatcher(db, settings)):
        await start_survey(user)
        await user.press("Commercio")
        await user.wait_text("Quanti addetti")
        await user.press("1–9")
        await user.wait_text("In quale comune")
    # the process stopped before Telegram learnt the last offset: everything since is resent
    api.reset_offset()
    async with api.polling(build_dispatcher(db, settings)):  # a fresh process, same database
        await user.press("Soresina")
        await user.wait_text("introdotto innovazioni")
    assert await stored_answers(db, 3002) == {"ateco_section": "G", "employees": "micro", "municipality": "soresina"}
    assert len(await answer_rows(db, 3002)) == 3
    # the new process cannot know whether the redelivered press's reply went out: rather than leave
    # the person without a question, it shows the open one again (bot.telegram.confirmations)
    assert sum("In quale comune" in (m.text or "") for m in user.messages) == 2


async def test_flood_control_is_retried_and_a_spoilt_answer_never_doubles_a_question(
    api: FakeBotAPI, db: Database, settings: Settings
) -> None:
    user = api.user(user_id=3003)
    from bot.telegram.app import build_bot

    bot = build_bot(settings)  # the real bot, with its retry middleware
    async with api.polling(build_dispatcher(db, settings), bot=bot):
        await start_survey(user)
        api.fail_next("sendMessage", 429, retry_after=1)
        await user.press("Commercio")
        await user.wait_text("Quanti addetti", timeout=8)
        # Telegram sent the question, then a proxy spoilt the answer: the bot must not ask again
        api.fail_next_network("sendMessage", mode="http", status=502, after_executing=True)
        await user.press("1–9")
        await user.wait_text("In quale comune", timeout=8)
        await user.press("Crema")
        await user.wait_text("introdotto innovazioni", timeout=8)
    assert sum("In quale comune" in (m.text or "") for m in user.messages) == 1
    assert await stored_answers(db, 3003) == {"ateco_section": "G", "employees": "micro", "municipality": "crema"}


async def test_killed_process_resumes_exactly_where_the_stored_answers_left(api: FakeBotAPI, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    user = api.user(user_id=3004)
    process = await spawn_bot(api, url)
    try:
        await start_survey(user)
        await user.press("Agricoltura e allevamento")
        await user.wait_text("Quanti addetti")
        await user.press("10–49")
        await user.wait_text("In quale comune")
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    api.reset_offset()
    process = await spawn_bot(api, url)
    try:
        await user.send_command("/stato")
        status = await user.wait_text("È alla domanda")  # imprese says "Lei"
        assert "3 di" in status.text
        await user.wait_text("In quale comune")
        await user.press("Castelleone")
        await user.wait_text("introdotto innovazioni")
    finally:
        await stop_bot(process)
    await assert_three_first_answers_stored_once(url, 3004)
