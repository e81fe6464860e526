"""/start (with a deep-link payload choosing the questionnaire), the menu and consent."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Respondent

from bot.service.conversation import Conversation
from ..callbacks import ConsentButton, MenuButton
from ..outbox import Outbox
from .common import close_pressed



async def start(
    message: Message, command: CommandObject, session: AsyncSession, respondent: Respondent,
    conversation: Conversation, outbox: Outbox,
) -> None:
    payload = (command.args or "").strip().lower()
    if payload:
        reply = await conversation.start(session, respondent, payload)
    else:
        reply = conversation.menu(respondent.language)
    outbox.show(message.chat.id, reply)


async def menu_choice(
    callback: CallbackQuery, callback_data: MenuButton, session: AsyncSession, respondent: Respondent,
    conversation: Conversation, outbox: Outbox,
) -> None:
    outbox.toast(callback.id)
    reply = await conversation.start(session, respondent, callback_data.questionnaire)
    outbox.show(callback.message.chat.id, reply)  # type: ignore[union-attr]


async def consent(
    callback: CallbackQuery, callback_data: ConsentButton, session: AsyncSession, respondent: Respondent,
    conversation: Conversation, outbox: Outbox,
) -> None:
    outbox.toast(callback.id)
    chat_id = close_pressed(callback, outbox)
    reply = await conversation.decide_consent(
        session, respondent, callback_data.granted, callback_data.questionnaire or None
    )
    outbox.show(chat_id, reply)


def build_router() -> Router:
    """A fresh router (a router can belong to one dispatcher only)."""
    router = Router(name="start")
    router.message.register(start, CommandStart())
    router.callback_query.register(menu_choice, MenuButton.filter())
    router.callback_query.register(consent, ConsentButton.filter())
    return router
