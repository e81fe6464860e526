"""Bot API calls collected during an update and made only after its transaction commits.

Handlers never talk to Telegram directly: they describe what to send. The update middleware
commits first, then flushes the outbox, so a user never sees an acknowledgement of an answer
that is not yet durable.
"""

from __future__ import annotations

import html
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    SendMessage,
    TelegramMethod,
)
from aiogram.types import InlineKeyboardMarkup

from bot.service.reply import Reply
from .render import keyboard, message_html

log = logging.getLogger("scenari.telegram")


class PromptTracker:
    """Which message in each chat carries the open question's keyboard (bounded, in memory).

    Used only to close an old keyboard when the next question is sent; after a restart it
    starts empty, and a press on a keyboard it forgot is still refused as "closed".
    """

    def __init__(self, capacity: int = 50_000) -> None:
        self._open: OrderedDict[int, int] = OrderedDict()
        self._capacity = capacity

    def remember(self, chat_id: int, message_id: int) -> None:
        self._open[chat_id] = message_id
        self._open.move_to_end(chat_id)
        while len(self._open) > self._capacity:
            self._open.popitem(last=False)

    def take(self, chat_id: int) -> int | None:
        return self._open.pop(chat_id, None)

    def forget(self, chat_id: int, message_id: int | None = None) -> None:
        if message_id is None or self._open.get(chat_id) == message_id:
            self._open.pop(chat_id, None)


@dataclass
class _Call:
    method: TelegramMethod[Any]
    after: Callable[[Any], None] | None = None


@dataclass
class Outbox:
    tracker: PromptTracker
    calls: list[_Call | Callable[[Bot], Awaitable[None]]] = field(default_factory=list)

    def call(self, method: TelegramMethod[Any], after: Callable[[Any], None] | None = None) -> None:
        self.calls.append(_Call(method, after))

    def later(self, job: Callable[[Bot], Awaitable[None]]) -> None:
        """Work to do after the commit and off the shared transaction (e.g. building a file)."""
        self.calls.append(job)

    def text(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None, html: bool = False) -> None:
        self.call(SendMessage(chat_id=chat_id, text=text, reply_markup=markup, parse_mode=ParseMode.HTML if html else None))

    def toast(self, callback_id: str, text: str | None = None) -> None:
        self.call(AnswerCallbackQuery(callback_query_id=callback_id, text=text))

    def close_keyboard(self, chat_id: int) -> None:
        message_id = self.tracker.take(chat_id)
        if message_id is not None:
            self.call(EditMessageReplyMarkup(chat_id=chat_id, message_id=message_id, reply_markup=None))

    def show(self, chat_id: int, reply: Reply) -> None:
        """Send a reply's messages; a new question first closes the previous one's keyboard."""
        if any(m.kind == "prompt" for m in reply.messages):
            self.close_keyboard(chat_id)
        for message in reply.messages:
            markup = keyboard(message, reply.lang, reply.run_id, reply.questionnaire_id)
            method = SendMessage(chat_id=chat_id, text=message_html(message, reply.lang), reply_markup=markup, parse_mode=ParseMode.HTML)
            if markup is not None:
                self.call(method, after=lambda sent, chat=chat_id: self.tracker.remember(chat, sent.message_id))
            else:
                self.call(method)

    def answered(self, chat_id: int, message_id: int, question_html: str, answer_text: str) -> None:
        """Close the question a button answered, showing the answer under it."""
        self.tracker.forget(chat_id, message_id)
        self.call(
            EditMessageText(
                chat_id=chat_id, message_id=message_id,
                text=f"{question_html}\n\n✅ {html.escape(answer_text)}", parse_mode=ParseMode.HTML, reply_markup=None,
            )
        )

    def refresh_keyboard(self, chat_id: int, message_id: int, reply: Reply) -> None:
        for message in reply.messages:
            if message.refresh:
                markup = keyboard(message, reply.lang, reply.run_id, reply.questionnaire_id)
                self.call(EditMessageReplyMarkup(chat_id=chat_id, message_id=message_id, reply_markup=markup))

    async def flush(self, bot: Bot) -> bool:
        """Make the calls in order; one failing call is logged and does not stop the rest. True if none failed."""
        delivered = True
        for item in self.calls:
            try:
                if isinstance(item, _Call):
                    result = await bot(item.method)
                    if item.after is not None:
                        item.after(result)
                else:
                    await item(bot)
            except Exception:
                delivered = False
                log.exception("bot api call failed", extra={"fields": {"method": getattr(getattr(item, "method", None), "__api_method__", "job")}})
        self.calls.clear()
        return delivered
