"""Scheduled jobs of the service: the convergence tables and the analysts' nightly package.

::

    scheduler = start_scheduler(options, db)        # inside the running loop (scenari serve)
    scheduler.attach_notifier(notify)               # when the Telegram bot runs (bot.telegram.reports)
    ...
    scheduler.shutdown(wait=False)                  # before db.dispose()

``options`` is a :class:`exports.options.ScheduleOptions` (the service builds it from its
settings: ``Settings.schedule_options()``). Three jobs (APScheduler 3, ``AsyncIOScheduler`` in
the service's event loop), each run by :mod:`exports.lease` under its database lease:

* ``convergence`` — every ``aggregate_minutes`` (default 15): tag the free-text answers
  not tagged yet (:func:`nlp.worker.tag_pending`), then rebuild every table into
  ``exports_dir`` (``var/exports``): a timestamped ``convergence-YYYYmmddTHHMMSSZ.xlsx``
  (the newest ``keep`` are kept) and ``convergence-latest.xlsx`` (replaced atomically).
* ``nightly`` — daily at ``report_time`` (default 02:30) in ``report_timezone``
  (default Europe/Rome): the analysts' package in ``var/exports/nightly/`` (the workbook and,
  with ``report_package`` csv or parquet, a zip of one file per table), then sent to every
  analyst subscribed with ``/iscrivi_report`` when a notifier is attached.
* ``retention`` — daily at 03:15 in the same time zone: :mod:`storage.retention`.

Every run is stored as a snapshot (:mod:`storage.jobs`: when its data was read, from how many
answers, which file). ``scenari tables rebuild`` and ``/convergenze`` run the same convergence
job on demand, under the same lease (:func:`exports.lease.run_job_now`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, time as clock, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from storage import Database, jobs
from storage.retention import Policy, RetentionJob

from .files import copy_private
from .lease import POLL_SECONDS, RETRY_SECONDS, JobSpec, LeasedScheduler
from .options import DEFAULT_DIR, DEFAULT_REPORT_TZ, Options, ScheduleOptions
from .tables import compute_tables, write_tables

log = logging.getLogger("scenari.exports.scheduler")

DEFAULT_KEEP = 96  # timestamped workbooks kept (a day at the default interval)
NIGHTLY_KEEP = 31
JOB_ID = "convergence"
NIGHTLY_ID = "nightly"
RETENTION_ID = "retention"
LATEST = "convergence-latest.xlsx"
NIGHTLY_LATEST = "report-latest.xlsx"

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
                "Pseudonymous; counts under k are blank (README sheet, LEGGIMI in Italian).")
    what = "Pacchetto notturno delle tabelle delle convergenze" if nightly else "Tabelle delle convergenze"
    n = f"{answers:,}".replace(",", ".")
    return (f"{what}, calcolate il {local:%d/%m/%Y} alle {local:%H:%M} ({tz}) da {n} risposte. "
            "Dati pseudonimi; i conteggi sotto k sono vuoti (foglio LEGGIMI, README in inglese).")


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
        # nlp.worker imports spaCy (about a second): only a job that tags pays for it
        from nlp.worker import build_tagger, tag_pending

        if self.tagger is None:
            taxonomy = self.options.sources.taxonomy if self.options.sources else None
            if taxonomy is None:  # no plan named one: nothing to tag with
                return 0
            self.tagger = await asyncio.to_thread(build_tagger, self.spacy_model, taxonomy)
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
        snapshot, package = await self._write(tables, now.strftime("%Y%m%dT%H%M%SZ"))
        seconds = time.perf_counter() - started
        counts = dict(tables.counts)
        async with self.db.transaction() as session:
            record = await jobs.record_snapshot(
                session, kind=kind or self.kind, computed_at=tables.computed_at, answers=int(counts.get("answers", 0)),
                counts=counts, path=str(snapshot), package_path=str(package) if package else None, seconds=seconds,
                tagged=tagged, holder=self.holder,
            )
        latest = self.out_dir / self.latest_name
        result = RebuildResult(latest, snapshot, tagged, counts, seconds, tables.computed_at, package, record.id)
        self.runs += 1
        self.last = result
        log.info("%s tables rebuilt in %.2f s (%d answers, %d newly tagged): %s",
                 self.kind, result.seconds, result.answers, tagged, snapshot)
        return result

    async def _write(self, tables: Any, stamp: str) -> tuple[Path, Path | None]:
        """The timestamped workbook, the latest copy, the package (if any); old ones pruned."""
        snapshot = self.out_dir / f"{self.stem}-{stamp}.xlsx"
        await asyncio.to_thread(write_tables, tables, "xlsx", snapshot)
        await asyncio.to_thread(_atomic_copy, snapshot, self.out_dir / self.latest_name)
        package = None
        if self.package_format:
            package = self.out_dir / f"{self.stem}-{stamp}-{self.package_format}.zip"
            await asyncio.to_thread(write_tables, tables, self.package_format, package)  # type: ignore[arg-type]
        self._prune()
        return snapshot, package

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


class JobScheduler(LeasedScheduler):
    """The service's scheduler: the leased jobs, and a handle on the convergence and nightly jobs."""

    def __init__(self, db: Database, holder: str | None = None, poll_seconds: float = POLL_SECONDS) -> None:
        super().__init__(db, holder, poll_seconds)
        self.convergence_job: ConvergenceJob | None = None
        self.nightly_job: NightlyPackage | None = None

    def attach_notifier(self, notify: Notify | None) -> None:
        """Who sends the nightly package (the Telegram bot, once it runs); None: nobody."""
        if self.nightly_job is not None:
            self.nightly_job.notify = notify


# --- the jobs from the options -------------------------------------------------------------------


def convergence_job(options: ScheduleOptions, db: Database, out_dir: Path | str | None = None,
                    **kwargs: Any) -> ConvergenceJob:
    """The convergence job into ``out_dir`` (default: ``options.exports_dir``)."""
    return ConvergenceJob(db, Path(out_dir or options.exports_dir), options.tables, spacy_model=options.spacy_model,
                          **kwargs)


def nightly_trigger(options: ScheduleOptions) -> tuple[CronTrigger, str]:
    at, tz = options.report_time, options.report_timezone
    hour, minute = (int(part) for part in at.split(":"))
    clock(hour, minute)  # validates
    return CronTrigger(hour=hour, minute=minute, timezone=ZoneInfo(tz)), f"daily {hour:02d}:{minute:02d} {tz}"


def convergence_spec(options: ScheduleOptions, job: ConvergenceJob, first_run: datetime | None = None) -> JobSpec:
    minutes = options.aggregate_minutes
    return JobSpec(JOB_ID, job.run_once, IntervalTrigger(minutes=minutes, timezone=timezone.utc),
                   f"every {minutes:g} min", retry_seconds=min(RETRY_SECONDS, minutes * 60), first_due=first_run)


def retention_spec(options: ScheduleOptions, db: Database) -> JobSpec:
    """Daily, at 03:15 in the report's time zone: storage.retention erases what is past its time."""
    tz = options.report_timezone
    policy = Policy(options.retention_free_text_days, options.retention_contact_days, options.audit_retention_days)
    return JobSpec(RETENTION_ID, RetentionJob(db, policy), CronTrigger(hour=3, minute=15, timezone=tz),
                   f"daily at 03:15 {tz}")


def _add_nightly(scheduler: JobScheduler, options: ScheduleOptions, out_dir: Path | str | None,
                 notify: Notify | None) -> None:
    trigger, description = nightly_trigger(options)
    package = convergence_job(options, scheduler.db, Path(out_dir or options.exports_dir) / "nightly",
                              kind="nightly", stem="report", latest=NIGHTLY_LATEST, keep=NIGHTLY_KEEP,
                              package_format=options.report_package)
    package.holder = scheduler.holder
    scheduler.nightly_job = NightlyPackage(package, options.report_timezone, notify,
                                           tagger_from=scheduler.convergence_job)
    scheduler.add(JobSpec(NIGHTLY_ID, scheduler.nightly_job, trigger, description))
    scheduler.add(retention_spec(options, scheduler.db))


def start_scheduler(options: ScheduleOptions, db: Database, *, out_dir: Path | str | None = None,
                    first_run: datetime | None = None, notify: Notify | None = None, nightly: bool = True,
                    holder: str | None = None, poll_seconds: float = POLL_SECONDS) -> JobScheduler:
    """Start the convergence job (every ``options.aggregate_minutes``), the nightly package and retention.

    Call it inside the running event loop; ``scheduler.shutdown(wait=False)`` stops it. A new
    database runs the convergence job at once (or at ``first_run``) and the nightly one at the
    next slot; afterwards the schedule in the database decides. The job objects are
    ``scheduler.convergence_job`` and ``scheduler.nightly_job``; ``notify`` (or
    :meth:`JobScheduler.attach_notifier`) sends the nightly package to subscribers.
    """
    scheduler = JobScheduler(db, holder=holder, poll_seconds=poll_seconds)
    job = convergence_job(options, db, out_dir)
    job.holder = scheduler.holder
    scheduler.convergence_job = job
    scheduler.add(convergence_spec(options, job, first_run))
    if nightly:
        _add_nightly(scheduler, options, out_dir, notify)
    scheduler.start()
    log.info("scheduled jobs: convergence tables %s, nightly package %s, into %s (holder %s)",
             scheduler.specs[JOB_ID].description,
             scheduler.specs[NIGHTLY_ID].description if nightly else "off", job.out_dir, scheduler.holder)
    return scheduler
