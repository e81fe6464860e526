"""Parity with the chat's /iscriviti, /vota and /disiscrivi in a real browser (JavaScript off):
a citizen finishes a questionnaire, takes the plan's news from its end page, joins the open
consultation, votes, reloads, stops ("Basta per ora"), resumes, passes the last statement, and
withdraws the news from "I tuoi dati". The votes and consents are the chat's rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from storage import Database, audiences, deliberation, upgrade_database
from storage.models import Consent, Respondent, Vote
from tests.support.cdp import chromium, chromium_path
from tests.web.test_web_browser import ARTIFACTS, LiveServer, run_axe
from tests.web.test_web_browser_dashboard import body, click, click_text

pytestmark = pytest.mark.skipif(
    chromium_path() is None,
    reason="headless Chromium is not installed (apt-get install chromium; .ci/run installs it)",
)

STATEMENTS = ("Più piste ciclabili in centro città", "Un teatro aperto ai giovani ogni sera")


async def _seed(database_url: str) -> None:
    db = Database(database_url)
    try:
        await upgrade_database(db)
        async with db.transaction() as session:
            for text in STATEMENTS:
                await deliberation.add_statement(session, text, "moderator", status=deliberation.APPROVED)
            await deliberation.open_round(session, "Cremona 2035", {})
    finally:
        await db.dispose()


async def _held(database_url: str) -> tuple[list[str], list[bool]]:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            votes = (await session.execute(select(Vote.choice).join(Respondent, Respondent.id == Vote.respondent_id)
                                           .where(Respondent.channel == "web").order_by(Vote.id))).scalars().all()
            news = (await session.execute(select(Consent.granted).where(Consent.purpose == audiences.NEWSLETTER)
                                          .order_by(Consent.id))).scalars().all()
    finally:
        await db.dispose()
    return list(votes), [bool(g) for g in news]


async def _statement(page) -> str:
    return await page.evaluate("document.querySelector('legend.statement')?.innerText || ''")


async def test_a_citizen_subscribes_votes_pauses_resumes_and_withdraws(tmp_path: Path):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'vote.db'}"
    await _seed(database_url)
    with LiveServer(database_url, tmp_path / "secret_key") as live:
        async with chromium(width=390, height=844) as page:
            await page.goto(f"{live.url}/q/visione")
            await click_text(page, "button", "Accetto")
            await click(page, "#answer", navigates=False)
            await page.type("38")
            await click_text(page, "button", "Invia")
            await click_text(page, "button", "Cremona, quartieri")
            await click(page, "label[for='opt-1']", navigates=False)
            await click_text(page, "button", "Conferma le scelte")
            await click(page, "label[for='opt-2']", navigates=False)
            await click_text(page, "button", "Conferma le scelte")
            await click(page, "#answer", navigates=False)
            await page.type("Una città verde con più lavoro per i giovani")
            await click_text(page, "button", "Invia")
            await click(page, "#answer", navigates=False)
            await page.type("Le piste ciclabili")
            await click_text(page, "button", "Invia")

            # the end page asks, as the chat does, with what the notice says the consent is for
            text = await body(page)
            assert "Vuoi ricevere gli aggiornamenti del piano" in text and "Newsletter del piano" in text
            assert "informativa del" in text
            await click_text(page, "button", "Sì, voglio gli aggiornamenti")
            text = await body(page)
            assert "Fatto: ricevi gli aggiornamenti del piano" in text and "Le piste ciclabili" in text

            await click_text(page, "a", "Vota le proposte")
            assert "È aperta la consultazione «Cremona 2035»" in await body(page)
            await click_text(page, "button", "Comincia a votare")
            assert "Affermazione 1 di 2" in await body(page)
            assert await run_axe(page) == []
            await page.screenshot(ARTIFACTS / "vote_statement.png", full_page=True)
            first = await _statement(page)
            await click_text(page, "button", "👍 D'accordo")
            text = await body(page)
            assert "Voto registrato." in text and "Affermazione 2 di 2" in text
            assert f"Hai votato «👍 D'accordo» su: {first}" in text
            second = await _statement(page)
            assert {first, second} == {f"«{s}»" for s in STATEMENTS}

            await page.goto(f"{live.url}/vota")  # a later visit: the same statement, not a new one
            assert "Affermazione 2 di 2" in await body(page) and await _statement(page) == second
            await click_text(page, "button", "Basta per ora")
            text = await body(page)
            assert "ci fermiamo qui" in text and second not in text
            await page.goto(f"{live.url}/vota")
            await click_text(page, "a", "Riprendi a votare")
            assert await _statement(page) == second
            await click_text(page, "button", "🤷 Passo")
            assert "Hai votato tutte le affermazioni per ora" in await body(page)

            await page.goto(f"{live.url}/privacy")
            assert "Ricevi gli aggiornamenti del piano." in await body(page)
            await click_text(page, "button", "Non voglio più gli aggiornamenti")
            text = await body(page)
            assert "non riceverai più aggiornamenti" in text and "Non ricevi gli aggiornamenti del piano." in text
            assert page.console_errors == []
    votes, news = await _held(database_url)
    assert votes == ["agree", "pass"] and news == [True, False]
