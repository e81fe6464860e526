"""What the consensus tables read (votes with each voter's declared category), and a simulated round."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import (
    Actor,
    Answer,
    DeliberationParticipant,
    DeliberationRound,
    RespondentActor,
    Run,
    Statement,
    Vote,
    VoteEvent,
    utcnow,
)
from .common import APPROVED, CITIZEN, FIRM
from .rounds import open_round
from .statements import add_statement


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


async def simulate_votes(session: AsyncSession, seed: int = 1, per_person: int = 15, statements: int = 40,
                         participants: int | None = None) -> dict[str, int]:
    """A synthetic deliberation round (``scenari simulate --votes N``): approved statements, a round,
    and about ``per_person`` votes from each respondent with a completed run, leaning by category."""
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
