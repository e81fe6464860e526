"""The questionnaire's page script in a real browser (headless Chromium, JavaScript on): answers
go with fetch() and the page changes in place — the answer joins the thread, the next question
takes the form's place, a refused answer shows its message by the field with the text kept — and
never by a page load; a reload shows the question the run stands at, with the whole thread, and
every answer is stored once.

The app is made with ``answer_script=True`` (bot.web.app.create_app), which puts
static/answer.js on the page.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.settings import Settings
from storage import Database, upgrade_database
from storage.models import Answer, Respondent, Run
from tests.support.cdp import Page, chromium, chromium_path
from tests.web.test_web_browser import ARTIFACTS, LiveServer
from tests.web.test_web_browser_dashboard import body, click, click_text

pytestmark = pytest.mark.skipif(
    chromium_path() is None,
    reason="headless Chromium is not installed (apt-get install chromium; .ci/run installs it)",
)

THREAD = "[...document.querySelectorAll('.thread li .text')].map(e => e.innerText.trim())"
QUESTION = "(document.querySelector('#domanda legend, #domanda label[for=answer]') || {}).innerText || ''"


class ScriptedServer(LiveServer):
    """The live server of tests/web/test_web_browser.py, its pages with the answer script."""

    async def _serve(self) -> None:
        import uvicorn

        from bot.web import create_app

        db = Database(self.database_url)
        try:
            await upgrade_database(db)
            settings = Settings(SCENARI_DATABASE_URL=self.database_url, SCENARI_SECRET_KEY=None)  # type: ignore[call-arg]
            app = create_app(settings, db, key_file=self.key_file, answer_script=True)
            config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
            self.server = uvicorn.Server(config)
            serving = asyncio.create_task(self.server.serve())
            while not self.server.started and not serving.done():
                await asyncio.sleep(0.02)
            self.ready.set()
            await serving
        finally:
            await db.dispose()


async def question_after(page: Page, before: str) -> str:
    """The question on the page once it is no longer ``before`` (the fetch answered)."""
    for _ in range(300):
        now = (await page.evaluate(QUESTION)).strip()
        busy = await page.evaluate("!!document.querySelector('form[aria-busy]')")
        if now and now != before and not busy:
            return now
        await asyncio.sleep(0.05)
    raise AssertionError(f"the question stayed {before!r}: {(await body(page))[-600:]!r} {page.console_errors}")


async def until(page: Page, expression: str) -> None:
    for _ in range(300):
        if await page.evaluate(expression):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never true: {expression}")


async def answers(database_url: str) -> tuple[dict[str, object], int]:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            rows = await session.execute(
                select(Answer.question_key, Answer.value).join(Run, Run.id == Answer.run_id)
                .join(Respondent, Respondent.id == Run.respondent_id)
                .where(Respondent.channel == "web", Answer.is_current.is_(True)))
            current = dict(rows.all())
            total = await session.scalar(select(func.count()).select_from(Answer))
    finally:
        await db.dispose()
    return current, int(total or 0)


async def test_answers_change_the_page_in_place_and_a_reload_shows_where_the_run_stands(tmp_path: Path):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'script.db'}"
    with ScriptedServer(database_url, tmp_path / "secret_key") as live:
        async with chromium(width=390, height=844) as page:
            await page.goto(f"{live.url}/q/imprese")
            await click_text(page, "button", "Accetto")  # the consent is a plain form: a page load
            assert await page.evaluate("!!document.querySelector('script[src=\"/static/answer.js\"]')")
            await page.evaluate("window.samePage = true")  # lost if anything below loads a page

            first = (await page.evaluate(QUESTION)).strip()
            assert first.startswith("In quale settore opera")
            await click_text(page, "button", "Costruzioni", navigates=False)
            second = await question_after(page, first)
            assert second.startswith("Quanti addetti")
            assert (await page.evaluate(THREAD))[-2:] == [first, "Costruzioni"]  # the answer joined the thread
            assert await page.evaluate("document.activeElement.id") == "domanda-h"  # the new question is announced

            await click_text(page, "button", "1–9", navigates=False)
            third = await question_after(page, second)
            await click_text(page, "button", "Crema", navigates=False)
            fourth = await question_after(page, third)
            await click(page, "label[for='opt-1']", navigates=False)
            await click(page, "label[for='opt-2']", navigates=False)
            await click_text(page, "button", "Conferma le scelte", navigates=False)
            fifth = await question_after(page, fourth)
            await click(page, "#answer", navigates=False)
            await page.type("Un forno elettrico a basso consumo")
            await click_text(page, "button", "Invia", navigates=False)
            sixth = await question_after(page, fifth)
            await click_text(page, "button", "Sì, occasionalmente", navigates=False)
            seventh = await question_after(page, sixth)

            # a refused answer: the message by the field, the text kept to correct, the same question
            await click(page, "#answer", navigates=False)
            await page.type("circa un terzo")
            await page.key("Enter")  # Enter in the field sends it, as without the script
            await until(page, "!!document.querySelector('.field-error')")
            error = await page.evaluate("document.querySelector('.field-error').innerText")
            assert error.strip() == "Serve un numero, per esempio 3,5."
            assert await page.evaluate("document.getElementById('answer').value") == "circa un terzo"
            assert (await page.evaluate(QUESTION)).strip() == seventh
            await page.screenshot(ARTIFACTS / "web_script_error.png")

            await page.evaluate("document.getElementById('answer').select()")
            await page.type("5")
            await page.key("Enter")
            eighth = await question_after(page, seventh)
            assert "Con chi collabora" in eighth
            assert await page.evaluate("window.samePage === true")  # no answer loaded a page
            thread = await page.evaluate(THREAD)
            assert thread[-2] == seventh and thread[-1] == "5"  # as the respondent typed it, not 5.0
            assert "Serve un numero" not in " ".join(thread)  # the refusal was said once, by the field

            # a reload is a GET of where the run stands: the same question and the same thread
            await page.goto(f"{live.url}/q/imprese")
            assert await page.evaluate("window.samePage === undefined")
            assert (await page.evaluate(QUESTION)).strip() == eighth
            assert await page.evaluate(THREAD) == thread
            assert "Con chi collabora" in await body(page)
            assert page.console_errors == []

    current, total = await answers(database_url)
    assert current == {
        "ateco_section": "F", "employees": "micro", "municipality": "crema",
        "innovations": ["product", "process"], "innovation_example": "Un forno elettrico a basso consumo",
        "rd": "occasional", "rd_share": 5.0,
    }
    assert total == len(current)  # each answer stored once
