"""A participant's proposal of a statement from /vota — the chat's ``/proponi`` (issue 19).

The same rule and the same store as Telegram's (:func:`bot.telegram.handlers.deliberation.proponi`):
a participant of an open round may propose one sentence of at most 140 characters; it is
stored *pending* with its lemmas and near-duplicate flag (:func:`bot.service.deliberation.create_statement`)
and is never shown to anyone before a moderator approves it, nor ever with its author. The
web has no moderators (they moderate in the chat, ``/modera``, or with ``scenari statements``),
so every web proposal waits for one.

A browser is cheaper to script than a chat account, so a participant has at most
:data:`PENDING_LIMIT` proposals waiting at once; the page says so politely. The text is
checked before any work (empty, too long, control characters) and given back to correct.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from dialogs.answers import has_control_characters, without_control_characters
from storage import deliberation
from storage.models import Respondent

from bot.service import deliberation as service

from .texts import translate

log = logging.getLogger("scenari.web")

MAX_LENGTH = deliberation.MAX_LENGTH
PENDING_LIMIT = 5
FIELD = "text"


@dataclass(frozen=True)
class Outcome:
    """What the page says after a proposal: ``ok`` or not, the text, and the draft to give back."""

    ok: bool
    text: str
    draft: str | None = None


def checked(raw: str, lang: str) -> tuple[str | None, Outcome | None]:
    """The proposal with its whitespace collapsed, or why it cannot be taken (with the draft back)."""
    if has_control_characters(raw):
        return None, Outcome(False, translate("propose_bad_chars", lang), without_control_characters(raw))
    text = " ".join(raw.split())
    if not text:
        return None, Outcome(False, translate("propose_empty", lang, n=MAX_LENGTH))
    if len(text) > MAX_LENGTH:
        return None, Outcome(False, translate("propose_too_long", lang, n=MAX_LENGTH, length=len(text)), text)
    return text, None


async def lemmas(text: str, settings: Any) -> frozenset[str]:
    """The lemmas, computed before the page's transaction (the NLP pipeline loads on first use)."""
    return await service.lemmas_of(text, settings.spacy_model)


async def store(session: Any, respondent: Respondent, text: str, found_lemmas: frozenset[str], lang: str) -> Outcome:
    """Store the pending proposal of a participant of an open round (refused, politely, otherwise)."""
    if respondent.id is None or await deliberation.participation(session, respondent.id) is None:
        return Outcome(False, translate("vote_none_web", lang))
    waiting = [s for s in await deliberation.list_statements(session, deliberation.PENDING)
               if s.author_respondent_id == respondent.id]
    if len(waiting) >= PENDING_LIMIT:
        return Outcome(False, translate("propose_too_many", lang, n=len(waiting)), text)
    await service.create_statement(session, text, "participant", found_lemmas, author_respondent_id=respondent.id)
    log.info("web proposal stored", extra={"fields": {"length": len(text)}})
    return Outcome(True, translate("propose_done", lang))
