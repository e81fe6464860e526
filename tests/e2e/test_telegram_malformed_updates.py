"""Polling meets updates the bot cannot act on: each is logged and skipped, polling goes on.

(The webhook answers the same updates 400: tests/web/test_web_webhook_malformed.py.)
"""

from __future__ import annotations

from aiogram import Dispatcher
from aiogram.types import Update
from sqlalchemy import func, select

from storage import Database
from storage.models import ProcessedUpdate, Respondent
from tests.e2e.helpers import answer_until_free_text, start_survey, stored_answers
from tests.support.fake_bot_api import FakeBotAPI


def skipped(caplog) -> list[str]:
    return [r.fields["reason"] for r in caplog.records if r.getMessage() == "update skipped"]  # type: ignore[attr-defined]


async def count(db: Database, model: type) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_message_without_a_sender_is_skipped_and_polling_goes_on(
    api: FakeBotAPI, dispatcher: Dispatcher, db: Database, caplog
) -> None:
    ghost = api.user(user_id=3001)
    user = api.user(user_id=3002)
    async with api.polling(dispatcher, handle_as_tasks=False):  # in order: the bad ones come first
        for text in ("/start imprese", "ciao"):
            update = await ghost.send_text(text)
            del update["message"]["from"]  # as a message sent on behalf of a channel may arrive
        edited = await ghost.send_text("modificato")
        edited["edited_message"] = {**edited.pop("message"), "edit_date": 1}
        del edited["edited_message"]["from"]
        await user.send_command("/start imprese")
        await user.wait_text("Accetta di partecipare?")  # imprese says "Lei"
        await user.press("Accetto")
        await user.wait_text("In quale settore")
    assert "update failed" not in caplog.text and "TypeError" not in caplog.text
    assert skipped(caplog) == ["no sender"] * 3
    assert ghost.messages == []
    assert await count(db, Respondent) == 1 and await stored_answers(db, 3002) == {}


async def test_an_update_id_no_column_holds_is_skipped(api: FakeBotAPI, dispatcher: Dispatcher, db: Database, caplog):
    """What polling hands the dispatcher for each update (``feed_update``), with a huge id."""
    user = api.user(user_id=3003)
    raw = await user.send_command("/start imprese")
    bot = api.make_bot()
    try:
        for update_id in (2**63, 10**23, -1):
            update = Update.model_validate({**raw, "update_id": update_id}, context={"bot": bot})
            assert await dispatcher.feed_update(bot, update) is None
    finally:
        await bot.session.close()
    assert skipped(caplog) == ["update_id out of range"] * 3 and "update failed" not in caplog.text
    assert user.messages == [] and api.calls_of("sendMessage") == []
    assert await count(db, ProcessedUpdate) == 0 and await count(db, Respondent) == 0


async def test_a_nul_in_a_typed_answer_or_a_link_is_refused_politely(
    api: FakeBotAPI, dispatcher: Dispatcher, db: Database, caplog
) -> None:
    """A NUL would fail PostgreSQL's insert and be stored as-is by SQLite: refused on both."""
    user = api.user(user_id=3004, language_code="it")
    stranger = api.user(user_id=3005, language_code="en")
    async with api.polling(dispatcher):
        await start_survey(user)
        await answer_until_free_text(user)
        await user.send_text("Robot\x00 di saldatura")
        refusal = await user.wait_text("caratteri di controllo")
        assert "\x00" not in (refusal.text or "")
        await user.send_text("Robot di saldatura")
        await user.wait_text("ricerca e sviluppo")
        await stranger.send_command("/start ascolto_tok\x00en")
        assert "control characters" in ((await stranger.wait_reply()).text or "")
    assert "update failed" not in caplog.text
    assert (await stored_answers(db, 3004))["innovation_example"] == "Robot di saldatura"
    assert await stored_answers(db, 3005) == {}


async def test_an_update_aiogram_cannot_read_is_skipped_and_the_rest_of_its_batch_is_answered(
    api: FakeBotAPI, dispatcher: Dispatcher, settings, caplog
) -> None:
    """One unreadable update used to fail its whole getUpdates batch, refetched for ever."""
    from bot.telegram.app import build_bot

    odd = api.user(user_id=3006)
    user = api.user(user_id=3007)
    bad = await odd.send_text("/start imprese")
    bad["message"]["date"] = "ieri"  # no Message parses with this: aiogram rejects the whole list
    await user.send_command("/start imprese")  # the same batch, after the bad one
    async with api.polling(dispatcher, bot=build_bot(settings), handle_as_tasks=False):
        await user.wait_text("Accetta di partecipare?")  # imprese says "Lei"
        await user.press("Accetto")
        await user.wait_text("In quale settore")
        await api.wait_idle()
    assert api.confirmed_offset > bad["update_id"]  # Telegram is told to drop it: never fetched again
    assert [u["update_id"] for u in api.delivered_updates].count(bad["update_id"]) == 1
    assert odd.messages == [] and "update failed" not in caplog.text
    assert "update unreadable, skipped" in caplog.text and "ieri" not in caplog.text
    assert skipped(caplog) == ["no event this bot handles"]
