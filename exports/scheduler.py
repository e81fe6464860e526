"""Scheduled jobs of the service: the convergence tables and the analysts' nightly package.

::

    scheduler = start_scheduler(settings, db)       # inside the running loop (scenari serve)
    scheduler.attach_notifier(notify)               # when the Telegram bot runs (bot.telegram.reports)
    ...
    scheduler.shutdown(wait=False)                  # before db.dispose()

Two jobs (APScheduler 3, ``AsyncIOScheduler`` in the service's event loop):

* ``convergence`` — every ``SCENARI_AGGREGATE_MINUTES`` (default 15): tag the free-text answers
  not tagged yet (:func:`nlp.worker.tag_pending`), then rebuild every table into
  ``SCENARI_EXPORTS_DIR`` (``var/exports``): a timestamped ``convergence-YYYYmmddTHHMMSSZ.xlsx``
  (the newest ``keep`` are kept) and ``convergence-latest.xlsx`` (replaced atomically).
* ``nightly`` — daily at ``SCENARI_REPORT_TIME`` (default 02:30) in ``SCENARI_REPORT_TIMEZONE``
  (default Europe/Rome): the analysts' package in ``var/exports/nightly/`` (the workbook and,
  with ``SCENARI_REPORT_PACKAGE=csv|parquet``, a zip of one file per table), then sent to every
  analyst subscribed with ``/iscrivi_report`` when a notifier is attached.

Every run is stored as a snapshot (:mod:`storage.jobs`: when its data was read, from how many
answers, which file). Persistence and the lock live in the database, not in APScheduler's job
store — see :mod:`storage.jobs` for why and how: APScheduler only decides when this process
wakes up; each wake-up *claims* the job in one short transaction (due and not leased), so a
restarted service resumes the schedule, a missed nightly run is made up once, and two instances
never run the same job at once. A failed run is logged and retried after ``retry`` seconds.
``scenari tables rebuild`` and ``/convergenze`` run the same convergence job on demand, under
the same lease (:func:`run_job_now`).
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
from dataclasses import dataclass, field
from datetime import datetime, time as clock, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from storage import Database
from storage import aggregates, jobs
from storage.retention import RetentionJob, policy_from_settings

from .convergence import Options, Tables, build_tables
from .files import copy_private
from .tables import write_tables

log = logging.getLogger("scenari.exports.scheduler")

DEFAULT_MINUTES = 15.0
DEFAULT_DIR = Path("var/exports")
DEFAULT_KEEP = 96  # timestamped workbooks kept (a day at the default interval)
DEFAULT_REPORT_TIME = "02:30"
DEFAULT_REPORT_TZ = "Europe/Rome"
NIGHTLY_KEEP = 31
JOB_ID = "convergence"
NIGHTLY_ID = "nightly"
LATEST = "convergence-latest.xlsx"
NIGHTLY_LATEST = "report-latest.xlsx"
LEASE_SECONDS = 600.0  # renewed every third of it while the job works
RETRY_SECONDS = 300.0
POLL_SECONDS = 60.0  # a job leased by another instance is looked at again after this

# notify(chat_id, file, caption): sends one file to one analyst (bot.telegram.handlers.reports)
Notify = Callable[[int, Path, str], Awaitable[None]]


@dataclass(frozen=True)
class RebuildResult:
    latest: Path
    snapshot: Path
    tagged: int
    counts: dict[str, int]
    seconds: float
    computed_at: datetime | None = None
    package: Path | None = None
    snapshot_id: int | None = None

    @property
    def answers(self) -> int:
        return int(self.counts.get("answers", 0))


def caption(computed_at: datetime, answers: int, lang: str = "it", tz: str = DEFAULT_REPORT_TZ,
            nightly: bool = False) -> str:
    """'Tabelle delle convergenze calcolate il 05/12/2026 alle 02:30 (Europe/Rome) da 1.234 risposte.'"""
    local = computed_at.astimezone(ZoneInfo(tz))
    if lang == "en":
        what = "Nightly package of the convergence tables" if nightly else "Convergence tables"
        return (f"{what}, computed on {local:%Y-%m-%d} at {local:%H:%M} ({tz}) from {answers:,} answers. "
                "Pseudonymous; counts under k are blank (README sheet).")
    what = "Pacchetto notturno delle tabelle delle convergenze" if nightly else "Tabelle delle convergenze"
    n = f"{answers:,}".replace(",", ".")
    return (f"{what}, calcolate il {local:%d/%m/%Y} alle {local:%H:%M} ({tz}) da {n} risposte. "
            "Dati pseudonimi; i conteggi sotto k sono vuoti (foglio README).")


async def compute_tables(db: Database, options: Options | None = None) -> Tables:
    """Read (one transaction) and compute every table; the CPU-heavy part runs in a thread."""
    from .convergence import ANSWER_KEYS

    async with db.transaction() as session:
        data = await aggregates.load(session, keys=ANSWER_KEYS, fast=True)
    return await asyncio.to_thread(build_tables, data, options)


class ConvergenceJob:
    """Tag pending texts, then rebuild the tables and record a snapshot; the tagger loads on first use."""

    def __init__(self, db: Database, out_dir: Path | str = DEFAULT_DIR, options: Options | None = None,
                 spacy_model: str | None = None, tag: bool = True, keep: int = DEFAULT_KEEP, tagger: Any = None,
                 *, kind: str = "convergence", stem: str = "convergence", latest: str = LATEST,
                 package_format: str | None = None) -> None:
        self.db = db
        self.out_dir = Path(out_dir)
        self.options = options or Options()
        self.spacy_model = spacy_model
        self.tag = tag
        self.keep = keep
        self.tagger = tagger
        self.kind = kind
        self.stem = stem
        self.latest_name = latest
        self.package_format = package_format
        self.holder: str | None = None
        self.runs = 0
        self.errors = 0
        self.last: RebuildResult | None = None
        self.last_error: BaseException | None = None

    async def _tag(self) -> int:
        from nlp.worker import build_tagger, tag_pending

        if self.tagger is None:
            self.tagger = await asyncio.to_thread(build_tagger, self.spacy_model)
        return await tag_pending(self.db, self.tagger)

    async def run_once(self, now: datetime | None = None, kind: str | None = None) -> RebuildResult:
        """One rebuild now (errors propagate)."""
        started = time.perf_counter()
        tagged = 0
        if self.tag:
            try:
                tagged = await self._tag()
            except Exception:  # tables without the newest tags beat no tables
                log.exception("tagging before the rebuild failed; rebuilding with the tags there are")
        tables = await compute_tables(self.db, self.options)
        now = now or datetime.now(timezone.utc)
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        snapshot = self.out_dir / f"{self.stem}-{stamp}.xlsx"
        await asyncio.to_thread(write_tables, tables, "xlsx", snapshot)
        latest = self.out_dir / self.latest_name
        await asyncio.to_thread(_atomic_copy, snapshot, latest)
        package = None
        if self.package_format:
            package = self.out_dir / f"{self.stem}-{stamp}-{self.package_format}.zip"
            await asyncio.to_thread(write_tables, tables, self.package_format, package)  # type: ignore[arg-type]
        self._prune()
        seconds = time.perf_counter() - started
        counts = dict(tables.counts)
        async with self.db.transaction() as session:
            record = await jobs.record_snapshot(
                session, kind=kind or self.kind, computed_at=tables.computed_at, answers=int(counts.get("answers", 0)),
                counts=counts, path=str(snapshot), package_path=str(package) if package else None, seconds=seconds,
                tagged=tagged, holder=self.holder,
            )
        result = RebuildResult(latest, snapshot, tagged, counts, seconds, tables.computed_at, package, record.id)
        self.runs += 1
        self.last = result
        log.info("%s tables rebuilt in %.2f s (%d answers, %d newly tagged): %s",
                 self.kind, result.seconds, result.answers, tagged, snapshot)
        return result

    async def __call__(self) -> None:
        """Run once, logging a failure instead of raising it."""
        try:
            await self.run_once()
        except Exception as exc:
            self.errors += 1
            self.last_error = exc
            log.exception("rebuilding the convergence tables failed; retrying at the next interval")

    def _prune(self) -> None:
        olds = sorted(p for p in self.out_dir.glob(f"{self.stem}-2*") if p.is_file())
        stamps = sorted({p.name[len(self.stem) + 1:len(self.stem) + 17] for p in olds})
        for stamp in stamps[: max(0, len(stamps) - self.keep)]:
            for old in self.out_dir.glob(f"{self.stem}-{stamp}*"):
                old.unlink(missing_ok=True)


def _atomic_copy(source: Path, target: Path) -> None:
    tmp = target.with_name(f".{target.name}.tmp")
    copy_private(source, tmp)
    os.replace(tmp, target)


# --- the persistent schedule ---------------------------------------------------------------------


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
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass
class RunOutcome:
    ran: bool
    ok: bool = False
    result: Any = None
    error: BaseException | None = None


async def _run_claimed(db: Database, spec: JobSpec, holder: str) -> RunOutcome:
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
        return await _run_claimed(db, spec, holder)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        async with db.transaction() as session:
            state = await jobs.get_schedule(session, spec.name)
        if state is None or state.lease_holder is None:
            break
    return RunOutcome(ran=False)


class JobScheduler:
    """APScheduler wakes this process; the database decides whether the job runs (see module doc)."""

    def __init__(self, db: Database, holder: str | None = None, poll_seconds: float = POLL_SECONDS) -> None:
        self.db = db
        self.holder = holder or new_holder()
        self.poll_seconds = poll_seconds
        self.specs: dict[str, JobSpec] = {}
        self.outcomes: dict[str, list[RunOutcome]] = {}
        self.scheduler = AsyncIOScheduler(timezone=timezone.utc)
        self.convergence_job: ConvergenceJob | None = None
        self.nightly_job: NightlyPackage | None = None
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
            if name not in self._ensured:
                async with self.db.transaction() as session:
                    await jobs.ensure_schedule(session, name, spec.description, spec.initial_due(now))
                self._ensured.add(name)
            async with self.db.transaction() as session:
                claimed = await jobs.claim(session, name, self.holder, spec.lease_seconds, now)
            if not claimed:
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
        except Exception:
            log.exception("job %s: could not read or claim its schedule; trying again later", name)
            self._wake(name, now + timedelta(seconds=self.poll_seconds))
            return False
        outcome = await _run_claimed(self.db, spec, self.holder)
        self.outcomes[name].append(outcome)
        try:
            async with self.db.transaction() as session:
                state = await jobs.get_schedule(session, name)
            if state is not None:
                self._wake(name, state.next_run_at)
        except Exception:
            log.exception("job %s: could not read its next run", name)
        return True

    def _wake(self, name: str, when: datetime) -> None:
        if not self.scheduler.running:
            return
        with contextlib.suppress(Exception):  # the job may be gone during shutdown
            self.scheduler.modify_job(name, next_run_time=max(when, datetime.now(timezone.utc)))

    async def state(self, name: str) -> jobs.JobState | None:
        async with self.db.transaction() as session:
            return await jobs.get_schedule(session, name)

    def attach_notifier(self, notify: Notify | None) -> None:
        if self.nightly_job is not None:
            self.nightly_job.notify = notify

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


@dataclass
class NightlyPackage:
    """The nightly job: the analysts' package, then one document per subscribed analyst."""

    job: ConvergenceJob
    tz: str = DEFAULT_REPORT_TZ
    notify: Notify | None = None
    tagger_from: ConvergenceJob | None = None  # share the convergence job's tagger (loaded once)
    sent: list[int] = field(default_factory=list)

    async def __call__(self) -> RebuildResult:
        if self.job.tagger is None and self.tagger_from is not None:
            self.job.tagger = self.tagger_from.tagger
        result = await self.job.run_once(kind="nightly")
        if self.notify is None:
            return result
        async with self.job.db.transaction() as session:
            subscribers = await jobs.subscriptions(session)
        delivered = []
        for sub in subscribers:
            text = caption(result.computed_at or datetime.now(timezone.utc), result.answers, sub.language, self.tz,
                           nightly=True)
            try:
                await self.notify(sub.chat_id, result.snapshot, text)
                if result.package is not None:
                    await self.notify(sub.chat_id, result.package, text)
                delivered.append(sub.chat_id)
            except Exception:
                log.exception("nightly package: sending to a subscriber failed")
        if delivered:
            async with self.job.db.transaction() as session:
                await jobs.mark_sent(session, delivered)
        self.sent.extend(delivered)
        log.info("nightly package sent to %d of %d subscribers", len(delivered), len(subscribers))
        return result


def options_from_settings(settings: Any) -> Options:
    return Options(k=int(getattr(settings, "suppress_k", 3) or 3), lang=getattr(settings, "lang", "it"),
                   weights=getattr(settings, "rating_weights", None) or None)


def exports_dir(settings: Any, out_dir: Path | str | None = None) -> Path:
    return Path(out_dir or getattr(settings, "exports_dir", None) or DEFAULT_DIR)


def job_from_settings(settings: Any, db: Database, out_dir: Path | str | None = None, **kwargs: Any) -> ConvergenceJob:
    return ConvergenceJob(db, exports_dir(settings, out_dir), options_from_settings(settings),
                          spacy_model=getattr(settings, "spacy_model", None), **kwargs)


def nightly_trigger(settings: Any) -> tuple[CronTrigger, str]:
    at = str(getattr(settings, "report_time", None) or DEFAULT_REPORT_TIME)
    tz = str(getattr(settings, "report_timezone", None) or DEFAULT_REPORT_TZ)
    hour, minute = (int(part) for part in at.split(":"))
    clock(hour, minute)  # validates
    return CronTrigger(hour=hour, minute=minute, timezone=ZoneInfo(tz)), f"daily {hour:02d}:{minute:02d} {tz}"


def convergence_spec(settings: Any, job: ConvergenceJob, first_run: datetime | None = None) -> JobSpec:
    minutes = float(getattr(settings, "aggregate_minutes", DEFAULT_MINUTES) or DEFAULT_MINUTES)
    return JobSpec(JOB_ID, job.run_once, IntervalTrigger(minutes=minutes, timezone=timezone.utc),
                   f"every {minutes:g} min", retry_seconds=min(RETRY_SECONDS, minutes * 60), first_due=first_run)


RETENTION_ID = "retention"


def retention_spec(settings: Any, db: Database) -> JobSpec:
    """Daily, at 03:15 in the report's time zone: storage.retention erases what is past its time."""
    tz = str(getattr(settings, "report_timezone", None) or DEFAULT_REPORT_TZ)
    job = RetentionJob(db, policy_from_settings(settings))
    return JobSpec(RETENTION_ID, job, CronTrigger(hour=3, minute=15, timezone=tz), f"daily at 03:15 {tz}")


def start_scheduler(settings: Any, db: Database, *, out_dir: Path | str | None = None,
                    first_run: datetime | None = None, notify: Notify | None = None, nightly: bool = True,
                    holder: str | None = None, poll_seconds: float = POLL_SECONDS) -> JobScheduler:
    """Start the convergence job (every ``settings.aggregate_minutes``) and the nightly package.

    Call it inside the running event loop; ``scheduler.shutdown(wait=False)`` stops it. A new
    database runs the convergence job at once (or at ``first_run``) and the nightly one at the
    next slot; afterwards the schedule in the database decides. The job objects are
    ``scheduler.convergence_job`` and ``scheduler.nightly_job``; ``notify`` (or
    :meth:`JobScheduler.attach_notifier`) sends the nightly package to subscribers.
    """
    scheduler = JobScheduler(db, holder=holder, poll_seconds=poll_seconds)
    job = job_from_settings(settings, db, out_dir)
    job.holder = scheduler.holder
    scheduler.convergence_job = job
    scheduler.add(convergence_spec(settings, job, first_run))
    if nightly:
        trigger, description = nightly_trigger(settings)
        package = job_from_settings(settings, db, exports_dir(settings, out_dir) / "nightly", kind="nightly",
                                    stem="report", latest=NIGHTLY_LATEST, keep=NIGHTLY_KEEP,
                                    package_format=getattr(settings, "report_package", None) or None)
        package.holder = scheduler.holder
        tz = str(getattr(settings, "report_timezone", None) or DEFAULT_REPORT_TZ)
        scheduler.nightly_job = NightlyPackage(package, tz, notify, tagger_from=job)
        scheduler.add(JobSpec(NIGHTLY_ID, scheduler.nightly_job, trigger, description))
        scheduler.add(retention_spec(settings, db))
    scheduler.start()
    log.info("scheduled jobs: convergence tables %s, nightly package %s, into %s (holder %s)",
             scheduler.specs[JOB_ID].description,
             scheduler.specs[NIGHTLY_ID].description if nightly else "off", job.out_dir, scheduler.holder)
    return scheduler
