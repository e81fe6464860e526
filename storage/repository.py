"""Repository functions: plain arguments in, typed records out. Callers own the transaction.

Nothing here commits: the caller (a bot middleware, the CLI's unit of work) wraps a whole
update in one transaction, so an answer, the run state and the "update processed" mark are
durable together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from . import audit
from .prefetch import cached
from .models import (
    Answer,
    Consent,
    ProcessedUpdate,
    QuestionnaireVersion,
    Respondent,
    Run,
    RunOutcome,
    utcnow,
)

OPEN_STATUSES = ("active", "paused")


# --- respondents and consent -------------------------------------------------------------


async def get_respondent(session: AsyncSession, channel: str, external_id: str) -> Respondent | None:
    known = cached(session)
    if known is not None and (channel, external_id) in known.respondents:
        return known.respondents[(channel, external_id)]
    return await session.scalar(
        select(Respondent).where(Respondent.channel == channel, Respondent.external_id == external_id)
    )


async def get_or_create_respondent(
    session: AsyncSession, channel: str, external_id: str, language: str = "it"
) -> Respondent:
    """The respondent for (channel, external id), created on first contact.

    Two instances may race to create the same respondent; the loser re-reads the winner's row.
    """
    found = await get_respondent(session, channel, external_id)
    if found is not None:
        return found
    try:
        async with session.begin_nested():
            respondent = Respondent(channel=channel, external_id=external_id, language=language)
            session.add(respondent)
    except IntegrityError:
        found = await session.scalar(
            select(Respondent).where(Respondent.channel == channel, Respondent.external_id == external_id)
        )
        assert found is not None
        respondent = found
    known = cached(session)
    if known is not None:
        known.respondents[(channel, external_id)] = respondent
        known.open_runs.setdefault(respondent.id, [])
    return respondent


async def change_external_id(session: AsyncSession, channel: str, old: str, new: str) -> bool:
    """Give a respondent a new external id (a web session's id renewed at consent); False if none.

    Whoever still holds ``old`` reaches nothing afterwards: the respondent's data follow ``new``.
    """
    found = await get_respondent(session, channel, old)
    if found is None:
        return False
    found.external_id = new
    await session.flush()
    known = cached(session)
    if known is not None:
        known.respondents[(channel, old)] = None
        known.respondents[(channel, new)] = found
    return True


async def set_language(session: AsyncSession, respondent: Respondent, language: str) -> None:
    respondent.language = language


async def record_consent(
    session: AsyncSession, respondent_id: int, purpose: str, granted: bool, notice_version: str
) -> None:
    session.add(
        Consent(respondent_id=respondent_id, purpose=purpose, granted=granted, notice_version=notice_version)
    )
    await session.flush()


async def consent_given(session: AsyncSession, respondent_id: int, purpose: str) -> bool:
    """The latest decision for ``purpose`` (no decision means no consent)."""
    granted = await session.scalar(
        select(Consent.granted)
        .where(Consent.respondent_id == respondent_id, Consent.purpose == purpose)
        .order_by(Consent.decided_at.desc(), Consent.id.desc())
        .limit(1)
    )
    return bool(granted)


# --- questionnaire definitions --------------------------------------------------------------


async def register_definition(
    session: AsyncSession, questionnaire_id: str, version: int, definition: dict[str, Any]
) -> None:
    """Keep the definition a run starts with (once per version)."""
    exists = await session.get(QuestionnaireVersion, (questionnaire_id, version))
    if exists is None:
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
    run.state = state
    run.status = state["status"]
    run.updated_at = now or utcnow()
    if run.status == "completed" and run.completed_at is None:
        run.completed_at = run.updated_at
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
) -> Answer:
    """Add the answer as current; an earlier answer to the same question becomes history.

    ``replaces=False`` (the caller knows the question had no answer yet — the common case)
    saves the retiring UPDATE; the row is then written with the batch at commit.
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


# --- idempotency of inbound updates -------------------------------------------------------------


async def claim_update(session: AsyncSession, channel: str, update_id: int) -> bool:
    """Mark an update as processed in this transaction; False if it already was."""
    known = cached(session)
    if known is not None and (channel, update_id) in known.checked_updates:
        if (channel, update_id) in known.processed_updates:
            return False
        known.processed_updates.add((channel, update_id))
        session.add(ProcessedUpdate(channel=channel, update_id=update_id))
        return True
    if await session.get(ProcessedUpdate, (channel, update_id)) is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(ProcessedUpdate(channel=channel, update_id=update_id))
    except IntegrityError:
        return False
    return True


# --- exports and privacy ------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportRun:
    respondent: str
    run: str
    status: str
    version: int
    started_at: datetime
    completed_at: datetime | None
    answers: dict[str, Any]
    outcomes: dict[str, Any]
    # every current answer as (key, item index, value): repeat-group items are long tables
    rows: list[tuple[str, int, Any]] = field(default_factory=list)


async def export_runs(session: AsyncSession, questionnaire_id: str) -> list[ExportRun]:
    """Every run of a questionnaire with its current answers, keyed by pseudonyms only."""
    runs = (
        await session.execute(
            select(Run, Respondent.pseudonym)
            .join(Respondent, Respondent.id == Run.respondent_id)
            .where(Run.questionnaire_id == questionnaire_id)
            .order_by(Run.started_at, Run.id)
        )
    ).all()
    run_ids = [run.id for run, _ in runs]
    answers: dict[int, dict[str, Any]] = {run_id: {} for run_id in run_ids}
    outcomes: dict[int, dict[str, Any]] = {run_id: {} for run_id in run_ids}
    rows: dict[int, list[tuple[str, int, Any]]] = {run_id: [] for run_id in run_ids}
    for chunk in _chunks(run_ids, 500):
        for run_id, key, index, value in await session.execute(
            select(Answer.run_id, Answer.question_key, Answer.item_index, Answer.value)
            .where(Answer.run_id.in_(chunk), Answer.is_current.is_(True))
            .order_by(Answer.id)
        ):
            if index == 0:
                answers[run_id][key] = value
            rows[run_id].append((key, index, value))
        for run_id, key, value in await session.execute(
            select(RunOutcome.run_id, RunOutcome.key, RunOutcome.value).where(RunOutcome.run_id.in_(chunk))
        ):
            outcomes[run_id][key] = value
    return [
        ExportRun(
            respondent=pseudonym,
            run=run.public_id,
            status=run.status,
            version=run.questionnaire_version,
            started_at=run.started_at,
            completed_at=run.completed_at,
            answers=answers[run.id],
            outcomes=outcomes[run.id],
            rows=rows[run.id],
        )
        for run, pseudonym in runs
    ]


@dataclass(frozen=True)
class RespondentData:
    pseudonym: str
    language: str
    created_at: datetime
    consents: list[tuple[str, bool, str, datetime]]
    runs: list[tuple[str, str, int, dict[str, Any]]]
    # per run, in the same order: every current answer with its item index (repeat groups)
    rows: list[list[tuple[str, int, Any]]] = field(default_factory=list)


async def respondent_data(session: AsyncSession, respondent_id: int) -> RespondentData | None:
    """Everything held about one respondent, for the privacy command."""
    respondent = await session.get(Respondent, respondent_id)
    if respondent is None:
        return None
    consents = [
        (c.purpose, c.granted, c.notice_version, c.decided_at)
        for c in await session.scalars(
            select(Consent).where(Consent.respondent_id == respondent_id).order_by(Consent.id)
        )
    ]
    runs = []
    rows = []
    for run in await session.scalars(select(Run).where(Run.respondent_id == respondent_id).order_by(Run.id)):
        runs.append((run.questionnaire_id, run.status, run.questionnaire_version, await current_answers(session, run.id)))
        rows.append(await answer_rows(session, run.id))
    return RespondentData(respondent.pseudonym, respondent.language, respondent.created_at, consents, runs, rows)


async def respondent_id_by_pseudonym(session: AsyncSession, pseudonym: str) -> int | None:
    """For staff handling a request by post: the pseudonym is what the exports show."""
    return await session.scalar(select(Respondent.id).where(Respondent.pseudonym == pseudonym.strip()))


async def erase_respondent(session: AsyncSession, respondent_id: int) -> None:
    """Delete the respondent and everything linked to it (explicitly, not trusting cascades)."""
    from .deliberation import delete_pending_of  # statements nobody approved yet go too

    known = cached(session)
    if known is not None:
        known.forget_respondent(respondent_id)
    await session.flush()
    pseudonym = await session.scalar(select(Respondent.pseudonym).where(Respondent.id == respondent_id))
    runs = await session.scalar(select(func.count()).select_from(Run).where(Run.respondent_id == respondent_id))
    await audit.record(session, "respondent", "erasure", pseudonym, detail={"runs": int(runs or 0)})
    await delete_pending_of(session, respondent_id)
    run_ids = select(Run.id).where(Run.respondent_id == respondent_id).scalar_subquery()
    await session.execute(delete(Answer).where(Answer.run_id.in_(run_ids)))
    await session.execute(delete(RunOutcome).where(RunOutcome.run_id.in_(run_ids)))
    await session.execute(delete(Run).where(Run.respondent_id == respondent_id))
    await session.execute(delete(Consent).where(Consent.respondent_id == respondent_id))
    await session.execute(delete(Respondent).where(Respondent.id == respondent_id))


def _chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
