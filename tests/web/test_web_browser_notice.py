"""A real browser: from the consent step to the full privacy notice, by keyboard, in Italian and English.

Headless Chromium with JavaScript off, at phone width: the consent step shows the notice in short
(controller, purposes, rights) and links to /informativa, which shows the plan's privacy.yaml in
full; the footer and the privacy page link to it too. axe-core checks the page; a screenshot is
kept in ``var/test-artifacts/web_phone_notice.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cdp import chromium, chromium_path
from tests.web.test_web_browser import ARTIFACTS, LiveServer, run_axe

pytestmark = pytest.mark.skipif(
    chromium_path() is None,
    reason="headless Chromium is not installed (apt-get install chromium; .ci/run installs it)",
)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    with LiveServer(f"sqlite+aiosqlite:///{tmp_path / 'notice.db'}", tmp_path / "secret_key") as server:
        yield server


async def test_a_citizen_reads_the_full_notice_from_the_consent_step(live: LiveServer):
    async with chromium(width=390, height=844) as page:
        await page.send("Page.setBypassCSP", enabled=True)  # lets the test inject axe; the pages have no script
        await page.send("Emulation.setScriptExecutionDisabled", value=True)
        await page.goto(f"{live.url}/q/imprese")
        consent = await page.evaluate("document.getElementById('domanda').innerText")
        assert "Titolare del trattamento: Comune di Cremona" in consent
        assert "Partecipazione al piano strategico; Newsletter del piano" in consent
        assert "reclamo al Garante per la protezione dei dati personali" in consent
        assert "http://" not in consent  # the address of the chat's summary is a link here

        await page.tab_to("Leggi l'informativa completa")
        await page.key("Enter", navigates=True)
        assert await page.evaluate("location.pathname") == "/informativa"
        text = await page.evaluate("document.querySelector('main').innerText")
        headings = await page.evaluate("[...document.querySelectorAll('main h2')].map(h => h.innerText)")
        assert await page.evaluate("document.querySelector('h1').innerText") == "Informativa sul trattamento dei dati personali"
        assert "Informativa del 1º novembre 2026" in text
        assert headings == [
            "Titolare del trattamento", "Responsabile della protezione dei dati (RPD/DPO)", "Quali dati trattiamo",
            "Perché li trattiamo e su quale base giuridica", "Per quanto tempo li conserviamo", "Chi può vederli",
            "Trasferimenti fuori dall'Unione europea", "Partecipazione facoltativa", "I tuoi diritti e come esercitarli",
        ]
        for expected in ("rpd@comune.cremona.example", "Piazza del Comune 8", "art. 6, par. 1, lett. a, GDPR",
                         "Testi liberi delle risposte: 24 mesi", "portabilità (art. 20)",
                         "Garante per la protezione dei dati personali: https://www.garanteprivacy.it"):
            assert expected in text, expected
        violations = await run_axe(page)
        await page.screenshot(ARTIFACTS / "web_phone_notice.png", full_page=True)
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390

        await page.tab_to("English")
        await page.key("Enter", navigates=True)
        assert await page.evaluate("location.pathname") == "/informativa"
        assert await page.evaluate("document.querySelector('h1').innerText") == "Privacy notice"
        assert "Legal basis: your consent" in await page.evaluate("document.querySelector('main').innerText")

        for start in ("/", "/privacy"):  # the footer, and the privacy page's own paragraph
            await page.goto(f"{live.url}{start}")
            links = await page.evaluate("[...document.querySelectorAll('a[href=\"/informativa\"]')].length")
            assert links >= (2 if start == "/privacy" else 1), start
        assert page.console_errors == []
    assert violations == [], f"axe on the notice page: {violations}"
