"""/export for configured analysts: the chosen questionnaire arrives as an XLSX document."""

from __future__ import annotations

import asyncio
import logging
from datetime import date

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from exports.options import RawOptions
from exports.raw import export_bytes
from storage import Database, repository
from storage.models import Respondent

from bot.service.conversation import Conversation
from ...settings import Settings
from ..callbacks import ExportButton
from ..outbox import Outbox
from ..texts import translate

log = logging.getLogger("scenari.telegram")



async def export_menu(
    message: Message, respondent: Respondent, conversation: Conversation, settings: Settings, outbox: Outbox
) -> None:
    user_id = message.from_user.id if message.from_user else None
    lang = respondent.language
    if not settings.is_analyst(user_id):
        log.warning("export refused", extra={"fields": {"user": "not-analyst", "update_chat": message.chat.id}})
        outbox.text(message.chat.id, translate("not_analyst", lang))
        return
    catalog = conversation.catalog
    markup = InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=catalog.current(qid).title.get(lang), callback_data=ExportButton(questionnaire=qid).pack())]
        for qid in catalog.ids(open_only=False)
    ])
    outbox.text(message.chat.id, translate("choose_export", lang), markup)


async def export_file(
    callback: CallbackQuery, callback_data: ExportButton, respondent: Respondent, conversation: Conversation,
    settings: Settings, outbox: Outbox, db: Database,
) -> None:
    lang = respondent.language
    chat_id = callback.message.chat.id  # type: ignore[union-attr]
    if not settings.is_analyst(callback.from_user.id):
        log.warning("export refused", extra={"fields": {"user": "not-analyst", "update_chat": chat_id}})
        outbox.toast(callback.id, translate("not_analyst", lang))
        return
    outbox.toast(callback.id)
    q = conversation.catalog.current(callback_data.questionnaire)

    async def send(bot: Bot) -> None:
        # Off the shared transaction and the event loop: reading all runs and building the
        # workbook must not hold up anybody's answer.
        async with db.transaction() as session:
            full = await conversation.catalog.with_runtime_lists(session, q)  # the register's actor codes too
            runs = await repository.export_runs(session, q.id)
        # the analyst's language and the city's time zone; labels, a 0/1 column per option, the codebook
        options = RawOptions(lang=lang, timezone=settings.city_timezone)
        content = await asyncio.to_thread(export_bytes, full, runs, "xlsx", options)
        filename = f"scenari-{q.id}-{date.today().isoformat()}.xlsx"
        await bot.send_document(
            chat_id, BufferedInputFile(content, filename=filename),
            caption=translate("export_caption", lang, title=q.title.get(lang), n=len(runs)),
        )
        log.info("export sent", extra={"fields": {"questionnaire": q.id, "runs": len(runs)}})

    outbox.later(send)


def build_router() -> Router:
    """A fresh router (a router can belong to one dispatcher only)."""
    router = Router(name="analyst")
    router.message.register(export_menu, Command("export"))
    router.callback_query.register(export_file, ExportButton.filter())
    return router
