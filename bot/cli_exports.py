"""`scenari tables …`: the convergence tables for analysts (exports.convergence).

    scenari tables export [--tables convergence|NAME,…] --format xlsx|csv|parquet --out PATH [--k 3]
    scenari tables rebuild [--out-dir var/exports] [--no-tag]

A subcommand of its own, so ``scenari export --questionnaire/--table`` (raw answers, the
register) keeps its meaning. ``export`` writes the tables as they are now (run ``scenari nlp
tag`` first for the newest themes); ``rebuild`` is the scheduled job run once: tag the pending
texts, then write ``convergence-latest.xlsx`` and a timestamped copy.
Registered by :mod:`bot.cli` (``add_commands``, then :func:`dispatch` once the database is migrated).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from storage import Database

    from .settings import Settings

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


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--k", type=int, default=None, help="small-cell threshold (default: SCENARI_SUPPRESS_K, 3)")
    parser.add_argument("--threshold", type=float, default=None, help="share at which a category shares a theme (0.2)")


async def dispatch(args: argparse.Namespace, settings: Settings, db: Database) -> int | None:
    """Run a `tables` command on the migrated database; None if ``args`` is another command."""
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
        from exports.scheduler import DEFAULT_DIR, ConvergenceJob

        job = ConvergenceJob(db, args.out_dir or DEFAULT_DIR, options, spacy_model=settings.spacy_model,
                             tag=not args.no_tag)
        result = await job.run_once()
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
