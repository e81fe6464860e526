"""Security of the web side as an attacker tries it: stale sessions, fixation, cookies, lock-outs, caching."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import update

from bot.web import create_app
from bot.web.auth import hash_password, new_token
from bot.settings import Settings
from storage import Database, analysts, upgrade_database
from storage.models import AnalystAccount
from tests.support.web_pages import ANALYST_PASSWORD as PASSWORD
from tests.support.web_pages import WebUser, asgi_client, log_in



def _client(app: object, address: str = "127.0.0.1", scheme: str = "http") -> httpx.AsyncClient:
    """A browser at ``address`` (the TCP peer the server sees)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 40000)),  # type: ignore[arg-type]
                             base_url=f"{scheme}://scenari.test", follow_redirects=True)


async def _add(db: Database, username: str) -> analysts.Analyst:
    async with db.transaction() as session:
        return await analysts.add_analyst(session, username, hash_password(PASSWORD))


# --- 1. a removed analyst's cookie never comes back --------------------------------------------------


async def test_a_removed_analysts_cookie_stays_dead_when_a_new_account_gets_the_same_id(app, db: Database):
    bruno = await _add(db, "bruno")
    async with asgi_client(app) as browser:
        assert (await log_in(browser, "bruno")).url.path == "/analisi"
        assert (await browser.get("/api/me")).json()["username"] == "bruno"
        async with db.transaction() as session:  # scenari analysts remove bruno
            assert await analysts.remove_analyst(session, "bruno")
        assert (await browser.get("/api/me")).status_code == 401
        carla = await _add(db, "carla")  # scenari analysts add carla
        if carla.id != bruno.id:  # PostgreSQL does not reuse ids; SQLite does — make it so either way
            async with db.transaction() as session:
                await session.execute(update(AnalystAccount).where(AnalystAccount.id == carla.id).values(id=bruno.id))
        refused = await browser.get("/api/me")  # bruno's old cookie, carla's id
        assert refused.status_code == 401, refused.text
        assert (await browser.get("/analisi")).url.path == "/analisi/accesso"


# --- 2. a cookie planted before consent reaches nothing after it ----------------------------------------


async def test_a_planted_citizen_cookie_does_not_see_the_victims_answers_after_consent(app):
    async with _client(app) as attacker_browser, _client(app) as victim_browser:
        attacker = WebUser(attacker_browser)
        await attacker.get("/q/imprese")  # a fresh session cookie, never consented
        planted = attacker.cookie("scenari_session")
        assert planted
        victim_browser.cookies.set("scenari_session", planted, domain="scenari.test", path="/")
        victim = WebUser(victim_browser)
        await victim.get("/q/imprese")
        page = await victim.press("Accetto")
        page = await victim.press("Costruzioni")
        assert page.question.startswith("Quanti addetti")
        assert victim.cookie("scenari_session") != planted  # consent gave the victim a new id
        mine = await victim.get("/privacy")
        assert "Costruzioni" in mine.text and "Cancella i miei dati" in mine.text

        seen = await attacker.get("/privacy")  # the attacker still holds the planted cookie
        assert "Costruzioni" not in seen.text and "Cancella i miei dati" not in seen.text
        assert "Non conserviamo alcun dato su di te." in seen.text
        resumed = await attacker.get("/q/imprese")
        assert "Accetta di partecipare?" in resumed.text and "Costruzioni" not in resumed.text
        erase = seen.forms()[-1] if seen.forms() else None
        if erase is not None and erase.action == "/privacy":  # nothing to erase; posting changes nothing
            await attacker.submit(erase, {"confirm": "yes"})
        still = await victim.get("/privacy")
        assert "Costruzioni" in still.text


# --- 3. Secure cookies as configured, and behind a trusted TLS proxy -------------------------------------


def _set_cookies(response: httpx.Response, name: str) -> list[str]:
    every = [h for r in [*response.history, response] for h in r.headers.get_list("set-cookie")]
    return [h for h in every if h.startswith(name + "=")]


def _seen_over_http(app: Any) -> Any:
    """The browser speaks https to a TLS proxy, which talks plain http to the app."""

    async def proxied(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await app({**scope, "scheme": "http"} if scope["type"] == "http" else scope, receive, send)

    return proxied


async def _citizen_and_analyst_cookies(app: object, address: str = "127.0.0.1", scheme: str = "http",
                                       headers: dict[str, str] | None = None) -> tuple[list[str], list[str]]:
    async with _client(app, address, scheme) as browser:
        browser.headers.update(headers or {})
        citizen = _set_cookies(await browser.get("/q/imprese"), "scenari_session")
        analyst = _set_cookies(await log_in(browser), "scenari_analyst")
    assert citizen and analyst
    return citizen, analyst


async def test_cookie_secure_governs_both_cookies(db: Database, web_settings: Settings, tmp_path: Path):
    await _add(db, "anna")
    always = create_app(web_settings.model_copy(update={"cookie_secure": True}), db, key_file=tmp_path / "k")
    citizen, analyst = await _citizen_and_analyst_cookies(_seen_over_http(always), scheme="https")
    assert all("Secure" in h for h in citizen + analyst), citizen + analyst
    never = create_app(web_settings.model_copy(update={"cookie_secure": False}), db, key_file=tmp_path / "k")
    citizen, analyst = await _citizen_and_analyst_cookies(never, scheme="https")
    assert not any("Secure" in h for h in citizen + analyst), citizen + analyst
    auto = create_app(web_settings, db, key_file=tmp_path / "k")
    citizen, analyst = await _citizen_and_analyst_cookies(auto, scheme="https")
    assert all("Secure" in h for h in citizen + analyst)


async def test_forwarded_https_counts_only_from_an_allowed_proxy(db: Database, web_settings: Settings, tmp_path: Path):
    await _add(db, "anna")
    settings = web_settings.model_copy(update={"forwarded_allow_ips": "10.0.0.5,192.168.7.0/24"})
    app = create_app(settings, db, key_file=tmp_path / "k")
    forwarded = {"x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.9"}
    for proxy in ("10.0.0.5", "192.168.7.20"):
        citizen, analyst = await _citizen_and_analyst_cookies(_seen_over_http(app), proxy, "https", forwarded)
        assert all("Secure" in h for h in citizen + analyst), (proxy, citizen + analyst)
    citizen, analyst = await _citizen_and_analyst_cookies(_seen_over_http(app), "10.0.0.6", "https", forwarded)
    assert not any("Secure" in h for h in citizen + analyst), citizen + analyst  # 10.0.0.6: not a proxy of ours
    unset = create_app(web_settings, db, key_file=tmp_path / "k")  # the default believes no one
    citizen, analyst = await _citizen_and_analyst_cookies(_seen_over_http(unset), "127.0.0.1", "https", forwarded)
    assert not any("Secure" in h for h in citizen + analyst)


def test_forwarded_allow_ips_is_checked(monkeypatch):
    from bot.settings import SettingsError, load_settings

    monkeypatch.setenv("SCENARI_FORWARDED_ALLOW_IPS", "10.0.0.1, proxy.local")
    try:
        load_settings()
    except SettingsError as error:
        assert "SCENARI_FORWARDED_ALLOW_IPS" in str(error) and "proxy.local" in str(error)
    else:
        raise AssertionError("a host name was accepted as a proxy address")
    monkeypatch.setenv("SCENARI_FORWARDED_ALLOW_IPS", "10.0.0.1, 10.1.0.0/16")
    assert load_settings().forwarded_allow_ips == "10.0.0.1,10.1.0.0/16"


# --- 4. lock-outs a stranger cannot turn against the staff -------------------------------------------------


class FakeTime:
    """The login guard's clock and sleep: sleeping advances the clock, nobody waits."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
        self.slept: list[float] = []

    def clock(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


def _guarded_app(db: Database, web_settings: Settings, tmp_path: Path, time: FakeTime, **update: Any) -> Any:
    app = create_app(web_settings.model_copy(update={"login_max_failures": 2, **update}), db, key_file=tmp_path / "k")
    app.state.dashboard.guard.clock = time.clock
    app.state.dashboard.guard.sleep = time.sleep
    return app


async def _attempt(app: Any, address: str, username: str = "anna", password: str = PASSWORD) -> int:
    async with _client(app, address) as browser:
        return (await log_in(browser, username, password)).status_code


async def test_a_strangers_failures_never_lock_the_analyst_out(db: Database, web_settings: Settings, tmp_path: Path):
    await _add(db, "anna")
    time = FakeTime()
    app = _guarded_app(db, web_settings, tmp_path, time)
    assert [await _attempt(app, "198.51.100.7", password="guess") for _ in range(2)] == [401, 429]
    assert await _attempt(app, "198.51.100.7") == 429  # that address is locked out of anna, even with the password
    assert await _attempt(app, "10.0.0.2") == 200  # anna, from her own address, logs in at once
    assert time.slept == [1.0]  # the account's two failures (from anywhere) cost anna a second, not a lock

    for stranger in range(8):  # a botnet: two wrong passwords from each of eight addresses
        for _ in range(2):
            await _attempt(app, f"203.0.113.{stranger}", password="guess")
    before = len(time.slept)
    assert await _attempt(app, "10.0.0.2") == 200  # slowed, never refused
    waited = time.slept[before:]
    assert waited == [8.0]  # SCENARI_LOGIN_MAX_DELAY bounds the wait, however many failures
    assert max(time.slept) <= 8.0 and time.slept == sorted(time.slept)  # the delay grew, up to the bound


async def test_brute_force_from_one_address_is_locked(db: Database, web_settings: Settings, tmp_path: Path):
    await _add(db, "anna")
    time = FakeTime()
    app = _guarded_app(db, web_settings, tmp_path, time)
    # many names from one address: 4 × 2 failures lock the address, whatever the account
    statuses = [await _attempt(app, "198.51.100.9", f"guess{i}", "x") for i in range(8)]
    assert statuses[:7] == [401] * 7 and statuses[7] == 429
    assert await _attempt(app, "198.51.100.9") == 429
    time.now += timedelta(minutes=16)  # the lock lasts SCENARI_LOGIN_LOCK_MINUTES, then the address may try again
    assert await _attempt(app, "198.51.100.9") == 200


# --- 5. nothing private is cached or left world-readable ----------------------------------------------------


async def test_every_analysts_response_says_no_store(app, db: Database):
    await _add(db, "anna")
    token, digest = new_token()
    async with db.transaction() as session:
        await analysts.set_token_hash(session, "anna", digest)
    async with asgi_client(app) as client:
        bearer = {"authorization": f"Bearer {token}"}
        for path in ("/api/me", "/api/tables", "/api/tables/quotes", "/api/tables/visions", "/api/openapi.json"):
            response = await client.get(path, headers=bearer)
            assert response.status_code == 200, path
            assert response.headers.get_list("cache-control") == ["no-store"], path
        assert (await client.get("/analisi/accesso")).headers["cache-control"] == "no-store"
        await log_in(client)
        for path in ("/analisi", "/analisi/priorita", "/analisi/scarica/quotes.csv", "/api/me"):
            response = await client.get(path)
            assert response.status_code == 200 and response.headers["cache-control"] == "no-store", path


def test_database_secret_key_and_exports_are_private(tmp_path: Path, monkeypatch):
    from bot.cli import main as cli_main
    from bot.web.session import load_secret_key

    old = os.umask(0o022)  # the usual umask, which leaves new files 0644
    try:
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("SCENARI_DATABASE_URL", f"sqlite:///{tmp_path / 'var' / 'scenari.db'}")
        assert cli_main(["export", "--questionnaire", "imprese", "--format", "csv", "--out", "out/raw.csv"]) == 0
        assert cli_main(["tables", "export", "--format", "xlsx", "--out", "out/tables.xlsx"]) == 0
        assert cli_main(["tables", "export", "--format", "csv", "--out", "out/tables"]) == 0
        key = tmp_path / "var" / "secret_key"
        load_secret_key(None, key)
        made = [tmp_path / "var" / "scenari.db", key, tmp_path / "out" / "raw.csv", tmp_path / "out" / "tables.xlsx",
                *sorted((tmp_path / "out" / "tables").iterdir())]
        assert len(made) > 5
        modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in made}
        assert set(modes.values()) == {0o600}, modes
    finally:
        os.umask(old)


async def test_sqlite_wal_and_shm_files_are_private(tmp_path: Path):
    old = os.umask(0o022)
    try:
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
        await upgrade_database(db)
        async with db.transaction() as session:  # a write, while the connection keeps the WAL open
            await analysts.add_analyst(session, "anna", "not-a-real-hash")
        files = [tmp_path / name for name in ("fresh.db", "fresh.db-wal", "fresh.db-shm")]
        assert all(path.exists() for path in files)
        assert {stat.S_IMODE(path.stat().st_mode) for path in files} == {0o600}
        await db.dispose()
    finally:
        os.umask(old)


async def test_migration_0008_gives_existing_accounts_a_session_key_each(tmp_path: Path):
    from sqlalchemy import text

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await upgrade_database(db, "0007")
        async with db.transaction() as session:
            for name in ("anna", "bruno"):
                await session.execute(text(
                    "INSERT INTO analyst_accounts (username, password_hash, session_epoch, created_at) "
                    "VALUES (:name, 'h', 0, '2026-11-30 10:00:00')"), {"name": name})
        await upgrade_database(db)
        async with db.transaction() as session:
            keys = [a.session_key for a in await analysts.list_analysts(session)]
        assert len(keys) == 2 and all(len(key) >= 32 for key in keys) and keys[0] != keys[1]
    finally:
        await db.dispose()
