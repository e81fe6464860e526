"""Citizens on the web never depend on Telegram: the real `scenari serve` with an unreachable Bot API.

The process runs as an operator starts it (a subprocess, a free port, a temporary SQLite
database) with a token and ``TELEGRAM_API_BASE`` on a closed port. The web must answer, say in
``/readyz`` that the bot is not connected, and still be up after the bot's failures; when the
(fake) Bot API comes up on that port, the bot connects by itself and ``/readyz`` says so.
Every wait is a bounded loop on something observable (an HTTP answer, the readiness JSON).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.fake_bot_api import DEFAULT_TOKEN, FakeBotAPI

SCENARI = Path(sys.executable).with_name("scenari")
WEBHOOK_URL = "https://scenari.example.org/telegram/webhook"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    def __init__(self, process: asyncio.subprocess.Process, url: str) -> None:
        self.process = process
        self.http = httpx.AsyncClient(base_url=url, timeout=10)
        self.log: list[str] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stderr is not None
        async for line in self.process.stderr:
            self.log.append(line.decode("utf-8", "replace"))

    async def until(self, what: str, check: Callable[[], Any], attempts: int = 1800) -> Any:
        """Ask ``check`` (an HTTP look) until it gives something true; fail if the process dies."""
        for _ in range(attempts):
            assert self.process.returncode is None, f"scenari serve exited while waiting for {what}:\n{''.join(self.log)}"
            try:
                result = await check()
            except httpx.TransportError:
                result = None
            if result:
                return result
            await asyncio.sleep(0.1)
        raise AssertionError(f"never saw {what}:\n{''.join(self.log)[-4000:]}")

    async def ready(self) -> dict[str, Any]:
        response = await self.http.get("/readyz")
        return response.json()


@pytest.fixture
async def service_factory(tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    started: list[Service] = []

    async def start(api_port: int, **extra: str) -> Service:
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("SCENARI_", "TELEGRAM_"))}
        env = {**clean, "SCENARI_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
               "SCENARI_SECRET_KEY": "test-secret-key-for-the-web-channel-0123456789",
               "SCENARI_EXPORTS_DIR": str(tmp_path / "exports"),
               "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN, "TELEGRAM_API_BASE": f"http://127.0.0.1:{api_port}", **extra}
        port = free_port()
        process = await asyncio.create_subprocess_exec(
            str(SCENARI), "serve", "--port", str(port), env=env, cwd=tmp_path,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )
        service = Service(process, f"http://127.0.0.1:{port}")
        started.append(service)
        return service

    yield start
    for service in started:
        if service.process.returncode is None:
            service.process.kill()
            await service.process.wait()
        await service.http.aclose()


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_the_web_serves_while_telegram_is_unreachable_and_the_bot_connects_when_it_is_back(
    service_factory: Callable[..., Any], mode: str
):
    api_port = free_port()  # nothing listens there yet: connections are refused
    extra = {"TELEGRAM_WEBHOOK_URL": WEBHOOK_URL} if mode == "webhook" else {}
    service = await service_factory(api_port, **extra)

    async def home() -> bool:
        return (await service.http.get("/")).status_code == 200

    await service.until("the home page", home)
    health = await service.http.get("/healthz")
    assert health.status_code == 200 and health.json() == {"status": "alive"}

    async def failing() -> dict[str, Any] | None:  # the bot has tried, and failed, a few times
        state = await service.ready()
        return state if state["bot"].get("failures", 0) >= 3 else None

    state = await service.until("the bot's first failures", failing)
    assert state["ready"] is True and state["database"] == {"reachable": True}
    assert state["bot"]["configured"] is True and state["bot"]["mode"] == mode
    assert state["bot"]["connected"] is False and state["bot"]["last_error"] == "TelegramNetworkError"
    assert service.process.returncode is None  # still up, and still serving citizens
    page = await service.http.get("/q/imprese")
    assert page.status_code == 200 and "Accetta di partecipare?" in page.text
    assert DEFAULT_TOKEN not in "".join(service.log)  # the log says why, never with the token

    async with FakeBotAPI(port=api_port) as api:  # Telegram is back
        async def connected() -> bool:
            return (await service.ready())["bot"]["connected"] is True

        await service.until("the bot connected", connected)
        if mode == "polling":
            await service.until("getUpdates", lambda: asyncio.sleep(0, api.count("getUpdates")))
            user = api.user(1001, "Anna", language_code="it")
            await user.send_command("/start imprese")
            assert "Accetta di partecipare?" in ((await user.wait_reply(timeout=60)).text or "")
        else:
            await service.until("the webhook registered", lambda: asyncio.sleep(0, api.webhook_url == WEBHOOK_URL))
        service.process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(service.process.wait(), timeout=60) == 0
