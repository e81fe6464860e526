"""Bozen / Bolzano on WhatsApp after its questionnaire: the newsletter opt-in, the answer to it and
/privacy speak German (the service's texts, translated in plans/bolzano/texts.yaml), not Italian."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.settings import Settings
from storage import Database
from tests.support import whatsapp as emulator
from tests.support.plans import BOLZANO
from tests.whatsapp.conftest import Service, whatsapp_env

MONTHS = "Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"


@pytest.fixture
def wa_settings(cloud: emulator.CloudAPI, db: Database, tmp_path: Path) -> Settings:
    return Settings(SCENARI_DATABASE_URL=db.url, SCENARI_PLAN_DIR=str(BOLZANO.root), **whatsapp_env(cloud))  # type: ignore[arg-type]


async def test_the_newsletter_opt_in_after_bozen_2040_is_german(cloud: emulator.CloudAPI, service: Service) -> None:
    user = cloud.user("393330000042")
    await user.send_text("zukunft")
    await user.wait_text("kurz zum Datenschutz")
    await user.press("Ich stimme zu")
    await user.wait_for(lambda m: True)  # the age gate's question
    await user.send_text("30")
    await user.wait_text("In welchem Stadtviertel wohnst du?")
    await user.press("Gries-Quirein")
    await user.wait_text("Welche Themen sind für Bozen am wichtigsten?")
    await user.send_text("1,2")
    await user.wait_text("Mit deinen Worten")
    await user.send_text("Mehr Radwege und leistbares Wohnen für junge Familien")
    await user.wait_text("Wie gern lebst du heute in Bozen?")
    await user.send_text("4")

    offer = await user.wait_text("Möchtest du hier die Neuigkeiten zum Strategieplan erhalten")
    assert "abmelden kannst du dich jederzeit mit /disiscrivi" in offer.text
    assert "Vuole ricevere" not in offer.text and "Vuoi ricevere" not in offer.text
    assert "Ja, ich melde mich an" in offer.buttons + offer.rows and "Nein, danke" in offer.buttons + offer.rows
    await user.press("Ja, ich melde mich an")
    done = await user.wait_text("Anmeldung gespeichert")
    assert "Du bekommst die Neuigkeiten zum Plan. Zum Abmelden: /disiscrivi." in done.text

    await user.send_text("/privacy")
    report = await user.wait_text("Das speichern wir über dich")
    assert "Sprache: Deutsch" in report.text
    assert re.search(r"Einwilligung „Teilnahme am Strategieplan“: erteilt am \d{1,2}\. (" + MONTHS
                     + r") \d{4} \(Datenschutzinformation vom 1\. Dezember 2026\)", report.text), report.text
    assert "Neuigkeiten zum Plan: angemeldet (/disiscrivi zum Abmelden)." in report.text
    assert "Consenso" not in report.text and "iscritto" not in report.text
    assert cloud.refused == []
