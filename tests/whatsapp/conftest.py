"""A WhatsApp user talks to the real app (the FastAPI app `scenari serve` runs, under uvicorn) through
the local Cloud API emulator (tests/support/whatsapp.py), which delivers signed webhooks to it
and receives what the channel's sender sends."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import uvicorn

from bot.settings import Settings
from bot.web import create_app
from bot.whatsapp.channel import WhatsAppChannel
from storage import Database
from storage.models import utcnow
from tests.support import whatsapp as emulator


def whatsapp_env(api: emulator.CloudAPI) -> dict[str, str]:
    return {
        "SCENARI_WHATSAPP_TOKEN": api.token, "SCENARI_WHATSAPP_PHONE_ID": api.phone_id,
        "SCENARI_WHATSAPP_APP_SECRET": api.app_secret, "SCENARI_WHATSAPP_VERIFY_TOKEN": emulator.VERIFY_TOKEN,
        "SCENARI_WHATSAPP_API_URL": api.base_url, "SCENARI_WHATSAPP_API_VERSION": api.version,
        "SCENARI_WHATSAPP_TEMPLATE_REMINDER": "promemoria_questionario",
        "SCENARI_WHATSAPP_TEMPLATE_NEWSLETTER": "notizie_del_piano", "SCENARI_WHATSAPP_TEMPLATE_FEEDBACK": "risultati_del_piano",
        "SCENARI_WHATSAPP_TEMPLATE_DOCUMENT": "notizie_con_allegato",
        "SCENARI_QUIET_HOURS": "none",  # a reminder due at any hour of the (shifted) clock goes out at once
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Service:
    """The app serving on a loopback port, its WhatsApp channel, and the clock its sender reads."""

    url: str
    channel: WhatsAppChannel
    offset: timedelta

    def clock(self) -> datetime:
        return utcnow() + self.offset


@pytest.fixture
async def cloud() -> AsyncIterator[emulator.CloudAPI]:
    async with emulator.CloudAPI() as api:
        yield api


@pytest.fixture
def wa_settings(cloud: emulator.CloudAPI, db: Database, tmp_path: Path) -> Settings:
    return Settings(SCENARI_DATABASE_URL=db.url, **whatsapp_env(cloud))  # type: ignore[arg-type]


@pytest.fixture
async def service(cloud: emulator.CloudAPI, db: Database, wa_settings: Settings, tmp_path: Path) -> AsyncIterator[Service]:
    app = create_app(wa_settings, db, key_file=tmp_path / "secret_key")
    holder: dict[str, Service] = {}
    channel = WhatsAppChannel(wa_settings, db, clock=lambda: holder["s"].clock(), lease_seconds=5.0)
    channel.install(app)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    holder["s"] = service = Service(f"http://127.0.0.1:{port}", channel, timedelta(0))
    stop = asyncio.Event()
    web = asyncio.create_task(server.serve())
    sender = asyncio.create_task(channel.run(stop))
    try:
        from tests.support.polling import until

        await until(lambda: server.started, timeout=60)
        cloud.webhook_url = service.url + "/whatsapp/webhook"
        yield service
    finally:
        stop.set()
        server.should_exit = True
        await asyncio.gather(web, sender, return_exceptions=True)
