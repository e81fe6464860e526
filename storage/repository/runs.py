"""Questionnaire definitions, runs and answers (an answer changed adds a row; the old one stays as history)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from ..prefetch import cached, deferring
from ..models import Answer, QuestionnaireVersion, Run, RunOutcome, utcnow


OPEN_STATUSES = ("active", "paused")


async def definition_registered(session: AsyncSession, questionnaire_id: str, version: int) -> bool:
    """Whether this version's definition is stored, without loading it (a definition is tens of KB of JSON)."""
    return await session.scalar(
        select(QuestionnaireVersion.version).where(
            QuestionnaireVersion.questionnaire_id == questionnaire_id, QuestionnaireVersion.version == version
        )
    ) is not None


async def register_definition(
    session: AsyncSession, questionnaire_id: str, version: int, definition: dict[str, Any]
) -> None:
    """Keep the definition a run starts with (once per version)."""
    if not await definition_registered(session, questionnaire_id, version):
        try:
            async with session.begin_nested():
                session.add(
                    QuestionnaireVersion(questionnaire_id=questionnaire_id, version=version, definition=definition)
                )
        except IntegrityError:
            pass  # another instance registered it first: same content by construction


async def get_definition(session: AsyncSession, questionnaire_id: str, version: int) -> dict[str, Any] | None:
    row = await session.get(QuestionnaireVersion, (questionnaire_id, version))
    return row.definition if row else None


# --- runs and answers -----------------------------------------------------------------------


async def create_run(
    session: AsyncSession, respondent_id: int, questionnaire_id: str, version: int, state: dict[str, Any]
) -> Run:
    run = Run(
        respondent_id=respondent_id,
        questionnaire_id=questionnaire_id,
        questionnaire_version=version,
        status=state.get("status", "active"),
        state=state,
    )
    session.add(run)
    await session.flush()
    known = cached(session)
    if known is not None:
        known.remember_run(run)
    return run


async def get_run(session: AsyncSession, run_id: int) -> Run | None:
    return await session.get(Run, run_id)


async def get_run_by_public_id(session: AsyncSession, public_id: str) -> Run | None:
    known = cached(session)
    if known is not None:
        for runs in known.open_runs.values():
            for run in runs:
                if run.public_id == public_id:
                    return run
    return await session.scalar(select(Run).where(Run.public_id == public_id))


async def open_run(
    session: AsyncSession, respondent_id: int, questionnaire_id: str | None = None, for_update: bool = False
) -> Run | None:
    """The respondent's most recent active or paused run (optionally of one questionnaire)."""
    known = cached(session)
    if known is not None and respondent_id in known.open_runs:
        return next(
            (run for run in known.open_runs[respondent_id] if questionnaire_id in (None, run.questionnaire_id)), None
        )
    query = select(Run).where(Run.respondent_id == respondent_id, Run.status.in_(OPEN_STATUSES))
    if questionnaire_id:
        query = query.where(Run.questionnaire_id == questionnaire_id)
    query = query.order_by(Run.updated_at.desc(), Run.id.desc()).limit(1)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def save_run_state(session: AsyncSession, run: Run, state: dict[str, Any], now: datetime | None = None) -> None:
    updated_at = now or utcnow()
    status = state["status"]
    completed_at = updated_at if status == "completed" and run.completed_at is None else run.completed_at
    deferred = deferring(session) if run.id is not None else None
    if deferred is not None:
        # One executemany UPDATE for the batch's runs (storage.prefetch) instead of the ORM's
        # per-object flush; the object holds the new values as committed ones, so whatever reads
        # it later in this transaction sees them and the ORM does not write them a second time.
        deferred.runs[run.id] = {"run_id": run.id, "state": state, "status": status, "updated_at": updated_at,
                                 "completed_at": completed_at}
        for name, value in (("state", state), ("status", status), ("updated_at", updated_at),
                            ("completed_at", completed_at)):
            set_committed_value(run, name, value)
    else:
        run.state = state
        run.status = status
        run.updated_at = updated_at
        if run.completed_at != completed_at:
            run.completed_at = completed_at
    known = cached(session)
    if known is not None:
        known.remember_run(run)
    # No flush: under group commit the whole batch's changes are written in one go at commit.


async def store_answer(
    session: AsyncSession,
    run_id: int,
    question_key: str,
    value: Any,
    raw: str | None,
    skipped: bool = False,
    item_index: int = 0,
    replaces: bool = True,
) -> Answer | None:
    """Add the answer as current; an earlier answer to the same question becomes history.

    ``replaces=False`` (the caller knows the question had no answer yet — the common case)
    saves the retiring UPDATE; the row is then written with the batch at commit. Under group
    commit (a prefetched batch) the row waits as a plain row for the batch's one executemany
    (storage.prefetch) and None is returned; otherwise the ORM object added to the session.
    """
    if replaces:
        await session.execute(
            update(Answer)
            .where(
                Answer.run_id == run_id,
                Answer.question_key == question_key,
                Answer.item_index == item_index,
                Answer.is_current.is_(True),
            )
            .values(is_current=False)
        )
    deferred = deferring(session)
    if deferred is not None:
        deferred.answers.append({
            "run_id": run_id, "question_key": question_key, "item_index": item_index, "value": value, "raw": raw,
            "skipped": skipped, "is_current": True, "answered_at": utcnow(), "text_erased_at": None,
        })
        return None
    answer = Answer(
        run_id=run_id, question_key=question_key, item_index=item_index, value=value, raw=raw, skipped=skipped
    )
    session.add(answer)
    return answer


async def retire_answers(
    session: AsyncSession, run_id: int, question_keys: Iterable[str], item_index: int | None = None
) -> None:
    """Answers that skip logic made irrelevant stop counting, but stay in the history.

    ``item_index`` limits it to one item of a repeat group (all items otherwise).
    """
    keys = list(question_keys)
    if keys:
        query = update(Answer).where(
            Answer.run_id == run_id, Answer.question_key.in_(keys), Answer.is_current.is_(True)
        )
        if item_index is not None:
            query = query.where(Answer.item_index == item_index)
        await session.execute(query.values(is_current=False))


async def erase_run_answers(session: AsyncSession, run_id: int) -> None:
    """Delete every answer of a run, history included, and its outcomes: a run stopped because
    the respondent may not take part (under the minimum age) keeps nothing they said."""
    await session.execute(delete(Answer).where(Answer.run_id == run_id))
    await session.execute(delete(RunOutcome).where(RunOutcome.run_id == run_id))


async def current_answers(session: AsyncSession, run_id: int) -> dict[str, Any]:
    rows = await session.execute(
        select(Answer.question_key, Answer.value)
        .where(Answer.run_id == run_id, Answer.is_current.is_(True))
        .order_by(Answer.id)
    )
    return {key: value for key, value in rows}


async def answer_rows(session: AsyncSession, run_id: int) -> list[tuple[str, int, Any]]:
    """Current answers as (question key, item index, value), items of repeat groups included."""
    rows = await session.execute(
        select(Answer.question_key, Answer.item_index, Answer.value)
        .where(Answer.run_id == run_id, Answer.is_current.is_(True))
        .order_by(Answer.item_index, Answer.id)
    )
    return [(key, index, value) for key, index, value in rows]


async def answer_history(session: AsyncSession, run_id: int) -> list[Answer]:
    return list(await session.scalars(select(Answer).where(Answer.run_id == run_id).order_by(Answer.id)))


async def save_outcomes(session: AsyncSession, run_id: int, outcomes: dict[str, Any]) -> None:
    await session.execute(delete(RunOutcome).where(RunOutcome.run_id == run_id))
    session.add_all(RunOutcome(run_id=run_id, key=key, value=value) for key, value in outcomes.items())
    await session.flush()


async def outcome_distribution(session: AsyncSession, questionnaire_id: str, key: str) -> dict[str, int]:
    """How completed runs are spread over the values of one outcome (e.g. profiles)."""
    rows = await session.execute(
        select(RunOutcome.value, func.count())
        .join(Run, Run.id == RunOutcome.run_id)
        .where(Run.questionnaire_id == questionnaire_id, Run.status == "completed", RunOutcome.key == key)
        .group_by(RunOutcome.value)
    )
    return {str(value): count for value, count in rows}
