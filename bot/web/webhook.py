"""Telegram by webhook: updates arrive as POSTs on this server instead of by long polling.

Used when ``TELEGRAM_WEBHOOK_URL`` is set (with ``TELEGRAM_BOT_TOKEN``). At start-up the bot
registers that URL with ``setWebhook`` and a secret token derived from the service's secret key;
Telegram sends the token back in ``X-Telegram-Bot-Api-Secret-Token`` with every update, and a
request without the right one is refused (401) before anything is read or stored. An accepted
update runs through the same dispatcher as in polling mode (one unit of work per update,
committed before the replies are sent), and Telegram gets its 200 only after that.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from storage import Database

from ..settings import Settings

log = logging.getLogger("scenari.telegram")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/telegram/webhook"
MAX_UPDATE_BYTES = 1_000_000


class TelegramWebhook:
    def __init__(self, settings: Settings, db: Database, secret_token: str) -> None:
        from ..telegram.app import build_bot, build_dispatcher

        assert settings.telegram_webhook_url
        self.settings = settings
        self.url = settings.telegram_webhook_url
        self.secret_token = secret_token
        self.bot: Bot = build_bot(settings)
        self.dispatcher: Dispatcher = build_dispatcher(db, settings)

    async def start(self) -> None:
        from ..telegram.app import ALLOWED_UPDATES, register_commands
        from ..telegram.handlers.reports import register_analyst_commands
        from ..telegram.texts import COMMANDS

        await self.dispatcher.emit_startup(bot=self.bot, dispatcher=self.dispatcher, **self.dispatcher.workflow_data)
        await register_commands(self.bot)
        await register_analyst_commands(self.bot, self.settings, COMMANDS)
        await self.bot.set_webhook(
            self.url, secret_token=self.secret_token, allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False
        )
        log.info("bot started", extra={"fields": {"mode": "webhook", "api": self.settings.telegram_api_base or "telegram"}})

    async def stop(self) -> None:
        # The webhook stays registered: Telegram keeps the updates until the service is back.
        try:
            await self.dispatcher.emit_shutdown(bot=self.bot, dispatcher=self.dispatcher, **self.dispatcher.workflow_data)
        finally:
            await self.bot.session.close()

    async def receive(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not given or not hmac.compare_digest(given.encode("utf-8", "replace"), self.secret_token.encode("utf-8")):
            log.warning(
                "webhook refused",
                extra={"fields": {"reason": "missing secret" if not given else "wrong secret",
                                  "client": request.client.host if request.client else "-"}},
            )
            return JSONResponse({"ok": False, "error": "unauthorized"}, status_code=401)
        body = await _read_limited(request, MAX_UPDATE_BYTES)
        if body is None:
            return JSONResponse({"ok": False, "error": "too large"}, status_code=413)
        try:
            update = Update.model_validate(json.loads(body), context={"bot": self.bot})
        except (ValueError, ValidationError):
            log.warning("webhook: not an update", extra={"fields": {"bytes": len(body)}})
            return JSONResponse({"ok": False, "error": "bad update"}, status_code=400)
        await self.dispatcher.feed_update(self.bot, update)
        return JSONResponse({"ok": True})


async def _read_limited(request: Request, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
