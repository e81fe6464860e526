"""Statements and their moderation: proposal, approval (possibly rewritten), rejection, merging.

Only *approved* statements are ever put to participants, and no function here returns an author
to a caller that shows statements. Callers own the transaction; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import Answer, DeliberationParticipant, Run, Statement, Vote, VoteEvent, utcnow
from .common import (
    APPROVED,
    MAX_LENGTH,
    MERGED,
    PENDING,
    REJECTED,
    SOURCE_KEYS,
    SOURCES,
    DeliberationError,
    aware,
)


async def add_statement(
    session: AsyncSession, text: str, source: str, *, status: str = PENDING, source_answer_id: int | None = None,
    author_respondent_id: int | None = None, lemmas: Iterable[str] = (), duplicate_of_id: int | None = None,
    similarity: float | None = None, decided_by: str | None = None,
) -> Statement:
    text = " ".join(text.split())
    if not text:
        raise DeliberationError("a statement cannot be empty")
    if len(text) > MAX_LENGTH:
        raise DeliberationError(f"a statement is at most {MAX_LENGTH} characters (this one has {len(text)})")
    if source not in SOURCES:
        raise DeliberationError(f"unknown source {source!r}")
    statement = Statement(
        text=text, status=status, source=source, source_answer_id=source_answer_id,
        author_respondent_id=author_respondent_id, lemmas=" ".join(sorted(set(lemmas))),
        duplicate_of_id=duplicate_of_id, similarity=similarity, created_at=utcnow(),
        decided_at=utcnow() if status != PENDING else None, decided_by=decided_by,
    )
    session.add(statement)
    await session.flush()
    return statement


async def get_statement(session: AsyncSession, statement_id: int) -> Statement | None:
    return await session.get(Statement, statement_id)


async def list_statements(session: AsyncSession, status: str | None = None) -> list[Statement]:
    query = select(Statement).order_by(Statement.id)
    if status:
        query = query.where(Statement.status == status)
    return list(await session.scalars(query))


async def similarity_candidates(session: AsyncSession, exclude: int | None = None) -> list[tuple[int, str, str]]:
    """(id, text, lemmas) of the pending and approved statements: what a new one may duplicate."""
    query = select(Statement.id, Statement.text, Statement.lemmas).where(Statement.status.in_((PENDING, APPROVED)))
    if exclude is not None:
        query = query.where(Statement.id != exclude)
    return [(i, t, lem or "") for i, t, lem in await session.execute(query.order_by(Statement.id))]


async def _decidable(session: AsyncSession, statement_id: int) -> Statement:
    statement = await session.get(Statement, statement_id)
    if statement is None:
        raise DeliberationError(f"no statement #{statement_id}")
    if statement.status == MERGED:
        raise DeliberationError(f"statement #{statement_id} was merged into #{statement.merged_into_id}")
    return statement


async def approve(session: AsyncSession, statement_id: int, by: str, text: str | None = None,
                  lemmas: Iterable[str] | None = None) -> Statement:
    """Approve, optionally rewritten (the proposal is kept in ``original_text``)."""
    statement = await _decidable(session, statement_id)
    if text is not None:
        text = " ".join(text.split())
        if not text or len(text) > MAX_LENGTH:
            raise DeliberationError(f"a statement is 1 to {MAX_LENGTH} characters (this one has {len(text)})")
        if text != statement.text:
            statement.original_text = statement.original_text or statement.text
            statement.text = text
            if lemmas is not None:
                statement.lemmas = " ".join(sorted(set(lemmas)))
    statement.status = APPROVED
    statement.decided_at = utcnow()
    statement.decided_by = by[:64]
    await session.flush()
    return statement


async def reject(session: AsyncSession, statement_id: int, by: str) -> Statement:
    statement = await _decidable(session, statement_id)
    statement.status = REJECTED
    statement.decided_at = utcnow()
    statement.decided_by = by[:64]
    await session.flush()
    return statement


async def merge(session: AsyncSession, source_id: int, target_id: int, by: str) -> tuple[Statement, int]:
    """Merge ``source`` into ``target`` (approved, or pending: then approved too), moving the votes.

    Returns the target and how many votes moved. Where a participant voted on both in a round,
    the more recent vote is kept; both presses stay in the history (now under the target).
    """
    if source_id == target_id:
        raise DeliberationError("a statement cannot be merged into itself")
    source = await _decidable(session, source_id)
    target = await _decidable(session, target_id)
    if target.status == REJECTED:
        raise DeliberationError(f"statement #{target_id} was rejected: merge into an approved one")
    await session.flush()
    moved = 0
    source_votes = list(await session.scalars(select(Vote).where(Vote.statement_id == source_id)))
    if source_votes:
        keys = {(v.round_id, v.respondent_id) for v in source_votes}
        existing = {
            (v.round_id, v.respondent_id): v
            for v in await session.scalars(select(Vote).where(Vote.statement_id == target_id))
            if (v.round_id, v.respondent_id) in keys
        }
        for vote in source_votes:
            other = existing.get((vote.round_id, vote.respondent_id))
            if other is None:
                vote.statement_id = target_id
                moved += 1
            elif aware(vote.updated_at) > aware(other.updated_at):  # type: ignore[operator]
                other.choice, other.updated_at = vote.choice, vote.updated_at
                await session.delete(vote)
                moved += 1
            else:
                await session.delete(vote)
        await session.flush()
    await session.execute(update(VoteEvent).where(VoteEvent.statement_id == source_id).values(statement_id=target_id)
                          .execution_options(synchronize_session=False))
    await session.execute(update(DeliberationParticipant).where(DeliberationParticipant.current_statement_id == source_id)
                          .values(current_statement_id=None).execution_options(synchronize_session=False))
    source.status, source.merged_into_id = MERGED, target_id
    source.decided_at, source.decided_by = utcnow(), by[:64]
    if target.status == PENDING:
        target.status, target.decided_at, target.decided_by = APPROVED, utcnow(), by[:64]
    await session.flush()
    return target, moved


async def used_answer_ids(session: AsyncSession) -> set[int]:
    return set(await session.scalars(select(Statement.source_answer_id).where(Statement.source_answer_id.is_not(None))))


@dataclass(frozen=True)
class SourceText:
    answer_id: int
    respondent_id: int
    kind: str  # objective | vision
    text: str


async def source_texts(session: AsyncSession, limit: int | None = None) -> list[SourceText]:
    """Objectives and visions in free text (current answers of completed runs) not proposed yet."""
    used = select(Statement.source_answer_id).where(Statement.source_answer_id.is_not(None))
    wanted = or_(*(and_(Run.questionnaire_id == qid, Answer.question_key == key) for qid, key in SOURCE_KEYS.values()))
    query = (
        select(Answer.id, Run.respondent_id, Answer.question_key, Answer.value)
        .join(Run, Run.id == Answer.run_id)
        .where(Run.status == "completed", Answer.is_current.is_(True), Answer.skipped.is_(False), wanted,
               Answer.id.not_in(used))
        .order_by(Answer.id)
    )
    if limit:
        query = query.limit(limit)
    found = []
    for answer_id, respondent_id, key, value in await session.execute(query):
        if isinstance(value, str) and value.strip():
            found.append(SourceText(answer_id, respondent_id, "objective" if key == "objective" else "vision", value))
    return found


async def delete_pending_of(session: AsyncSession, respondent_id: int) -> int:
    """Erasure: a person's statements nobody approved yet go with them."""
    result = await session.execute(delete(Statement).where(Statement.author_respondent_id == respondent_id,
                                                           Statement.status == PENDING))
    return int(result.rowcount or 0)
