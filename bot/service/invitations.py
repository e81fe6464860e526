"""Invitation links: `/start ascolto_<token>` opens the listening interview for one actor.

Called by :meth:`bot.service.conversation.Conversation.start` when the payload is an invitation. The
token is checked before anything is stored (an unknown, revoked or someone else's token gets a
polite message); consent comes first and the payload rides through the consent button, then
the token is redeemed: marked used by this respondent, the respondent linked to the actor, and
the interview started (or resumed: the same respondent may open its own link again).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs import Message
from dialogs.answers import has_control_characters
from dialogs.i18n import translate
from storage import register
from storage.models import Respondent, Run

from bot.service.reply import Reply

if TYPE_CHECKING:  # pragma: no cover - the conversation calls this module: a type only
    from bot.service.conversation import Conversation

PREFIX = "ascolto_"
INTERVIEW = "ascolto"  # the questionnaire an invitation opens

TEXTS: dict[str, dict[str, str]] = {
    "unknown": {
        "it": "Questo invito non risulta valido: controlli di aver copiato il link per intero, "
              "oppure chieda un nuovo link a chi l'ha invitata. Grazie!",
        "en": "This invitation is not valid: please check that you copied the whole link, "
              "or ask whoever invited you for a new one. Thank you!",
    },
    "revoked": {
        "it": "Questo invito è stato ritirato. Se pensa che sia un errore, chieda un nuovo link "
              "a chi l'ha invitata. Grazie!",
        "en": "This invitation has been withdrawn. If you think this is a mistake, ask whoever "
              "invited you for a new link. Thank you!",
    },
    "used": {
        "it": "Questo invito è già stato usato da un'altra persona: ogni link vale per una sola "
              "persona. Se le serve un invito, lo chieda a chi l'ha invitata. Grazie!",
        "en": "This invitation has already been used by someone else: each link is for one person "
              "only. If you need an invitation, ask whoever invited you. Thank you!",
    },
    "other_actor": {
        "it": "Da questo account risponde già per «{organisation}»: un account può rispondere per "
              "una sola organizzazione. Per un'altra organizzazione usi un altro account.",
        "en": "This account already answers for “{organisation}”: an account can answer for one "
              "organisation only. For another organisation please use another account.",
    },
    "welcome": {
        "it": "Benvenuto! Questa è l'intervista di ascolto per «{organisation}».",
        "en": "Welcome! This is the listening interview for “{organisation}”.",
    },
    "already_done": {
        "it": "L'intervista per «{organisation}» è già stata completata: grazie ancora per il suo contributo!",
        "en": "The interview for “{organisation}” has already been completed: thank you again for your contribution!",
    },
    "not_active": {
        "it": "L'intervista di ascolto non è ancora attiva: riprovi più tardi con lo stesso link.",
        "en": "The listening interview is not active yet: please try again later with the same link.",
    },
}


def text(key: str, lang: str, /, **params: str) -> str:
    return translate(TEXTS, key, lang, **params)


def is_invitation(payload: str | None) -> bool:
    return bool(payload) and payload.lower().startswith(PREFIX)  # type: ignore[union-attr]


def payload_for(token: str) -> str:
    return f"{PREFIX}{token}"


def deep_link(token: str, bot_username: str | None) -> str:
    """The link to send an actor; without the bot's username, the /start command to type."""
    if bot_username:
        return f"https://t.me/{bot_username}?start={payload_for(token)}"
    return f"/start {payload_for(token)}"


async def start(conversation: Conversation, session: AsyncSession, respondent: Respondent, payload: str) -> Reply:
    lang = respondent.language
    token = payload[len(PREFIX):]
    if has_control_characters(token):  # no real token has one (and PostgreSQL could not compare it)
        return Reply([Message(kind="error", text=text("unknown", lang))], lang=lang, rejected=True)
    invitation = await register.get_invitation(session, token)
    verdict = register.check_invitation(invitation, respondent.id)
    if verdict in ("unknown", "revoked", "used"):
        return Reply([Message(kind="error", text=text(verdict, lang))], lang=lang, rejected=True)
    assert invitation is not None
    if INTERVIEW not in conversation.catalog:
        return Reply([Message(kind="error", text=text("not_active", lang))], lang=lang, rejected=True)
    if respondent.id is None or not await conversation.has_consent(session, respondent):
        return conversation.consent_prompt(lang, payload_for(invitation.token))
    current = await register.actor_of(session, respondent.id)
    if current is not None and current.id != invitation.actor_id:
        return Reply(
            [Message(kind="error", text=text("other_actor", lang, organisation=current.organisation))],
            lang=lang, rejected=True,
        )
    actor = await register.redeem_invitation(session, invitation, respondent.id)
    if verdict == "own" and await _completed_without_open_run(session, respondent.id):
        return Reply([Message(kind="info", text=text("already_done", lang, organisation=actor.organisation))], lang=lang)
    reply = await conversation.begin(session, respondent, INTERVIEW)
    reply.messages.insert(0, Message(kind="info", text=text("welcome", lang, organisation=actor.organisation)))
    return reply


async def _completed_without_open_run(session: AsyncSession, respondent_id: int) -> bool:
    statuses = await register.run_statuses(session, respondent_id, INTERVIEW)
    return "completed" in statuses and not statuses & {"active", "paused"}


async def on_completed(session: AsyncSession, respondent: Respondent, run: Run) -> list[Message]:
    """A completed interview marks the respondent's actor as answered."""
    if run.questionnaire_id != INTERVIEW:
        return []
    actor = await register.actor_of(session, respondent.id)
    if actor is not None:
        await register.mark_answered(session, actor.id)
    return []
