"""Whether the Bot API can be reached, as seen from every call the bot makes.

:class:`ConnectionWatch` is a session middleware (the innermost: it sees each attempt, retries
included) that keeps a :class:`bot.service.health.BotStatus` true to what the last call found: an answer
from Telegram, even a refusal, means connected; a network error, a 5xx or a wrong token means
not. While long polling fails (aiogram retries ``getUpdates`` for ever, logging every attempt)
it says so once a minute instead; :data:`QUIET_POLLING` mutes aiogram's per-attempt lines.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import ClientDecodeError, TelegramNetworkError, TelegramServerError, TelegramUnauthorizedError
from aiogram.methods import GetUpdates, Response, TelegramMethod

from bot.service.health import LOG_EVERY_S, BotStatus, describe

log = logging.getLogger("scenari.bot")

#: Errors that say the Bot API was not there for us (any other error is an answer from Telegram).
UNREACHABLE: tuple[type[BaseException], ...] = (
    TelegramNetworkError, TelegramServerError, ClientDecodeError, TelegramUnauthorizedError,
)


class ConnectionWatch(BaseRequestMiddleware):
    def __init__(self, status: BotStatus, secret: str | None = None,
                 clock: Callable[[], float] = time.monotonic, log_every: float = LOG_EVERY_S) -> None:
        self.status = status
        self.secret = secret
        self.clock = clock
        self.log_every = log_every
        self._logged_at: float | None = None

    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Response[Any]:
        try:
            response = await make_request(bot, method)
        except UNREACHABLE as exc:
            self.status.down(exc)
            if isinstance(method, GetUpdates):
                self._log_polling_failure(exc)
            raise
        except Exception:
            self._reached(method)  # Telegram answered (a refusal is an answer)
            raise
        self._reached(method)
        return response

    def _reached(self, method: TelegramMethod[Any]) -> None:
        if not self.status.connected and self._logged_at is not None and isinstance(method, GetUpdates):
            log.info("polling: the Bot API answers again", extra={"fields": {"after_failures": self.status.failures}})
            self._logged_at = None
        self.status.up()

    def _log_polling_failure(self, exc: BaseException) -> None:
        now = self.clock()
        if self._logged_at is None or now - self._logged_at >= self.log_every:
            self._logged_at = now
            log.warning("polling: the Bot API cannot be reached, retrying",
                        extra={"fields": {"failures": self.status.failures, "error": describe(exc, self.secret),
                                          "web": "serving"}})


class _QuietPolling(logging.Filter):
    """Drops aiogram's line-per-attempt polling failures (ConnectionWatch reports them once a minute)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(("Failed to fetch updates", "Sleep for "))


QUIET_POLLING = _QuietPolling()

