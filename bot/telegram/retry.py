"""Retry a Bot API call only when retrying cannot make the user see something twice.

Replies are made after the answer is stored, so a failed call never loses an answer; at worst
it loses the reply. A duplicate is worse than a lost reply (the person cannot tell which copy to
believe, and a question asked twice looks like the first answer was lost), so the rule is:

* **Telegram said "not done, try later"** (429 with ``retry_after``): always retried, after
  ``retry_after`` (capped).
* **The request provably never left this machine** (:func:`never_reached_telegram`: the TCP/TLS
  connection could not be opened — refused, reset or timed out while connecting, DNS, proxy):
  always retried, with capped exponential backoff.
* **Anything else that went wrong after the connection was open** — a 5xx answer, a proxy's
  HTML page, a body that does not decode, a dropped connection, a read timeout: the request may
  have reached Telegram and been carried out. Retried only for the methods in
  :data:`IDEMPOTENT_METHODS`, where doing it twice shows the person nothing new (a read, a
  setting, an edit to the same text, answering a button press); never for ``sendMessage``,
  ``sendDocument`` and every method not listed (an unknown method counts as non-idempotent).

Long polling (``getUpdates``) has its own back-off in aiogram and is passed through untouched.
The broadcast sender (:mod:`bot.telegram.sender`) applies the same classification to its own retries and
records "may have been delivered" as ``uncertain``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import ClientDecodeError, TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiohttp import ClientConnectorError, ConnectionTimeoutError

log = logging.getLogger("scenari.telegram")

#: Methods whose repetition changes nothing a person sees (Bot API names, lower case).
#: A second edit to the same text is refused as "message is not modified", a second answer to
#: a button press as "query is too old": harmless, logged, never shown twice.
IDEMPOTENT_METHODS = frozenset({
    "getme", "getchat", "getfile", "getwebhookinfo", "getmycommands", "getupdates",
    "setmycommands", "deletemycommands", "setwebhook", "deletewebhook", "setmydescription",
    "setmyshortdescription", "setmyname", "setchatmenubutton", "setmydefaultadministratorrights",
    "answercallbackquery", "editmessagetext", "editmessagereplymarkup", "editmessagecaption",
    "deletemessage", "sendchataction",
})

#: Errors seen after the request may have reached Telegram (it may have acted on it).
MAYBE_DELIVERED: tuple[type[BaseException], ...] = (TelegramNetworkError, TelegramServerError, ClientDecodeError)


def never_reached_telegram(exc: BaseException) -> bool:
    """True only when the request provably never left this machine.

    aiogram wraps aiohttp's errors in ``TelegramNetworkError`` (``raise … from``); aiohttp raises
    ``ClientConnectorError`` (refused, reset or failed TLS while connecting, DNS, proxy) and
    ``ConnectionTimeoutError`` before a single byte of the request is written. A reset, a drop
    or a timeout once connected may come after Telegram read the request: not provable.
    """
    cause = exc.__cause__ if isinstance(exc, TelegramNetworkError) else exc
    return isinstance(cause, (ClientConnectorError, ConnectionTimeoutError))


def is_idempotent(method: TelegramMethod[Any]) -> bool:
    return method.__api_method__.lower() in IDEMPOTENT_METHODS


class RetryMiddleware(BaseRequestMiddleware):
    """The reply path's retries (see the module docstring for which calls are retried)."""

    def __init__(
        self, attempts: int = 6, base_delay: float = 0.5, max_delay: float = 30.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep  # injected so tests assert the waits instead of waiting

    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Response[Any]:
        if isinstance(method, GetUpdates):
            return await make_request(bot, method)
        delay = self.base_delay
        name = method.__api_method__
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == self.attempts:
                    raise
                wait = min(float(exc.retry_after), self.max_delay)
                log.warning("flood control", extra={"fields": {"method": name, "retry_after": wait}})
                await self.sleep(wait)
            except MAYBE_DELIVERED as exc:
                if attempt == self.attempts or not (never_reached_telegram(exc) or is_idempotent(method)):
                    raise  # it may have been delivered: a second copy is worse than none
                log.warning("bot api unavailable, retrying",
                            extra={"fields": {"method": name, "error": type(exc).__name__, "delay": delay}})
                await self.sleep(delay)
                delay = min(delay * 2, self.max_delay)
        raise AssertionError("unreachable")
