"""The age gate in a real browser (headless Chromium over the DevTools protocol): a 12-year-old
who consented is stopped politely, told what a parent can do, and cannot go back to change the
age; the page asks for consent again (a parent's). A 15-year-old goes on to the next question."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage import Database
from storage.models import Answer, Consent, Run
from tests.support.cdp import chromium, chromium_path
from tests.web.test_web_browser import ARTIFACTS, LiveServer
from tests.web.test_web_browser_dashboard import body, click, click_text

pytestmark = pytest.mark.skipif(
    chromium_path() is None,
    reason="headless Chromium is not installed (apt-get install chromium; .ci/run installs it)",
)


async def _type_age(page, age: str) -> None:
    assert "Prima di cominciare: quanti anni hai?" in await body(page)
    await click(page, "#answer", navigates=False)
    await page.type(age)
    await click_text(page, "button", "Invia")


async def _held(database_url: str) -> tuple[list[str], int, list[bool]]:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            statuses = (await session.execute(select(Run.status).order_by(Run.id))).scalars().all()
            answers = await session.scalar(select(func.count()).select_from(Answer))
            consents = (await session.execute(select(Consent.granted).order_by(Consent.id))).scalars().all()
    finally:
        await db.dispose()
    return list(statuses), int(answers or 0), list(consents)


async def test_a_twelve_year_old_is_stopped_on_the_web(tmp_path: Path):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'minor.db'}"
    with LiveServer(database_url, tmp_path / "secret_key") as live:
        async with chromium(width=390, height=844) as page:
            await page.goto(f"{live.url}/q/visione")
            await click_text(page, "button", "Accetto")
            await _type_age(page, "12")
            text = await body(page)
            assert "Per rispondere da solo devi avere almeno 14 anni" in text
            assert "chiedi a un genitore" in text and "privacy@comune.cremona.example" in text
            assert "Dove vivi?" not in text
            assert "Accetto" in text  # consent is asked again: a parent's, this time
            await page.screenshot(ARTIFACTS / "age_gate_stopped.png", full_page=True)
            # the address of the questionnaire does not reopen the run to change the age
            await page.goto(f"{live.url}/q/visione")
            assert "quanti anni hai?" not in (await body(page)).lower()
            assert page.console_errors == []
    statuses, answers, consents = await _held(database_url)
    assert statuses == ["stopped"] and answers == 0 and consents == [True, False]


async def test_a_fifteen_year_old_goes_on_on_the_web(tmp_path: Path):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'teen.db'}"
    with LiveServer(database_url, tmp_path / "secret_key") as live:
        async with chromium(width=390, height=844) as page:
            await page.goto(f"{live.url}/q/visione")
            await click_text(page, "button", "Accetto")
            await _type_age(page, "15")
            assert "Dove vivi?" in await body(page)
    statuses, answers, consents = await _held(database_url)
    assert statuses == ["active"] and answers == 1 and consents == [True]
