"""Deliberation in Telegram: /vota (statements one at a time), /proponi, and /modera for moderators.

* ``/vota`` (or ``/start vota`` from an invitation) resumes the participant's open round: the
  statement they were shown last if they have not voted on it, else the next one (fewest votes
  first, random among equals). Buttons: D'accordo / Non d'accordo / Passo, and Basta per ora.
* A press stores the vote (a second press on the same message changes it; every press is kept
  in the history) and marks the choice on the message; on the current statement it also sends
  the next one. Presses on a closed round or a statement no longer put to the vote are refused
  politely, and change nothing.
* ``/proponi TEXT`` during a round: a pending statement, never shown before a moderator approves
  it, and never with its author. A moderator's /proponi is approved at once.
* ``/modera`` (``SCENARI_MODERATORS`` and analysts): the oldest pending statement with its
  near-duplicate flag and buttons approve / edit / reject / merge; ``/modifica ID TEXT`` approves
  a rewritten text.
"""

from __future__ import annotations

import html
import logging
import random

from aiogram import F, Router
from aiogram.enums import ParseMode
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.methods import EditMessageReplyMarkup, EditMessageText
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from storage import deliberation
from storage.models import DeliberationParticipant, DeliberationRound, Respondent, Statement

from bot.service import deliberation as service
from bot.service.conversation import Conversation
from bot.service.texts import translate
from ...settings import Settings
from ..callbacks import ModerateButton, VoteButton, VotePauseButton
from ..outbox import Outbox

log = logging.getLogger("scenari.telegram")
CHOICE = {"a": "agree", "d": "disagree", "p": "pass"}
CODE = {v: k for k, v in CHOICE.items()}
_rng = random.Random()

MOD_TEXTS: dict[str, str] = {
    "not_moderator": "La moderazione delle affermazioni è riservata ai moderatori del piano. Grazie dell'interesse!",
    "nothing": "Nessuna proposta in attesa di moderazione. 👌",
    "pending": "🛡 Proposta #{id} ({source}; {left} in attesa)\n\n«{text}»",
    "duplicate": "\n\n⚠️ Simile a #{other} ({score:.2f}): «{other_text}»",
    "approve": "✅ Approva", "edit": "✏️ Modifica", "reject": "❌ Rifiuta", "merge": "🔗 Unisci a #{other}",
    "approved": "✅ Approvata", "rejected": "❌ Rifiutata", "merged": "🔗 Unita a #{other} (voti conservati)",
    "edit_how": "Scriva il nuovo testo così:\n/modifica {id} <nuovo testo, al massimo 140 caratteri>",
    "modifica_usage": "Uso: /modifica ID nuovo testo (al massimo 140 caratteri).",
    "edited": "✅ #{id} approvata con il nuovo testo: «{text}»",
    "added": "✅ Affermazione #{id} aggiunta e approvata: «{text}»",
    "error": "Non è possibile: {error}",
}
SOURCES = {"objective": "da un obiettivo", "vision": "da una visione", "participant": "proposta da un partecipante",
           "moderator": "scritta da un moderatore"}



# --- voting ---------------------------------------------------------------------------------------


def vote_keyboard(round_id: int, statement_id: int, lang: str, chosen: str | None = None) -> InlineKeyboardMarkup:
    def button(choice: str) -> InlineKeyboardButton:
        label = translate(choice, lang)
        return InlineKeyboardButton(text=("✓ " + label) if choice == chosen else label,
                                    callback_data=VoteButton(round=round_id, statement=statement_id, choice=CODE[choice]).pack())

    return InlineKeyboardMarkup(inline_keyboard=[
        [button("agree"), button("disagree"), button("pass")],
        [InlineKeyboardButton(text=translate("pause", lang), callback_data=VotePauseButton(round=round_id).pack())],
    ])


def statement_html(statement: Statement, lang: str, left: int) -> str:
    return html.escape(translate("statement", lang, left=left, text=statement.text))


async def _send_next(session: AsyncSession, chat_id: int, round_: DeliberationRound, participant: DeliberationParticipant,
                     respondent: Respondent, outbox: Outbox, resume: bool = False) -> None:
    lang = respondent.language
    statement = None
    if resume and participant.current_statement_id:
        current = await deliberation.get_statement(session, participant.current_statement_id)
        mine = await deliberation.votes_of(session, round_.id, respondent.id)
        if current is not None and current.status == deliberation.APPROVED and current.id not in mine:
            statement = current
    if statement is None:
        statement = await deliberation.next_statement(session, round_.id, respondent.id, _rng)
    if statement is None:
        await deliberation.set_participant(session, participant, "done", None)
        outbox.text(chat_id, translate("done", lang))
        return
    left = await deliberation.remaining(session, round_.id, respondent.id)
    await deliberation.set_participant(session, participant, "active", statement.id)
    outbox.text(chat_id, statement_html(statement, lang, left), vote_keyboard(round_.id, statement.id, lang), html=True)


async def vota(message: Message, session: AsyncSession, respondent: Respondent, outbox: Outbox) -> None:
    found = await deliberation.participation(session, respondent.id) if respondent.id is not None else None
    if found is None:
        outbox.text(message.chat.id, translate("no_round", respondent.language))
        return
    round_, participant = found
    await _send_next(session, message.chat.id, round_, participant, respondent, outbox, resume=True)


async def vote(callback: CallbackQuery, callback_data: VoteButton, session: AsyncSession, respondent: Respondent,
               outbox: Outbox) -> None:
    lang = respondent.language
    round_ = await deliberation.get_round(session, callback_data.round)
    participant = (await deliberation.get_participant(session, callback_data.round, respondent.id)
                   if respondent.id is not None else None)
    if round_ is None or participant is None:
        outbox.toast(callback.id, translate("not_participant", lang))
        return
    if not deliberation.is_open(round_):
        outbox.toast(callback.id, translate("closed", lang))
        return
    statement = await deliberation.get_statement(session, callback_data.statement)
    if statement is None or statement.status != deliberation.APPROVED:
        outbox.toast(callback.id, translate("withdrawn", lang))
        return
    choice = CHOICE[callback_data.choice]
    previous, changed = await deliberation.record_vote(session, round_.id, statement.id, respondent.id, choice)
    if not changed:
        outbox.toast(callback.id, translate("same", lang))
        return
    outbox.toast(callback.id, translate("changed", lang, choice=translate(choice, lang)) if previous else translate("recorded", lang))
    chat_id = callback.message.chat.id if callback.message else callback.from_user.id
    if isinstance(callback.message, Message):
        base = callback.message.html_text or statement_html(statement, lang, 0)
        if previous:  # the old vote's line goes, the new one comes
            base = base.removesuffix("\n\n" + html.escape(translate("your_vote", lang, choice=translate(previous, lang))))
        outbox.call(EditMessageText(
            chat_id=chat_id, message_id=callback.message.message_id, parse_mode=ParseMode.HTML,
            text=base + "\n\n" + html.escape(translate("your_vote", lang, choice=translate(choice, lang))),
            reply_markup=vote_keyboard(round_.id, statement.id, lang, choice),
        ))
    if previous is None and participant.current_statement_id == statement.id and participant.status == "active":
        await _send_next(session, chat_id, round_, participant, respondent, outbox)


async def pause(callback: CallbackQuery, callback_data: VotePauseButton, session: AsyncSession, respondent: Respondent,
                outbox: Outbox) -> None:
    lang = respondent.language
    participant = (await deliberation.get_participant(session, callback_data.round, respondent.id)
                   if respondent.id is not None else None)
    if participant is None:
        outbox.toast(callback.id, translate("not_participant", lang))
        return
    outbox.toast(callback.id)
    await deliberation.set_participant(session, participant, "paused", participant.current_statement_id)
    chat_id = callback.message.chat.id if callback.message else callback.from_user.id
    if isinstance(callback.message, Message) and callback.message.reply_markup is not None:
        outbox.call(EditMessageReplyMarkup(chat_id=chat_id, message_id=callback.message.message_id, reply_markup=None))
    outbox.text(chat_id, translate("paused", lang))


async def start_vota(message: Message, session: AsyncSession, respondent: Respondent, outbox: Outbox) -> None:
    await vota(message, session, respondent, outbox)


# --- proposals ------------------------------------------------------------------------------------


async def proponi(message: Message, command: CommandObject, session: AsyncSession, respondent: Respondent,
                  conversation: Conversation, settings: Settings, outbox: Outbox) -> None:
    lang = respondent.language
    text = " ".join((command.args or "").split())
    moderator = settings.is_moderator(message.from_user.id if message.from_user else None)
    if not moderator and (respondent.id is None or await deliberation.participation(session, respondent.id) is None):
        outbox.text(message.chat.id, translate("no_round", lang))
        return
    if not text:
        outbox.text(message.chat.id, translate("propose_usage", lang))
        return
    if len(text) > deliberation.MAX_LENGTH:
        outbox.text(message.chat.id, translate("too_long", lang, n=len(text)))
        return
    if respondent.id is None:
        respondent = await conversation.respondent(session, respondent.channel, respondent.external_id, lang)
    lemmas = await service.lemmas_of(text, settings.spacy_model)
    if moderator:
        s = await service.create_statement(session, text, "moderator", lemmas, status=deliberation.APPROVED,
                                           decided_by=f"telegram:{message.from_user.id if message.from_user else ''}")
        outbox.text(message.chat.id, MOD_TEXTS["added"].format(id=s.id, text=s.text))
        return
    await service.create_statement(session, text, "participant", lemmas, author_respondent_id=respondent.id)
    outbox.text(message.chat.id, translate("proposed", lang))


# --- moderation -------------------------------------------------------------------------------------


async def _show_pending(session: AsyncSession, chat_id: int, outbox: Outbox) -> None:
    pending = await deliberation.list_statements(session, deliberation.PENDING)
    if not pending:
        outbox.text(chat_id, MOD_TEXTS["nothing"])
        return
    s = pending[0]
    body = MOD_TEXTS["pending"].format(id=s.id, source=SOURCES.get(s.source, s.source), left=len(pending), text=s.text)
    rows = [[InlineKeyboardButton(text=MOD_TEXTS[a], callback_data=ModerateButton(statement=s.id, action=a).pack())
             for a in ("approve", "edit", "reject")]]
    other = await deliberation.get_statement(session, s.duplicate_of_id) if s.duplicate_of_id else None
    if other is not None and other.status in (deliberation.APPROVED, deliberation.PENDING):
        body += MOD_TEXTS["duplicate"].format(other=other.id, score=s.similarity or 0, other_text=other.text)
        rows.append([InlineKeyboardButton(text=MOD_TEXTS["merge"].format(other=other.id), callback_data=ModerateButton(
            statement=s.id, action="merge", target=other.id).pack())])
    outbox.text(chat_id, body, InlineKeyboardMarkup(inline_keyboard=rows))


async def modera(message: Message, session: AsyncSession, settings: Settings, outbox: Outbox) -> None:
    if not settings.is_moderator(message.from_user.id if message.from_user else None):
        outbox.text(message.chat.id, MOD_TEXTS["not_moderator"])
        return
    await _show_pending(session, message.chat.id, outbox)


async def moderate(callback: CallbackQuery, callback_data: ModerateButton, session: AsyncSession, settings: Settings,
                   outbox: Outbox) -> None:
    if not settings.is_moderator(callback.from_user.id):
        outbox.toast(callback.id, MOD_TEXTS["not_moderator"])
        return
    by = f"telegram:{callback.from_user.id}"
    chat_id = callback.message.chat.id if callback.message else callback.from_user.id
    statement = await deliberation.get_statement(session, callback_data.statement)
    if statement is None or statement.status != deliberation.PENDING:
        outbox.toast(callback.id, MOD_TEXTS["error"].format(error="già decisa"))
        return
    if callback_data.action == "edit":
        outbox.toast(callback.id)
        outbox.text(chat_id, MOD_TEXTS["edit_how"].format(id=statement.id))
        return
    try:
        if callback_data.action == "approve":
            await deliberation.approve(session, statement.id, by)
            outcome = MOD_TEXTS["approved"]
        elif callback_data.action == "reject":
            await deliberation.reject(session, statement.id, by)
            outcome = MOD_TEXTS["rejected"]
        else:
            await deliberation.merge(session, statement.id, callback_data.target, by)
            outcome = MOD_TEXTS["merged"].format(other=callback_data.target)
    except deliberation.DeliberationError as exc:
        outbox.toast(callback.id, MOD_TEXTS["error"].format(error=exc))
        return
    outbox.toast(callback.id, outcome)
    if isinstance(callback.message, Message):
        outbox.call(EditMessageText(chat_id=chat_id, message_id=callback.message.message_id, reply_markup=None,
                                    text=f"#{statement.id} «{statement.text}»\n\n{outcome}"))
    await _show_pending(session, chat_id, outbox)


async def modifica(message: Message, command: CommandObject, session: AsyncSession, settings: Settings,
                   outbox: Outbox) -> None:
    user_id = message.from_user.id if message.from_user else None
    if not settings.is_moderator(user_id):
        outbox.text(message.chat.id, MOD_TEXTS["not_moderator"])
        return
    ref, _, text = (command.args or "").strip().partition(" ")
    text = " ".join(text.split())
    if not ref.lstrip("#").isdigit() or not text:
        outbox.text(message.chat.id, MOD_TEXTS["modifica_usage"])
        return
    try:
        lemmas = await service.lemmas_of(text, settings.spacy_model)
        s = await deliberation.approve(session, int(ref.lstrip("#")), f"telegram:{user_id}", text, lemmas)
    except deliberation.DeliberationError as exc:
        outbox.text(message.chat.id, MOD_TEXTS["error"].format(error=exc))
        return
    outbox.text(message.chat.id, MOD_TEXTS["edited"].format(id=s.id, text=s.text))
    await _show_pending(session, message.chat.id, outbox)


def build_router() -> Router:
    """A fresh router (a router can belong to one dispatcher only)."""
    router = Router(name="deliberation")
    router.message.register(start_vota, CommandStart(deep_link=True, magic=F.args == "vota"))
    router.message.register(vota, Command("vota", "vote"))
    router.message.register(proponi, Command("proponi", "propose"))
    router.message.register(modera, Command("modera", "moderate"))
    router.message.register(modifica, Command("modifica"))
    router.callback_query.register(vote, VoteButton.filter())
    router.callback_query.register(pause, VotePauseButton.filter())
    router.callback_query.register(moderate, ModerateButton.filter())
    return router

