"""Voting in a deliberation round over WhatsApp, as on Telegram (bot.service.deliberation, storage.deliberation).

«vota» (or the invitation's link text) shows the participant's next statement with three reply
buttons (agree, disagree, pass); a press stores the vote and, on the current statement, shows the
next one; «basta» pauses. A press on a closed round or a withdrawn statement changes nothing.
"""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage import deliberation
from storage.models import DeliberationParticipant, DeliberationRound, Respondent

from bot.service.conversation import Conversation
from bot.service.texts import translate as service_text
from . import render
from .texts import translate

CHOICE = {"a": "agree", "d": "disagree", "p": "pass"}
CODE = {v: k for k, v in CHOICE.items()}
PAUSE = {"basta", "stop"}
_rng = random.Random()


class Voting:
    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation

    async def next_statement(self, session: AsyncSession, respondent: Respondent, to: str) -> list[dict[str, Any]]:
        lang = respondent.language
        found = await deliberation.participation(session, respondent.id) if respondent.id is not None else None
        if found is None:
            return render.text_bodies(to, service_text("no_round", lang))
        round_, participant = found
        return await self._show_next(session, round_, participant, respondent, to, resume=True)

    async def pause(self, session: AsyncSession, respondent: Respondent, to: str) -> list[dict[str, Any]] | None:
        """«basta» during a round; None when the respondent takes part in none (the word is then an answer)."""
        found = await deliberation.participation(session, respondent.id) if respondent.id is not None else None
        if found is None:
            return None
        _, participant = found
        await deliberation.set_participant(session, participant, "paused", participant.current_statement_id)
        return render.text_bodies(to, service_text("paused", respondent.language))

    async def vote(self, session: AsyncSession, respondent: Respondent, to: str, parts: tuple[str, ...]) -> list[dict[str, Any]]:
        lang = respondent.language
        round_id, statement_id, code = parts
        if not (round_id.isdigit() and statement_id.isdigit() and code in CHOICE):
            return render.text_bodies(to, service_text("withdrawn", lang))
        round_ = await deliberation.get_round(session, int(round_id))
        participant = (await deliberation.get_participant(session, int(round_id), respondent.id)
                       if respondent.id is not None and round_ is not None else None)
        if round_ is None or participant is None:
            return render.text_bodies(to, service_text("not_participant", lang))
        if not deliberation.is_open(round_):
            return render.text_bodies(to, service_text("closed", lang))
        statement = await deliberation.get_statement(session, int(statement_id))
        if statement is None or statement.status != deliberation.APPROVED:
            return render.text_bodies(to, service_text("withdrawn", lang))
        choice = CHOICE[code]
        previous, changed = await deliberation.record_vote(session, round_.id, statement.id, respondent.id, choice)
        if not changed:
            return render.text_bodies(to, service_text("same", lang))
        said = service_text("changed", lang, choice=service_text(choice, lang)) if previous else service_text("recorded", lang)
        out = render.text_bodies(to, said)
        if previous is None and participant.current_statement_id == statement.id and participant.status == "active":
            out += await self._show_next(session, round_, participant, respondent, to)
        return out

    async def _show_next(self, session: AsyncSession, round_: DeliberationRound, participant: DeliberationParticipant,
                         respondent: Respondent, to: str, resume: bool = False) -> list[dict[str, Any]]:
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
            return render.text_bodies(to, service_text("done", lang))
        left = await deliberation.remaining(session, round_.id, respondent.id)
        await deliberation.set_participant(session, participant, "active", statement.id)
        text = service_text("statement", lang, left=left, text=statement.text) + "\n\n" + translate("pause_hint", lang)
        buttons = [render.Choice(render.encode("v", round_.id, statement.id, CODE[c]), service_text(c, lang))
                   for c in ("agree", "disagree", "pass")]
        return render.buttons(to, text, buttons)
