"""Every table at once: the list of analyses, the questions they read, and the run over them.

:data:`ANALYSES` is the one list :func:`build_tables` runs, in the workbook's order; the table
names (:data:`TABLE_NAMES`) and the questions read (:data:`ANSWER_KEYS`) are taken from it,
and every build checks each analysis made exactly the tables it names.
"""

from __future__ import annotations

import asyncio

from storage import Database, aggregates
from storage.aggregates import AggregateData

from ..options import Options
from . import consensus, convergence, network, priorities, profiles, projects, visions
from .base import PREPARE_KEYS, Analysis, Table, Tables, prepare

ANALYSES: tuple[Analysis, ...] = (
    convergence.ANALYSIS,  # shared priorities, convergence, its long form, quotes
    priorities.ANALYSIS,
    visions.ANALYSIS,
    profiles.ANALYSIS,  # firms' innovation profiles
    projects.ANALYSIS,  # reads the convergence ranking: after convergence
    network.ANALYSIS,
    consensus.ANALYSIS,  # the deliberation rounds' votes (docs/consensus.md)
)

TABLE_NAMES: tuple[str, ...] = tuple(name for analysis in ANALYSES for name in analysis.tables)

# The questions the tables read: ``storage.aggregates.load(fast=True, keys=…)`` reads only these.
ANSWER_KEYS: frozenset[str] = PREPARE_KEYS.union(*(analysis.keys for analysis in ANALYSES))

COUNTED_RUNS = ("ascolto", "visione", "imprese", "progetto")


def build_tables(data: AggregateData, options: Options | None = None) -> Tables:
    """Every table from the rows of :func:`storage.aggregates.load`."""
    options = options or Options()
    p = prepare(data, options)
    built: dict[str, Table] = {}
    for analysis in ANALYSES:
        built.update((table.name, table) for table in analysis(p, built))
    counts = {
        "answers": data.answer_total if data.answer_total is not None else len(data.answers),
        "tagged_answers": int(p.tags["answer_id"].nunique()) if len(p.tags) else 0,
        **{f"runs_{q}": int((p.runs["questionnaire_id"] == q).sum()) for q in COUNTED_RUNS},
        "actors": len(data.actors),
        "cards": len(data.cards),
        "ratings": len(data.ratings),
        "votes": len(data.votes) if data.votes is not None else 0,
    }
    return Tables(built, data.read_at, counts, options)


async def compute_tables(db: Database, options: Options | None = None) -> Tables:
    """Read (one transaction, only :data:`ANSWER_KEYS`) and compute every table; the CPU-heavy part in a thread."""
    async with db.transaction() as session:
        data = await aggregates.load(session, keys=ANSWER_KEYS, fast=True)
    return await asyncio.to_thread(build_tables, data, options)
