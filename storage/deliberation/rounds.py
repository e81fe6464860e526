"""Rounds, their participants and their votes: who is asked what next, and what they answered.

Callers own the transaction; nothing here commits.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import (
    DeliberationParticipant,
    DeliberationRound,
    Respondent,
    Statement,
    Vote,
    VoteEvent,
    utcnow,
)
from .common import APPROVED, CHOICES, DeliberationError, aware


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
    """(respondent id, chat id, language) of every chat participant (Telegram, WhatsApp) who voted in the round."""
    rows = await session.execute(
        select(Respondent.id, Respondent.external_id, Respondent.language)
        .where(Respondent.id.in_(select(Vote.respondent_id).where(Vote.round_id == round_id)),
               Respondent.channel.in_(("telegram", "whatsapp")))
        .order_by(Respondent.id)
    )
    return [(rid, ext, lang or "it") for rid, ext, lang in rows if ext.lstrip("-").isdigit()]
