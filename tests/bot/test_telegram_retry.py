"""The reply path's retries against the local Bot API: never a second copy of a message.

Each test drives the real aiogram ``Bot`` with :class:`bot.telegram.retry.RetryMiddleware`
over HTTP. The middleware's sleep is injected: the tests assert which waits it asked for,
never how long anything took.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.exceptions import ClientDecodeError, TelegramNetworkError, TelegramServerError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.retry import RetryMiddleware
from tests.support.fake_bot_api import FakeBotAPI

USER = 5101


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as server:
        server.user(USER, language_code="it")
        yield server


class Waits:
    """The injected sleep: records each wait, and may do something then (restart a server)."""

    def __init__(self, then: object = None) -> None:
        self.asked: list[float] = []
        self.then = then

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        if self.then is not None:
            then, self.then = self.then, None
            await then()  # type: ignore[operator]


@pytest.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[tuple[Bot, Waits]]:
    waits = Waits()
    made = api.make_bot()
    made.session.middleware(RetryMiddleware(sleep=waits))
    try:
        yield made, waits
    finally:
        await made.session.close()


def delivered(api: FakeBotAPI) -> list[str | None]:
    return [m.text for m in api.chat(USER).bot_messages]


SPOILT_AFTER_TELEGRAM_ACTED = {
    "garbled body": (lambda api: api.fail_next_network("sendMessage", "garble"), ClientDecodeError),
    "proxy 502 page": (lambda api: api.fail_next_network("sendMessage", "http", after_executing=True), ClientDecodeError),
    "500 answer": (lambda api: api.fail_next("sendMessage", 500, after_executing=True), TelegramServerError),
    "dropped connection": (lambda api: api.fail_next_network("sendMessage", "disconnect", after_executing=True),
                           TelegramNetworkError),
}


@pytest.mark.parametrize("spoil", SPOILT_AFTER_TELEGRAM_ACTED.values(), ids=list(SPOILT_AFTER_TELEGRAM_ACTED))
async def test_a_message_whose_answer_is_spoilt_is_delivered_exactly_once(api: FakeBotAPI, bot, spoil) -> None:
    made, waits = bot
    inject, error = spoil
    inject(api)
    with pytest.raises(error):
        await made.send_message(USER, "Quanti addetti ha l'impresa?")
    assert delivered(api) == ["Quanti addetti ha l'impresa?"]
    assert api.count("sendMessage") == 1 and waits.asked == []


async def test_a_drop_before_telegram_acted_is_not_retried_either(api: FakeBotAPI, bot) -> None:
    """From the client a drop before and a drop after look the same: the reply is lost, never doubled."""
    made, waits = bot
    api.fail_next_network("sendMessage", "disconnect")
    with pytest.raises(TelegramNetworkError):
        await made.send_message(USER, "Ciao")
    assert delivered(api) == [] and api.count("sendMessage") == 1 and waits.asked == []


async def test_flood_control_is_waited_out_and_the_message_goes_once(api: FakeBotAPI, bot) -> None:
    made, waits = bot
    api.fail_next("sendMessage", 429, retry_after=3)
    await made.send_message(USER, "Ciao")
    assert delivered(api) == ["Ciao"] and waits.asked == [3.0]


async def test_a_refused_connection_is_retried_and_the_message_goes_once(api: FakeBotAPI) -> None:
    waits = Waits(then=api.start)  # Telegram comes back while the middleware waits
    made = api.make_bot()
    made.session.middleware(RetryMiddleware(sleep=waits))
    await api.stop()
    try:
        await made.send_message(USER, "Ciao")
    finally:
        await made.session.close()
    assert delivered(api) == ["Ciao"] and api.count("sendMessage") == 1 and waits.asked == [0.5]


async def test_idempotent_calls_are_retried_whatever_the_answer_looked_like(api: FakeBotAPI, bot) -> None:
    made, waits = bot
    api.fail_next_network("getMe", "garble")
    assert (await made.get_me()).username == api.bot_username
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Sì", callback_data="yes")]])
    await made.send_message(USER, "Continuare?", reply_markup=markup)
    query = await api.users[USER].press("Sì")
    api.fail_next("answerCallbackQuery", 502)
    api.fail_next_network("answerCallbackQuery", "disconnect")
    assert await made.answer_callback_query(query, text="Ok")
    assert api.count("getMe") == 2 and api.count("answerCallbackQuery") == 3
    assert [a.text for a in api.users[USER].callback_answer_records] == ["Ok"]
    assert waits.asked == [0.5, 0.5, 1.0]
