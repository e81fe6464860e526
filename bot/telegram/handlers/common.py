"""Small helpers shared by the handlers."""

from __future__ import annotations

import re

from aiogram.types import CallbackQuery, Message

from ..outbox import Outbox


def pressed_label(callback: CallbackQuery) -> str:
    """The text of the button that was pressed (to echo the choice under the question)."""
    message = callback.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return ""
    for row in message.reply_markup.inline_keyboard:
        for button in row:
            if button.callback_data == callback.data:
                return re.sub(r"^(✓ |\d+\. )", "", button.text)
    return ""


def close_pressed(callback: CallbackQuery, outbox: Outbox, answer_text: str | None = None) -> int:
    """Close the message whose button was pressed, showing the choice; return its chat id."""
    message = callback.message
    assert message is not None
    if isinstance(message, Message):
        outbox.answered(message.chat.id, message.message_id, message.html_text, answer_text or pressed_label(callback))
    return message.chat.id
