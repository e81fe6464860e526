"""What follows the completion of a listening questionnaire, and how a project card reads.

:class:`ListeningHooks` is the default ``on_completed`` hook of
:class:`bot.service.conversation.Conversation`: it runs in the transaction of the answer that
completed a run and

* ``ascolto`` (an interview): marks the respondent's actor as answered;
* ``progetto``: turns the run into a project card;
* ``valutazione``: stores the rating of the card the run is tied to and recomputes the card's
  aggregate with the configured weights (``SCENARI_RATING_WEIGHTS``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

import dialogs
from dialogs import Message, Questionnaire, RunState
from dialogs.i18n import number
from storage import ratings
from storage.models import Card, Respondent, Run

from bot.service import invitations
from bot.service.catalog import QuestionnaireCatalog, UnknownQuestionnaire
from bot.service.texts import translate

CARD_QUESTIONNAIRE = "progetto"
AGE_KEY = "age"  # the age gate's question (plans/*/questionnaires/fragments/age_gate.yaml)
RATING_QUESTIONNAIRE = "valutazione"
INTERVIEW_QUESTIONNAIRE = "ascolto"
# An interview's project item, in the words of a project card.
INTERVIEW_PROJECT_FIELDS = {
    "project_title": "title",
    "project_stage": "stage",
    "project_theme": "theme",
    "project_summary": "description",
    "project_summary_more": "description_more",
}

# ... and back: the interview's question a card's field was answered under (its choices' labels)
CARD_KEYS_IN_INTERVIEW = {card: interview for interview, card in INTERVIEW_PROJECT_FIELDS.items()}

LABELS: dict[str, tuple[str, str]] = {
    "promoter": ("Promotore", "Promoter"),
    "partners": ("Partner", "Partners"),
    "theme": ("Ambito", "Area"),
    "stage": ("Stato", "Stage"),
    "cost": ("Costo", "Cost"),
    "funding": ("Fonti di finanziamento", "Funding sources"),
    "description": ("Descrizione", "Description"),
    "results": ("Risultati attesi", "Expected results"),
}


class ListeningHooks:
    """The ``on_completed`` hook for interviews, project cards and ratings."""

    def __init__(self, weights: Mapping[str, float] | None = None) -> None:
        self.weights = dict(weights) if weights else dict(ratings.EQUAL_WEIGHTS)

    async def __call__(
        self, session: AsyncSession, respondent: Respondent, run: Run, q: Questionnaire, state: RunState
    ) -> list[Message]:
        messages = await invitations.on_completed(session, respondent, run)
        if q.id == CARD_QUESTIONNAIRE:
            card = await card_from_answers(session, run, state.answers)
            messages.append(Message(kind="info", text=translate("card_saved", state.lang, title=card.title, card=card.id)))
        elif q.id == INTERVIEW_QUESTIONNAIRE:
            # Each project the interviewee described becomes a card raters can assess.
            for index, item in enumerate(state.answers.get("projects") or []):
                fields = {INTERVIEW_PROJECT_FIELDS[k]: v for k, v in item.items() if k in INTERVIEW_PROJECT_FIELDS}
                card = await card_from_answers(session, run, fields, item_index=index)
                messages.append(Message(kind="info", text=translate("card_saved", state.lang, title=card.title, card=card.id)))
        elif q.id == RATING_QUESTIONNAIRE:
            messages += await self._rating(session, respondent, run, state)
        return messages

    async def _rating(self, session: AsyncSession, respondent: Respondent, run: Run, state: RunState) -> list[Message]:
        rating = await ratings.rating_for_run(session, run.id)
        if rating is None:  # a valutazione run not tied to a card: nothing to score
            return []
        await ratings.complete_rating(session, rating, state.answers, state.answers.get("comment"), self.weights)
        overall = ratings.weighted_mean(rating.scores, self.weights)
        left = len(await ratings.cards_to_rate(session, respondent.id))
        more = translate("more", state.lang) if left else "."
        return [Message(kind="info", text=translate("rating_saved", state.lang, overall=number(overall, state.lang, decimals=2), left=left, more=more))]


async def card_from_answers(session: AsyncSession, run: Run, answers: Mapping[str, Any], item_index: int = 0) -> Card:
    """A card from a progetto run's answers (or one interview item's, with the same keys)."""
    cost = answers.get("cost")
    return await ratings.create_card(
        # the age gate's answer is the respondent's, not the project's: it stays off the card
        session, run, {key: value for key, value in answers.items() if value is not None and key != AGE_KEY},
        item_index=item_index,
        title=str(answers.get("title") or "—"),
        promoter=answers.get("promoter"),
        theme=answers.get("theme"),
        stage=answers.get("stage"),
        cost=float(cost) if isinstance(cost, (int, float)) else None,
    )


SUMMARY_KEYS = ("promoter", "partners", "theme", "stage", "cost", "funding")


async def card_summary(session: AsyncSession, catalog: QuestionnaireCatalog, card: Card, lang: str) -> str:
    """The card as a rater reads it before rating (plain text)."""
    fields = dict(card.fields or {})
    try:
        q: Questionnaire | None = await catalog.for_run(session, card.questionnaire_id, card.questionnaire_version)
    except UnknownQuestionnaire:
        q = None
    interview = card.questionnaire_id == INTERVIEW_QUESTIONNAIRE

    def label(key: str) -> str:
        it, en = LABELS[key]
        return en if lang == "en" else it

    def value(key: str) -> str:
        raw = fields[key]
        if key == "cost" and isinstance(raw, (int, float)):
            return f"{number(float(raw), lang, decimals=2)} €"
        if q is not None:
            try:  # an interview's card keeps the card's words: its choices are the interview's question's
                return dialogs.describe(q, q.question(CARD_KEYS_IN_INTERVIEW.get(key, key) if interview else key), raw, lang)
            except (KeyError, ValueError):
                pass
        return ", ".join(map(str, raw)) if isinstance(raw, list) else str(raw)

    lines = [translate("card_header", lang, card=card.id, title=card.title)]
    for key in SUMMARY_KEYS:
        if key in fields:
            lines.append(f"• {label(key)}: {value(key)}")
    if "start_year" in fields or "end_year" in fields:
        period = f"{fields.get('start_year', '…')}–{fields.get('end_year', '…')}"
        lines.append(f"• {translate('period', lang)}: {period}")
    for key in ("description", "results"):
        if key in fields:
            lines.append("")
            lines.append(f"{label(key)}:\n{value(key)}")
    return "\n".join(lines)
