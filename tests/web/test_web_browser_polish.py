"""What a new user notices on the web, in a real browser (JavaScript off): a refused multiple
choice keeps the boxes ticked, its error names the page's own button («Conferma le scelte»,
never the chat's «Fatto»), the follow-up question and its answer stay in the thread, and the
end page thanks once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cdp import chromium, chromium_path
from tests.web.test_web_browser import ARTIFACTS, LiveServer
from tests.web.test_web_browser_dashboard import body, click, click_text

pytestmark = pytest.mark.skipif(
    chromium_path() is None,
    reason="headless Chromium is not installed (apt-get install chromium; .ci/run installs it)",
)

TICKED = "[...document.querySelectorAll('input[type=checkbox]:checked')].map(e => e.id)"
THREAD = "[...document.querySelectorAll('.thread li .text')].map(e => e.innerText.trim())"


async def test_a_new_user_answers_visione_and_the_page_keeps_what_they_did(tmp_path: Path):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'polish.db'}"
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

            # four visions where three are allowed: refused, and the four boxes are still ticked
            assert "Quale di queste idee di città" in await body(page)
            for i in (1, 2, 3, 4):
                await click(page, f"label[for='opt-{i}']", navigates=False)
            await click_text(page, "button", "Conferma le scelte")
            error = await page.evaluate("document.querySelector('.field-error')?.innerText || ''")
            assert "3" in error, error
            assert await page.evaluate(TICKED) == ["opt-1", "opt-2", "opt-3", "opt-4"]
            # untick them all and confirm: the error names the button the page shows
            for i in (1, 2, 3, 4):
                await click(page, f"label[for='opt-{i}']", navigates=False)
            await click_text(page, "button", "Conferma le scelte")
            error = await page.evaluate("document.querySelector('.field-error')?.innerText || ''")
            assert "«Conferma le scelte»" in error and "Fatto" not in error, error
            await page.screenshot(ARTIFACTS / "polish_multiple_error.png")
            await click(page, "label[for='opt-1']", navigates=False)
            await click(page, "label[for='opt-3']", navigates=False)
            await click_text(page, "button", "Conferma le scelte")

            # a short answer brings the follow-up; after it, both stay in the thread
            await click(page, "#answer", navigates=False)
            await page.type("boh")
            await click_text(page, "button", "Invia")
            assert "Puoi dirci qualcosa di più?" in await body(page)
            await click(page, "#answer", navigates=False)
            await page.type("Una città verde con più lavoro per i giovani")
            await click_text(page, "button", "Invia")
            thread = await page.evaluate(THREAD)
            assert "E che cosa dovrebbe cambiare per primo?" in await body(page)
            at = thread.index("Puoi dirci qualcosa di più?")
            assert thread[at - 1] == "boh" and thread[at + 1] == "Una città verde con più lavoro per i giovani"

            await click(page, "#answer", navigates=False)
            await page.type("Le piste ciclabili")
            await click_text(page, "button", "Invia")
            text = await body(page)
            await page.screenshot(ARTIFACTS / "polish_done.png", full_page=True)
            assert "Puoi dirci qualcosa di più?" in text  # the end page reads the whole conversation back
            assert text.count("Grazie") == 1, text
            assert "le risposte sono state salvate" in text
            assert page.console_errors == []
