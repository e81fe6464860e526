"""Every table at once: the list of analyses, the questions they read, and the run over them.

:data:`ANALYSES` is the one list :func:`build_tables` runs, in the workbook's order; the table
names (:data:`TABLE_NAMES`) and the questions read (:data:`ANSWER_KEYS`) are taken from it,
and every build checks each analysis made exactly the tables it names.
"""

from __future__ import annotations

import asyncio
from typing import Any

from storage import Database, aggregates
from storage.aggregates import AggregateData

from ..options import Options, TableInputs
from . import consensus, convergence, governance, network, priorities, profiles, projects, visions
from .base import PREPARE_KEYS, Analysis, Table, Tables, prepare

ANALYSES: tuple[Analysis, ...] = (
    convergence.ANALYSIS,  # shared priorities, convergence, its long form, quotes
    priorities.ANALYSIS,
    visions.ANALYSIS,
    profiles.ANALYSIS,  # firms' innovation profiles
    projects.ANALYSIS,  # reads the convergence ranking: after convergence
    network.ANALYSIS,
    governance.ANALYSIS,  # the network's governance measures (networkx)
    consensus.ANALYSIS,  # the deliberation rounds' votes (docs/consensus.md)
)

TABLE_NAMES: tuple[str, ...] = tuple(name for analysis in ANALYSES for name in analysis.tables)


def answer_keys(inputs: TableInputs) -> frozenset[str]:
    """The questions the tables read with the plan's inputs: ``storage.aggregates.load(fast=True,
    keys=…)`` reads only these."""
    keys = PREPARE_KEYS | {inputs.declared_category}
    return frozenset(k for k in keys.union(*(analysis.keys(inputs) for analysis in ANALYSES)) if k)


ANSWER_KEYS: frozenset[str] = answer_keys(TableInputs())  # Cremona's (a plan without ``tables:``)
COUNTED_RUNS = TableInputs().questionnaires  # likewise; a plan's are ``options.inputs.questionnaires``


def read_arguments(options: Options | None = None) -> dict[str, Any]:
    """What :func:`storage.aggregates.load` must read for these options' plan: its questionnaires,
    the questions the tables read, the questionnaire whose outcomes (the firms' profile) count."""
    inputs = (options or Options()).inputs
    return {"questionnaires": inputs.questionnaires, "keys": answer_keys(inputs),
            "outcomes_of": (inputs.business,) if inputs.business else ()}


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
        **{f"runs_{q}": int((p.runs["questionnaire_id"] == q).sum()) for q in options.inputs.questionnaires},
        "actors": len(data.actors),
        "cards": len(data.cards),
        "ratings": len(data.ratings),
        # the rounds, not the votes: Σ every statement's seen total = the votes, which would tie the
        # statements' blanks together (exports.complements.consensus_cells, docs/consensus.md)
        "rounds": len(set(data.votes.round_id)) if data.votes is not None and len(data.votes) else 0,
    }
    return Tables(built, data.read_at, counts, options)


async def read_data(db: Database, columnar: bool = True, options: Options | None = None) -> AggregateData:
    """What the tables read (:func:`read_arguments`: the plan's questionnaires and questions), in
    one transaction: as Arrow columns through an ADBC driver (:func:`storage.aggregates.load_columnar`)
    when the database allows it, else through SQLAlchemy Core (``columnar=False`` forces that
    path). The tables are the same."""
    arguments = read_arguments(options)
    if columnar:
        data = await aggregates.load_columnar(db, **arguments)
        if data is not None:
            return data
    async with db.transaction() as session:
        return await aggregates.load(session, fast=True, **arguments)


async def compute_tables(db: Database, options: Options | None = None, columnar: bool = True) -> Tables:
    """Read (:func:`read_data`) and compute every table; the CPU-heavy part in a thread."""
    data = await read_data(db, columnar, options)
    return await asyncio.to_thread(build_tables, data, options)
