"""The analysts' side over HTTP (in process): accounts, login, lock-out, CSRF, downloads, the API, /risultati."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import openpyxl
import pandas as pd
import pytest
from fastapi import FastAPI

from bot.cli import main as cli_main
from bot.settings import Settings
from bot.web import create_app
from bot.web.auth import hash_password, new_token
from storage import Database, analysts, upgrade_database
from tests.support.convergence_city import build_city
from tests.support.web_pages import ANALYST_PASSWORD as PASSWORD
from tests.support.web_pages import asgi_client, csrf_of, log_in




@pytest.fixture
async def account(db: Database) -> str:
    async with db.transaction() as session:
        await analysts.add_analyst(session, "anna", hash_password(PASSWORD), telegram_id=42)
    token, digest = new_token()
    async with db.transaction() as session:
        await analysts.set_token_hash(session, "anna", digest)
    return token


async def test_analyst_logs_in_and_sees_every_section(client: httpx.AsyncClient, account: str, db: Database):
    await build_city(db)
    assert (await client.get("/analisi")).url.path == "/analisi/accesso"  # not logged in
    response = await log_in(client)
    assert response.status_code == 200 and response.url.path == "/analisi"
    assert "Tabelle calcolate il" in response.text
    set_cookie = [h for h in response.history[0].headers.get_list("set-cookie") if h.startswith("scenari_analyst=")]
    assert set_cookie and all("HttpOnly" in h and "SameSite=strict" in h and "Secure" not in h for h in set_cookie)
    for section in ("attivita", "profili", "convergenza", "priorita", "visioni", "progetti", "rete"):
        page = await client.get(f"/analisi/{section}")
        assert page.status_code == 200, section
        assert '<svg class="chart' in page.text and 'role="img"' in page.text and "<desc" in page.text, section
        assert "content-security-policy" in page.headers and "script-src 'self'" in page.headers["content-security-policy"]
        assert "<script" not in page.text and " style=" not in page.text  # nothing the CSP would block
    heat = (await client.get("/analisi/convergenza")).text
    assert 'class="chart heatmap"' in heat and "nascosto (meno di k)" in heat


async def test_downloads_in_every_format_are_the_suppressed_tables(client: httpx.AsyncClient, account: str, db: Database):
    await build_city(db)
    await log_in(client)
    xlsx = await client.get("/analisi/scarica/convergence_cells.xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["content-disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert workbook.sheetnames == ["LEGGIMI", "convergenza_celle"]  # the deployment's language; the URL keeps the id
    csv = pd.read_csv(io.BytesIO((await client.get("/analisi/scarica/convergence_cells.csv")).content))
    parquet = pd.read_parquet(io.BytesIO((await client.get("/analisi/scarica/convergence_cells.parquet")).content))
    assert len(csv) == len(parquet) > 0
    # same k-suppression as the file exports: a suppressed cell is blank, never a count of 1 or 2
    shown = parquet["units"].dropna()
    assert ((shown == 0) | (shown >= 3)).all() and parquet["suppressed"].any()
    assert parquet.loc[parquet["suppressed"], "units"].isna().all()
    activity = await client.get("/analisi/scarica/activity.csv")
    assert activity.status_code == 200 and activity.text.startswith("day,questionnaire,channel")
    assert (await client.get("/analisi/scarica/nope.xlsx")).status_code == 404
    assert (await client.get("/analisi/scarica/convergence.exe")).status_code == 404


async def test_wrong_password_and_unknown_name_get_the_same_answer(client: httpx.AsyncClient, account: str):
    wrong = await log_in(client, password="not the password")
    unknown = await log_in(client, username="nobody")
    assert wrong.status_code == unknown.status_code == 401
    assert "Nome utente o password errati." in wrong.text and "Nome utente o password errati." in unknown.text
    assert "scenari_analyst" not in client.cookies


async def test_lock_out_after_repeated_failures_survives_a_restart(
    db: Database, web_settings: Settings, tmp_path: Path, account: str
):
    app = create_app(web_settings, db, key_file=tmp_path / "k")
    async with asgi_client(app) as client:
        statuses = [(await log_in(client, password=f"wrong {i}")).status_code for i in range(5)]
        assert statuses == [401, 401, 401, 401, 429]
        locked = await log_in(client)  # the right password, but the account is locked
        assert locked.status_code == 429 and "bloccato" in locked.text and "retry-after" in locked.headers
    restarted = create_app(web_settings, db, key_file=tmp_path / "k")  # a new process: the lock is in the database
    async with asgi_client(restarted) as client:
        assert (await log_in(client)).status_code == 429


async def test_lock_out_per_client_address(db: Database, web_settings: Settings, tmp_path: Path, account: str):
    settings = web_settings.model_copy(update={"login_max_failures": 2})
    app = create_app(settings, db, key_file=tmp_path / "k")
    async with asgi_client(app) as client:
        # different names, one address: 4 × 2 failures lock the address
        statuses = [(await log_in(client, username=f"guess{i}", password="x")).status_code for i in range(8)]
        assert statuses[-1] == 429 and 401 in statuses[:7]
        assert (await log_in(client)).status_code == 429  # anna's account is fine, the address is not


async def test_login_posts_are_rate_limited(client: httpx.AsyncClient, account: str):
    page = await client.get("/analisi/accesso")
    token = csrf_of(page.text, "/analisi/accesso")
    statuses = [(await client.post("/analisi/accesso", data={"csrf": token, "username": f"u{i}", "password": "x"}))
                .status_code for i in range(12)]
    assert statuses[-1] == 429


async def test_forms_without_csrf_are_refused(client: httpx.AsyncClient, account: str, db: Database):
    await client.get("/analisi/accesso")
    no_token = await client.post("/analisi/accesso", data={"username": "anna", "password": PASSWORD})
    assert no_token.status_code == 403 and "scenari_analyst" not in client.cookies
    await log_in(client)
    for path, data in (("/analisi/pubblica", {"table": "visions"}), ("/analisi/esci", {"go": "1"})):
        refused = await client.post(path, data=data)
        assert refused.status_code == 403, path
        forged = await client.post(path, data={**data, "csrf": "0" * 40})
        assert forged.status_code == 403, path
    async with db.transaction() as session:
        assert await analysts.published(session) == {}
    assert (await client.get("/analisi")).url.path == "/analisi"  # still logged in


async def test_logout_ends_the_session_everywhere(client: httpx.AsyncClient, account: str):
    await log_in(client)
    cookie = client.cookies.get("scenari_analyst", path="/analisi")
    page = await client.get("/analisi")
    out = await client.post("/analisi/esci", data={"csrf": csrf_of(page.text, "/analisi/esci")})
    assert out.url.path == "/analisi/accesso"
    client.cookies.set("scenari_analyst", cookie, domain="scenari.test", path="/api")  # a copy kept by an attacker
    assert (await client.get("/api/me")).status_code == 401


async def test_secure_cookie_when_configured(db: Database, web_settings: Settings, tmp_path: Path, account: str):
    app = create_app(web_settings.model_copy(update={"cookie_secure": True}), db, key_file=tmp_path / "k")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://scenari.test") as client:
        page = await client.get("/analisi/accesso")
        response = await client.post("/analisi/accesso", data={
            "csrf": csrf_of(page.text, "/analisi/accesso"), "username": "anna", "password": PASSWORD})
        assert response.status_code == 303
        assert all("Secure" in h for h in response.headers.get_list("set-cookie") if h.startswith("scenari_analyst="))


async def test_api_is_for_analysts_only(app: FastAPI, account: str, db: Database):
    await build_city(db)
    async with asgi_client(app) as anonymous:
        for path in ("/api/me", "/api/tables", "/api/tables/visions", "/api/openapi.json"):
            refused = await anonymous.get(path)
            assert refused.status_code == 401, path
            assert refused.headers["www-authenticate"] == "Bearer" and refused.json()["detail"]
        assert (await anonymous.get("/api/tables", headers={"authorization": "Bearer sca_wrong"})).status_code == 401
        for docs in ("/docs", "/redoc", "/openapi.json"):
            assert (await anonymous.get(docs)).status_code == 404
    async with asgi_client(app) as client:
        headers = {"authorization": f"Bearer {account}"}
        me = await client.get("/api/me", headers=headers)
        assert me.json() == {"username": "anna", "telegram_linked": True}
        summary = (await client.get("/api/tables", headers=headers)).json()
        assert summary["k"] == 3 and {t["name"] for t in summary["tables"]} >= {"convergence", "visions", "activity"}
        cells = (await client.get("/api/tables/convergence_cells", headers=headers)).json()
        units = cells["columns"].index("units")
        suppressed = cells["columns"].index("suppressed")
        assert any(row[suppressed] and row[units] is None for row in cells["rows"])
        assert all(row[units] is None or row[units] == 0 or row[units] >= 3 for row in cells["rows"])
        assert (await client.get("/api/tables/nope", headers=headers)).status_code == 404
        schema = (await client.get("/api/openapi.json", headers=headers)).json()
        assert set(schema["paths"]) == {"/api/me", "/api/tables", "/api/tables/{name}"}
        assert "HTTPBearer" in schema["components"]["securitySchemes"]
    async with asgi_client(app) as browser:  # the dashboard's session works for the API too
        await log_in(browser)
        assert (await browser.get("/api/me")).status_code == 200


async def test_results_page_shows_only_what_was_published(client: httpx.AsyncClient, account: str, db: Database):
    await build_city(db)
    page = await client.get("/risultati")
    assert page.status_code == 200 and "Non ci sono ancora risultati pubblicati." in page.text
    await log_in(client)
    dashboard = await client.get("/analisi")
    saved = await client.post("/analisi/pubblica", data={
        "csrf": csrf_of(dashboard.text, "/analisi/pubblica"), "table": ["shared_priorities", "visions", "quotes"]})
    assert saved.url.path == "/analisi" and "Scelta salvata." in saved.text
    async with db.transaction() as session:
        assert set(await analysts.published(session)) == {"shared_priorities", "visions"}  # quotes cannot be
    async with asgi_client(client._transport.app) as anonymous:  # type: ignore[attr-defined]
        public = await anonymous.get("/risultati")
    text = public.text
    assert "Priorità strategiche condivise" in text and "Visioni" in text and "Profili e baseline" not in text
    assert "Aggiornato il" in text and "risposte" in text
    assert "quote_1" not in text and "Innovazione e ambiente per la città" not in text  # no single answer


def test_analysts_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("SCENARI_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert cli_main(["analysts", "add", "Anna", "--password-stdin", "--telegram-id", "42"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli_main(["analysts", "add", "bob", "--password-stdin"]) == 2
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "another good password")
    assert cli_main(["analysts", "add", "carla"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert cli_main(["analysts", "add", "carla", "--password-stdin"]) == 1  # exists already
    capsys.readouterr()
    assert cli_main(["analysts", "token", "anna"]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("sca_")
    assert cli_main(["analysts", "list"]) == 0
    listing = capsys.readouterr().out
    assert "anna" in listing and "telegram 42" in listing and "carla" in listing and "bob" not in listing
    assert PASSWORD not in listing and token not in listing
    assert cli_main(["analysts", "remove", "carla"]) == 0
    assert cli_main(["analysts", "remove", "carla"]) == 1

    async def stored() -> tuple[str, str | None]:
        db = Database(f"sqlite:///{tmp_path / 'cli.db'}")
        try:
            await upgrade_database(db)
            async with db.transaction() as session:
                found = await analysts.credentials(session, "anna")
                from sqlalchemy import select

                from storage.models import AnalystAccount

                digest = await session.scalar(select(AnalystAccount.token_hash))
        finally:
            await db.dispose()
        assert found is not None
        return found[1], digest

    import asyncio

    password_hash, digest = asyncio.run(stored())
    assert password_hash.startswith("$argon2id$") and PASSWORD not in password_hash
    assert digest is not None and token not in digest
