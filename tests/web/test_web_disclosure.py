"""/risultati and /api through the web path: issue 16's sector C (10 firms − 3 − 6 = 1) can no longer be
subtracted, nor a small category's votes from the consensus tables."""

from __future__ import annotations

from html.parser import HTMLParser

import httpx

from exports.tables.consensus import votes_frame
from exports.tables.opinion_groups import group_counts
from storage import Database, analysts, deliberation
from bot.web.auth import hash_password, new_token
from tests.support.consensus_attack import published_of, truth_of
from tests.support.deliberation_round import VOTES, build_round
from tests.support.disclosure_attack import recovered
from tests.support.firms import ISSUE_SECTOR_C, build_firms
from tests.support.web_pages import asgi_client
from tests.support.web_pages import ANALYST_PASSWORD as PASSWORD
from tests.support.web_pages import csrf_of, log_in

PROFILES = ("anticipatrice", "inseguitrice", "non_innovativa")


class _Table(HTMLParser):
    """The rows of the table under the heading with id ``tb-<name>``."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name, self.inside, self.cell, self.column = name, False, None, None
        self.header: list[str] = []
        self.rows: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "h2" and dict(attrs).get("id") == f"tb-{self.name}":
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = ""
            self.column = dict(attrs).get("data-column")  # a header in words names its column id here

    def handle_endtag(self, tag):
        if self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append((self.column if tag == "th" else None) or self.cell.strip())
            self.cell = None
        elif self.inside and tag == "table":
            self.inside = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def _published(html: str) -> dict[tuple[str, str, str], int | None]:
    parser = _Table("innovation_profiles")
    parser.feed(html)
    header, *rows = parser.rows
    cells = {}
    for row in rows:
        r = dict(zip(header, row))
        for column in ("firms", *PROFILES):
            cells[(r["breakdown"], r["group"], column)] = None if r[column] == "–" else int(r[column])
    return cells


async def test_results_page_does_not_give_away_sector_c(client: httpx.AsyncClient, db: Database):
    async with db.transaction() as session:
        await analysts.add_analyst(session, "anna", hash_password(PASSWORD), telegram_id=42)
    await build_firms(db, ISSUE_SECTOR_C)
    await log_in(client)
    dashboard = await client.get("/analisi")
    saved = await client.post("/analisi/pubblica", data={
        "csrf": csrf_of(dashboard.text, "/analisi/pubblica"), "table": ["innovation_profiles"]})
    assert "Scelta salvata." in saved.text
    async with asgi_client(client._transport.app) as anonymous:  # type: ignore[attr-defined]
        page = await anonymous.get("/risultati")
    published = _published(page.text)
    assert published[("sector", "C", "non_innovativa")] is None  # primary: 1 firm
    truth = {("all", "all", "firms"): 10, ("all", "all", "anticipatrice"): 3, ("all", "all", "inseguitrice"): 6,
             ("all", "all", "non_innovativa"): 1,
             ("sector", "C", "firms"): 10, ("sector", "C", "anticipatrice"): 3, ("sector", "C", "inseguitrice"): 6,
             ("sector", "C", "non_innovativa"): 1,
             ("size", "micro", "firms"): 5, ("size", "micro", "anticipatrice"): 2, ("size", "micro", "inseguitrice"): 3,
             ("size", "micro", "non_innovativa"): 0,
             ("size", "small", "firms"): 5, ("size", "small", "anticipatrice"): 1, ("size", "small", "inseguitrice"): 3,
             ("size", "small", "non_innovativa"): 1}
    assert set(published) == set(truth)
    assert all(published[key] in (None, value) for key, value in truth.items())  # what is shown is true
    equations = [([(b, g, p) for p in PROFILES], (b, g, "firms")) for b, g, _ in truth if _ == "firms"]
    for column in ("firms", *PROFILES):
        equations.append(([("sector", "C", column)], ("all", "all", column)))
        equations.append(([("size", "micro", column), ("size", "small", column)], ("all", "all", column)))
    assert recovered(published, truth, equations) == {}  # 10 − 3 − 6 no longer gives 1


async def _tables_of_api(client: httpx.AsyncClient, token: str, names: tuple[str, ...]) -> tuple[dict, int | None]:
    """The consensus tables as the API gives them (rows as dicts, null = blank) and the vote count, if printed."""
    headers = {"authorization": f"Bearer {token}"}
    summary = (await client.get("/api/tables", headers=headers)).json()
    tables = {}
    for name in names:
        body = (await client.get(f"/api/tables/{name}", headers=headers)).json()
        tables[name] = [dict(zip(body["columns"], row)) for row in body["rows"]]
    return tables, summary["counts"].get("votes")


async def test_api_consensus_tables_give_away_no_hidden_vote(client: httpx.AsyncClient, db: Database):
    """The union's two voters (under k) and the two firms of statement 8 cannot be worked out from
    the API's consensus tables: totals minus the shown categories, rates, the groups' sizes."""
    token, digest = new_token()
    async with db.transaction() as session:
        await analysts.add_analyst(session, "anna", hash_password(PASSWORD), telegram_id=42)
        await analysts.set_token_hash(session, "anna", digest)
    statements = await build_round(db)
    names = ("consensus_shared", "consensus_by_category", "consensus_distinctive", "consensus_groups")
    tables, votes = await _tables_of_api(client, token, names)
    async with db.transaction() as session:
        data = await deliberation.load_votes(session)
    groups = group_counts(votes_frame(data), 3)
    assert len(groups) and tables["consensus_groups"], "the round forms opinion groups"
    truth = truth_of(VOTES, groups, statements)
    assert "union" not in {r["category"] for r in tables["consensus_by_category"]}  # primary: 2 voters
    published, equations, caps = published_of(tables, votes, truth)
    assert recovered(published, truth, equations, caps) == {}
    ranked = [r for r in tables["consensus_shared"] if r["rank"] is not None]
    assert len(ranked) >= 7 and all(r["consensus"] is not None for r in ranked)  # the measures stay
