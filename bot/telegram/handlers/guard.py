"""The bot works in private chats only: a group would expose people's answers to each other."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from ..outbox import Outbox
from ..texts import translate



async def not_private(message: Message, outbox: Outbox, respondent: object | None = None) -> None:
    lang = getattr(respondent, "language", "it")
    outbox.text(message.chat.id, translate("private_only", lang))


async def not_private_button(callback: CallbackQuery, outbox: Outbox, respondent: object | None = None) -> None:
    outbox.toast(callback.id, translate("private_only", getattr(respondent, "language", "it")))


def build_router() -> Router:
    """A fresh router (a router can belong to one dispatcher only)."""
    router = Router(name="guard")
    router.message.filter(F.chat.type != "private")
    router.edited_message.filter(F.chat.type != "private")
    router.message.register(not_private)
    router.edited_message.register(not_private)
    router.callback_query.register(not_private_button, F.message.chat.type != "private")
    return router
