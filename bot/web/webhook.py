"""Telegram by webhook: updates arrive as POSTs on this server instead of by long polling.

Used when ``TELEGRAM_WEBHOOK_URL`` is set (with ``TELEGRAM_BOT_TOKEN``). At start-up the bot
registers that URL with ``setWebhook`` and a secret token derived from the service's secret key;
Telegram sends the token back in ``X-Telegram-Bot-Api-Secret-Token`` with every update, and a
request without the right one is refused (401) before anything is read or stored. An accepted
update runs through the same dispatcher as in polling mode (one unit of work per update,
committed before the replies are sent), and Telegram gets its 200 only after that.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from storage import Database

from bot.service.health import BotStatus, keep_trying
from bot.service.imports import import_off_loop
from ..settings import Settings

if TYPE_CHECKING:  # aiogram is imported off the event loop by start(): seconds the web need not wait
    from aiogram import Bot, Dispatcher

log = logging.getLogger("scenari.telegram")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/telegram/webhook"
MAX_UPDATE_BYTES = 1_000_000
BUILD_WAIT_S = 30.0  # an update arriving while the bot loads waits this long for it, then gets a 503


class TelegramWebhook:
    """The webhook half of the bot. Telegram being unreachable never stops the web.

    :meth:`start` returns at once: a task loads aiogram off the loop, builds the bot and the
    dispatcher (from then on updates are handled) and registers the webhook, retrying with
    capped backoff for as long as Telegram cannot be reached; ``status`` says how it stands.
    """

    def __init__(self, settings: Settings, db: Database, secret_token: str, status: BotStatus | None = None) -> None:
        assert settings.telegram_webhook_url
        self.settings = settings
        self.db = db
        self.url = settings.telegram_webhook_url
        self.secret_token = secret_token
        self.status = status or BotStatus(mode="webhook")
        self.bot: Bot | None = None
        self.dispatcher: Dispatcher | None = None
        self.built = asyncio.Event()  # bot and dispatcher exist: updates are handled
        self.registered = asyncio.Event()  # setWebhook succeeded
        self.scheduler: Any = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="telegram-webhook")

    async def _run(self) -> None:
        try:
            telegram = await import_off_loop("bot.telegram.app")
            from ..telegram.connection import ConnectionWatch  # loaded with bot.telegram.app

            bot = telegram.build_bot(self.settings)
            bot.session.middleware(ConnectionWatch(self.status, secret=self.settings.telegram_bot_token))
            dispatcher = telegram.build_dispatcher(self.db, self.settings)
            await dispatcher.emit_startup(bot=bot, dispatcher=dispatcher, **dispatcher.workflow_data)
            self.bot, self.dispatcher = bot, dispatcher
            self.built.set()
            self.attach_scheduler(self.scheduler)
            await keep_trying(self._register, what="registering the webhook", secret=self.settings.telegram_bot_token)
        except Exception:  # noqa: BLE001 - the web goes on; the operator reads why in the log and /readyz
            log.exception("the bot could not start (the web goes on)")

    async def _register(self) -> None:
        # bot.telegram imports aiogram: loaded off the event loop by _run() already, never by the web alone
        from ..telegram.app import ALLOWED_UPDATES, register_commands
        from ..telegram.handlers.reports import register_analyst_commands
        from ..telegram.texts import COMMANDS

        assert self.bot is not None
        await register_commands(self.bot)
        await register_analyst_commands(self.bot, self.settings, COMMANDS)
        await self.bot.set_webhook(
            self.url, secret_token=self.secret_token, allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False
        )
        self.registered.set()
        log.info("bot started", extra={"fields": {"mode": "webhook", "api": self.settings.telegram_api_base or "telegram"}})

    def attach_scheduler(self, scheduler: Any) -> None:
        """Have ``scheduler`` send the nightly package through this bot (now, or once it is built)."""
        self.scheduler = scheduler
        if scheduler is not None and self.bot is not None:
            from ..telegram.handlers.reports import telegram_notifier  # aiogram: loaded by now (the bot is built)

            scheduler.attach_notifier(telegram_notifier(self.bot))

    async def stop(self) -> None:
        # The webhook stays registered: Telegram keeps the updates until the service is back.
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.scheduler is not None and self.bot is not None:
            self.scheduler.attach_notifier(None)
        if self.bot is None or self.dispatcher is None:
            return
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
        if not self.built.is_set():  # still loading: Telegram retries a 503 later
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.built.wait(), BUILD_WAIT_S)
            if not self.built.is_set():
                return JSONResponse({"ok": False, "error": "starting"}, status_code=503, headers={"retry-after": "10"})
        from aiogram.types import Update  # loaded by now (start() imported the bot)

        try:
            update = Update.model_validate(json.loads(body), context={"bot": self.bot})
        except (ValueError, ValidationError, RecursionError):  # RecursionError: JSON nested too deep
            log.warning("webhook: not an update", extra={"fields": {"bytes": len(body)}})
            return JSONResponse({"ok": False, "error": "bad update"}, status_code=400)
        from ..telegram.updates import unusable  # bot.telegram loads the handlers: only with a webhook

        problem = unusable(update)
        if problem is not None:
            log.warning("webhook: update refused", extra={"fields": {"reason": problem}})
            return JSONResponse({"ok": False, "error": problem}, status_code=400)
        assert self.dispatcher is not None and self.bot is not None
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
