"""Deliberation: statements, their moderation, rounds, participants and votes (issue 9).

* A **statement** is ≤ 140 characters. It is *pending* until a moderator approves it (possibly
  rewritten: the proposal is kept in ``original_text``), rejects it, or merges it into another.
  Only *approved* statements are ever put to participants (:func:`next_statement`), and no
  function here returns an author to a caller that shows statements.
* A **round** is opened for a segment (storage.audiences) and a period; its participants are
  the segment's recipients when it opened (or later additions); it carries its thresholds.
* A **vote** is stored once per (round, statement, participant); a new press changes it and
  appends to ``vote_events`` (the history). Merging statement A into B moves A's votes to B;
  where one person voted on both, the more recent vote is kept (the other stays in the history).

Callers own the transaction; nothing here commits.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .models import (
    Actor,
    Answer,
    DeliberationParticipant,
    DeliberationRound,
    Respondent,
    RespondentActor,
    Run,
    Statement,
    Vote,
    VoteEvent,
    utcnow,
)

MAX_LENGTH = 140
CHOICES = ("agree", "disagree", "pass")
SOURCES = ("objective", "vision", "moderator", "participant")
PENDING, APPROVED, REJECTED, MERGED = "pending", "approved", "rejected", "merged"
# free-text answers statements are proposed from: objectives (ascolto) and visions (visione)
SOURCE_KEYS = {"objective": ("ascolto", "objective"), "vision_text": ("visione", "vision_text"),
               "become": ("visione", "become")}
CITIZEN = "citizen"
FIRM = "firm"


class DeliberationError(ValueError):
    """A request that cannot be carried out (unknown statement, wrong state …); the message says why."""


def aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


# --- statements ---------------------------------------------------------------------------------


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


# --- rounds and participants ----------------------------------------------------------------------


async def open_round(session: AsyncSession, name: str, segment: dict[str, Any], *, closes_at: datetime | None = None,
                     opens_at: datetime | None = None, min_votes: int = 5, min_category_votes: int = 3) -> DeliberationRound:
    name = name.strip()
    if not name or len(name) > 60:
        raise DeliberationError("a round's name is 1 to 60 characters")
    if await session.scalar(select(DeliberationRound.id).where(DeliberationRound.name == name)) is not None:
        raise DeliberationError(f"a round named {name!r} exists already")
    opens_at = opens_at or utcnow()
    if closes_at is not None and aware(closes_at) <= aware(opens_at):  # type: ignore[operator]
        raise DeliberationError("a round must close after it opens")
    if min_votes < 1 or min_category_votes < 1:
        raise DeliberationError("the minimum votes are at least 1")
    row = DeliberationRound(name=name, segment=segment, status="open", opens_at=opens_at, closes_at=closes_at,
                            min_votes=min_votes, min_category_votes=min_category_votes, invited=0, created_at=utcnow())
    session.add(row)
    await session.flush()
    return row


async def get_round(session: AsyncSession, ref: str | int) -> DeliberationRound | None:
    if isinstance(ref, int) or str(ref).isdigit():
        found = await session.get(DeliberationRound, int(ref))
        if found is not None:
            return found
    return await session.scalar(select(DeliberationRound).where(DeliberationRound.name == str(ref)))


async def list_rounds(session: AsyncSession) -> list[DeliberationRound]:
    return list(await session.scalars(select(DeliberationRound).order_by(DeliberationRound.id)))


def is_open(round_: DeliberationRound, now: datetime | None = None) -> bool:
    now = now or utcnow()
    if round_.status != "open" or aware(round_.opens_at) > now:  # type: ignore[operator]
        return False
    return round_.closes_at is None or aware(round_.closes_at) > now  # type: ignore[operator]


async def close_round(session: AsyncSession, round_id: int) -> DeliberationRound:
    row = await session.get(DeliberationRound, round_id)
    if row is None:
        raise DeliberationError(f"no round #{round_id}")
    row.status, row.closed_at = "closed", row.closed_at or utcnow()
    await session.flush()
    return row


async def add_participants(session: AsyncSession, round_id: int, respondent_ids: Sequence[int],
                           status: str = "invited") -> list[int]:
    """Add who is not a participant yet; returns the new ones."""
    known = set(await session.scalars(select(DeliberationParticipant.respondent_id)
                                      .where(DeliberationParticipant.round_id == round_id)))
    new = [rid for rid in dict.fromkeys(respondent_ids) if rid not in known]
    now = utcnow()
    for rid in new:
        session.add(DeliberationParticipant(round_id=round_id, respondent_id=rid, status=status, invited_at=now, updated_at=now))
    if new:
        await session.execute(update(DeliberationRound).where(DeliberationRound.id == round_id)
                              .values(invited=DeliberationRound.invited + len(new)).execution_options(synchronize_session=False))
    await session.flush()
    return new


async def participation(session: AsyncSession, respondent_id: int, now: datetime | None = None
                        ) -> tuple[DeliberationRound, DeliberationParticipant] | None:
    """The respondent's participation in the most recently opened round that is open now."""
    rows = await session.execute(
        select(DeliberationRound, DeliberationParticipant)
        .join(DeliberationParticipant, DeliberationParticipant.round_id == DeliberationRound.id)
        .where(DeliberationParticipant.respondent_id == respondent_id, DeliberationRound.status == "open")
        .order_by(DeliberationRound.opens_at.desc(), DeliberationRound.id.desc())
    )
    for round_, participant in rows:
        if is_open(round_, now):
            return round_, participant
    return None


async def get_participant(session: AsyncSession, round_id: int, respondent_id: int) -> DeliberationParticipant | None:
    return await session.get(DeliberationParticipant, (round_id, respondent_id))


async def set_participant(session: AsyncSession, participant: DeliberationParticipant, status: str,
                          current_statement_id: int | None = None) -> None:
    participant.status = status
    participant.current_statement_id = current_statement_id
    participant.updated_at = utcnow()
    await session.flush()


async def next_statement(session: AsyncSession, round_id: int, respondent_id: int,
                         rng: random.Random | None = None) -> Statement | None:
    """The approved statement this participant has not voted on with the fewest votes in the round
    (coverage first); among equals, one at random."""
    counts = (
        select(Vote.statement_id, func.count().label("n")).where(Vote.round_id == round_id)
        .group_by(Vote.statement_id).subquery()
    )
    mine = select(Vote.statement_id).where(Vote.round_id == round_id, Vote.respondent_id == respondent_id)
    rows = list(await session.execute(
        select(Statement.id, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.statement_id == Statement.id)
        .where(Statement.status == APPROVED, Statement.id.not_in(mine))
    ))
    if not rows:
        return None
    fewest = min(n for _, n in rows)
    choice = (rng or random).choice(sorted(sid for sid, n in rows if n == fewest))
    return await session.get(Statement, choice)


async def remaining(session: AsyncSession, round_id: int, respondent_id: int) -> int:
    mine = select(Vote.statement_id).where(Vote.round_id == round_id, Vote.respondent_id == respondent_id)
    return int(await session.scalar(select(func.count()).select_from(Statement)
                                     .where(Statement.status == APPROVED, Statement.id.not_in(mine))) or 0)


async def record_vote(session: AsyncSession, round_id: int, statement_id: int, respondent_id: int, choice: str
                      ) -> tuple[str | None, bool]:
    """Store the vote; returns (the previous choice or None, whether anything changed)."""
    if choice not in CHOICES:
        raise DeliberationError(f"unknown vote {choice!r}")
    vote = await session.scalar(select(Vote).where(Vote.round_id == round_id, Vote.statement_id == statement_id,
                                                   Vote.respondent_id == respondent_id))
    now = utcnow()
    if vote is not None and vote.choice == choice:
        return choice, False
    previous = vote.choice if vote is not None else None
    if vote is None:
        session.add(Vote(round_id=round_id, statement_id=statement_id, respondent_id=respondent_id, choice=choice,
                         created_at=now, updated_at=now))
    else:
        vote.choice, vote.updated_at = choice, now
    session.add(VoteEvent(round_id=round_id, statement_id=statement_id, respondent_id=respondent_id, choice=choice,
                          cast_at=now))
    await session.flush()
    return previous, True


async def votes_of(session: AsyncSession, round_id: int, respondent_id: int) -> dict[int, str]:
    return dict((sid, c) for sid, c in await session.execute(
        select(Vote.statement_id, Vote.choice).where(Vote.round_id == round_id, Vote.respondent_id == respondent_id)))


async def round_status(session: AsyncSession, round_id: int) -> dict[str, int]:
    """Counts only: participants by state, voters, votes, vote changes, statements by state."""
    status: dict[str, int] = {}
    for state, n in await session.execute(
        select(DeliberationParticipant.status, func.count()).where(DeliberationParticipant.round_id == round_id)
        .group_by(DeliberationParticipant.status)
    ):
        status[f"participants_{state}"] = int(n)
    status["participants"] = sum(v for k, v in status.items() if k.startswith("participants_"))
    status["votes"] = int(await session.scalar(select(func.count()).select_from(Vote).where(Vote.round_id == round_id)) or 0)
    status["voters"] = int(await session.scalar(select(func.count(func.distinct(Vote.respondent_id)))
                                                .where(Vote.round_id == round_id)) or 0)
    presses = int(await session.scalar(select(func.count()).select_from(VoteEvent).where(VoteEvent.round_id == round_id)) or 0)
    status["changes"] = presses - status["votes"]
    for state, n in await session.execute(select(Statement.status, func.count()).group_by(Statement.status)):
        status[f"statements_{state}"] = int(n)
    return status


async def vote_counts(session: AsyncSession, statement_ids: Sequence[int]) -> dict[int, int]:
    if not statement_ids:
        return {}
    return dict((sid, int(n)) for sid, n in await session.execute(
        select(Vote.statement_id, func.count()).where(Vote.statement_id.in_(list(statement_ids))).group_by(Vote.statement_id)))


async def voters(session: AsyncSession, round_id: int) -> list[tuple[int, str, str]]:
    """(respondent id, chat id, language) of every Telegram participant who voted in the round."""
    rows = await session.execute(
        select(Respondent.id, Respondent.external_id, Respondent.language)
        .where(Respondent.id.in_(select(Vote.respondent_id).where(Vote.round_id == round_id)),
               Respondent.channel == "telegram")
        .order_by(Respondent.id)
    )
    return [(rid, ext, lang or "it") for rid, ext, lang in rows if ext.lstrip("-").isdigit()]


# --- what the consensus tables read -----------------------------------------------------------------


@dataclass
class VoteData:
    """Columnar votes with each voter's declared category, the statements' texts and the rounds."""

    round_id: list[int] = field(default_factory=list)
    statement_id: list[int] = field(default_factory=list)
    respondent_id: list[int] = field(default_factory=list)
    choice: list[str] = field(default_factory=list)
    category: list[str] = field(default_factory=list)
    statements: dict[int, str] = field(default_factory=dict)
    rounds: dict[int, tuple[str, int, int]] = field(default_factory=dict)  # id → (name, min votes, min per category)

    def __len__(self) -> int:
        return len(self.choice)


async def respondent_categories(session: AsyncSession, respondent_ids: Iterable[int]) -> dict[int, str]:
    """Each respondent's declared category: the register actor's category they answer for; else the
    category they declared in the interview (``ascolto``); else ``firm`` for a respondent of the
    business survey; else ``citizen`` (citizens are their own category)."""
    ids = sorted(set(respondent_ids))
    found: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for rid, category in await session.execute(
            select(RespondentActor.respondent_id, Actor.category).join(Actor, Actor.id == RespondentActor.actor_id)
            .where(RespondentActor.respondent_id.in_(chunk))
        ):
            found[rid] = category
        missing = [rid for rid in chunk if rid not in found]
        if missing:
            for rid, value in await session.execute(
                select(Run.respondent_id, Answer.value).join(Run, Run.id == Answer.run_id)
                .where(Run.respondent_id.in_(missing), Run.questionnaire_id == "ascolto", Run.status == "completed",
                       Answer.question_key == "category", Answer.is_current.is_(True), Answer.skipped.is_(False))
                .order_by(Run.id)
            ):
                if isinstance(value, str) and value:
                    found[rid] = value  # the latest completed interview wins (ordered by run)
            missing = [rid for rid in chunk if rid not in found]
        if missing:
            firms = set(await session.scalars(
                select(Run.respondent_id).where(Run.respondent_id.in_(missing), Run.questionnaire_id == "imprese",
                                                Run.status == "completed")))
            for rid in missing:
                found[rid] = FIRM if rid in firms else CITIZEN
    return found


async def load_votes(session: AsyncSession, round_ids: Sequence[int] | None = None) -> VoteData:
    """Every current vote (of the given rounds, or all), on statements that are approved now."""
    query = (
        select(Vote.round_id, Vote.statement_id, Vote.respondent_id, Vote.choice)
        .join(Statement, Statement.id == Vote.statement_id)
        .where(Statement.status == APPROVED)
        .order_by(Vote.round_id, Vote.statement_id, Vote.respondent_id)
    )
    if round_ids is not None:
        query = query.where(Vote.round_id.in_(list(round_ids)))
    data = VoteData()
    for r, s, p, c in await session.execute(query):
        data.round_id.append(r)
        data.statement_id.append(s)
        data.respondent_id.append(p)
        data.choice.append(c)
    categories = await respondent_categories(session, set(data.respondent_id))
    data.category = [categories.get(p, CITIZEN) for p in data.respondent_id]
    data.statements = {i: t for i, t in await session.execute(
        select(Statement.id, Statement.text).where(Statement.status == APPROVED))}
    rounds = select(DeliberationRound.id, DeliberationRound.name, DeliberationRound.min_votes,
                    DeliberationRound.min_category_votes)
    if round_ids is not None:
        rounds = rounds.where(DeliberationRound.id.in_(list(round_ids)))
    data.rounds = {i: (n, mv, mc) for i, n, mv, mc in await session.execute(rounds)}
    return data


async def delete_pending_of(session: AsyncSession, respondent_id: int) -> int:
    """Erasure: a person's statements nobody approved yet go with them."""
    result = await session.execute(delete(Statement).where(Statement.author_respondent_id == respondent_id,
                                                           Statement.status == PENDING))
    return int(result.rowcount or 0)


async def simulate_votes(session: AsyncSession, seed: int = 1, per_person: int = 15, statements: int = 40,
                         participants: int | None = None) -> dict[str, int]:
    """A synthetic deliberation round (``scenari simulate --votes N``): approved statements, a round,
    and about ``per_person`` votes from each respondent with a completed run, leaning by category."""
    from sqlalchemy import insert

    rnd = random.Random(seed)
    name = f"simulata-{seed}-{rnd.randrange(10**6)}"
    ids = []
    for i in range(statements):
        s = await add_statement(session, f"Affermazione simulata {i + 1} ({name})", "moderator", status=APPROVED,
                                decided_by="simulate")
        ids.append(s.id)
    round_ = await open_round(session, name, {}, min_votes=5, min_category_votes=3)
    people = list(await session.scalars(select(Run.respondent_id).where(Run.status == "completed").distinct()
                                        .order_by(Run.respondent_id)))
    if participants is not None:
        people = people[:participants]
    categories = await respondent_categories(session, people)
    lean: dict[tuple[str, int], float] = {}
    now = utcnow()
    votes, events, members = [], [], []
    for person in people:
        members.append({"round_id": round_.id, "respondent_id": person, "status": "done", "invited_at": now,
                        "updated_at": now})
        for sid in rnd.sample(ids, min(per_person, len(ids))):
            p = lean.setdefault((categories[person], sid), rnd.random())
            u = rnd.random()
            choice = "pass" if u > 0.9 else ("agree" if u < 0.9 * p else "disagree")
            votes.append({"round_id": round_.id, "statement_id": sid, "respondent_id": person, "choice": choice,
                          "created_at": now, "updated_at": now})
            events.append({"round_id": round_.id, "statement_id": sid, "respondent_id": person, "choice": choice,
                           "cast_at": now})
    for table, rows in ((DeliberationParticipant, members), (Vote, votes), (VoteEvent, events)):
        for start in range(0, len(rows), 5000):
            await session.execute(insert(table), rows[start:start + 5000])
    round_.invited = len(members)
    await session.flush()
    return {"statements": len(ids), "participants": len(members), "votes": len(votes)}
