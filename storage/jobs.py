"""Scheduled jobs that survive a restart and never run twice at once; report snapshots; subscriptions.

Why our own small tables and not APScheduler's ``SQLAlchemyJobStore``: that job store needs a
*synchronous* engine (it calls ``engine.connect()`` itself), i.e. psycopg2 for PostgreSQL, which
the project does not install (it runs on asyncpg and aiosqlite), and it pickles the job's
callable into the database, so a code change can break unpickling after a deploy. It also has no
lease: two service instances sharing one job store would both run a due job. So APScheduler
keeps only *when to wake up* in memory, and the database holds what must survive and be shared:

* ``job_schedules`` (one row per job): ``next_run_at`` — when the job is next due. A restarted
  service reads it, so it knows when to run; a nightly run missed while the service was down is
  still due (``next_run_at`` in the past) and is made up **once**, because a run moves
  ``next_run_at`` to the first slot after *now*, not after the missed one.
* the lease, in the same row: :func:`claim` is one short transaction with one conditional
  ``UPDATE … WHERE name = :job AND next_run_at <= :now AND (lease_holder IS NULL OR
  lease_expires_at <= :now)``. Exactly one instance sees ``rowcount = 1``: on PostgreSQL the
  row lock makes a concurrent UPDATE wait and re-check the WHERE on the new row (READ
  COMMITTED), on SQLite ``BEGIN IMMEDIATE`` (storage.database) serialises writers. Because due-
  ness is checked in the same statement, an instance that wakes up just after another finished
  finds the job not due any more and does not run it again. The holder renews the lease while it
  works (:func:`renew`); if it dies, the lease expires and another instance takes the job over.
  Times are the instances' UTC clocks (one machine, or NTP); the lease is minutes long.
* ``report_snapshots``: every rebuild (when its data was read, from how many answers, which
  file), so analysts and the Telegram commands can name the latest one.
* ``report_subscriptions``: analysts who get the nightly package in Telegram.

Callers own the transaction (one short transaction per call is the intent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from .models import JobSchedule, ReportSnapshot, ReportSubscription, utcnow


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every time stored here is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


# --- schedules and leases -----------------------------------------------------------------------


@dataclass(frozen=True)
class JobState:
    name: str
    trigger: str
    next_run_at: datetime
    lease_holder: str | None
    lease_expires_at: datetime | None
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_success_at: datetime | None
    last_status: str | None
    last_error: str | None
    last_holder: str | None
    runs: int
    failures: int


def _state(row: JobSchedule) -> JobState:
    return JobState(
        row.name, row.trigger, aware(row.next_run_at), row.lease_holder, aware(row.lease_expires_at),  # type: ignore[arg-type]
        aware(row.last_started_at), aware(row.last_finished_at), aware(row.last_success_at), row.last_status,
        row.last_error, row.last_holder, int(row.runs or 0), int(row.failures or 0),
    )


def _insert(session: AsyncSession) -> Any:
    return postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert


async def ensure_schedule(session: AsyncSession, name: str, trigger: str, first_due: datetime) -> JobState:
    """The job's row, made with ``next_run_at = first_due`` if it does not exist yet.

    An existing row keeps its ``next_run_at`` (that is the point: it survives restarts); only the
    trigger's description is refreshed. Safe when two instances start at once (ON CONFLICT).
    """
    now = utcnow()
    await session.execute(
        _insert(session)(JobSchedule).values(
            name=name, trigger=trigger, next_run_at=first_due, runs=0, failures=0, updated_at=now,
        ).on_conflict_do_nothing(index_elements=["name"])
    )
    await session.execute(
        update(JobSchedule).where(JobSchedule.name == name, JobSchedule.trigger != trigger)
        .values(trigger=trigger, updated_at=now)
    )
    state = await get_schedule(session, name)
    assert state is not None
    return state


async def get_schedule(session: AsyncSession, name: str) -> JobState | None:
    row = await session.scalar(
        select(JobSchedule).where(JobSchedule.name == name).execution_options(populate_existing=True)
    )
    return None if row is None else _state(row)


async def schedules(session: AsyncSession) -> list[JobState]:
    rows = await session.scalars(select(JobSchedule).order_by(JobSchedule.name).execution_options(populate_existing=True))
    return [_state(row) for row in rows]


async def set_next_run(session: AsyncSession, name: str, when: datetime) -> None:
    await session.execute(update(JobSchedule).where(JobSchedule.name == name).values(next_run_at=when, updated_at=utcnow()))


async def claim(session: AsyncSession, name: str, holder: str, lease_seconds: float, now: datetime | None = None,
                due_only: bool = True) -> bool:
    """Take the job's lease if the job is due (or ``due_only=False``) and nobody holds a live lease."""
    now = now or utcnow()
    free = (JobSchedule.lease_holder.is_(None)) | (JobSchedule.lease_expires_at <= now)
    condition = [JobSchedule.name == name, free]
    if due_only:
        condition.append(JobSchedule.next_run_at <= now)
    result = await session.execute(
        update(JobSchedule).where(*condition).values(
            lease_holder=holder, lease_expires_at=now + timedelta(seconds=lease_seconds), last_started_at=now,
            last_status="running", last_holder=holder, updated_at=now,
        ).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def renew(session: AsyncSession, name: str, holder: str, lease_seconds: float, now: datetime | None = None) -> bool:
    """Extend a lease we hold; False if it is not ours any more (it expired and was taken)."""
    now = now or utcnow()
    result = await session.execute(
        update(JobSchedule).where(JobSchedule.name == name, JobSchedule.lease_holder == holder)
        .values(lease_expires_at=now + timedelta(seconds=lease_seconds), updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def finish(session: AsyncSession, name: str, holder: str, *, ok: bool, next_run_at: datetime | None,
                 error: str | None = None, now: datetime | None = None) -> bool:
    """Record the run, set when the job is next due, release the lease (only if still ours)."""
    now = now or utcnow()
    values: dict[str, Any] = {
        "lease_holder": None, "lease_expires_at": None, "last_finished_at": now, "last_status": "ok" if ok else "failed",
        "last_error": None if ok else (error or "")[:2000], "runs": JobSchedule.runs + 1, "updated_at": now,
    }
    if ok:
        values["last_success_at"] = now
    else:
        values["failures"] = JobSchedule.failures + 1
    if next_run_at is not None:
        values["next_run_at"] = next_run_at
    result = await session.execute(
        update(JobSchedule).where(JobSchedule.name == name, JobSchedule.lease_holder == holder).values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def release(session: AsyncSession, name: str, holder: str) -> None:
    """Give a lease back without recording a run (e.g. shutting down mid-claim)."""
    await session.execute(
        update(JobSchedule).where(JobSchedule.name == name, JobSchedule.lease_holder == holder)
        .values(lease_holder=None, lease_expires_at=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


# --- report snapshots ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    id: int
    kind: str
    computed_at: datetime
    created_at: datetime
    answers: int
    counts: dict[str, Any]
    path: str
    package_path: str | None
    seconds: float | None
    tagged: int
    holder: str | None


def _snapshot(row: ReportSnapshot) -> Snapshot:
    return Snapshot(row.id, row.kind, aware(row.computed_at), aware(row.created_at), int(row.answers),  # type: ignore[arg-type]
                    dict(row.counts or {}), row.path, row.package_path, row.seconds, int(row.tagged or 0), row.holder)


async def record_snapshot(session: AsyncSession, *, kind: str, computed_at: datetime, answers: int,
                          counts: dict[str, Any], path: str, package_path: str | None = None,
                          seconds: float | None = None, tagged: int = 0, holder: str | None = None) -> Snapshot:
    row = ReportSnapshot(kind=kind, computed_at=computed_at, created_at=utcnow(), answers=answers, counts=dict(counts),
                         path=path, package_path=package_path, seconds=seconds, tagged=tagged, holder=holder)
    session.add(row)
    await session.flush()
    return _snapshot(row)


async def latest_snapshot(session: AsyncSession, kinds: tuple[str, ...] | None = None) -> Snapshot | None:
    """The newest snapshot (of the given kinds), by when its data was read."""
    query = select(ReportSnapshot).order_by(ReportSnapshot.computed_at.desc(), ReportSnapshot.id.desc()).limit(1)
    if kinds:
        query = query.where(ReportSnapshot.kind.in_(kinds))
    row = await session.scalar(query)
    return None if row is None else _snapshot(row)


async def list_snapshots(session: AsyncSession, kinds: tuple[str, ...] | None = None, limit: int = 50) -> list[Snapshot]:
    query = select(ReportSnapshot).order_by(ReportSnapshot.computed_at.desc(), ReportSnapshot.id.desc()).limit(limit)
    if kinds:
        query = query.where(ReportSnapshot.kind.in_(kinds))
    return [_snapshot(row) for row in await session.scalars(query)]


# --- subscriptions to the nightly package -------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    respondent_id: int
    chat_id: int
    language: str
    subscribed_at: datetime
    last_sent_at: datetime | None


async def subscribe(session: AsyncSession, respondent_id: int, chat_id: int, language: str) -> bool:
    """Subscribe (or refresh the chat and language); True if it is new."""
    row = await session.scalar(select(ReportSubscription).where(ReportSubscription.respondent_id == respondent_id))
    if row is not None:
        row.chat_id, row.language = chat_id, language
        return False
    session.add(ReportSubscription(respondent_id=respondent_id, chat_id=chat_id, language=language,
                                   subscribed_at=utcnow()))
    await session.flush()
    return True


async def unsubscribe(session: AsyncSession, respondent_id: int) -> bool:
    result = await session.execute(delete(ReportSubscription).where(ReportSubscription.respondent_id == respondent_id))
    return result.rowcount > 0


async def subscriptions(session: AsyncSession) -> list[Subscription]:
    rows = await session.scalars(select(ReportSubscription).order_by(ReportSubscription.id))
    return [Subscription(r.respondent_id, r.chat_id, r.language, aware(r.subscribed_at), aware(r.last_sent_at))  # type: ignore[arg-type]
            for r in rows]


async def mark_sent(session: AsyncSession, chat_ids: list[int], when: datetime | None = None) -> None:
    if chat_ids:
        await session.execute(update(ReportSubscription).where(ReportSubscription.chat_id.in_(chat_ids))
                              .values(last_sent_at=when or utcnow()))
