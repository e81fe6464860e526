"""The audit log through the users' paths: an analyst's logins and downloads on /analisi/registro and in
`scenari audit list`; account changes from the CLI; never a password."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from bot.cli import main as cli_main
from bot.settings import Settings
from bot.web import create_app
from bot.web.auth import hash_password
from storage import Database, analysts
from tests.support.convergence_city import build_city
from tests.support.web_pages import asgi_client
from tests.support.web_pages import ANALYST_PASSWORD as PASSWORD
from tests.support.web_pages import csrf_of, log_in

WRONG = "not the password at all"


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = cli_main(args)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


async def test_downloads_and_logins_appear_in_the_audit_page_and_cli(
    sqlite_db: Database, web_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    async with sqlite_db.transaction() as session:
        await analysts.add_analyst(session, "anna", hash_password(PASSWORD))
    await build_city(sqlite_db)
    app = create_app(web_settings, sqlite_db, key_file=tmp_path / "secret_key")
    async with asgi_client(app) as client:
        refused = await log_in(client, password=WRONG)
        assert refused.status_code == 401
        await log_in(client)
        download = await client.get("/analisi/scarica/innovation_profiles.csv")
        assert download.status_code == 200
        page = await client.get("/analisi/registro")
    assert page.status_code == 200 and "Registro delle attività" in page.text
    text = page.text
    assert "download" in text and "innovation_profiles" in text and "format=csv" in text and "rows=5" in text
    assert "accesso" in text and "rifiutato" in text and "riuscito" in text
    assert PASSWORD not in text and WRONG not in text

    async with asgi_client(app) as stranger:  # not an analyst: sent to the login page
        assert (await stranger.get("/analisi/registro")).url.path == "/analisi/accesso"

    monkeypatch.setenv("SCENARI_DATABASE_URL", f"sqlite:///{tmp_path / 'scenari.db'}")
    monkeypatch.chdir(tmp_path)
    code, out = await asyncio.to_thread(_cli, ["audit", "list", "--since", "1d"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert any("anna" in line and "download" in line and "innovation_profiles" in line and "format=csv" in line
               for line in lines)
    assert any("login" in line and "refused" in line and "reason=wrong" in line for line in lines)
    assert PASSWORD not in out and WRONG not in out

    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code, _ = await asyncio.to_thread(_cli, ["analysts", "add", "bruno", "--password-stdin"], capsys)
    assert code == 0
    code, out = await asyncio.to_thread(_cli, ["audit", "list", "--since", "1d", "--action", "account"], capsys)
    assert "bruno" in out and "change=added" in out and "download" not in out
    code, out = await asyncio.to_thread(_cli, ["audit", "list", "--since", "ieri"], capsys)
    assert code == 2 and "write YYYY-MM-DD" in out


async def test_the_audit_page_in_english(sqlite_db: Database, web_settings: Settings, tmp_path: Path):
    async with sqlite_db.transaction() as session:
        await analysts.add_analyst(session, "anna", hash_password(PASSWORD))
    app = create_app(web_settings, sqlite_db, key_file=tmp_path / "secret_key")
    async with asgi_client(app) as client:
        await log_in(client)
        home = await client.get("/")
        await client.post("/lingua", data={"csrf": csrf_of(home.text, "/lingua"), "lang": "en", "next": "/"})
        page = await client.get("/analisi/registro")
        bad = await client.get("/analisi/registro?dal=2026-13-45")
    assert page.status_code == 200 and "Audit log" in page.text and "login" in page.text and "ok" in page.text
    assert bad.status_code == 400 and "Not a valid date: write YYYY-MM-DD" in bad.text
