"""An XLSForm written by someone else, imported with `scenari questionnaires import` into the
deployment's questionnaires folder (SCENARI_QUESTIONNAIRES_DIR), answered in a real browser
(headless Chromium over the DevTools protocol) on a phone-sized screen (issue 18, "Done when").

The respondent's browser asks for French: the plan (Cremona's: it, en) does not speak it, so the
pages are Italian, the plan's default, and the header offers Italiano and English only (the
workbook's French labels wait for a plan that lists fr). Half-way she switches to English and
finishes there: the group's heading, the cascade region → province → town (each list holds only
the matching choices), a repeat of two people, a calculation shown in a later note.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from storage import Database
from storage.models import Answer, Respondent, Run
from tests.support.cdp import Page, chromium, chromium_path
from tests.support.xlsforms import import_household
from tests.web.test_web_browser import ARTIFACTS, LiveServer
from tests.web.test_web_browser_dashboard import body, click, click_text

pytestmark = pytest.mark.skipif(
    chromium_path() is None,
    reason="headless Chromium is not installed (apt-get install chromium; .ci/run installs it)",
)


async def _choices(page: Page) -> list[str]:
    """The answer buttons of the current question (not "back" nor "skip")."""
    return await page.evaluate(
        "[...document.querySelectorAll('#domanda button[name=choice]')].map(b => b.innerText.trim())")


async def _type(page: Page, text: str, send: str = "Invia") -> None:
    await click(page, "#answer", navigates=False)
    await page.evaluate("document.getElementById('answer').select()")  # as a person selects to retype
    await page.type(text)
    await click_text(page, "button", send)


async def _current(page: Page) -> str:
    return await page.evaluate("document.getElementById('domanda')?.innerText || ''")


async def test_a_french_browser_completes_the_imported_form_switching_to_english(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("SCENARI_QUESTIONNAIRES_DIR", str(import_household(tmp_path / "author")))
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'famiglie.db'}"
    with LiveServer(database_url, tmp_path / "secret_key") as live:
        async with chromium(width=390, height=844) as page:
            await page.send("Network.setUserAgentOverride", userAgent="Mozilla/5.0 (Linux; Android 14) Chrome/120",
                            acceptLanguage="fr-FR,fr")
            await page.goto(f"{live.url}/")
            assert await page.evaluate("document.documentElement.lang") == "it"
            header = await page.evaluate("[...document.querySelectorAll('form[action=\"/lingua\"] button')]"
                                         ".map(b => b.innerText.trim())")
            assert header == ["English"]  # the plan's other language; no French
            await click_text(page, "a", "Indagine sulle famiglie")
            await click_text(page, "button", "Accetto")

            text = await body(page)
            assert "Benvenuti all'indagine sulle famiglie." in text and "Chi risponde" in text  # the group's heading
            assert "Come si chiama?" in await _current(page)
            await _type(page, "Maria")
            await _type(page, "16")
            assert "Tra 18 e 110 anni." in await page.evaluate("document.querySelector('.field-error').innerText")
            await _type(page, "45")

            # the cascade: each list holds only the choices of the one chosen before
            assert "Dove vive" in await body(page)
            assert await _choices(page) == ["Lombardia", "Emilia-Romagna"]
            await click_text(page, "button", "Lombardia")
            assert await _choices(page) == ["Cremona", "Milano"]
            await click_text(page, "button", "Cremona")
            assert await _choices(page) == ["Crema", "Soresina"]
            await click_text(page, "button", "Crema")

            # the header's language switch, mid-run: the same question, now in English
            assert "Quante persone vivono in casa" in await _current(page)
            await click_text(page, "button", "English")
            assert await page.evaluate("document.documentElement.lang") == "en"
            assert "How many people live in your home, you included?" in await _current(page)
            send = await page.evaluate("document.querySelector('#domanda button[name=action]').innerText.trim()")
            await _type(page, "3", send)

            # the repeat: two people, the second too old for the school question
            assert "The other people 1 — The person's name" in await _current(page)
            await _type(page, "Luca", send)
            assert "Age of Luca" in await _current(page)
            await _type(page, "12", send)
            assert "Does they go to school?" in await _current(page)
            await click_text(page, "button", "Yes")
            await click_text(page, "button", "Yes")  # add another
            await _type(page, "Anna", send)
            assert "The other people 2 — Age of Anna" in await _current(page)
            await _type(page, "70", send)
            await click_text(page, "button", "No")  # no school question at 70; no one else
            await page.screenshot(ARTIFACTS / "xlsform_phone_repeat.png", full_page=True)

            assert "Where does the household's income come from?" in await _current(page)
            await click(page, "label[for='opt-1']", navigates=False)
            await click(page, "label[for='opt-2']", navigates=False)
            confirm = await page.evaluate("document.querySelector('#domanda button[value=done]').innerText.trim()")
            await click_text(page, "button", confirm)
            await _type(page, "3000", send)
            text = await body(page)
            assert "That is about 1000 euro per person." in text  # the calculation, in a later note
            assert "You listed" not in text  # 3 of 3 people: the check's note stays silent
            assert await _choices(page) == ["1", "2", "3", "4", "5"]
            await click_text(page, "button", "4")
            assert "When should we call back?" in await _current(page)
            await _type(page, "18:30", send)
            text = await body(page)
            assert "Thank you" in text and "What is wrong?" not in text
            # the thread reads back what was asked, filled in as it was asked
            assert "Age of Luca" in text and "${" not in text
            await page.screenshot(ARTIFACTS / "xlsform_phone_done.png", full_page=True)
            assert page.console_errors == []

    db = Database(database_url)
    try:
        async with db.transaction() as session:
            run = (await session.execute(select(Run).where(Run.questionnaire_id == "famiglie"))).scalar_one()
            respondent = await session.get(Respondent, run.respondent_id)
            rows = await session.execute(
                select(Answer.question_key, Answer.item_index, Answer.value)
                .where(Answer.run_id == run.id, Answer.is_current.is_(True)))
            answers = {(key, index): value for key, index, value in rows.all()}
    finally:
        await db.dispose()
    assert (run.status, respondent.channel, respondent.language) == ("completed", "web", "en")
    assert answers[("region", 0)] == "lom" and answers[("province", 0)] == "cr" and answers[("town", 0)] == "crema"
    assert [answers[("member_name", i)] for i in (0, 1)] == ["Luca", "Anna"]
    assert answers[("member_school", 0)] == "yes" and ("member_school", 1) not in answers
    assert answers[("income_sources", 0)] == ["work", "pension"] and answers[("best_time", 0)] == "18:30"
