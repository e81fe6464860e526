"""A real browser: headless Chromium answers `imprese` by keyboard alone on a phone-sized screen.

The service runs under uvicorn on a free loopback port; Chromium (Debian's package, driven over
the DevTools protocol) has JavaScript switched off for the pages, as the forms must work
without it. axe-core (vendored, pinned: tests/web/vendor/axe.min.js) checks each main page for
serious or critical accessibility violations, and screenshots at 390 px are kept in
``var/test-artifacts/`` to look at.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.settings import Settings
from storage import Database, upgrade_database
from storage.models import Answer, Respondent, Run
from tests.support.cdp import Page, chromium, chromium_path

pytestmark = pytest.mark.skipif(
    chromium_path() is None,
    reason="headless Chromium is not installed (apt-get install chromium; .ci/run installs it)",
)

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
ARTIFACTS = Path(os.environ.get("SCENARI_TEST_ARTIFACTS", "var/test-artifacts"))


class LiveServer:
    """uvicorn serving the app in a thread with its own event loop (as `scenari serve` does)."""

    def __init__(self, database_url: str, key_file: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.key_file = key_file
        self.server = None
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="uvicorn", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to the test
            self.error = exc
            self.ready.set()

    async def _serve(self) -> None:
        import uvicorn

        from bot.web import create_app

        db = Database(self.database_url)
        try:
            await upgrade_database(db)
            settings = Settings(  # type: ignore[call-arg]
                SCENARI_DATABASE_URL=self.database_url, SCENARI_SECRET_KEY=None
            )
            app = create_app(settings, db, key_file=self.key_file)
            config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
            self.server = uvicorn.Server(config)
            serving = asyncio.create_task(self.server.serve())
            while not self.server.started and not serving.done():
                await asyncio.sleep(0.02)
            self.ready.set()
            await serving
        finally:
            await db.dispose()

    def __enter__(self) -> LiveServer:
        self.thread.start()
        self.ready.wait(30)
        if self.error is not None:
            raise self.error
        return self

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.should_exit = True
        self.thread.join(15)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    with LiveServer(f"sqlite+aiosqlite:///{tmp_path / 'browser.db'}", tmp_path / "secret_key") as server:
        yield server


async def run_axe(page: Page) -> list[dict]:
    """axe-core in the page: the serious and critical violations (id, impact, first targets).

    Every violation (moderate and minor too) is written beside the screenshots, for reading.
    """
    await page.send("Emulation.setScriptExecutionDisabled", value=False)
    try:
        if not await page.evaluate("typeof window.axe !== 'undefined'"):
            await page.evaluate(AXE.read_text(encoding="utf-8"))
        result = await page.evaluate(
            """axe.run(document).then(r => ({passes: r.passes.length, url: location.pathname,
                 violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                             targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))}))""",
            await_promise=True,
        )
    finally:
        await page.send("Emulation.setScriptExecutionDisabled", value=True)
    assert result["passes"] >= 10, "axe did not check the page"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with (ARTIFACTS / "axe_report.txt").open("a", encoding="utf-8") as report:
        report.write(f"{result['url']}: {result['passes']} rules passed; violations: {result['violations']}\n")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


async def test_keyboard_only_run_on_a_phone_with_javascript_off(live: LiveServer, tmp_path: Path):
    (ARTIFACTS / "axe_report.txt").unlink(missing_ok=True)
    checked: dict[str, list[dict]] = {}
    async with chromium(width=390, height=844) as page:
        await page.send("Page.setBypassCSP", enabled=True)  # lets the test inject axe; the pages have no script
        await page.send("Emulation.setScriptExecutionDisabled", value=True)

        await page.goto(f"{live.url}/")
        assert await page.evaluate("document.documentElement.lang") == "it"
        checked["home"] = await run_axe(page)
        await page.screenshot(ARTIFACTS / "web_phone_home.png")

        # From the list to the questionnaire, by keyboard: Tab to the link, Enter
        await page.tab_to("Indagine sull'innovazione nelle imprese")
        await page.key("Enter", navigates=True)
        assert "Accetta di partecipare?" in await page.evaluate("document.body.innerText")
        checked["consent"] = await run_axe(page)
        await page.tab_to("Accetto")
        await page.key("Enter", navigates=True)

        # The page opens at the current question: the next Tab is on its first option
        assert await page.evaluate("location.hash") == "#domanda"
        await page.key("Tab")
        assert await page.focused() == "button|choice|Agricoltura e allevamento"
        checked["buttons"] = await run_axe(page)
        await page.screenshot(ARTIFACTS / "web_phone_question.png")
        await page.key("Tab")
        await page.key("Tab")
        assert await page.focused() == "button|choice|Costruzioni"
        await page.key("Space", navigates=True)  # Space presses a button as Enter does

        await page.key("Tab")
        assert (await page.focused()).endswith("1–9")
        await page.key("Enter", navigates=True)
        await page.tab_to("Crema")
        await page.key("Enter", navigates=True)

        # Checkboxes: Space ticks, then Tab to the confirm button
        await page.key("Tab")
        assert await page.focused() == "input|selected|Di prodotto o servizio"
        await page.key("Space")
        await page.key("Tab")
        await page.key("Space")
        checked["checkboxes"] = await run_axe(page)
        await page.tab_to("Conferma le scelte")
        await page.key("Enter", navigates=True)

        # Free text, then a bad number: the message is shown by the field, in Italian
        await page.key("Tab")
        assert (await page.focused()).startswith("textarea|text|")
        await page.type("Un forno elettrico a basso consumo")
        await page.tab_to("Invia")
        await page.key("Enter", navigates=True)
        await page.tab_to("Sì, occasionalmente")
        await page.key("Enter", navigates=True)
        await page.key("Tab")
        assert (await page.focused()).startswith("input|text|")
        await page.type("circa un terzo")
        await page.key("Enter", navigates=True)  # Enter in the field submits with "Invia"
        error = await page.evaluate("document.querySelector('.field-error').innerText")
        assert error.strip() == "Serve un numero, per esempio 3,5."
        assert await page.evaluate("document.getElementById('answer').value") == "circa un terzo"  # kept to fix
        assert await page.evaluate("document.getElementById('answer').getAttribute('aria-invalid')") == "true"
        checked["error"] = await run_axe(page)
        await page.screenshot(ARTIFACTS / "web_phone_error.png")
        await page.screenshot(ARTIFACTS / "web_phone_error_full.png", full_page=True)
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
        await page.key("Tab")
        await page.evaluate("document.getElementById('answer').select()")  # as a person selects to retype
        await page.type("5")
        await page.key("Enter", navigates=True)
        assert "Con chi collabora" in await page.evaluate("document.body.innerText")

        # The privacy page, and the language switch by keyboard
        await page.goto(f"{live.url}/privacy")
        checked["privacy"] = await run_axe(page)
        await page.screenshot(ARTIFACTS / "web_phone_privacy.png")
        await page.tab_to("English")
        await page.key("Enter", navigates=True)
        assert await page.evaluate("document.documentElement.lang") == "en"
        assert "Your data" in await page.evaluate("document.body.innerText")

        outside = [url for url in page.requests if not url.startswith(live.url) and not url.startswith("data:")]
        assert outside == [], "every asset must be served locally"
        assert page.console_errors == []

    for name, violations in checked.items():
        assert violations == [], f"axe on the {name} page: {violations}"

    db = Database(live.database_url)
    try:
        async with db.transaction() as session:
            rows = await session.execute(
                select(Answer.question_key, Answer.value)
                .join(Run, Run.id == Answer.run_id)
                .join(Respondent, Respondent.id == Run.respondent_id)
                .where(Respondent.channel == "web", Answer.is_current.is_(True))
            )
            answers = dict(rows.all())
    finally:
        await db.dispose()
    assert answers == {
        "ateco_section": "F", "employees": "micro", "municipality": "crema",
        "innovations": ["product", "process"], "innovation_example": "Un forno elettrico a basso consumo",
        "rd": "occasional", "rd_share": 5.0,
    }
