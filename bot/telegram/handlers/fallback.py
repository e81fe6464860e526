"""Everything else gets a clear, polite reply: unknown commands, stickers, edits, old buttons."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Respondent

from bot.service.conversation import Conversation
from ..outbox import Outbox
from ..texts import translate

log = logging.getLogger("scenari.telegram")


async def unknown_command(
    message: Message, session: AsyncSession, respondent: Respondent, conversation: Conversation, outbox: Outbox,
) -> None:
    """The commands there are, then the open question again (a typo such as /pippo loses nothing)."""
    lang = respondent.language
    outbox.text(message.chat.id, translate("unknown_command", lang) + "\n\n" + translate("help", lang))
    if respondent.id is None:
        return  # nothing open before consent
    reply = await conversation.current_prompt(session, respondent)
    if not reply.rejected:  # no run open: the help is the whole answer
        outbox.show(message.chat.id, reply)


async def not_text(
    message: Message, session: AsyncSession, respondent: Respondent, conversation: Conversation, outbox: Outbox,
) -> None:
    log.info("unsupported content", extra={"fields": {"content_type": message.content_type}})
    outbox.text(message.chat.id, translate("text_only", respondent.language))
    reply = await conversation.current_prompt(session, respondent)
    outbox.show(message.chat.id, reply)


async def edited(message: Message, respondent: Respondent, outbox: Outbox) -> None:
    outbox.text(message.chat.id, translate("edited", respondent.language))


async def unknown_button(callback: CallbackQuery, respondent: Respondent, outbox: Outbox) -> None:
    outbox.toast(callback.id, translate("closed", respondent.language))


def build_router() -> Router:
    """A fresh router (a router can belong to one dispatcher only)."""
    router = Router(name="fallback")
    router.message.register(unknown_command, F.text.startswith("/"))
    router.message.register(not_text)
    router.edited_message.register(edited)
    router.callback_query.register(unknown_button)
    return router
