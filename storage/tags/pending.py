"""Pending texts: which answers are free text, and which of them the tagger has not seen yet."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import Answer, QuestionnaireVersion, Run, TaggedAnswer
from .records import PendingText, _chunks


async def text_question_keys(session: AsyncSession) -> dict[tuple[str, int], set[str]]:
    """(questionnaire id, version) → keys of its free texts, from the stored definitions: its ``text``
    questions, and the follow-up (``KEY_more``) of any question that has one, which is typed as
    freely as the question's own text and is tagged the same way."""
    out: dict[tuple[str, int], set[str]] = {}
    rows = await session.execute(
        select(QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.version, QuestionnaireVersion.definition)
    )
    for questionnaire_id, version, definition in rows:
        questions = [q for q in (definition or {}).get("questions") or [] if isinstance(q, dict) and q.get("key")]
        keys = {q["key"] for q in questions if q.get("type") == "text"}
        keys |= {f"{q['key']}_more" for q in questions if q.get("follow_up")}
        if keys:
            out[(questionnaire_id, version)] = keys
    return out


def _free_text_condition(keys: dict[tuple[str, int], set[str]]) -> Any:
    if not keys:
        return false()
    return or_(
        *(
            and_(
                Run.questionnaire_id == questionnaire_id,
                Run.questionnaire_version == version,
                Answer.question_key.in_(sorted(question_keys)),
            )
            for (questionnaire_id, version), question_keys in sorted(keys.items())
        )
    )


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else ""


async def untagged_text_answers(session: AsyncSession, limit: int = 256) -> list[PendingText]:
    """The oldest current free-text answers with no machine pass yet (at most ``limit``)."""
    keys = await text_question_keys(session)
    rows = await session.execute(
        select(Answer.id, Answer.value)
        .join(Run, Run.id == Answer.run_id)
        .outerjoin(TaggedAnswer, TaggedAnswer.answer_id == Answer.id)
        .where(
            Answer.is_current.is_(True),
            Answer.skipped.is_(False),
            TaggedAnswer.answer_id.is_(None),
            _free_text_condition(keys),
        )
        .order_by(Answer.id)
        .limit(limit)
    )
    return [PendingText(answer_id, _as_text(value)) for answer_id, value in rows]


async def free_text_answers(session: AsyncSession, answer_ids: Iterable[int] | None = None) -> dict[int, str]:
    """Current free-text answers (all, or those among ``answer_ids``) → their text."""
    keys = await text_question_keys(session)
    query = (
        select(Answer.id, Answer.value)
        .join(Run, Run.id == Answer.run_id)
        .where(Answer.is_current.is_(True), Answer.skipped.is_(False), _free_text_condition(keys))
        .order_by(Answer.id)
    )
    if answer_ids is None:
        return {answer_id: _as_text(value) for answer_id, value in await session.execute(query)}
    wanted = sorted(set(answer_ids))
    out: dict[int, str] = {}
    for chunk in _chunks(wanted, 500):
        for answer_id, value in await session.execute(query.where(Answer.id.in_(chunk))):
            out[answer_id] = _as_text(value)
    return out
