"""/valuta for raters: the project cards they have not rated yet, and a rating run per card.

Raters are ``SCENARI_RATERS`` plus ``SCENARI_ANALYSTS``. Choosing a card shows its summary and
starts (or resumes) a ``valutazione`` run tied to the card; the run's questions are then
answered through the survey handlers like any other run (their buttons name the run).
"""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs import Input
from storage import ratings, repository
from storage.models import Respondent

from bot.service.conversation import Conversation
from bot.service.listening import RATING_QUESTIONNAIRE, card_summary
from ...settings import Settings
from ..outbox import Outbox
from ..texts import translate
from .common import close_pressed

log = logging.getLogger("scenari.telegram")
MAX_LISTED = 40


class CardButton(CallbackData, prefix="v"):
    card: int


async def list_cards(
    message: Message, session: AsyncSession, respondent: Respondent, settings: Settings, outbox: Outbox
) -> None:
    lang = respondent.language
    user_id = message.from_user.id if message.from_user else None
    if not settings.is_rater(user_id):
        log.warning("rating refused", extra={"fields": {"user": "not-rater", "update_chat": message.chat.id}})
        outbox.text(message.chat.id, translate("not_rater", lang))
        return
    cards = await ratings.cards_to_rate(session, respondent.id)
    if not cards:
        outbox.text(message.chat.id, translate("nothing", lang))
        return
    shown = cards[:MAX_LISTED]
    markup = InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=_label(card.title, card.promoter), callback_data=CardButton(card=card.id).pack())]
        for card in shown
    ])
    header = translate("choose", lang, n=len(cards))
    if len(cards) > len(shown):
        header += " " + translate("more", lang, shown=len(shown))
    outbox.text(message.chat.id, header, markup)


def _label(title: str, promoter: str | None) -> str:
    label = f"{title} — {promoter}" if promoter else title
    return label if len(label) <= 60 else label[:59] + "…"


async def choose_card(
    callback: CallbackQuery, callback_data: CardButton, session: AsyncSession, respondent: Respondent,
    conversation: Conversation, settings: Settings, outbox: Outbox,
) -> None:
    lang = respondent.language
    if not settings.is_rater(callback.from_user.id):
        outbox.toast(callback.id, translate("not_rater", lang))
        return
    card = await ratings.get_card(session, callback_data.card)
    if card is None:
        outbox.toast(callback.id, translate("gone", lang))
        return
    if RATING_QUESTIONNAIRE not in conversation.catalog:
        outbox.toast(callback.id, translate("not_active", lang))
        return
    if respondent.id is None:  # a rater who never answered anything: store them now
        respondent = await conversation.respondent(session, respondent.channel, respondent.external_id, lang)
    rating = await ratings.rating_of(session, card.id, respondent.id)
    if rating is not None and rating.completed_at is not None:
        outbox.toast(callback.id, translate("done_already", lang))
        return
    outbox.toast(callback.id)
    chat_id = close_pressed(callback, outbox)
    run = await repository.get_run(session, rating.run_id) if rating is not None and rating.run_id else None
    if run is not None and run.status in repository.OPEN_STATUSES:
        reply = await conversation.handle(session, respondent, Input("resume"), run_id=run.public_id)
    else:
        reply = await conversation.begin(session, respondent, RATING_QUESTIONNAIRE, resume=False)
        new_run = await repository.get_run_by_public_id(session, reply.run_id or "")
        assert new_run is not None
        await ratings.attach_run(session, card.id, respondent.id, new_run.id)
    outbox.text(chat_id, await card_summary(session, conversation.catalog, card, lang))
    outbox.show(chat_id, reply)


def build_router() -> Router:
    """A fresh router (a router can belong to one dispatcher only)."""
    router = Router(name="rating")
    router.message.register(list_cards, Command("valuta", "rate"))
    router.callback_query.register(choose_card, CardButton.filter())
    return router
