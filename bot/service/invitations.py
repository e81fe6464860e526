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
from storage import register
from storage.models import Respondent, Run

from bot.service.reply import Reply
from bot.service.texts import translate

if TYPE_CHECKING:  # pragma: no cover - the conversation calls this module: a type only
    from bot.service.conversation import Conversation

PREFIX = "ascolto_"
INTERVIEW = "ascolto"  # the questionnaire an invitation opens


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
        return Reply([Message(kind="error", text=translate("invitation_unknown", lang))], lang=lang, rejected=True)
    invitation = await register.get_invitation(session, token)
    verdict = register.check_invitation(invitation, respondent.id)
    if verdict in ("unknown", "revoked", "used"):
        return Reply([Message(kind="error", text=translate(f"invitation_{verdict}", lang))], lang=lang, rejected=True)
    assert invitation is not None
    if INTERVIEW not in conversation.catalog:
        return Reply([Message(kind="error", text=translate("not_active", lang))], lang=lang, rejected=True)
    changed = await conversation.consent_needed(session, respondent) if respondent.id is not None else []
    if changed is not None:  # never asked, refused, or a purpose changed since (bot.service.notice)
        return conversation.consent_prompt(lang, payload_for(invitation.token), changed)
    current = await register.actor_of(session, respondent.id)
    if current is not None and current.id != invitation.actor_id:
        return Reply(
            [Message(kind="error", text=translate("other_actor", lang, organisation=current.organisation))],
            lang=lang, rejected=True,
        )
    actor = await register.redeem_invitation(session, invitation, respondent.id)
    if verdict == "own" and await _completed_without_open_run(session, respondent.id):
        return Reply([Message(kind="info", text=translate("already_done", lang, organisation=actor.organisation))], lang=lang)
    reply = await conversation.begin(session, respondent, INTERVIEW)
    reply.messages.insert(0, Message(kind="info", text=translate("welcome", lang, organisation=actor.organisation)))
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
