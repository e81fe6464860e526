"""The dashboard's filters in a real browser, and /risultati on a 360 px phone.

An analyst filters /analisi/profili by actor category and date with the GET form (no script on
the page), sees the numbers change, downloads the filtered table from the page's link and finds
the numbers of the page in it, and the raw export filtered the same way (`scenari export
--category … --since …`) has as many firms; a filter set too narrow is refused. The public
results page is screenshotted at 360 px (``var/test-artifacts/results_phone_360.png``) and does
not scroll sideways.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.cli import main as cli_main
from storage import Database
from storage.models import Run
from tests.support.cdp import chromium, chromium_path
from tests.web.test_web_browser import ARTIFACTS, LiveServer, run_axe
from tests.web.test_web_browser_dashboard import PASSWORD, body, city, click  # noqa: F401 - city: the fixture

pytestmark = pytest.mark.skipif(chromium_path() is None, reason="headless Chromium is not installed")


async def _spread(url: str) -> str:
    """Move every other run ten days back (the date filter then has something to cut, however the
    simulation spread its runs), and return the Monday of the week most firms completed the firms' survey in."""
    db = Database(url)
    try:
        async with db.transaction() as session:
            runs = (await session.execute(select(Run.id, Run.completed_at).where(Run.status == "completed")
                                          .order_by(Run.id))).all()
            for run_id, done in runs[::2]:
                await session.execute(update(Run).where(Run.id == run_id).values(completed_at=done - timedelta(days=10)))
            weeks = Counter(done.date() - timedelta(days=done.weekday()) for (done,) in await session.execute(
                select(Run.completed_at).where(Run.status == "completed", Run.questionnaire_id == "imprese")))
    finally:
        await db.dispose()
    return weeks.most_common(1)[0][0].isoformat()


async def _cells(page, name: str) -> list[dict[str, str]]:
    return await page.evaluate(f"""(() => {{
        const h = document.getElementById('tb-{name}'); if (!h) return null;
        const t = h.closest('section').querySelector('table'); if (!t) return [];
        const ids = [...t.querySelectorAll('thead th')].map(th => th.dataset.column);
        return [...t.querySelectorAll('tbody tr')].map(tr => Object.fromEntries(
            [...tr.querySelectorAll('td')].map((td, i) => [ids[i], td.innerText.trim()]))); }})()""")


async def test_filters_change_every_number_like_the_filtered_exports(city: str, tmp_path: Path,  # noqa: F811
                                                                     monkeypatch: pytest.MonkeyPatch):
    later = await _spread(city)
    with LiveServer(city, tmp_path / "secret_key") as live:
        async with chromium(width=1280, height=900) as page:
            await page.send("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1,
                            mobile=False)
            await page.goto(f"{live.url}/analisi/accesso")
            await click(page, "#username", navigates=False)
            await page.type("anna")
            await click(page, "#password", navigates=False)
            await page.type(PASSWORD)
            await click(page, "button.primary-button")
            await page.goto(f"{live.url}/analisi/profili")
            before = await _cells(page, "innovation_vs_baseline")
            caption_before = await page.evaluate("document.querySelector('p.lead').innerText")
            assert before and all(r["firms"] not in ("", "–") for r in before)

            # The form: category "firm" and a start day, chosen and sent with a click (a GET form)
            await page.evaluate("document.querySelector('form.filters details').open = true")
            chosen = await page.evaluate(f"""(() => {{
                const o = [...document.querySelectorAll('#f-categoria option')].find(o => o.value === 'firm');
                if (!o) return false; o.selected = true;
                document.getElementById('f-dal').value = '{later}'; return true; }})()""")
            assert chosen
            await click(page, "form.filters button.primary-button")
            search = await page.evaluate("location.search")
            assert "categoria=firm" in search and f"dal={later}" in search
            text = await body(page)
            assert f"Filtri attivi: Categoria di attori: Imprese; Dal giorno: {later}" in text and "Rispondenti selezionati" in text
            after = await _cells(page, "innovation_vs_baseline")
            caption_after = await page.evaluate("document.querySelector('p.lead').innerText")
            assert caption_after != caption_before
            firms_before = sum(int(r["firms"]) for r in before)
            firms_after = sum(int(r["firms"]) for r in after if r["firms"] != "–")
            assert 0 < firms_after < firms_before
            await page.screenshot(ARTIFACTS / "dash_filtered.png", full_page=True)

            # Every data link of the page keeps the filters; the downloaded CSV has the page's numbers
            hrefs = await page.evaluate("[...document.querySelectorAll('.downloads a, .dash-nav a')].map(a => a.href)")
            assert hrefs and all("categoria=firm" in h for h in hrefs if "/registro" not in h)
            link = next(h for h in hrefs if "/scarica/innovation_vs_baseline.csv" in h)
            downloaded = await page.evaluate(f"fetch({link!r}).then(r => r.text())", await_promise=True)
            rows = list(csv.DictReader(io.StringIO(downloaded)))
            assert [r["firms"] or "–" for r in rows] == [r["firms"] for r in after]

            # The per-question page takes the same filters: its counts are of the filtered firms
            await page.goto(f"{live.url}/analisi/domande?questionario=imprese&categoria=firm&dal={later}")
            text = await body(page)
            answered = re.search(r"\(employees\)\s+(\d+) persone hanno risposto\.", text)
            assert "Domanda per domanda" in text and answered, text[-3000:]
            employees = int(answered.group(1))
            assert firms_after <= employees
            await page.screenshot(ARTIFACTS / "dash_questions.png", full_page=True)

            # Too narrow: refused in words, no number shown
            await page.goto(f"{live.url}/analisi/profili?categoria=firm&comune=crema&dal={later}")
            assert "non mostriamo nulla" in await body(page)
            assert await page.evaluate("document.querySelectorAll('table.data, svg.chart').length") == 0

    # The raw export filtered the same way has as many completed firm runs as the page counts firms
    out = tmp_path / "imprese.csv"
    monkeypatch.setenv("SCENARI_DATABASE_URL", city)  # the command reads its database as `scenari` does
    code = await asyncio.to_thread(cli_main, ["export", "-q", "imprese", "-f", "csv", "-o", str(out),
                                              "--category", "firm", "--since", later])
    assert code == 0
    exported = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert sum(1 for r in exported if r["employees"].strip()) == employees  # the same firms, counted the same


async def test_results_page_is_readable_at_360_px(city: str, tmp_path: Path):  # noqa: F811
    from storage import analysts

    db = Database(city)
    try:
        async with db.transaction() as session:
            await analysts.set_published(session, {"shared_priorities", "innovation_vs_baseline", "visions"}, None)
    finally:
        await db.dispose()
    with LiveServer(city, tmp_path / "secret_key") as live:
        async with chromium(width=360, height=740) as page:
            await page.goto(f"{live.url}/risultati")
            text = await body(page)
            assert "Priorità strategiche condivise" in text and "categorie sopra soglia" in text
            assert "categories_above" not in text and "baseline_pct" not in text
            wide = await page.evaluate("document.documentElement.scrollWidth")
            assert wide <= 362, f"the page scrolls sideways at 360 px ({wide} px)"
            await page.screenshot(ARTIFACTS / "results_phone_360.png", full_page=True)
            await page.send("Page.setBypassCSP", enabled=True)  # lets axe in; the page itself has no script
            await page.goto(f"{live.url}/risultati")
            assert await run_axe(page) == []
