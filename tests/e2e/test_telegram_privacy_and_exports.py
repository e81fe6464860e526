"""Privacy commands, language, analyst exports and the command menu, as a user meets them."""

from __future__ import annotations

import asyncio
import io

from aiogram import Dispatcher
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.settings import Settings
from bot.telegram.app import serve_bot
from storage import Database
from storage.models import Consent, Respondent
from tests.e2e.conftest import ANALYST_ID
from tests.e2e.helpers import answer_rows, start_survey, stored_answers
from tests.support.fake_bot_api import FakeBotAPI, SimulatedUser


async def start_and_answer_sector(user: SimulatedUser, sector: str = "Commercio") -> None:
    await start_survey(user)
    await user.press(sector)
    await user.wait_text("Quanti addetti")


async def test_privacy_shows_answers_and_erase_removes_everything(
    api: FakeBotAPI, dispatcher: Dispatcher, db: Database
) -> None:
    user = api.user(user_id=5001)
    async with api.polling(dispatcher):
        await start_and_answer_sector(user)
        await user.send_command("/privacy")
        report = await user.wait_text("Ecco cosa conserviamo")
        assert "Commercio" in report.text and "In quale settore" in report.text
        await user.send_command("/cancella")
        await user.wait_text("Vuoi davvero cancellare")
        await user.press("No, tieni i dati")
        await user.wait_text("non ho cancellato nulla")
        assert await stored_answers(db, 5001) == {"ateco_section": "G"}
        await user.send_command("/cancella")
        await user.wait_text("Vuoi davvero cancellare")
        await user.press("Sì, cancella tutto")
        await user.wait_text("tutti i tuoi dati sono stati cancellati")
        await user.send_command("/privacy")
        await user.wait_text("Non conserviamo alcun dato")
    assert await answer_rows(db, 5001) == []
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Respondent)) == 0
        assert await session.scalar(select(func.count()).select_from(Consent)) == 0


async def test_language_switch_mid_survey(api: FakeBotAPI, dispatcher: Dispatcher, db: Database) -> None:
    user = api.user(user_id=5002)
    async with api.polling(dispatcher):
        await start_and_answer_sector(user)
        await user.send_command("/lingua")
        await user.wait_text("Scegli la lingua")
        await user.press("English")
        await user.wait_text("Language set: English")
        again = await user.wait_text("How many people")
        assert "Question 2 of" in again.text
        await user.press("10–49")
        await user.wait_text("In which municipality")
    assert await stored_answers(db, 5002) == {"ateco_section": "G", "employees": "small"}


async def test_analyst_gets_the_xlsx_and_others_are_refused(
    api: FakeBotAPI, dispatcher: Dispatcher, db: Database
) -> None:
    respondent = api.user(user_id=5003)
    analyst = api.user(user_id=ANALYST_ID)
    curious = api.user(user_id=5004)
    async with api.polling(dispatcher):
        await start_and_answer_sector(respondent, "Costruzioni")
        await curious.send_command("/export")
        await curious.wait_text("riservate agli analisti")
        await analyst.send_command("/export")
        await analyst.wait_text("Quale questionario vuoi esportare")
        await analyst.press("Indagine sull'innovazione nelle imprese")
        document = await analyst.wait_for(lambda m: m.document is not None, timeout=10)
    assert document.document.filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(document.document.content))["risposte"]  # the analyst speaks Italian
    rows = list(sheet.iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    assert len(data) == 1
    record = dict(zip(header, data[0]))
    assert record["ateco_section"] == "Costruzioni" and record["status"] == "Parziale, in corso"
    assert record["complete"] == 0
    flat = " ".join(str(cell) for row in rows for cell in row)
    assert "5003" not in flat  # no Telegram id, only pseudonyms


async def test_serve_bot_registers_commands_in_both_languages(api: FakeBotAPI, db: Database, settings: Settings) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(serve_bot(settings, db, stop=stop))
    try:
        for _ in range(2400):  # bounded polling, generous: start-up is slow on a busy machine
            if api.count("getUpdates"):
                break
            await asyncio.sleep(0.05)
        user = api.user(user_id=5005, language_code="en")
        await user.send_command("/aiuto")
        await user.wait_text("/indietro")
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
    italian = [c["command"] for c in api.get_commands(language_code="it")]
    english = {c["command"]: c["description"] for c in api.get_commands(language_code="en")}
    assert "indietro" in italian and "cancella" in italian
    assert english["privacy"] == "The data you hold about me"
    assert api.count("deleteWebhook") == 1
