"""`scenari report`: the printable "studio preliminare" as a PDF, from the dashboard's own charts and tables.

    scenari report --out report.pdf [--lang it|en|de] [--k 3] [--no-quotes]

The tables are those of the dashboard (:class:`bot.web.dashboard.cache.TableCache`: the same
k-suppression as the exports and /analisi); :mod:`bot.web.dashboard.report` lays them out and
WeasyPrint writes the PDF. ``--no-quotes`` leaves out the respondents' words, for a copy that goes
beyond the analysts.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from storage import Database

from bot.settings import Settings

from ..web.dashboard.cache import TableCache
from ..web.dashboard.report import ReportUnavailable, report_pdf
from .commands import with_database

LANGUAGES = ("it", "en", "de")  # the report's words (bot.web.dashboard.report_texts); a plan may list others


def add_report(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", "-o", type=Path, required=True, help="the PDF file to write (e.g. report.pdf)")
    parser.add_argument("--lang", default=None,
                        help="language of the report and its tables, one the plan speaks (default: SCENARI_LANG, the "
                             f"plan's; words in {', '.join(LANGUAGES)}, else the plan's default language)")
    parser.add_argument("--k", type=int, default=None, help="small-cell threshold (default: SCENARI_SUPPRESS_K, 3)")
    parser.add_argument("--no-quotes", action="store_true",
                        help="leave out the quotes: aggregate tables only, as the privacy notice promises for "
                             "published results")
    with_database(parser, _report)


async def _report(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    lang = args.lang or settings.lang
    if lang not in settings.plan.languages:  # as `scenari export`: one line, the plan's languages
        print(f"Error: --lang {lang!r} is not a language of the plan ({', '.join(settings.plan.languages)})",
              file=sys.stderr)
        return 2
    k = args.k if args.k is not None else settings.suppress_k
    if k < 2:
        print("Error: --k must be at least 2 (a single respondent is never shown)", file=sys.stderr)
        return 2
    out: Path = args.out if args.out.suffix.lower() == ".pdf" else args.out / "report.pdf"
    if not out.parent.is_dir():
        print(f"Error: the folder {out.parent} does not exist", file=sys.stderr)
        return 2
    started = time.perf_counter()
    cache = TableCache(db, k, lang, settings.rating_weights or None, sources=settings.plan.sources())
    tables = await cache.get()
    try:
        pdf = await asyncio.to_thread(report_pdf, tables, lang, k, settings.plan.name, quotes=not args.no_quotes)
    except ReportUnavailable as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    out.write_bytes(pdf)
    print(f"Wrote the report ({len(pdf) // 1024} KB, from {tables.counts.get('answers', 0)} answers) to {out} "
          f"in {time.perf_counter() - started:.1f} s")
    return 0


COMMANDS = {"report": add_report}
