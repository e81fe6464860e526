"""The web channel of the second example plan, Bozen / Bolzano: German first, from its folder alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.settings import Settings
from bot.web import create_app
from storage import Database
from storage.models import Respondent, Run
from tests.support.plans import BOLZANO
from tests.support.web_pages import WebUser, asgi_client
from tests.web.conftest import SECRET


@pytest.fixture
async def bozen(db: Database, tmp_path: Path) -> AsyncIterator[WebUser]:
    settings = Settings(  # type: ignore[call-arg]
        SCENARI_DATABASE_URL=f"sqlite:///{tmp_path / 'unused.db'}", SCENARI_SECRET_KEY=SECRET,
        SCENARI_PLAN_DIR=str(BOLZANO.root),
    )
    async with asgi_client(create_app(settings, db, key_file=tmp_path / "secret_key")) as client:
        yield WebUser(client)


async def test_a_citizen_answers_bozen_2040_in_german(bozen: WebUser, db: Database):
    page = await bozen.get("/")
    assert page.status == 200 and page.lang == "de"
    assert "Offene Fragebögen" in page.text and "Bozen 2040 – deine Idee" in page.text
    assert "Indagine sull'innovazione" not in page.text  # nothing of Cremona's
    assert '<button type="submit" name="lang" value="it" lang="it">Italiano</button>' in page.html
    assert 'value="en" lang="en">English</button>' in page.html

    page = await bozen.get("/q/zukunft")
    assert "Bevor wir beginnen" in page.text and "Gemeinde Bozen" in page.text
    page = await bozen.press("Ich stimme zu")
    assert page.question.startswith("Bevor wir anfangen: Wie alt bist du?")  # the plan's age gate
    page = await bozen.type("30")
    assert page.question.startswith("In welchem Stadtviertel wohnst du?")
    assert "Frage 2 von 5" in page.text
    page = await bozen.press("Gries-Quirein")
    page = await bozen.tick("Mobilität", "Grüne Stadt")
    assert page.question.startswith("Mit deinen Worten")
    page = await bozen.type("Mehr Bäume und Radwege")
    assert "Wie gern lebst du heute in Bozen?" in page.question
    page = await bozen.press("4")
    assert "Danke! Deine Idee fließt in den Strategieplan der Stadt ein." in page.text
    async with db.transaction() as session:
        respondent = (await session.execute(select(Respondent))).scalar_one()
        run = (await session.execute(select(Run))).scalar_one()
    assert (respondent.language, run.questionnaire_id, run.status) == ("de", "zukunft", "completed")


async def test_the_header_switches_to_italian_and_an_unknown_language_gets_german(bozen: WebUser):
    page = await bozen.get("/")
    [switch] = [form for form in page.forms() if form.action == "/lingua"]
    page = await bozen.submit(switch, {"lang": "it"})
    assert page.lang == "it" and "Bolzano 2040 – la tua idea" in page.text and "Questionari aperti" in page.text
    page = await bozen.submit([f for f in page.forms() if f.action == "/lingua"][0], {"lang": "fr"})
    assert page.lang == "de" and "Bozen 2040 – deine Idee" in page.text
