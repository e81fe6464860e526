"""Workshops and meetings: an event, its RSVPs (sì / no / forse), capacity and the waiting list.

Answering "yes" confirms a place while there is one, else puts the person on the waiting list
(first come, first served). A confirmed person who changes to "no" or "maybe" frees the place
for the first one waiting, who is promoted (the caller tells them). The event row is locked
(``FOR UPDATE`` on PostgreSQL; ``BEGIN IMMEDIATE`` serialises writers on SQLite) so two
simultaneous "yes" never exceed the capacity. Callers own the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Actor, Event, EventRsvp, Respondent, RespondentActor, utcnow
from .outbox import aware

ANSWERS = ("yes", "no", "maybe")


async def create_event(
    session: AsyncSession, title: str, place: str, starts_at: datetime, capacity: int | None = None,
    description: str | None = None,
) -> Event:
    event = Event(title=title, place=place, starts_at=starts_at, capacity=capacity, description=description)
    session.add(event)
    await session.flush()
    return event


async def get_event(session: AsyncSession, event_id: int, lock: bool = False) -> Event | None:
    query = select(Event).where(Event.id == event_id).execution_options(populate_existing=True)
    if lock and session.bind.dialect.name == "postgresql":
        query = query.with_for_update()
    return await session.scalar(query)


async def list_events(session: AsyncSession) -> list[Event]:
    return list(await session.scalars(select(Event).order_by(Event.starts_at)))


@dataclass(frozen=True)
class RsvpResult:
    status: str  # confirmed | waiting | declined | maybe | closed
    position: int | None = None  # on the waiting list, 1-based
    promoted: tuple[tuple[int, int, str], ...] = ()  # (respondent id, chat id, language) moved up from the list
    changed: bool = True


async def confirmed_count(session: AsyncSession, event_id: int) -> int:
    return int(await session.scalar(
        select(func.count()).where(EventRsvp.event_id == event_id, EventRsvp.status == "confirmed")
    ) or 0)


async def waiting_position(session: AsyncSession, event_id: int, respondent_id: int) -> int | None:
    me = await session.get(EventRsvp, (event_id, respondent_id))
    if me is None or me.status != "waiting" or me.waiting_since is None:
        return None
    ahead = await session.scalar(
        select(func.count()).where(
            EventRsvp.event_id == event_id, EventRsvp.status == "waiting",
            (EventRsvp.waiting_since < me.waiting_since)
            | ((EventRsvp.waiting_since == me.waiting_since) & (EventRsvp.respondent_id < respondent_id)),
        )
    )
    return int(ahead or 0) + 1


async def rsvp(
    session: AsyncSession, event_id: int, respondent_id: int, answer: str, chat_id: int, language: str,
    now: datetime | None = None,
) -> RsvpResult:
    if answer not in ANSWERS:
        raise ValueError(f"answer must be one of {ANSWERS}")
    now = now or utcnow()
    event = await get_event(session, event_id, lock=True)
    if event is None or aware(event.starts_at) <= now:  # type: ignore[operator]
        return RsvpResult("closed", changed=False)
    row = await session.get(EventRsvp, (event_id, respondent_id))
    previous = row.status if row is not None else None
    if row is None:
        row = EventRsvp(event_id=event_id, respondent_id=respondent_id, answer=answer, status="declined",
                        chat_id=chat_id, language=language, answered_at=now)
        session.add(row)
    if answer == "yes" and previous in ("confirmed", "waiting"):
        await session.flush()
        return RsvpResult(previous, await waiting_position(session, event_id, respondent_id), changed=False)
    row.answer, row.chat_id, row.language, row.answered_at = answer, chat_id, language, now
    if answer == "yes":
        taken = await confirmed_count(session, event_id)
        if event.capacity is None or taken < event.capacity:
            row.status, row.waiting_since = "confirmed", None
        else:
            row.status, row.waiting_since = "waiting", now
    else:
        row.status, row.waiting_since = ("declined" if answer == "no" else "maybe"), None
    await session.flush()
    promoted: list[tuple[int, int, str]] = []
    if previous == "confirmed" and row.status != "confirmed":
        promoted = await _promote(session, event)
    position = await waiting_position(session, event_id, respondent_id) if row.status == "waiting" else None
    return RsvpResult(row.status, position, tuple(promoted))


async def _promote(session: AsyncSession, event: Event) -> list[tuple[int, int, str]]:
    """Fill free places from the waiting list, first come first served."""
    promoted = []
    while event.capacity is None or await confirmed_count(session, event.id) < event.capacity:
        first = await session.scalar(
            select(EventRsvp).where(EventRsvp.event_id == event.id, EventRsvp.status == "waiting")
            .order_by(EventRsvp.waiting_since, EventRsvp.respondent_id).limit(1)
        )
        if first is None:
            break
        first.status, first.waiting_since = "confirmed", None
        await session.flush()
        promoted.append((first.respondent_id, first.chat_id, first.language))
    return promoted


async def confirmed(session: AsyncSession, event_id: int) -> list[tuple[int, int, str]]:
    return [
        (r.respondent_id, r.chat_id, r.language)
        for r in await session.scalars(
            select(EventRsvp).where(EventRsvp.event_id == event_id, EventRsvp.status == "confirmed")
            .order_by(EventRsvp.answered_at)
        )
    ]


async def counts(session: AsyncSession, event_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(EventRsvp.status, func.count()).where(EventRsvp.event_id == event_id).group_by(EventRsvp.status)
    )
    return {status: int(n) for status, n in rows}


async def upcoming(session: AsyncSession, start: datetime, end: datetime) -> list[Event]:
    """Events starting in [start, end)."""
    return list(await session.scalars(
        select(Event).where(Event.starts_at >= start, Event.starts_at < end).order_by(Event.starts_at)
    ))


async def attendance(session: AsyncSession, event_id: int) -> list[dict[str, Any]]:
    """The organisers' list: pseudonym, organisation (public register data), answer, status, place in line.

    No Telegram id and no contact person: the organisation is what the register publishes.
    """
    rows = await session.execute(
        select(EventRsvp, Respondent.pseudonym, Actor.organisation, Actor.category)
        .join(Respondent, Respondent.id == EventRsvp.respondent_id)
        .outerjoin(RespondentActor, RespondentActor.respondent_id == Respondent.id)
        .outerjoin(Actor, Actor.id == RespondentActor.actor_id)
        .where(EventRsvp.event_id == event_id)
    )
    order = {"confirmed": 0, "waiting": 1, "maybe": 2, "declined": 3}
    records = []
    for rsvp_row, pseudonym, organisation, category in rows:
        records.append({
            "status": rsvp_row.status,
            "answer": rsvp_row.answer,
            "respondent": pseudonym,
            "organisation": organisation or "",
            "category": category or "",
            "language": rsvp_row.language,
            "answered_at": aware(rsvp_row.answered_at),
            "waiting_since": aware(rsvp_row.waiting_since),
        })
    records.sort(key=lambda r: (order.get(r["status"], 9), r["waiting_since"] or r["answered_at"]))
    waiting = 0
    for r in records:
        if r["status"] == "waiting":
            waiting += 1
            r["waiting_position"] = waiting
        else:
            r["waiting_position"] = None
    return records
