"""Telegram's drawing of what the service says: text as HTML, the one place inline keyboards are built.

Engine messages (:func:`message_html`, :func:`keyboard`) and the communication plan's messages
(:func:`plan_keyboard`, :func:`telegram_method`): the plan's rich text is already the HTML
subset Telegram's parse mode takes, its buttons are data drawn here.
"""

from __future__ import annotations

import html
from typing import Any

from aiogram.enums import ParseMode
from aiogram.filters.callback_data import MAX_CALLBACK_LENGTH, CallbackData
from aiogram.methods import SendDocument, SendMessage
from aiogram.types import FSInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from dialogs import Message, i18n

from bot.service.communication import NEWSLETTER_KEY, Composed
from bot.service.reply import CONSENT_KEY, MENU_KEY
from .callbacks import AnswerButton, ConsentButton, MenuButton, NavButton, NewsletterButton, ResumeButton, RsvpButton
from .texts import translate

TELEGRAM_TEXT_LIMIT = 4096


def message_html(message: Message, lang: str) -> str:
    if message.kind == "error":
        return "⚠️ " + html.escape(message.text)
    if message.kind != "prompt":
        return html.escape(message.text)
    lines = []
    if message.progress:
        k, n = message.progress
        lines.append(f"<i>{html.escape(i18n.translate('progress', lang, k=k, n=n))}</i>")
    lines.append(f"<b>{html.escape(message.text)}</b>")
    if message.hint:
        lines.append(f"<i>{html.escape(message.hint)}</i>")
    return "\n".join(lines)


def keyboard(
    message: Message, lang: str, run_id: str | None, questionnaire_id: str | None
) -> InlineKeyboardMarkup | None:
    """The buttons of a prompt; None when it takes typed text and offers no navigation."""
    if message.kind != "prompt":
        return None
    rows: list[list[InlineKeyboardButton]] = []
    if message.question_key == CONSENT_KEY:
        rows = [
            [InlineKeyboardButton(text=o.label, callback_data=ConsentButton(
                granted=o.value == "yes", questionnaire=questionnaire_id or "").pack())]
            for o in message.options
        ]
        return InlineKeyboardMarkup(inline_keyboard=rows)
    if message.question_key == NEWSLETTER_KEY:  # the opt-in asked at the end (bot.service.communication)
        return InlineKeyboardMarkup(inline_keyboard=[[
            InlineKeyboardButton(text=o.label, callback_data=NewsletterButton(granted=o.value == "yes").pack())
            for o in message.options
        ]])
    if message.question_key == MENU_KEY:
        rows = [
            [InlineKeyboardButton(text=o.label, callback_data=MenuButton(questionnaire=o.value).pack())]
            for o in message.options
        ]
        return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
    if run_id is None or message.question_key is None:
        return None
    key = message.question_key
    buttons = [
        InlineKeyboardButton(
            text=_mark(option.rank, option.selected) + option.label,
            callback_data=packed(AnswerButton, run_id, key, option.value),
        )
        for option in message.options
    ]
    if message.question_type == "scale" or (
        len(buttons) <= 3 and all(len(option.label) <= 14 for option in message.options)
    ):
        if buttons:
            rows.append(buttons)
    else:
        rows.extend([button] for button in buttons)
    if message.multiple:
        rows.append([InlineKeyboardButton(text=translate("done", lang), callback_data=packed(NavButton, run_id, key, "done"))])
    navigation = []
    if message.can_go_back:
        navigation.append(InlineKeyboardButton(text=translate("back", lang), callback_data=packed(NavButton, run_id, key, "back")))
    if message.can_skip:
        navigation.append(InlineKeyboardButton(text=translate("skip", lang), callback_data=packed(NavButton, run_id, key, "skip")))
    if navigation:
        rows.append(navigation)
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def packed(button: type[CallbackData], *values: str) -> str:
    """``button(**fields).pack()`` for a button whose fields are all strings, given in their order.

    The same text aiogram makes (prefix and values joined by the separator), with its checks (no
    separator inside a value, at most 64 bytes), without building and dumping a pydantic model:
    a question's keyboard packs two or three of these per answer, a fifth of its cost.
    """
    separator = button.__separator__
    for value in values:
        if separator in value:
            raise ValueError(f"Separator symbol {separator!r} can not be used in value {value!r}")
    data = separator.join((button.__prefix__, *values))
    if len(data.encode()) > MAX_CALLBACK_LENGTH:
        raise ValueError(f"Resulted callback data is too long! len({data!r}.encode()) > {MAX_CALLBACK_LENGTH}")
    return data


def _mark(rank: int | None, selected: bool) -> str:
    """A ranking shows each pick's place; a multiple choice a tick."""
    if rank is not None:
        return f"{rank}. "
    return "✓ " if selected else ""


def plan_keyboard(buttons: list[dict[str, Any]]) -> InlineKeyboardMarkup | None:
    """The communication plan's buttons (data: a link, ``start``, ``resume``, ``rsvp``) as a keyboard.

    A link, a questionnaire to start and a run to resume get a row each; the RSVP answers
    share the first row. A button of any other kind is not drawn.
    """
    rows: list[list[InlineKeyboardButton]] = []
    rsvp: list[InlineKeyboardButton] = []
    for b in buttons:
        if b.get("url"):
            rows.append([InlineKeyboardButton(text=b["text"], url=b["url"])])
        elif b.get("action") == "start":
            rows.append([InlineKeyboardButton(text=b["text"], callback_data=MenuButton(questionnaire=b["questionnaire"]).pack())])
        elif b.get("action") == "resume" and b.get("run"):
            rows.append([InlineKeyboardButton(text=b["text"], callback_data=ResumeButton(run=b["run"]).pack())])
        elif b.get("action") == "rsvp":
            rsvp.append(InlineKeyboardButton(text=b["text"], callback_data=RsvpButton(event=b["event"], answer=b["answer"]).pack()))
    if rsvp:
        rows.insert(0, rsvp)
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def telegram_method(chat_id: int, message: Composed) -> SendMessage | SendDocument:
    """The Bot API call that delivers one of the plan's messages (a document's caption is its text)."""
    markup = plan_keyboard(message.buttons)
    if message.document_file_id or message.document_path:
        document: Any = message.document_file_id or FSInputFile(message.document_path)  # type: ignore[arg-type]
        return SendDocument(chat_id=chat_id, document=document, caption=message.html or None, parse_mode=ParseMode.HTML,
                            reply_markup=markup)
    return SendMessage(chat_id=chat_id, text=message.html, parse_mode=ParseMode.HTML, reply_markup=markup)


def split_text(text: str, limit: int = TELEGRAM_TEXT_LIMIT - 96) -> list[str]:
    """Split a long text (a privacy report) at line breaks into messages Telegram accepts."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            chunks.append(line[:limit])
            line = line[limit:]
        if len(current) + len(line) + 1 > limit:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks or [""]
