"""The WhatsApp channel put together: its webhook's routes on the web app and its sender, for `scenari serve`."""

from __future__ import annotations

import asyncio
from typing import Any

from storage import Database

from bot.service.catalog import QuestionnaireCatalog
from bot.service.conversation import conversation_from_settings
from bot.settings import Settings
from .sender import WhatsAppSender
from .webhook import WEBHOOK_PATH, WhatsAppWebhook


class WhatsAppChannel:
    """The webhook and the sender of one process; the webhook wakes the sender after each commit."""

    def __init__(self, settings: Settings, db: Database, *, catalog: QuestionnaireCatalog | None = None,
                 **sender_options: Any) -> None:
        catalog = catalog or QuestionnaireCatalog.load(settings.plan)
        self.conversation = conversation_from_settings(settings, catalog)
        sender_options.setdefault("lease_seconds", settings.whatsapp_lease_seconds)
        self.sender = WhatsAppSender(settings, db, catalog=catalog, **sender_options)
        self.webhook = WhatsAppWebhook(settings, db, self.conversation, wake=self.sender.wake,
                                       clock=self.sender.clock)

    def install(self, app: Any) -> None:
        """Meta's webhook on ``app`` (a FastAPI app): GET verifies the subscription, POST brings messages."""
        app.add_api_route(WEBHOOK_PATH, self.webhook.verify, methods=["GET"], include_in_schema=False)
        app.add_api_route(WEBHOOK_PATH, self.webhook.receive, methods=["POST"], include_in_schema=False)
        app.state.whatsapp = self

    async def run(self, stop: asyncio.Event) -> None:
        await self.sender.run(stop)


def install(app: Any, settings: Settings, db: Database) -> WhatsAppChannel | None:
    """The channel on ``app`` when SCENARI_WHATSAPP_* are set (None otherwise)."""
    if not settings.whatsapp_enabled:
        return None
    channel = WhatsAppChannel(settings, db)
    channel.install(app)
    return channel
