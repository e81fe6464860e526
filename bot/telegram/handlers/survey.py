"""Answering: buttons, typed answers, and the navigation commands of a run."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs import Input, i18n
from storage.models import Respondent

from bot.service.conversation import Conversation
from bot.service.reply import Reply
from ..callbacks import AnswerButton, NavButton
from ..outbox import Outbox
from .common import close_pressed


NAVIGATION = {
    "indietro": "back", "back": "back",
    "salta": "skip", "skip": "skip",
    "annulla": "pause", "cancel": "pause",
    "riprendi": "resume", "resume": "resume",
}


async def answer_button(
    callback: CallbackQuery, callback_data: AnswerButton, session: AsyncSession, respondent: Respondent,
    conversation: Conversation, outbox: Outbox,
) -> None:
    reply = await conversation.handle(
        session, respondent, Input("choice", callback_data.value, question_key=callback_data.key),
        run_id=callback_data.run,
    )
    _after_button(callback, reply, outbox)


async def navigation_button(
    callback: CallbackQuery, callback_data: NavButton, session: AsyncSession, respondent: Respondent,
    conversation: Conversation, outbox: Outbox,
) -> None:
    reply = await conversation.handle(
        session, respondent, Input(callback_data.action, question_key=callback_data.key), run_id=callback_data.run
    )
    _after_button(callback, reply, outbox)


def _after_button(callback: CallbackQuery, reply: Reply, outbox: Outbox) -> None:
    message = callback.message
    assert message is not None
    if reply.rejected:
        errors = [m.text for m in reply.messages if m.kind in ("error", "info")]
        outbox.toast(callback.id, errors[0] if errors else None)
        return
    outbox.toast(callback.id)
    if any(m.refresh for m in reply.messages):  # a multiple-choice toggle: update the ticks in place
        outbox.refresh_keyboard(message.chat.id, message.message_id, reply)
        return
    if reply.stored and reply.answer_text is not None:
        close_pressed(callback, outbox, reply.answer_text)
    outbox.show(message.chat.id, reply)


async def navigation_command(
    message: Message, session: AsyncSession, respondent: Respondent, conversation: Conversation, outbox: Outbox,
) -> None:
    command = (message.text or "").split()[0].lstrip("/").split("@")[0].lower()
    reply = await conversation.handle(session, respondent, Input(NAVIGATION[command]))  # type: ignore[arg-type]
    outbox.show(message.chat.id, reply)


async def status(
    message: Message, session: AsyncSession, respondent: Respondent, conversation: Conversation, outbox: Outbox,
) -> None:
    reply = await conversation.current_prompt(session, respondent)
    prompt = next((m for m in reply.messages if m.kind == "prompt" and m.progress), None)
    if prompt is not None and reply.questionnaire_id:
        title = conversation.catalog.current(reply.questionnaire_id).title.get(reply.lang)
        k, n = prompt.progress  # type: ignore[misc]
        outbox.text(message.chat.id, i18n.translate("status", reply.lang, k=k, n=n, title=title))
    outbox.show(message.chat.id, reply)


async def typed_answer(
    message: Message, session: AsyncSession, respondent: Respondent, conversation: Conversation, outbox: Outbox,
) -> None:
    reply = await conversation.handle(session, respondent, Input("text", message.text))
    outbox.show(message.chat.id, reply)


def build_router() -> Router:
    """A fresh router (a router can belong to one dispatcher only)."""
    router = Router(name="survey")
    router.callback_query.register(answer_button, AnswerButton.filter())
    router.callback_query.register(navigation_button, NavButton.filter())
    router.message.register(navigation_command, Command(*NAVIGATION))
    router.message.register(status, Command("stato", "status"))
    router.message.register(typed_answer, F.text & ~F.text.startswith("/"))
    return router
