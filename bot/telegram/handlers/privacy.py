"""/informativa (the privacy notice in full), /privacy, /imieidati (download my data), /cancella (with
confirmation), /lingua and /aiuto."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Respondent

from bot.service import notice as privacy_notice, personal_data
from bot.service.conversation import Conversation
from bot.service.texts import LANGUAGE_NAMES
from ..callbacks import EraseButton, LanguageButton
from ..outbox import Outbox
from ..render import split_text
from ..texts import translate
from .common import close_pressed



async def privacy(
    message: Message, session: AsyncSession, respondent: Respondent, conversation: Conversation, outbox: Outbox,
) -> None:
    report = await conversation.privacy_report(session, respondent)
    for chunk in split_text(report):
        outbox.text(message.chat.id, chunk)


async def notice(message: Message, respondent: Respondent, conversation: Conversation, outbox: Outbox) -> None:
    """The plan's privacy notice in full (privacy.yaml), before consent too: nothing is stored."""
    text = privacy_notice.full_text(conversation.notice, respondent.language)
    if conversation.notice_url:
        text += "\n\n" + translate("notice_online", respondent.language, url=conversation.notice_url)
    for chunk in split_text(text):
        outbox.text(message.chat.id, chunk)


async def my_data(
    message: Message, session: AsyncSession, respondent: Respondent, conversation: Conversation, outbox: Outbox,
) -> None:
    """The readable summary of /privacy, then the JSON file (sent once the transaction, audit row included, is in)."""
    lang, chat_id = respondent.language, message.chat.id
    data = (await personal_data.export(session, respondent.id, "respondent", conversation.notice)
            if respondent.id is not None else None)
    if data is None:
        outbox.text(chat_id, translate("my_data_none", lang))
        return
    for chunk in split_text(await conversation.privacy_report(session, respondent)):
        outbox.text(chat_id, chunk)
    caption = translate("my_data_caption", lang, pseudonym=data.pseudonym)

    async def send(bot: Bot) -> None:
        await bot.send_document(chat_id, BufferedInputFile(data.content, filename=data.filename), caption=caption)

    outbox.later(send)


async def erase_request(message: Message, respondent: Respondent, outbox: Outbox) -> None:
    lang = respondent.language
    markup = InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=translate("erase_yes", lang), callback_data=EraseButton(confirmed=True).pack())],
        [InlineKeyboardButton(text=translate("erase_no", lang), callback_data=EraseButton(confirmed=False).pack())],
    ])
    outbox.text(message.chat.id, translate("erase_confirm", lang), markup)


async def erase_decision(
    callback: CallbackQuery, callback_data: EraseButton, session: AsyncSession, respondent: Respondent,
    conversation: Conversation, outbox: Outbox,
) -> None:
    outbox.toast(callback.id)
    chat_id = close_pressed(callback, outbox)
    if not callback_data.confirmed:
        outbox.text(chat_id, translate("erase_kept", respondent.language))
        return
    outbox.close_keyboard(chat_id)
    reply = await conversation.erase(session, respondent)
    outbox.show(chat_id, reply)


async def language(
    message: Message, session: AsyncSession, respondent: Respondent, conversation: Conversation, outbox: Outbox,
) -> None:
    args = (message.text or "").split()[1:]
    if args and args[0].lower()[:2] in conversation.languages:
        await _switch(message.chat.id, args[0].lower()[:2], session, respondent, conversation, outbox)
        return
    markup = InlineKeyboardMarkup(inline_keyboard=[[  # the plan's languages, each named in itself
        InlineKeyboardButton(text=LANGUAGE_NAMES.get(code, code), callback_data=LanguageButton(lang=code).pack())
        for code in conversation.languages
    ]])
    outbox.text(message.chat.id, translate("choose_language", respondent.language), markup)


async def language_button(
    callback: CallbackQuery, callback_data: LanguageButton, session: AsyncSession, respondent: Respondent,
    conversation: Conversation, outbox: Outbox,
) -> None:
    outbox.toast(callback.id)
    chat_id = close_pressed(callback, outbox)
    await _switch(chat_id, conversation.language_for(callback_data.lang), session, respondent, conversation, outbox)


async def _switch(
    chat_id: int, lang: str, session: AsyncSession, respondent: Respondent, conversation: Conversation, outbox: Outbox
) -> None:
    outbox.show(chat_id, await conversation.set_language(session, respondent, lang))
    if respondent.id is not None:
        current = await conversation.current_prompt(session, respondent)
        if not current.rejected:
            outbox.show(chat_id, current)


async def help_command(message: Message, respondent: Respondent, outbox: Outbox) -> None:
    outbox.text(message.chat.id, translate("help", respondent.language))


def build_router() -> Router:
    """A fresh router (a router can belong to one dispatcher only)."""
    router = Router(name="privacy")
    router.message.register(notice, Command("informativa", "notice"))
    router.message.register(privacy, Command("privacy"))
    router.message.register(my_data, Command("imieidati", "mydata"))
    router.message.register(erase_request, Command("cancella", "erase", "delete"))
    router.callback_query.register(erase_decision, EraseButton.filter())
    router.message.register(language, Command("lingua", "language"))
    router.callback_query.register(language_button, LanguageButton.filter())
    router.message.register(help_command, Command("aiuto", "help"))
    return router
