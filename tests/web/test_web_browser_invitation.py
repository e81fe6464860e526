"""A real browser: headless Chromium completes the listening interview from an invitation link.

The invitation is made as `scenari actors invite` makes it (the register, then a token); the
invited person opens `/q/ascolto?t=<token>`, consents, and answers every step by keyboard with
JavaScript off — a repeat group, a ranking, checkboxes, a skip, the review — to the thank-you
page. Screenshots of the ranking, the review and the end are kept in ``var/test-artifacts/``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from storage import Database, register
from storage.models import Answer, Run
from storage.register import ActorRow
from tests.support.cdp import Page, chromium, chromium_path
from tests.web.test_web_browser import ARTIFACTS, LiveServer, run_axe

pytestmark = pytest.mark.skipif(
    chromium_path() is None,
    reason="headless Chromium is not installed (apt-get install chromium; .ci/run installs it)",
)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    with LiveServer(f"sqlite+aiosqlite:///{tmp_path / 'invitation.db'}", tmp_path / "secret_key") as server:
        yield server


async def invite(database_url: str) -> str:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            await register.import_actors(session, [ActorRow("coldiretti", "Coldiretti Cremona", "trade_association", None, 2)])
            actor = await register.get_actor(session, "coldiretti")
            assert actor is not None
            return (await register.create_invitation(session, actor)).token
    finally:
        await db.dispose()


async def press(page: Page, text: str) -> None:
    """Move the keyboard focus to the control labelled ``text`` and press Enter (a new page loads)."""
    found = await page.evaluate(
        f"""(() => {{ const t = {json.dumps(text)};
             const e = [...document.querySelectorAll('#domanda button')].find(b => b.innerText.trim() === t);
             if (!e) return [...document.querySelectorAll('#domanda button')].map(b => b.innerText.trim()).join(' | ');
             e.focus(); return ''; }})()"""
    )
    assert found == "", f"no button {text!r} in the question; there are: {found}"
    await page.key("Enter", navigates=True)


async def tick(page: Page, *labels: str) -> None:
    for label in labels:
        found = await page.evaluate(
            f"""(() => {{ const box = [...document.querySelectorAll('#domanda input[type=checkbox]')]
                 .find(b => b.labels[0].innerText.trim() === {json.dumps(label)});
                 if (box) box.focus(); return !!box; }})()"""
        )
        assert found, f"no checkbox {label!r}"
        await page.key("Space")
    await press(page, "Conferma le scelte")


async def write(page: Page, text: str) -> None:
    await page.evaluate("document.getElementById('answer').focus()")
    await page.type(text)
    await press(page, "Invia")


async def asks(page: Page) -> str:
    return await page.evaluate(
        "(() => { const q = document.querySelector('#domanda .question'); return q ? q.innerText : ''; })()"
    )


async def test_the_invited_person_completes_the_listening_interview_in_chromium(live: LiveServer):
    token = await invite(live.database_url)
    checked: dict[str, list[dict]] = {}
    async with chromium(width=390, height=844) as page:
        await page.send("Page.setBypassCSP", enabled=True)  # lets the test inject axe; the pages have no script
        await page.send("Emulation.setScriptExecutionDisabled", value=True)
        await page.goto(f"{live.url}/q/ascolto?t={token}")
        assert "Accetta di partecipare?" in await page.evaluate("document.body.innerText")
        await press(page, "Accetto")
        assert "Qual è il suo ruolo" in await asks(page)
        await page.screenshot(ARTIFACTS / "invitation_phone_first.png")

        await page.goto(f"{live.url}/q/ascolto?t={token}")  # the link again: resumes, with the form
        assert "Riprendiamo" in await page.evaluate("document.body.innerText")
        await write(page, "Responsabile delle politiche territoriali")
        await press(page, "Associazioni di categoria")
        assert (await asks(page)).startswith("Obiettivo 1 — ")
        await write(page, "Filiera corta tra aziende agricole e ristorazione cittadina")
        await press(page, "Breve termine (entro 2 anni)")
        await press(page, "No")

        assert "tre priorità" in await asks(page)
        for theme in ("Collaborazione tra attori", "Innovazione", "Tradizione e identità"):
            await press(page, theme)
        assert await page.evaluate(
            "[...document.querySelectorAll('#domanda button.ranked')].map(b => b.innerText.trim()).join(' / ')"
        ) == "2º Innovazione / 3º Tradizione e identità / 1º Collaborazione tra attori"  # list order, ranked as pressed
        checked["ranking"] = await run_axe(page)
        await page.screenshot(ARTIFACTS / "invitation_phone_ranking.png")
        await press(page, "Conferma l'ordine")

        await tick(page, "Una città che collabora e fa rete")
        await press(page, "Salta la domanda")  # vision in own words: optional
        await tick(page, "Filiera agroalimentare")
        await press(page, "Salta la domanda")  # kinds of actors worked with
        await press(page, "Salta la domanda")  # kinds of actors wished for
        await press(page, "No")  # no projects

        summary = await asks(page)
        assert "Filiera corta tra aziende agricole" in summary and "Collaborazione tra attori" in summary
        checked["review"] = await run_axe(page)
        await page.screenshot(ARTIFACTS / "invitation_phone_review.png", full_page=True)
        await press(page, "Invia le risposte ✔")

        text = await page.evaluate("document.body.innerText")
        assert "Intervista completata" in text and "il suo contributo entra nell'analisi" in text
        checked["completed"] = await run_axe(page)
        await page.screenshot(ARTIFACTS / "invitation_phone_completed.png")
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.console_errors == []

    for name, violations in checked.items():
        assert violations == [], f"axe on the {name} page: {violations}"
    db = Database(live.database_url)
    try:
        async with db.transaction() as session:
            status = await session.scalar(select(Run.status).where(Run.questionnaire_id == "ascolto"))
            priorities = await session.scalar(
                select(Answer.value).where(Answer.question_key == "priorities", Answer.is_current.is_(True))
            )
            actor = await register.get_actor(session, "coldiretti")
    finally:
        await db.dispose()
    assert status == "completed" and priorities == ["collaborazione", "innovazione", "tradizione"]
    assert actor is not None and actor.state == "answered"
