"""What the dashboard's and the exports' filters select on: each respondent's facets, each run's day.

One read (the caller owns the transaction), plain rows out. A respondent's facets are the
channel they answered on, the category of the register actor they answer for, and three
answers or outcomes of their completed runs, whichever questionnaire asked them: the
``municipality`` and ``age_band`` answers and the ``profile`` outcome (the firms' innovation
profile). :mod:`exports.filters` decides who matches; nothing here is shown to anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Actor, Answer, Respondent, RespondentActor, Run, RunOutcome

FACET_ANSWERS = ("municipality", "age_band")  # question keys read as facets
FACET_OUTCOMES = ("profile",)  # run outcome keys read as facets


@dataclass(frozen=True)
class RespondentFacets:
    respondent_id: int
    pseudonym: str
    channel: str
    category: str | None  # the register actor's category; None: a citizen answering for themselves
    values: dict[str, str]  # facet → value (municipality, age_band, profile), when known


@dataclass(frozen=True)
class RunDay:
    run_id: int
    respondent_id: int
    questionnaire_id: str
    status: str
    started_at: datetime
    completed_at: datetime | None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (list, dict)):
        return None
    return str(value)


async def load(session: AsyncSession) -> tuple[dict[int, RespondentFacets], list[RunDay]]:
    """Every respondent's facets (by respondent id) and every run's days, in run order."""
    categories: dict[int, str] = {
        rid: category for rid, category in await session.execute(
            select(RespondentActor.respondent_id, Actor.category).join(Actor, Actor.id == RespondentActor.actor_id))
    }
    values: dict[int, dict[str, str]] = {}
    answers = (select(Run.respondent_id, Answer.question_key, Answer.value)
               .join(Run, Run.id == Answer.run_id)
               .where(Run.status == "completed", Answer.is_current.is_(True), Answer.skipped.is_(False),
                      Answer.question_key.in_(FACET_ANSWERS))
               .order_by(Run.completed_at, Run.id))
    outcomes = (select(Run.respondent_id, RunOutcome.key, RunOutcome.value)
                .join(Run, Run.id == RunOutcome.run_id)
                .where(Run.status == "completed", RunOutcome.key.in_(FACET_OUTCOMES))
                .order_by(Run.completed_at, Run.id))
    for query in (answers, outcomes):
        for rid, key, value in await session.execute(query):
            text = _text(value)
            if text is not None:
                values.setdefault(rid, {})[key] = text  # the latest completed run's wins
    facets = {
        rid: RespondentFacets(rid, pseudonym, channel, categories.get(rid), values.get(rid, {}))
        for rid, pseudonym, channel in await session.execute(
            select(Respondent.id, Respondent.pseudonym, Respondent.channel).order_by(Respondent.id))
    }
    runs = [RunDay(*row) for row in await session.execute(
        select(Run.id, Run.respondent_id, Run.questionnaire_id, Run.status, Run.started_at, Run.completed_at)
        .order_by(Run.id))]
    return facets, runs
