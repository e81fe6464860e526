"""/imieidati in Telegram: the readable summary and the JSON file, as a respondent meets them."""

from __future__ import annotations

import json

from aiogram import Dispatcher

from storage import Database, audit
from tests.e2e.helpers import start_survey
from tests.support.fake_bot_api import FakeBotAPI


async def test_my_data_sends_a_summary_and_a_json_file(api: FakeBotAPI, dispatcher: Dispatcher, db: Database) -> None:
    user = api.user(user_id=5101)
    async with api.polling(dispatcher):
        await user.send_command("/imieidati")
        await user.wait_text("Non conservo nessun dato su di te.")
        await start_survey(user)
        await user.press("Commercio")
        await user.wait_text("Quanti addetti")
        await user.send_command("/imieidati")
        summary = await user.wait_text("Ecco cosa conserviamo")
        sent = await user.wait_for(lambda m: m.document is not None, timeout=10)
    assert "Commercio" in summary.text
    assert sent.document.filename.endswith(".json") and "I tuoi dati in un file JSON" in (sent.text or "")
    mine = json.loads(sent.document.content)
    [run] = mine["questionnaires"]
    assert run["questionnaire"] == "imprese" and {"question": "ateco_section", "item": 0, "value": "G"} in run["answers"]
    assert "5101" not in sent.document.content.decode()  # no Telegram id in the file
    async with db.transaction() as session:
        [event] = await audit.events(session, action="privacy_export")
    assert event.target == mine["pseudonym"] and event.detail == {"questionnaires": 1}
