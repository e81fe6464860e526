"""Bad input of every kind gets a clear reply and the question again; nothing wrong is stored."""

from __future__ import annotations

import asyncio

from aiogram import Dispatcher

from storage import Database
from tests.e2e.helpers import answer_rows, answer_until_free_text, start_survey, stored_answers
from tests.support.fake_bot_api import FakeBotAPI



async def test_text_where_a_button_is_expected(api: FakeBotAPI, dispatcher: Dispatcher, db: Database) -> None:
    user = api.user(user_id=2001)
    async with api.polling(dispatcher):
        await start_survey(user)
        await user.send_text("boh, un po' di tutto")
        error = await user.wait_text("Scelga una delle opzioni")  # the survey says "Lei", so do its errors
        assert error.text.startswith("⚠️")
        again = await user.wait_text("In quale settore")
        assert "Manifattura e industria" in again.buttons
        await user.send_text("manifattura e industria")  # the label typed out is understood
        await user.wait_text("Quanti addetti")
    assert await stored_answers(db, 2001) == {"ateco_section": "C"}


async def test_number_out_of_range_and_text_too_long(api: FakeBotAPI, dispatcher: Dispatcher, db: Database) -> None:
    user = api.user(user_id=2002)
    async with api.polling(dispatcher):
        await start_survey(user)
        await answer_until_free_text(user)
        await user.send_text("x" * 601)
        assert "601 caratteri" in (await user.wait_text("troppo lungo")).text
        await user.send_text("Robot di saldatura")
        await user.wait_text("ricerca e sviluppo")
        await user.press("Sì, occasionalmente")
        await user.wait_text("percentuale del fatturato")
        await user.send_text("150")
        assert "tra 0 e 100" in (await user.wait_text("compreso tra")).text
        await user.send_text("tanto")
        await user.wait_text("Serve un numero")
        await user.send_text("2,5")
        await user.wait_text("Con chi collabora")
    answers = await stored_answers(db, 2002)
    assert answers["innovation_example"] == "Robot di saldatura"
    assert answers["rd_share"] == 2.5


async def test_sticker_photo_voice_location_document(api: FakeBotAPI, dispatcher: Dispatcher, db: Database) -> None:
    user = api.user(user_id=2003)
    async with api.polling(dispatcher):
        await start_survey(user)
        for send in (user.send_sticker, user.send_photo, user.send_voice, user.send_location):
            await send()
            await user.wait_text("solo messaggi di testo")
            await user.wait_text("In quale settore")
        await user.send_document("piano.pdf", b"%PDF-1.4", "application/pdf")
        await user.wait_text("solo messaggi di testo")
    assert await answer_rows(db, 2003) == []


async def test_edited_message_group_chat_and_unknown_command(api: FakeBotAPI, dispatcher: Dispatcher, db: Database) -> None:
    user = api.user(user_id=2004)
    async with api.polling(dispatcher):
        await start_survey(user)
        await user.send_command("/pizza")
        reply = await user.wait_text("Non conosco questo comando")
        assert "/indietro" in reply.text
        # then the open question again, with its buttons (the old one's are taken away)
        await user.wait_for(lambda m: "In quale settore" in (m.text or "") and bool(m.buttons), kinds=("sent",))
        await answer_until_free_text(user, innovations="1")
        await user.send_text("Nuovo forno")
        await user.wait_text("ricerca e sviluppo")
        await user.edit_last_text("Nuovo forno a induzione")
        await user.wait_text("resta quella originale")
        await api.group_message(user, "/start imprese")
        group = api.group()
        for _ in range(1200):  # bounded polling, generous on a busy machine; no duration asserted
            if group.bot_messages:
                break
            await asyncio.sleep(0.05)
        assert "solo in chat privata" in group.bot_messages[-1].text
    assert (await stored_answers(db, 2004))["innovation_example"] == "Nuovo forno"


async def test_stale_button_is_refused_politely(api: FakeBotAPI, dispatcher: Dispatcher, db: Database) -> None:
    user = api.user(user_id=2005)
    async with api.polling(dispatcher):
        await start_survey(user)
        first = user.last_message
        stale_data = first.find_button("Commercio")["callback_data"]
        await user.press("Manifattura e industria")
        await user.wait_text("Quanti addetti")
        # the old keyboard is gone; a client that still shows it sends the old callback
        query = await user.press_stale(stale_data, first)
        answer = await user.wait_callback_answer(query)
        assert "chiusa" in answer.text
    assert await stored_answers(db, 2005) == {"ateco_section": "C"}


async def test_question_buttons_without_consent_store_nothing(api: FakeBotAPI, dispatcher: Dispatcher, db: Database) -> None:
    user = api.user(user_id=2006)
    async with api.polling(dispatcher):
        await user.send_command("/start imprese")
        await user.wait_text("privacy")
        await user.press("Non accetto")
        await user.wait_text("non conserviamo nulla")
        await user.send_text("ciao")
        await user.wait_text("Non hai un questionario in corso")
    assert await answer_rows(db, 2006) == []
