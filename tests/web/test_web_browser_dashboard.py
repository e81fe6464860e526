"""A real browser on the analysts' side and on `visione`: headless Chromium over the DevTools protocol.

* An analyst logs in, sees the heat map, downloads the XLSX (the file Chromium saved is opened
  with openpyxl), publishes tables, and the public results page shows them; axe-core finds no
  serious or critical violation on the login, dashboard, heat map and results pages.
* A citizen answers `visione` with JavaScript on, by clicking and typing, reloads half-way and
  resumes, sends a bad answer (four visions out of three) and sees the message.

Screenshots go to ``var/test-artifacts/`` (``dash_*.png``, ``visione_*.png``).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from storage import Database, analysts, upgrade_database
from storage.models import Respondent, Run
from storage.simulate import simulate
from tests.support.plans import CREMONA_QUESTIONNAIRES
from tests.support.cdp import Page, chromium, chromium_path
from tests.web.test_web_browser import ARTIFACTS, LiveServer, run_axe

pytestmark = pytest.mark.skipif(
    chromium_path() is None,
    reason="headless Chromium is not installed (apt-get install chromium; .ci/run installs it)",
)

PASSWORD = "a long analyst password"


async def click(page: Page, selector: str, *, navigates: bool = True) -> None:
    """A real mouse click in the middle of the element (scrolled into view first)."""
    box = await page.evaluate(
        f"""(() => {{ const e = document.querySelector({selector!r}); if (!e) return null;
             e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect();
             return [r.left + r.width / 2, r.top + r.height / 2]; }})()"""
    )
    assert box is not None, f"nothing matches {selector}"
    before = await page.answered() if navigates else 0
    loaded = page.expect("Page.loadEventFired") if navigates else None
    for kind in ("mousePressed", "mouseReleased"):
        await page.send("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)
    if loaded is not None:  # a page loaded, or the answer put in place by static/answer.js
        await page.until_changed(loaded, before)


async def click_text(page: Page, tag: str, text: str, *, navigates: bool = True) -> None:
    """Click the ``tag`` element whose visible text is ``text``."""
    found = await page.evaluate(
        f"""(() => {{ const all = [...document.querySelectorAll({tag!r})];
             const e = all.find(x => x.innerText.trim() === {text!r}); if (!e) return false;
             e.setAttribute('data-click', '1'); return true; }})()"""
    )
    assert found, f"no {tag} with text {text!r}"
    await click(page, "[data-click='1']", navigates=navigates)
    await page.evaluate("document.querySelector(\"[data-click='1']\")?.removeAttribute('data-click')")


async def body(page: Page) -> str:
    return await page.evaluate("document.body.innerText")


@pytest.fixture
async def city(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'dash.db'}"
    db = Database(url)
    try:
        await upgrade_database(db)
        await simulate(db, 240, seed=7, questionnaires=CREMONA_QUESTIONNAIRES)
        from bot.web.auth import hash_password

        async with db.transaction() as session:
            await analysts.add_analyst(session, "anna", hash_password(PASSWORD))
    finally:
        await db.dispose()
    return url


async def test_analyst_logs_in_sees_the_heat_map_downloads_and_publishes(city: str, tmp_path: Path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    checked: dict[str, list[dict]] = {}
    with LiveServer(city, tmp_path / "secret_key") as live:
        async with chromium(width=1280, height=900) as page:
            await page.send("Page.setBypassCSP", enabled=True)  # lets axe in; the pages themselves have no script
            await page.send("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1,
                            mobile=False)
            try:
                await page.send("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(downloads))
            except Exception:
                await page.send("Page.setDownloadBehavior", behavior="allow", downloadPath=str(downloads))

            # Not logged in: the dashboard sends you to the login page
            await page.goto(f"{live.url}/analisi/convergenza")
            assert await page.evaluate("location.pathname") == "/analisi/accesso"
            checked["login"] = await run_axe(page)

            # A wrong password: refused, said plainly, the name kept
            await click(page, "#username", navigates=False)
            await page.type("anna")
            await click(page, "#password", navigates=False)
            await page.type("not the password")
            await click(page, "button.primary-button")
            assert "Nome utente o password errati." in await body(page)
            assert await page.evaluate("document.getElementById('username').value") == "anna"
            await page.screenshot(ARTIFACTS / "dash_login_refused.png")

            await click(page, "#password", navigates=False)
            await page.type(PASSWORD)
            await click(page, "button.primary-button")
            assert await page.evaluate("location.pathname") == "/analisi"
            text = await body(page)
            assert "Risposte nel tempo" in text and "Tabelle calcolate il" in text
            checked["dashboard"] = await run_axe(page)
            await page.screenshot(ARTIFACTS / "dash_overview.png", full_page=True)

            # The heat map: an SVG with a text alternative, cells coloured, small cells hatched
            await click_text(page, "a", "Convergenza temi × attori")
            assert await page.evaluate("location.pathname") == "/analisi/convergenza"
            heat = await page.evaluate(
                """(() => { const s = document.querySelector('svg.heatmap'); if (!s) return null;
                     return {title: s.querySelector('title').textContent, desc: s.querySelector('desc').textContent,
                             cells: s.querySelectorAll('rect[stroke="#ffffff"]').length,
                             width: s.getBoundingClientRect().width}; })()"""
            )
            assert heat is not None and heat["cells"] >= 10 and heat["width"] > 300
            assert heat["title"] == "Convergenza dei temi" and "Più alti" in heat["desc"]
            checked["heatmap"] = await run_axe(page)
            await page.screenshot(ARTIFACTS / "dash_heatmap.png", full_page=True)

            # Download the XLSX with a click; the browser saves it; openpyxl opens it
            await click(page, "a[href='/analisi/scarica/convergence.xlsx']", navigates=False)
            deadline = time.monotonic() + 120  # bounded polling, generous; no duration asserted
            saved: list[Path] = []
            while time.monotonic() < deadline:
                saved = [p for p in downloads.iterdir() if p.suffix == ".xlsx"]
                if saved:
                    break
                await asyncio.sleep(0.1)
            assert saved, "the XLSX was not downloaded"
            workbook = openpyxl.load_workbook(saved[0], read_only=True)
            assert workbook.sheetnames == ["LEGGIMI", "convergenza"] and saved[0].name.startswith("convergence-")
            header = next(workbook["convergenza"].iter_rows(max_row=1, values_only=True))
            assert header[:4] == ("rank", "theme", "label", "units")
            assert workbook["convergenza"].max_row > 3

            for section, shot in (("profili", "dash_profiles"), ("progetti", "dash_projects"), ("rete", "dash_network"),
                                  ("visioni", "dash_visions"), ("priorita", "dash_priorities")):
                await page.goto(f"{live.url}/analisi/{section}")
                assert await page.evaluate("document.querySelectorAll('svg.chart').length") >= 1, section
                checked[section] = await run_axe(page)
                await page.screenshot(ARTIFACTS / f"{shot}.png", full_page=True)

            # Publish two tables, then the public page shows them (and no quote)
            await page.goto(f"{live.url}/analisi")
            await click(page, "label[for='pub-shared_priorities']", navigates=False)
            await click(page, "label[for='pub-innovation_vs_baseline']", navigates=False)
            await click_text(page, "button", "Salva la scelta")
            assert "Scelta salvata." in await body(page)

            await page.goto(f"{live.url}/risultati")
            text = await body(page)
            assert "Priorità strategiche condivise" in text and "Profili e baseline" in text
            assert "Aggiornato il" in text and "risposte" in text
            assert "quote_1" not in text and "Visioni" not in text.split("Risultati dell'ascolto", 1)[1]
            checked["results"] = await run_axe(page)
            await page.screenshot(ARTIFACTS / "dash_results.png", full_page=True)

            # Log out: the dashboard asks for the login again
            await page.goto(f"{live.url}/analisi")
            await click_text(page, "button", "Esci")
            await page.goto(f"{live.url}/analisi")
            assert await page.evaluate("location.pathname") == "/analisi/accesso"

            outside = [u for u in page.requests if not u.startswith(live.url) and not u.startswith("data:")]
            assert outside == [], "every asset must be served locally"
            assert page.console_errors == []
    for name, violations in checked.items():
        assert violations == [], f"axe on the {name} page: {violations}"


async def test_citizen_answers_visione_by_clicking_and_typing_reloads_and_resumes(tmp_path: Path):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'visione.db'}"
    with LiveServer(database_url, tmp_path / "secret_key") as live:
        async with chromium(width=390, height=844) as page:  # JavaScript on: the forms need none, but it is allowed
            await page.goto(f"{live.url}/")
            await click_text(page, "a", "La tua visione di Cremona")
            await click_text(page, "button", "Accetto")
            assert "quanti anni hai?" in await body(page)  # the age gate, typed
            await click(page, "#answer", navigates=False)
            await page.type("38")
            await click_text(page, "button", "Invia")
            await click_text(page, "button", "Cremona, quartieri")

            # Half-way: reload, and the same question is still there, the thread kept
            assert "Che rapporto hai con Cremona?" in await body(page)
            loaded = page.expect("Page.loadEventFired")
            await page.send("Page.reload")
            await asyncio.wait_for(loaded, timeout=15)
            text = await body(page)
            assert "Che rapporto hai con Cremona?" in text and "Cremona, quartieri" in text
            # A new visit to the questionnaire's address also resumes
            await page.goto(f"{live.url}/q/visione")
            assert "Che rapporto hai con Cremona?" in await body(page)

            await click(page, "label[for='opt-1']", navigates=False)
            await click(page, "label[for='opt-2']", navigates=False)
            await click_text(page, "button", "Conferma le scelte")

            # Bad input: four visions when three are allowed; the message is shown by the question
            assert "Quale di queste idee di città" in await body(page)
            for i in (1, 2, 3, 4):
                await click(page, f"label[for='opt-{i}']", navigates=False)
            await click_text(page, "button", "Conferma le scelte")
            error = await page.evaluate("document.querySelector('.field-error')?.innerText || ''")
            assert "3" in error, error
            await page.screenshot(ARTIFACTS / "visione_phone_error.png")
            ticked = await page.evaluate("[...document.querySelectorAll('input[type=checkbox]:checked')].length")
            for i in range(1, ticked + 1):  # untick what the page kept, then choose two
                await click(page, f"label[for='opt-{i}']", navigates=False)
            await click(page, "label[for='opt-1']", navigates=False)
            await click(page, "label[for='opt-3']", navigates=False)
            await click_text(page, "button", "Conferma le scelte")

            await click(page, "#answer", navigates=False)
            await page.type("Una città verde, con più lavoro per i giovani e la musica in ogni piazza")
            await click_text(page, "button", "Invia")
            await click(page, "#answer", navigates=False)
            await page.type("Le piste ciclabili")
            await click_text(page, "button", "Invia")
            for _ in range(3):  # a review step, if the questionnaire has one, is confirmed
                if "Grazie" in await body(page):
                    break
                confirm = await page.evaluate(
                    "[...document.querySelectorAll('#domanda button')].map(b => b.innerText.trim())")
                await click_text(page, "button", confirm[0])
            assert "Grazie" in await body(page)
            await page.screenshot(ARTIFACTS / "visione_phone_done.png", full_page=True)
            assert page.console_errors == []

    db = Database(database_url)
    try:
        async with db.transaction() as session:
            statuses = (await session.execute(
                select(Run.status).join(Respondent, Respondent.id == Run.respondent_id)
                .where(Respondent.channel == "web", Run.questionnaire_id == "visione"))).scalars().all()
    finally:
        await db.dispose()
    assert statuses == ["completed"]
