"""`scenari export`, `scenari tables …` and `scenari simulate`: what analysts take away.

    scenari export --questionnaire ID --format xlsx|csv|parquet|sav|dta --out PATH
                   [--values labels|codes|both] [--joined] [--lang it|en|de]
                   [--since DAY] [--until DAY] [--category C …] [--channel …] [--municipality …] [--profile …]
                   [--age-band …]   (the dashboard's filters, exports.filters)
    scenari export --table actors|cards|ratings --format xlsx|csv --out PATH
    scenari tables export [--tables convergence|NAME,…] --format xlsx|csv|parquet --out PATH [--k 3] [--lang it|en|de]
    scenari tables rebuild [--out-dir var/exports] [--no-tag]
    scenari simulate --respondents N [--seed S] [--votes N]

``export`` writes the raw answers of a questionnaire (pseudonymous; exports.raw: choices as labels,
codes or both, a 0/1 column per option, a codebook of every column, SPSS and Stata files with their
labels), or a table of the register: actors, project cards, ratings. ``tables`` are the convergence tables (exports.tables):
``tables export`` writes them as they are now (run ``scenari nlp tag`` first for the newest
themes); ``tables rebuild`` is the scheduled job run once: tag the pending texts, then write
``convergence-latest.xlsx`` and a timestamped copy, under the job's database lease (an instance
already rebuilding is not doubled) and recorded as a snapshot. ``simulate`` fills the database
with seeded synthetic runs of every questionnaire, each walked through the flow engine over a
seven-week campaign (storage.simulate).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from exports.filters import PARAMETERS, SINCE, UNTIL, FilterError, Filters, categorise, export_runs
from exports.lease import new_holder, run_job_now
from exports.options import DEFAULT_THRESHOLD, RAW_VALUES, Options, RawOptions
from exports.raw import FORMATS as RAW_FORMATS
from exports.raw import write_export
from exports.register import write_table
from exports.scheduler import ConvergenceJob, convergence_spec
from exports.tables import TABLE_NAMES, compute_tables, write_tables
from exports.tables.language import LANGUAGES as TABLE_LANGUAGES
from storage import Database, facets, ratings, register, repository
from storage.deliberation import simulate_votes
from storage.simulate import simulate

from bot.service.catalog import QuestionnaireCatalog, UnknownQuestionnaire
from bot.settings import Settings

from .commands import with_database

ALL = "convergence"
TABLES = ("actors", "cards", "ratings")  # `scenari export --table`


def add_export(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group(required=True)  # runs of a questionnaire, or a table
    which.add_argument("--questionnaire", "-q")
    which.add_argument("--table", "-t", choices=TABLES, help="the register, project cards or ratings")
    parser.add_argument("--format", "-f", choices=RAW_FORMATS, default="xlsx",
                        help="xlsx (every table and the codebook in one workbook), csv, parquet, sav (SPSS), "
                             "dta (Stata); a table of the register: csv or xlsx")
    parser.add_argument("--out", "-o", type=Path, required=True)
    parser.add_argument("--values", choices=RAW_VALUES, default="labels",
                        help="choices as their labels (default), their codes, or both side by side")
    parser.add_argument("--joined", action="store_true",
                        help="also a multiple choice's whole selection in one cell, beside its 0/1 columns")
    parser.add_argument("--lang", default=None,
                        help="language of the labels, questions and sheets (default: SCENARI_LANG, the plan's)")
    _filter_flags(parser)
    with_database(parser, _export)


def _filter_flags(parser: argparse.ArgumentParser) -> None:
    """The dashboard's filters (exports.filters) as flags: the same runs as a filtered /analisi page."""
    parser.add_argument("--since", help="only runs from the Monday of this day's week (YYYY-MM-DD, UTC; a completed run: the "
                        "day completed) — whole weeks, as the dashboard counts")
    parser.add_argument("--until", help="only runs up to the Sunday of this day's week (YYYY-MM-DD, UTC)")
    for flag, help_text in (("--category", "actor category (citizen for citizens)"), ("--channel", "telegram, web …"),
                            ("--municipality", "municipality code"), ("--profile", "innovation profile code"),
                            ("--age-band", "age band code")):
        parser.add_argument(flag, action="append", default=None, help=f"only respondents of this {help_text}; repeatable")


def add_tables(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    written = actions.add_parser("export", help="write the convergence tables (XLSX workbook, or CSV/Parquet files)")
    written.add_argument("--tables", "-t", default=ALL,
                         help="'convergence' (every table, the default) or comma-separated table names")
    written.add_argument("--format", "-f", choices=("xlsx", "csv", "parquet"), default="xlsx")
    written.add_argument("--lang", default=None,
                         help="language of the workbook's sheets, titles and meanings, one the plan speaks (default: "
                              f"SCENARI_LANG, the plan's; words in {', '.join(TABLE_LANGUAGES)}, else the plan's "
                              "default language); file names and column headers stay the tables' ids")
    written.add_argument("--out", "-o", type=Path, required=True,
                         help="xlsx: a file (or a folder); csv/parquet: a folder, or a file ending in .zip")
    _options(written)
    with_database(written, _tables_export)
    rebuild = actions.add_parser("rebuild", help="tag pending texts, then rebuild the tables into var/exports now")
    rebuild.add_argument("--out-dir", type=Path, default=None, help="default: var/exports")
    rebuild.add_argument("--no-tag", action="store_true", help="skip the tagging pass")
    _options(rebuild)
    with_database(rebuild, _tables_rebuild)


def add_simulate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--respondents", "-n", type=int, required=True, help="how many respondents to add")
    parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same data (default 1)")
    parser.add_argument("--votes", type=int, default=0,
                        help="also a deliberation round: about N votes per respondent on 40 statements (default 0)")
    with_database(parser, _simulate)


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--k", type=int, default=None, help="small-cell threshold (default: SCENARI_SUPPRESS_K, 3)")
    parser.add_argument("--threshold", type=float, default=None, help="share at which a category shares a theme (0.2)")


# --- export ----------------------------------------------------------------------------------------


async def _export(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    if args.table:
        if args.format not in ("csv", "xlsx"):
            print(f"Error: a table of the register is written as csv or xlsx, not {args.format}", file=sys.stderr)
            return 2
        return await _register_table(args, settings, db)
    lang = args.lang or settings.lang
    if lang not in settings.plan.languages:
        print(f"Error: --lang {lang!r} is not a language of the plan ({', '.join(settings.plan.languages)})",
              file=sys.stderr)
        return 2
    options = RawOptions(values=args.values, lang=lang, timezone=settings.city_timezone, joined=args.joined)
    catalog = QuestionnaireCatalog.load(settings.plan)
    try:
        q = catalog.current(args.questionnaire)
    except UnknownQuestionnaire:
        print(f"Unknown questionnaire {args.questionnaire!r}", file=sys.stderr)
        return 2
    async with db.transaction() as session:
        q = await catalog.with_runtime_lists(session, q)  # the register's actors: their codes in the codebook
        runs = await repository.export_runs(session, q.id)
        chosen = _filters(args)
        if chosen is None:
            return 2
        if not chosen.empty:
            found, days = await facets.load(session)
            found = categorise(found, days, settings.plan.sources().tables.business)  # as the dashboard counts
            runs = export_runs(chosen, q.id, runs, found)
    path = write_export(q, runs, args.format, args.out, options)
    completed = sum(1 for run in runs if run.status == "completed")
    print(f"Exported {len(runs)} runs of {q.id} ({completed} completed, {len(runs) - completed} partial) to {path}")
    return 0


def _filters(args: argparse.Namespace) -> Filters | None:
    """The flags as the dashboard's filter set; None, said on standard error, when a date is wrong."""
    params = {PARAMETERS[attr]: getattr(args, flag, None) or [] for attr, flag in (
        ("channels", "channel"), ("categories", "category"), ("municipalities", "municipality"),
        ("profiles", "profile"), ("age_bands", "age_band"))}
    params |= {SINCE: [args.since] if getattr(args, "since", None) else [],
               UNTIL: [args.until] if getattr(args, "until", None) else []}
    try:
        return Filters.from_query(params)
    except FilterError as exc:
        print(f"Error: --{ {SINCE: 'since', UNTIL: 'until'}.get(str(exc), str(exc)) } is not a valid day "
              "(YYYY-MM-DD, the end not before the start)", file=sys.stderr)
        return None


async def _register_table(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    async with db.transaction() as session:
        cards = None
        if args.table == "actors":
            rows: list[Any] = await register.export_actors(session)
        else:
            await ratings.recompute_all(session, settings.rating_weights)  # current weights and raters
            cards = await ratings.export_cards(session)
            rows = cards if args.table == "cards" else await ratings.export_ratings(session, settings.rating_weights)
    path = write_table(args.table, rows, args.format, args.out, cards=cards)
    print(f"Exported {len(rows)} {args.table} to {path}")
    return 0


# --- tables --------------------------------------------------------------------------------------


def _table_options(args: argparse.Namespace, settings: Settings) -> Options | None:
    """The analyses' options from the flags and the settings; None, said on standard error, if one is wrong."""
    lang = getattr(args, "lang", None) or settings.lang
    if lang not in settings.plan.languages:  # as `scenari export`: one line, the plan's languages
        print(f"Error: --lang {lang!r} is not a language of the plan ({', '.join(settings.plan.languages)})",
              file=sys.stderr)
        return None
    try:
        return Options(
            k=args.k if args.k is not None else getattr(settings, "suppress_k", 3),
            threshold=args.threshold if args.threshold is not None else DEFAULT_THRESHOLD,
            lang=lang, weights=settings.rating_weights or None, sources=settings.plan.sources(),
        )
    except ValueError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return None


async def _tables_export(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    options = _table_options(args, settings)
    if options is None:
        return 2
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


async def _tables_rebuild(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    options = _table_options(args, settings)
    if options is None:
        return 2
    schedule = settings.schedule_options()
    job = ConvergenceJob(db, args.out_dir or schedule.exports_dir, options, spacy_model=settings.spacy_model,
                         tag=not args.no_tag)
    job.holder = new_holder()
    outcome = await run_job_now(db, convergence_spec(schedule, job), holder=job.holder)
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


# --- simulate ------------------------------------------------------------------------------------

SIMULATED = ("ascolto", "visione", "imprese", "progetto", "valutazione")


async def _simulate(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    if args.respondents < 1:
        print("Error: --respondents must be at least 1", file=sys.stderr)
        return 2
    missing = [q for q in SIMULATED if not (settings.plan.questionnaires / f"{q}.yaml").is_file()]
    if missing:  # the synthetic city is Cremona's: it answers the example plan's questionnaires
        print(f"Error: the plan {settings.plan.root} has no {', '.join(missing)} questionnaire; "
              "the simulation answers Cremona's (SCENARI_PLAN_DIR=plans/cremona)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    result = await simulate(db, args.respondents, args.seed, questionnaires=settings.plan.questionnaires)
    seconds = time.perf_counter() - started
    counts = result.counts
    print(f"Simulated {args.respondents} respondents (seed {args.seed}) in {seconds:.1f} s: "
          f"{counts.get('runs', 0)} runs, {counts.get('answers', 0)} answers, {counts.get('answer_tags', 0)} tags, "
          f"{counts.get('actors', 0)} actors, {counts.get('cards', 0)} cards, {counts.get('ratings', 0)} ratings "
          f"({db.backend}).")
    if args.votes > 0:  # a simulated deliberation round (storage.deliberation)
        async with db.transaction() as session:
            made = await simulate_votes(session, args.seed, args.votes)
        print(f"Simulated a deliberation round: {made['votes']} votes of {made['participants']} participants on "
              f"{made['statements']} statements.")
    return 0


COMMANDS = {"export": add_export, "tables": add_tables, "simulate": add_simulate}
