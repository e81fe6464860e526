"""`scenari tables …`: the convergence tables for analysts (exports.convergence).

    scenari tables export [--tables convergence|NAME,…] --format xlsx|csv|parquet --out PATH [--k 3]
    scenari tables rebuild [--out-dir var/exports] [--no-tag]
    scenari simulate --respondents N [--seed S]

A subcommand of its own, so ``scenari export --questionnaire/--table`` (raw answers, the
register) keeps its meaning. ``export`` writes the tables as they are now (run ``scenari nlp
tag`` first for the newest themes); ``rebuild`` is the scheduled job run once: tag the pending
texts, then write ``convergence-latest.xlsx`` and a timestamped copy, under the job's database
lease (an instance already rebuilding is not doubled) and recorded as a snapshot. ``simulate``
fills the database with seeded synthetic runs of every questionnaire (storage.simulate).
Registered by :mod:`bot.cli` (``add_commands``, then :func:`dispatch` once the database is migrated).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from storage import Database

    from bot.settings import Settings

ALL = "convergence"


def add_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    tables = subparsers.add_parser("tables", help="convergence tables for analysts (themes, priorities, visions …)")
    actions = tables.add_subparsers(dest="action", required=True)
    export = actions.add_parser("export", help="write the convergence tables (XLSX workbook, or CSV/Parquet files)")
    export.add_argument("--tables", "-t", default=ALL,
                        help="'convergence' (every table, the default) or comma-separated table names")
    export.add_argument("--format", "-f", choices=("xlsx", "csv", "parquet"), default="xlsx")
    export.add_argument("--out", "-o", type=Path, required=True,
                        help="xlsx: a file (or a folder); csv/parquet: a folder, or a file ending in .zip")
    _options(export)
    rebuild = actions.add_parser("rebuild", help="tag pending texts, then rebuild the tables into var/exports now")
    rebuild.add_argument("--out-dir", type=Path, default=None, help="default: var/exports")
    rebuild.add_argument("--no-tag", action="store_true", help="skip the tagging pass")
    _options(rebuild)
    simulate = subparsers.add_parser("simulate", help="fill the database with synthetic runs of every questionnaire")
    simulate.add_argument("--respondents", "-n", type=int, required=True, help="how many respondents to add")
    simulate.add_argument("--seed", type=int, default=1, help="the same seed gives the same data (default 1)")
    simulate.add_argument("--votes", type=int, default=0,
                          help="also a deliberation round: about N votes per respondent on 40 statements (default 0)")


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--k", type=int, default=None, help="small-cell threshold (default: SCENARI_SUPPRESS_K, 3)")
    parser.add_argument("--threshold", type=float, default=None, help="share at which a category shares a theme (0.2)")


async def dispatch(args: argparse.Namespace, settings: Settings, db: Database) -> int | None:
    """Run a `tables` or `simulate` command on the migrated database; None if ``args`` is another command."""
    if args.command == "simulate":
        return await _simulate(args, db)
    if args.command != "tables":
        return None
    from exports.convergence import DEFAULT_THRESHOLD, TABLE_NAMES, Options

    try:
        options = Options(
            k=args.k if args.k is not None else getattr(settings, "suppress_k", 3),
            threshold=args.threshold if args.threshold is not None else DEFAULT_THRESHOLD,
            lang=settings.lang, weights=settings.rating_weights or None,
        )
    except ValueError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    if args.action == "rebuild":
        from exports.scheduler import ConvergenceJob, convergence_spec, exports_dir, new_holder, run_job_now

        job = ConvergenceJob(db, args.out_dir or exports_dir(settings), options, spacy_model=settings.spacy_model,
                             tag=not args.no_tag)
        job.holder = new_holder()
        outcome = await run_job_now(db, convergence_spec(settings, job), holder=job.holder)
        if not outcome.ran:
            print("Another instance is rebuilding the convergence tables right now; try again in a moment.",
                  file=sys.stderr)
            return 1
        if not outcome.ok:
            print(f"Error: the rebuild failed: {outcome.error}", file=sys.stderr)
            return 1
        result = outcome.result
        print(f"Rebuilt the convergence tables in {result.seconds:.1f} s from {result.counts.get('answers', 0)} "
              f"answers ({result.tagged} texts newly tagged): {result.latest}, {result.snapshot}")
        return 0
    from exports.scheduler import compute_tables
    from exports.tables import write_tables

    names = None if args.tables.strip() == ALL else [n.strip() for n in args.tables.split(",") if n.strip()]
    unknown = [n for n in names or () if n not in TABLE_NAMES]
    if unknown:
        print(f"Unknown table {unknown[0]!r}; the tables are: {ALL} (all), {', '.join(TABLE_NAMES)}", file=sys.stderr)
        return 2
    tables = await compute_tables(db, options)
    files = write_tables(tables, args.format, args.out, names)
    where = files[0] if len(files) == 1 else args.out
    print(f"Exported {len(names or TABLE_NAMES)} tables from {tables.counts.get('answers', 0)} answers to {where}")
    return 0


async def _simulate(args: argparse.Namespace, db: Database) -> int:
    import time

    from storage.simulate import simulate

    if args.respondents < 1:
        print("Error: --respondents must be at least 1", file=sys.stderr)
        return 2
    started = time.perf_counter()
    result = await simulate(db, args.respondents, args.seed)
    seconds = time.perf_counter() - started
    counts = result.counts
    print(f"Simulated {args.respondents} respondents (seed {args.seed}) in {seconds:.1f} s: "
          f"{counts.get('runs', 0)} runs, {counts.get('answers', 0)} answers, {counts.get('answer_tags', 0)} tags, "
          f"{counts.get('actors', 0)} actors, {counts.get('cards', 0)} cards, {counts.get('ratings', 0)} ratings "
          f"({db.backend}).")
    if getattr(args, "votes", 0) > 0:  # a simulated deliberation round (storage.deliberation)
        from storage.deliberation import simulate_votes

        async with db.transaction() as session:
            made = await simulate_votes(session, args.seed, args.votes)
        print(f"Simulated a deliberation round: {made['votes']} votes of {made['participants']} participants on "
              f"{made['statements']} statements.")
    return 0
