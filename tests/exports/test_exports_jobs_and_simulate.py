"""Scheduled jobs in the database (restart, missed nightly run, the lease), snapshots, and simulate."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import func, select

from exports.lease import run_job_now
from exports.options import ScheduleOptions
from exports.scheduler import JOB_ID, NIGHTLY_ID, ConvergenceJob, convergence_spec, start_scheduler
from exports.tables import ANSWER_KEYS, Options, build_tables, compute_tables
from storage import Database, aggregates, jobs
from storage.models import Answer, ReportSnapshot
from storage.simulate import simulate
from tests.conftest import make_database
from tests.support.convergence_city import build_city
from tests.support.plans import CREMONA_QUESTIONNAIRES as Q
from tests.support.plans import CREMONA_SOURCES

SETTINGS = ScheduleOptions(tables=Options(sources=CREMONA_SOURCES, k=3, lang="it"), aggregate_minutes=15, spacy_model=None,
                           report_time="02:30", report_timezone="Europe/Rome", report_package=None)


def _twin(db: Database) -> Database:
    """A second service instance on the same database: its own engine and connections."""
    return Database(db.url, schema=getattr(db, "schema", None))


def _start(db: Database, out: Path, **kwargs):  # type: ignore[no-untyped-def]
    scheduler = start_scheduler(SETTINGS, db, out_dir=out, **kwargs)
    scheduler.convergence_job.tag = False  # before the first wake-up: no tagger needed here
    scheduler.nightly_job.job.tag = False
    return scheduler


async def _until(predicate, timeout: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    """Bounded polling for an event (generous: nothing asserts how long it took)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def _snapshots(db: Database, kind: str | None = None) -> int:
    async with db.transaction() as session:
        query = select(func.count()).select_from(ReportSnapshot)
        if kind:
            query = query.where(ReportSnapshot.kind == kind)
        return int(await session.scalar(query))


async def test_schedule_survives_a_restart_and_does_not_run_twice(db: Database, tmp_path: Path) -> None:
    await build_city(db)
    first = _start(db, tmp_path)
    try:
        await _until(lambda: first.convergence_job.runs == 1)
        await _until(lambda: len(first.outcomes[JOB_ID]) == 1)
    finally:
        first.shutdown()
    state = await first.state(JOB_ID)
    assert state.runs == 1 and state.last_status == "ok" and state.lease_holder is None
    assert state.last_holder == first.holder and state.trigger == "every 15 min"
    assert timedelta(minutes=14) < state.next_run_at - state.last_success_at <= timedelta(minutes=15, seconds=1)
    nightly = await first.state(NIGHTLY_ID)  # made at the next 02:30 in Rome, not now
    local = nightly.next_run_at.astimezone(ZoneInfo("Europe/Rome"))
    assert (local.hour, local.minute) == (2, 30) and nightly.runs == 0

    second = _start(db, tmp_path)  # "the service restarted": a new process, the same database
    try:
        await _until(lambda: second.ticks.get(JOB_ID, 0) >= 1)  # it woke up and looked
        assert second.convergence_job.runs == 0  # not due yet: it knows from the database
        wake = next(j for j in second.get_jobs() if j.id == JOB_ID).next_run_time
        assert abs((wake - state.next_run_at).total_seconds()) < 1  # it wakes when the job is due
    finally:
        second.shutdown()
    assert (await second.state(JOB_ID)).runs == 1
    assert await _snapshots(db) == 1


async def test_a_missed_nightly_run_is_made_up_once(db: Database, tmp_path: Path) -> None:
    await build_city(db)
    now = datetime.now(timezone.utc)
    async with db.transaction() as session:  # the service was down for three nights
        await jobs.ensure_schedule(session, NIGHTLY_ID, "daily 02:30 Europe/Rome", now - timedelta(days=3))
        await jobs.ensure_schedule(session, JOB_ID, "every 15 min", now + timedelta(hours=1))
    scheduler = _start(db, tmp_path)
    try:
        await _until(lambda: len(scheduler.outcomes[NIGHTLY_ID]) == 1 and scheduler.ticks.get(JOB_ID, 0) >= 1)
        assert len(scheduler.outcomes[NIGHTLY_ID]) == 1 and scheduler.convergence_job.runs == 0
    finally:
        scheduler.shutdown()
    state = await scheduler.state(NIGHTLY_ID)
    assert state.runs == 1 and state.last_status == "ok" and state.next_run_at > now
    assert state.next_run_at - now <= timedelta(days=1, hours=1)
    assert await _snapshots(db, "nightly") == 1
    assert (tmp_path / "nightly" / "report-latest.xlsx").is_file()


async def test_two_schedulers_on_one_database_run_the_job_once(db: Database, tmp_path: Path) -> None:
    await build_city(db)
    other_db = _twin(db)
    try:
        a = _start(db, tmp_path / "a")
        b = _start(other_db, tmp_path / "b")
        try:
            # both have woken up and looked: one ran it, the other found it taken or not due
            await _until(lambda: a.ticks.get(JOB_ID, 0) >= 1 and b.ticks.get(JOB_ID, 0) >= 1)
            assert len(a.outcomes[JOB_ID]) + len(b.outcomes[JOB_ID]) == 1
        finally:
            a.shutdown()
            b.shutdown()
    finally:
        await other_db.dispose()
    assert a.convergence_job.runs + b.convergence_job.runs == 1
    assert await _snapshots(db) == 1
    assert (await a.state(JOB_ID)).runs == 1


async def test_lease_is_taken_by_one_expires_and_is_taken_over(db: Database) -> None:
    other_db = _twin(db)
    now = datetime.now(timezone.utc)
    try:
        async with db.transaction() as session:
            await jobs.ensure_schedule(session, "probe", "test", now - timedelta(seconds=1))

        async def claim(database: Database, holder: str) -> bool:
            async with database.transaction() as session:
                return await jobs.claim(session, "probe", holder, 60, now=now)  # the test's clock, not the machine's

        results = await asyncio.gather(*(claim(db if i % 2 else other_db, f"h{i}") for i in range(8)))
        assert sum(results) == 1
        winner = f"h{results.index(True)}"
        async with db.transaction() as session:
            assert await jobs.renew(session, "probe", winner, 60, now=now)
            assert not await jobs.renew(session, "probe", "someone-else", 60, now=now)
            # the winner died: once its lease has expired another instance takes the job over
            assert await jobs.claim(session, "probe", "late", 60, now=now + timedelta(seconds=61))
            assert not await jobs.finish(session, "probe", winner, ok=True, next_run_at=now)  # not ours any more
            assert await jobs.finish(session, "probe", "late", ok=False, next_run_at=now + timedelta(minutes=5),
                                     error="boom")
            state = await jobs.get_schedule(session, "probe")
        assert state.lease_holder is None and state.last_status == "failed" and state.failures == 1
        assert state.last_error == "boom" and state.runs == 1
        async with db.transaction() as session:  # not due (retry in 5 min): nobody claims it
            assert not await jobs.claim(session, "probe", "h9", 60)
            assert await jobs.claim(session, "probe", "h9", 60, due_only=False)  # on demand
    finally:
        await other_db.dispose()


async def test_rebuilds_are_recorded_as_snapshots(db: Database, tmp_path: Path) -> None:
    await build_city(db)
    job = ConvergenceJob(db, tmp_path, Options(sources=CREMONA_SOURCES, k=3), tag=False)
    outcome = await run_job_now(db, convergence_spec(SETTINGS, job))
    assert outcome.ran and outcome.ok
    result = outcome.result
    busy = await run_job_now(db, convergence_spec(SETTINGS, job), holder="x")  # not leased any more: runs
    assert busy.ran
    async with db.transaction() as session:
        latest = await jobs.latest_snapshot(session)
        listed = await jobs.list_snapshots(session)
        total = sum((await aggregates.answer_counts(session)).values())
    assert len(listed) == 2 and latest.id == listed[0].id == busy.result.snapshot_id
    first = listed[1]
    assert first.id == result.snapshot_id and first.kind == "convergence" and first.answers == total == 96
    assert first.path == str(result.snapshot) and Path(first.path).is_file()
    assert first.counts["runs_visione"] == 5 and first.seconds > 0
    assert first.computed_at.tzinfo is not None


async def test_fast_read_gives_the_same_tables(db: Database) -> None:
    await build_city(db)
    async with db.transaction() as session:
        slow = await aggregates.load(session)
        fast = await aggregates.load(session, keys=ANSWER_KEYS, fast=True)
    a, b = build_tables(slow, Options(sources=CREMONA_SOURCES, k=3)), build_tables(fast, Options(sources=CREMONA_SOURCES, k=3))
    assert a.counts == b.counts
    for name in a.tables:
        pd.testing.assert_frame_equal(a[name].reset_index(drop=True), b[name].reset_index(drop=True),
                                      check_dtype=False, obj=name)


async def _fingerprint(db: Database) -> str:
    async with db.transaction() as session:
        rows = (await session.execute(select(Answer.question_key, Answer.item_index, Answer.value)
                                      .order_by(Answer.id))).all()
    digest = hashlib.sha256(json.dumps([list(r) for r in rows], sort_keys=True).encode()).hexdigest()
    return digest


async def test_simulate_is_reproducible(db: Database, tmp_path: Path) -> None:
    first = await simulate(db, 600, seed=11, questionnaires=Q)
    again_db = await make_database("sqlite", tmp_path / "again")
    other_db = await make_database("sqlite", tmp_path / "other")
    try:
        again = await simulate(again_db, 600, seed=11, questionnaires=Q)
        other = await simulate(other_db, 600, seed=12, questionnaires=Q)
        assert first.counts == again.counts  # on SQLite and PostgreSQL alike
        twin_db = await make_database("sqlite", tmp_path / "twin")
        try:
            await simulate(twin_db, 600, seed=11, questionnaires=Q)
            assert await _fingerprint(twin_db) == await _fingerprint(again_db)  # the same rows
        finally:
            await twin_db.dispose()
        assert await _fingerprint(other_db) != await _fingerprint(again_db)
    finally:
        await again_db.dispose()
        await other_db.dispose()
    counts = first.counts
    assert counts["respondents"] == 600 and counts["answers"] > 4000 and counts["ratings"] > 0
    assert counts["cards"] > 0 and counts["answer_tags"] > 0 and counts["respondent_actors"] >= counts["actors"]
    async with db.transaction() as session:
        per_questionnaire = await aggregates.answer_counts(
            session, ("ascolto", "visione", "imprese", "progetto", "valutazione"))
    assert set(per_questionnaire) == {"ascolto", "visione", "imprese", "progetto", "valutazione"}
    more = await simulate(db, 50, seed=11, questionnaires=Q)  # appends after the highest ids
    assert more.counts["respondents"] == 50


def _hidden_ok(series: pd.Series, k: int) -> bool:
    values = pd.to_numeric(series, errors="coerce").dropna()
    return bool(((values == 0) | (values >= k)).all())


async def test_tables_from_simulated_data_respect_suppression(db: Database, tmp_path: Path) -> None:
    await simulate(db, 1500, seed=5, questionnaires=Q)
    k = 5
    tables = await compute_tables(db, Options(sources=CREMONA_SOURCES, k=k))
    assert tables.counts["answers"] > 10_000 and not tables["convergence"].empty
    checks = {
        "convergence_cells": ["units", "category_units"], "visions": ["units", "kind_units"],
        "vision_themes": ["units", "kind_units"], "priorities": ["first", "mentions", "respondents"],
        "priorities_by_category": ["first", "mentions", "respondents"], "obstacles_by_profile": ["firms", "profile_firms"],
        "innovation_profiles": ["firms", "anticipatrice", "inseguitrice", "non_innovativa"],
        "convergence": [c for c in tables["convergence"].columns if c.startswith("n_")] + ["units"],
    }
    for name, columns in checks.items():
        for column in columns:
            assert _hidden_ok(tables[name][column], k), (name, column)
    cells = tables["convergence_cells"]
    assert cells["suppressed"].any() and cells["units"].isna().sum() == cells["suppressed"].sum()
    projects = tables["projects"]
    few = projects[(projects["raters"] > 0) & (projects["raters"] < k)]
    assert few["overall"].isna().all() and few["suppressed"].all()
    quotes = tables["quotes"].merge(cells[~cells["suppressed"]][["theme", "category_label"]],
                                    left_on=["theme", "category"], right_on=["theme", "category_label"], how="left",
                                    indicator=True)
    assert (quotes["_merge"] == "both").all()  # never from a suppressed cell
