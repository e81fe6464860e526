"""The persistent schedule: jobs that run once across every instance of the service, on time.

Persistence and the lock live in the database, not in APScheduler's job store — see
:mod:`storage.jobs` for why and how. APScheduler only decides when this process wakes up; each
wake-up *claims* the job in one short transaction (due and not leased), so a restarted service
resumes the schedule, a missed run is made up once, and two instances never run the same job
at once. While a job runs its lease is renewed every third of its length; a failed run is logged
and retried after ``retry_seconds``. :func:`run_job_now` runs a job on demand under the same lease.

Nothing here knows what the jobs do: :mod:`exports.scheduler` defines them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from storage import Database, jobs

log = logging.getLogger("scenari.exports.scheduler")

LEASE_SECONDS = 600.0  # renewed every third of it while the job works
RETRY_SECONDS = 300.0
POLL_SECONDS = 60.0  # a job leased by another instance is looked at again after this


@dataclass
class JobSpec:
    """A job: what it does, when it is due, how long its lease lasts."""

    name: str
    work: Callable[[], Awaitable[Any]]
    trigger: Any  # an APScheduler trigger: IntervalTrigger or CronTrigger
    description: str
    lease_seconds: float = LEASE_SECONDS
    retry_seconds: float = RETRY_SECONDS
    first_due: datetime | None = None  # a new schedule row: due now (interval) or at the next slot (cron)

    def next_after(self, moment: datetime) -> datetime:
        """The first slot strictly after ``moment``: a missed run is made up once, not once per slot."""
        if isinstance(self.trigger, IntervalTrigger):
            return moment + self.trigger.interval
        fire = self.trigger.get_next_fire_time(None, moment + timedelta(seconds=1))
        return fire.astimezone(timezone.utc)

    def initial_due(self, now: datetime) -> datetime:
        if self.first_due is not None:
            return self.first_due
        return now if isinstance(self.trigger, IntervalTrigger) else self.next_after(now)


def new_holder() -> str:
    """Who holds a lease: host, process and a few random bytes (two processes never share one)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass
class RunOutcome:
    ran: bool
    ok: bool = False
    result: Any = None
    error: BaseException | None = None


async def run_claimed(db: Database, spec: JobSpec, holder: str) -> RunOutcome:
    """Run a job whose lease we hold: renew the lease meanwhile, record the run, set the next due time."""

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(spec.lease_seconds / 3)
            async with db.transaction() as session:
                if not await jobs.renew(session, spec.name, holder, spec.lease_seconds):
                    log.warning("lost the lease of job %s while running it", spec.name)
                    return

    beat = asyncio.create_task(heartbeat())
    outcome = RunOutcome(ran=True)
    try:
        outcome.result = await spec.work()
        outcome.ok = True
    except Exception as exc:
        outcome.error = exc
        log.exception("job %s failed; retrying in %d s", spec.name, spec.retry_seconds)
    finally:
        beat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beat
    now = datetime.now(timezone.utc)
    next_run = spec.next_after(now) if outcome.ok else now + timedelta(seconds=spec.retry_seconds)
    async with db.transaction() as session:
        if not await jobs.finish(session, spec.name, holder, ok=outcome.ok, next_run_at=next_run,
                                 error=None if outcome.error is None else repr(outcome.error)):
            log.warning("job %s finished after its lease was taken over", spec.name)
    return outcome


async def run_job_now(db: Database, spec: JobSpec, holder: str | None = None, wait_seconds: float = 0.0,
                      due_only: bool = False) -> RunOutcome:
    """Run a job now under its lease (on demand: whether due or not, unless ``due_only``).

    If another instance holds the lease, wait up to ``wait_seconds`` for it to finish, then return
    ``ran=False`` (the other run's snapshot is then the newest one).
    """
    holder = holder or new_holder()
    now = datetime.now(timezone.utc)
    async with db.transaction() as session:
        await jobs.ensure_schedule(session, spec.name, spec.description, spec.initial_due(now))
    async with db.transaction() as session:
        claimed = await jobs.claim(session, spec.name, holder, spec.lease_seconds, due_only=due_only)
    if claimed:
        return await run_claimed(db, spec, holder)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        async with db.transaction() as session:
            state = await jobs.get_schedule(session, spec.name)
        if state is None or state.lease_holder is None:
            break
    return RunOutcome(ran=False)


class LeasedScheduler:
    """APScheduler wakes this process; the database decides whether the job runs (see module doc)."""

    def __init__(self, db: Database, holder: str | None = None, poll_seconds: float = POLL_SECONDS) -> None:
        self.db = db
        self.holder = holder or new_holder()
        self.poll_seconds = poll_seconds
        self.specs: dict[str, JobSpec] = {}
        self.outcomes: dict[str, list[RunOutcome]] = {}
        self.scheduler = AsyncIOScheduler(timezone=timezone.utc)
        self._ensured: set[str] = set()
        self.ticks: dict[str, int] = {}  # wake-ups looked at to the end, per job (status, tests)

    def add(self, spec: JobSpec) -> None:
        self.specs[spec.name] = spec
        self.outcomes[spec.name] = []
        # The APScheduler job carries the real trigger; its next wake-up is re-aligned with the
        # database after every tick (another instance may have run the job meanwhile).
        self.scheduler.add_job(
            self.tick, spec.trigger, args=[spec.name], id=spec.name, name=spec.description, max_instances=1,
            coalesce=True, misfire_grace_time=None, next_run_time=datetime.now(timezone.utc), replace_existing=True,
        )

    async def tick(self, name: str) -> bool:
        """Run the job if it is due and nobody else runs it; True if this instance ran it."""
        try:
            return await self._tick(name)
        finally:
            self.ticks[name] = self.ticks.get(name, 0) + 1

    async def _tick(self, name: str) -> bool:
        spec = self.specs[name]
        now = datetime.now(timezone.utc)
        try:
            if not await self._claim(spec, now):
                return False
        except Exception:
            log.exception("job %s: could not read or claim its schedule; trying again later", name)
            self._wake(name, now + timedelta(seconds=self.poll_seconds))
            return False
        outcome = await run_claimed(self.db, spec, self.holder)
        self.outcomes[name].append(outcome)
        try:
            async with self.db.transaction() as session:
                state = await jobs.get_schedule(session, name)
            if state is not None:
                self._wake(name, state.next_run_at)
        except Exception:
            log.exception("job %s: could not read its next run", name)
        return True

    async def _claim(self, spec: JobSpec, now: datetime) -> bool:
        """Claim the job if due; if not, set the next wake-up from the schedule row."""
        name = spec.name
        if name not in self._ensured:
            async with self.db.transaction() as session:
                await jobs.ensure_schedule(session, name, spec.description, spec.initial_due(now))
            self._ensured.add(name)
        async with self.db.transaction() as session:
            claimed = await jobs.claim(session, name, self.holder, spec.lease_seconds, now)
        if claimed:
            return True
        async with self.db.transaction() as session:
            state = await jobs.get_schedule(session, name)
        assert state is not None
        if state.next_run_at > now:
            self._wake(name, state.next_run_at)
        else:  # due, but another instance holds the lease: look again soon
            soon = now + timedelta(seconds=self.poll_seconds)
            expires = state.lease_expires_at
            self._wake(name, min(expires, soon) if expires is not None and expires > now else soon)
        return False

    def _wake(self, name: str, when: datetime) -> None:
        if not self.scheduler.running:
            return
        with contextlib.suppress(Exception):  # the job may be gone during shutdown
            self.scheduler.modify_job(name, next_run_time=max(when, datetime.now(timezone.utc)))

    async def state(self, name: str) -> jobs.JobState | None:
        async with self.db.transaction() as session:
            return await jobs.get_schedule(session, name)

    # APScheduler's own surface, for callers and tests
    def get_jobs(self) -> list[Any]:
        return self.scheduler.get_jobs()

    def start(self) -> None:
        self.scheduler.start()

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running)

    def shutdown(self, wait: bool = False) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)
