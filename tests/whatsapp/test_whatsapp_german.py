"""Bozen / Bolzano's plan on WhatsApp: German first — the plan's questionnaire and texts, the
channel's own words (bot/whatsapp/texts.py) and the words a person types (zurück, stand)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.settings import Settings
from storage import Database
from storage.models import Respondent, Run
from tests.support import whatsapp as emulator
from tests.support.plans import BOLZANO
from tests.whatsapp.conftest import Service, whatsapp_env


@pytest.fixture
def wa_settings(cloud: emulator.CloudAPI, db: Database, tmp_path: Path) -> Settings:
    return Settings(SCENARI_DATABASE_URL=db.url, SCENARI_PLAN_DIR=str(BOLZANO.root), **whatsapp_env(cloud))  # type: ignore[arg-type]


async def test_bozen_2040_on_whatsapp_in_german(cloud: emulator.CloudAPI, service: Service, db: Database) -> None:
    user = cloud.user("393330000041")
    await user.send_text("zukunft")
    notice = await user.wait_text("kurz zum Datenschutz")
    assert "Gemeinde Bozen" in notice.text and notice.buttons[0] == "Ich stimme zu"
    await user.press("Ich stimme zu")
    await user.wait_for(lambda m: True)  # the age gate's question
    await user.send_text("30")
    district = await user.wait_text("In welchem Stadtviertel wohnst du?")
    assert "⬅ Zurück" in district.rows and "Gries-Quirein" in district.rows
    assert district.body["interactive"]["action"]["button"] == "Auswählen"
    await user.send_text("zurück")  # a German word moves back
    await user.wait_for(lambda m: True)
    await user.send_text("30")
    await user.wait_text("In welchem Stadtviertel wohnst du?")
    await user.press("Gries-Quirein")
    themes = await user.wait_text("Welche Themen sind für Bozen am wichtigsten?")
    assert "Schreib eine oder mehrere Nummern mit Kommas" in themes.text
    await user.send_text("stand")
    status = await user.wait_text("Du bist bei Frage")
    assert "„Bozen 2040 – deine Idee“" in status.text
    await user.wait_text("Welche Themen")
    await user.send_text("1,2")
    await user.wait_text("Mit deinen Worten")
    await user.send_text("Mehr Radwege und leistbares Wohnen für junge Familien")
    await user.wait_text("Wie gern lebst du heute in Bozen?")
    await user.send_text("4")
    await user.wait_text("Danke!")
    async with db.transaction() as session:
        rows = (await session.execute(select(Respondent.language, Run.status).join(Run, Run.respondent_id == Respondent.id)
                                      .where(Respondent.channel == "whatsapp"))).all()
    assert [tuple(r) for r in rows] == [("de", "completed")]
    assert cloud.refused == []
