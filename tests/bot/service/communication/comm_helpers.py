"""Shared by the communication tests: subscribers, sends counted per chat, the sender's Bot and fake clock."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import TelegramMethod

from bot.service.notice import default_notice
from bot.settings import Settings
from bot.telegram import build_bot
from storage import Database, repository
from storage.audiences import NEWSLETTER
from tests.support.fake_bot_api import DEFAULT_TOKEN, FakeBotAPI


async def subscribers(db: Database, api: FakeBotAPI | None, ids: list[int], lang: str = "it",
                      opt_in: bool = True) -> dict[int, int]:
    """Telegram respondents with consent (and the newsletter opt-in, under the shipped notice); returns user id → respondent id."""
    made = {}
    async with db.transaction() as session:
        for uid in ids:
            if api is not None:
                api.user(uid, language_code=lang)
            r = await repository.get_or_create_respondent(session, "telegram", str(uid), lang)
            await repository.record_consent(session, r.id, "participation", True, "test")
            if opt_in:
                await repository.record_consent(session, r.id, NEWSLETTER, True, default_notice().version)
            made[uid] = r.id
    return made


def sender_bot(api: FakeBotAPI) -> Bot:
    """The sender's Bot (without the replies' retry middleware, as in production) on the local server."""
    settings = Settings(TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN, TELEGRAM_API_BASE=api.base_url)  # type: ignore[call-arg]
    return build_bot(settings, retry=False)


def sends_per_chat(api: FakeBotAPI, method: str = "sendMessage") -> Counter[int]:
    return Counter(int(c.params["chat_id"]) for c in api.calls_of(method))


class SenderClock:
    """The sender's injected monotonic clock and sleep: time passes only when the sender waits.

    ``sleep(s)`` moves the clock ``s`` seconds on at once, so a test runs at the speed of its
    I/O while the sender's pacing decisions are read off this clock, never off the wall.
    ``then`` (optional) runs once inside the first sleep it accepts (e.g. to restart a server).
    """

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start
        self.slept: list[float] = []
        self.then: Callable[[float], Awaitable[bool]] | None = None

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += max(0.0, seconds)
        if self.then is not None and await self.then(seconds):
            self.then = None
        await asyncio.sleep(0)


class Launches(BaseRequestMiddleware):
    """The sender's clock when each call left it, per method.

    On the sender's Bot (a document's upload, through aiogram) and, with :meth:`watch`, on the
    sender's own JSON client (every other call).
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.calls: list[tuple[float, str, int]] = []  # (time, method, chat id)
        self.first = asyncio.Event()

    async def __call__(self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]) -> Any:
        self.calls.append((self.clock(), method.__api_method__, int(getattr(method, "chat_id", 0) or 0)))
        self.first.set()
        return await make_request(bot, method)

    def watch(self, sender: Any) -> None:
        """Record the calls ``sender`` posts through its JSON client too."""
        call = sender.api.call

        async def recorded(method: str, body: dict[str, Any]) -> Any:
            self.calls.append((self.clock(), method, int(body.get("chat_id") or 0)))
            self.first.set()
            return await call(method, body)

        sender.api.call = recorded

    def times(self, method: str = "sendMessage", chat_id: int | None = None) -> list[float]:
        return [t for t, m, c in self.calls if m == method and (chat_id is None or c == chat_id)]
