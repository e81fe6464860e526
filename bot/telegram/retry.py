"""Retry Bot API calls on flood control (429 retry_after) and network or server errors.

Replies are made after the answer is stored, so a failed call never loses an answer; it
would only lose the reply, which is what this retries. Long polling has its own back-off in
aiogram and is left alone.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import ClientDecodeError, TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import GetUpdates, Response, TelegramMethod

log = logging.getLogger("scenari.telegram")


class RetryMiddleware(BaseRequestMiddleware):
    def __init__(self, attempts: int = 6, base_delay: float = 0.5, max_delay: float = 30.0) -> None:
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_delay = max_delay

    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Response[Any]:
        if isinstance(method, GetUpdates):
            return await make_request(bot, method)
        delay = self.base_delay
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == self.attempts:
                    raise
                wait = min(float(exc.retry_after), self.max_delay)
                log.warning("flood control", extra={"fields": {"method": method.__api_method__, "retry_after": wait}})
                await asyncio.sleep(wait)
            except (TelegramNetworkError, TelegramServerError, ClientDecodeError) as exc:  # 5xx, a proxy page, a drop
                if attempt == self.attempts:
                    raise
                log.warning("bot api unavailable, retrying", extra={"fields": {"method": method.__api_method__, "error": type(exc).__name__, "delay": delay}})
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_delay)
        raise AssertionError("unreachable")
