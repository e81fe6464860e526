"""Download my data: the web privacy page's button, and the same content from `scenari privacy export`."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import main as cli_main
from storage import Database, audit
from tests.support.web_pages import WebUser
from tests.web.test_web_citizen import consent


async def test_privacy_page_downloads_my_data_and_staff_gets_the_same(
    user: WebUser, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
):
    page = await user.get("/privacy")
    assert "Scarica i miei dati" not in page.text  # nothing held, nothing to download
    await consent(user)
    await user.press("Costruzioni")
    page = await user.get("/privacy")
    assert 'href="/privacy/dati"' in page.response.text and "Scarica i miei dati (JSON)" in page.text
    response = await user.client.get("/privacy/dati")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    assert "attachment" in response.headers["content-disposition"]
    mine = json.loads(response.content)
    [run] = mine["questionnaires"]
    assert run["questionnaire"] == "imprese" and {"question": "ateco_section", "item": 0, "value": "F"} in run["answers"]
    assert [c["purpose"] for c in mine["consents"]] == ["participation"] and mine["consents"][0]["granted"] is True
    assert "external_id" not in response.text and user.client.cookies.get("scenari_session", "-") not in response.text
    async with db.transaction() as session:
        [event] = await audit.events(session, action="privacy_export")
    assert (event.actor, event.target) == ("respondent", mine["pseudonym"])

    if "sqlite" not in request.node.name:
        return  # the CLI reads the SQLite file of the test database
    monkeypatch.setenv("SCENARI_DATABASE_URL", f"sqlite:///{tmp_path / 'scenari.db'}")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "request.json"
    code = await asyncio.to_thread(cli_main, ["privacy", "export", "--respondent", mine["pseudonym"], "--out", str(out)])
    assert code == 0 and json.loads(out.read_bytes()) == mine
    code = await asyncio.to_thread(cli_main, ["privacy", "export", "--respondent", "nobody"])
    assert code == 1 and "nothing is held" in capsys.readouterr().err
