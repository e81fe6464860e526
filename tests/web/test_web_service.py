"""The one service process: Telegram's webhook on the web server, and `scenari serve` itself."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from bot.runtime.serve import serve
from bot.settings import Settings
from bot.web import create_app
from bot.web.webhook import SECRET_HEADER, WEBHOOK_PATH
from storage import Database
from storage.models import ProcessedUpdate, Respondent
from tests.support.fake_bot_api import DEFAULT_TOKEN, FakeBotAPI
from tests.support.polling import until
from tests.support.web_pages import asgi_client

WEBHOOK_URL = "https://scenari.example.org/telegram/webhook"


def bot_settings(api: FakeBotAPI, tmp_path: Path, **extra: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        SCENARI_DATABASE_URL=f"sqlite:///{tmp_path / 'unused.db'}",
        SCENARI_SECRET_KEY="test-secret-key-for-the-web-channel-0123456789",
        TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,
        TELEGRAM_API_BASE=api.base_url,
        **extra,
    )


@pytest.fixture
async def webhook_app(api: FakeBotAPI, db: Database, tmp_path: Path) -> AsyncIterator[FastAPI]:
    app = create_app(bot_settings(api, tmp_path, TELEGRAM_WEBHOOK_URL=WEBHOOK_URL), db, key_file=tmp_path / "key")
    async with app.router.lifespan_context(app):  # what uvicorn runs at start-up and shutdown
        await asyncio.wait_for(app.state.telegram.registered.wait(), 120)  # the bot loads off the loop
        yield app


async def stored(db: Database, model: type) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_webhook_registered_and_an_update_answered_through_the_dispatcher(
    webhook_app: FastAPI, api: FakeBotAPI, db: Database
):
    assert api.webhook_url == WEBHOOK_URL
    assert api.calls_of("setWebhook")[-1].params["secret_token"] == webhook_app.state.telegram.secret_token
    assert api.get_commands("it")  # the command menu is registered as in polling mode
    user = api.user(1001, "Anna", language_code="it")
    update = await user.send_command("/start imprese")
    async with asgi_client(webhook_app) as client:
        response = await client.post(
            WEBHOOK_PATH, json=update, headers={SECRET_HEADER: webhook_app.state.telegram.secret_token}
        )
    assert response.status_code == 200
    reply = await user.wait_reply()
    assert "Accetta di partecipare?" in (reply.text or "")
    assert await stored(db, ProcessedUpdate) == 1  # the update was claimed in the same transaction


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", "x" * 300])
async def test_webhook_without_the_right_secret_is_refused(
    webhook_app: FastAPI, api: FakeBotAPI, db: Database, secret: str | None, caplog
):
    user = api.user(1002, "Bruno", language_code="it")
    update = await user.send_command("/start imprese")
    headers = {} if secret is None else {SECRET_HEADER: secret}
    async with asgi_client(webhook_app) as client:
        response = await client.post(WEBHOOK_PATH, json=update, headers=headers)
    assert response.status_code == 401
    assert "webhook refused" in caplog.text
    await user.expect_silence(0.2)
    assert user.messages == []
    assert await stored(db, ProcessedUpdate) == 0 and await stored(db, Respondent) == 0


async def test_webhook_with_the_secret_but_no_update_is_a_400(webhook_app: FastAPI, db: Database):
    async with asgi_client(webhook_app) as client:
        response = await client.post(
            WEBHOOK_PATH, content=b"not json", headers={SECRET_HEADER: webhook_app.state.telegram.secret_token}
        )
    assert response.status_code == 400
    assert await stored(db, ProcessedUpdate) == 0


async def test_no_webhook_route_without_a_webhook_url(app: FastAPI):
    async with asgi_client(app) as client:
        response = await client.post(WEBHOOK_PATH, json={"update_id": 1})
    assert response.status_code in (404, 405)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_serve_runs_web_and_bot_in_one_process_and_stops_on_sigterm(
    api: FakeBotAPI, sqlite_db: Database, tmp_path: Path, capsys
):
    port = free_port()
    service = asyncio.create_task(serve(bot_settings(api, tmp_path), sqlite_db, "127.0.0.1", port))
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        pages: list[httpx.Response] = []

        async def served() -> bool:
            try:
                pages.append(await client.get("/q/imprese"))
            except httpx.TransportError:
                return False
            return True

        await until(served)
        assert pages[-1].status_code == 200 and "Accetta di partecipare?" in pages[-1].text
    await until(lambda: api.count("getUpdates") >= 1)  # the bot polls the (fake) Bot API in the same event loop
    assert api.count("setMyCommands") >= 1
    user = api.user(1003, "Carla", language_code="it")
    await user.send_command("/start imprese")
    assert "Accetta di partecipare?" in ((await user.wait_reply()).text or "")

    os.kill(os.getpid(), signal.SIGTERM)  # handled by `serve`: both halves stop, nothing is killed
    assert await asyncio.wait_for(service, timeout=120) == 0  # a bound, not a measure: the jobs stop too
    out = capsys.readouterr().out
    assert f"http://127.0.0.1:{port}" in out and "long polling" in out and "Scenari stopped." in out


async def test_serve_reports_a_busy_port(sqlite_db: Database, tmp_path: Path, capsys):
    settings = Settings(  # type: ignore[call-arg]
        SCENARI_DATABASE_URL=f"sqlite:///{tmp_path / 'unused.db'}",
        SCENARI_SECRET_KEY="test-secret-key-for-the-web-channel-0123456789",
    )
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert await asyncio.wait_for(serve(settings, sqlite_db, "127.0.0.1", port), timeout=15) == 2
    err = capsys.readouterr().err
    assert "cannot listen" in err and "address already in use" in err and "SCENARI_PORT" in err


async def test_serve_in_webhook_mode_registers_the_webhook_and_hands_reports_to_its_bot(
    api: FakeBotAPI, sqlite_db: Database, tmp_path: Path, capsys, monkeypatch
):
    from exports.scheduler import JobScheduler

    attached: list[object] = []
    monkeypatch.setattr(JobScheduler, "attach_notifier", lambda self, notify: attached.append(notify))
    port = free_port()
    settings = bot_settings(api, tmp_path, TELEGRAM_WEBHOOK_URL=WEBHOOK_URL, SCENARI_ANALYSTS="4242")
    service = asyncio.create_task(serve(settings, sqlite_db, "127.0.0.1", port))
    await until(lambda: api.webhook_url == WEBHOOK_URL and bool(attached))  # the answer, not the request, counts
    assert api.webhook_url == WEBHOOK_URL
    assert api.get_commands(scope={"type": "chat", "chat_id": 4242})  # the analyst's own menu
    assert attached and attached[0] is not None  # nightly reports go out through the webhook's bot
    os.kill(os.getpid(), signal.SIGTERM)
    assert await asyncio.wait_for(service, timeout=15) == 0
    assert "webhook" in capsys.readouterr().out
