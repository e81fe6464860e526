"""Bozen / Bolzano on the web after its questionnaire, in German: the newsletter offer at the end,
the "Deine Daten" page with its dates, and the consultation page (plans/bolzano/texts.yaml) —
what a German-speaking respondent read in Italian before the plan translated them."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.web import create_app
from storage import Database
from tests.support.plans import BOLZANO
from tests.support.web_pages import Page, WebUser, asgi_client
from tests.web.conftest import SECRET

MONTHS = "Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"


@pytest.fixture
async def bozen(db: Database, tmp_path: Path) -> AsyncIterator[WebUser]:
    settings = Settings(  # type: ignore[call-arg]
        SCENARI_DATABASE_URL=f"sqlite:///{tmp_path / 'unused.db'}", SCENARI_SECRET_KEY=SECRET,
        SCENARI_PLAN_DIR=str(BOLZANO.root),
    )
    async with asgi_client(create_app(settings, db, key_file=tmp_path / "secret_key")) as client:
        yield WebUser(client)


async def _answer_bozen_2040(user: WebUser) -> Page:
    await user.get("/q/zukunft")
    await user.press("Ich stimme zu")
    await user.type("30")
    await user.press("Gries-Quirein")
    await user.tick("Mobilität", "Grüne Stadt")
    await user.type("Mehr Bäume und Radwege")
    return await user.press("4")


def _italian_left(page: Page) -> list[str]:
    """Words of the Italian catalogue texts that a German page must not show."""
    return [word for word in ("Aggiornamenti del piano", "informativa", "Scarica", "Cancella", "iscritto",
                              "Vuoi ricevere", "Consenso", "consultazione") if word in page.text]


async def test_the_newsletter_offer_at_the_end_of_bozen_2040_is_german(bozen: WebUser):
    page = await _answer_bozen_2040(bozen)
    assert "Der Fragebogen ist vollständig und deine Antworten sind gespeichert." in page.text
    assert "Fragebogen abgeschlossen" in page.text
    assert "Möchtest du die Neuigkeiten zum Plan erhalten (Ergebnisse, Konsultationen, Treffen)?" in page.text
    assert "Im Web fragen wir dich weder nach einer E-Mail-Adresse noch nach einer Nummer" in page.text
    # the notice's version in words, a German long date (service: notice_of_date, long_date, months)
    assert "Die Einwilligung bezieht sich auf die Datenschutzinformation vom 1. Dezember 2026." in page.text
    assert "Die vollständige Datenschutzinformation lesen" in page.text
    assert _italian_left(page) == []

    [offer] = [form for form in page.forms() if any(b.value == "yes" for b in form.buttons)]
    assert [b.text for b in offer.buttons] == ["Ja, ich will die Neuigkeiten", "Nein, danke"]
    page = await bozen.submit(offer, {"newsletter": "yes"})
    assert "Erledigt: Du erhältst die Neuigkeiten zum Plan." in page.text
    assert _italian_left(page) == []


async def test_the_data_page_and_the_consultation_page_are_german(bozen: WebUser):
    await _answer_bozen_2040(bozen)
    page = await bozen.get("/privacy")
    assert page.lang == "de" and "Deine Daten" in page.text
    assert "Dieser Browser ist mit einem Zufallscode verknüpft" in page.text
    assert "Sprache: Deutsch" in page.text  # language_names
    consent = re.search(r"Einwilligung „Teilnahme am Strategieplan“: erteilt am (\d{1,2})\. (" + MONTHS
                        + r") (\d{4}) \(Datenschutzinformation vom 1\. Dezember 2026\)", page.text)
    assert consent, page.text
    assert "Du hast dich für die Neuigkeiten zum Plan nicht angemeldet." in page.text
    assert "Meine Daten herunterladen (JSON)" in page.text and "Ich bestätige: Ich will alle meine Daten löschen" in page.text
    assert _italian_left(page) == []

    page = await bozen.get("/vota")
    assert page.status == 200 and page.lang == "de"
    assert "Im Moment gibt es keine offene Konsultation für dich." in page.text  # no round open yet
    assert "auf der Seite „Neuigkeiten zum Plan“" in page.text and _italian_left(page) == []
