"""The network page of the dashboard shows the governance reading (bot/web/dashboard/governance.py,
templates/_governance.html): an analyst logs in and reads, in Italian, how the network is made.

The hand-made city (tests/support/convergence_city.py) names current ties a1 → a2, a1 → a4, a4 → a1:
three linked actors in one component, a1 the only broker (a public body, shown by category, not code).
"""

from __future__ import annotations

import httpx
import pytest

from storage import Database, analysts
from tests.support.convergence_city import build_city
from tests.support.web_pages import ANALYST_PASSWORD as PASSWORD
from tests.support.web_pages import log_in


@pytest.fixture
async def account(db: Database) -> None:
    from bot.web.auth import hash_password

    async with db.transaction() as session:
        await analysts.add_analyst(session, "anna", hash_password(PASSWORD), telegram_id=42)


async def test_the_network_page_reads_the_governance_in_plain_words(client: httpx.AsyncClient, account: None,
                                                                    db: Database):
    await build_city(db)
    await log_in(client)
    page = await client.get("/analisi/rete")
    assert page.status_code == 200
    text = page.text
    assert 'id="gov-h">Governance della rete</h2>' in text
    assert "La rete è connessa: tutti i 3 attori collegati stanno in un&#39;unica componente." in text
    assert "Intermediari (fanno da ponte tra gli altri): Enti pubblici #1." in text
    assert "Una sola ondata di interviste finora" in text
    assert "<dt>Componenti</dt><dd>1</dd>" in text
    reading = text[text.index('id="gov-h"'):text.index("</section>", text.index('id="gov-h"'))]
    assert "a1" not in reading  # actors by category and ordinal, never by register code
    other = await client.get("/analisi/priorita")
    assert other.status_code == 200 and 'id="gov-h"' not in other.text  # only on the network page
