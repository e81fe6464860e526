"""The ``simulate`` entry point: plan the respondents, then write the city in one transaction."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..database import Database
from ..models import Actor, Answer, Card, QuestionnaireVersion, Respondent, Run
from .city import City
from .rows import SHARES, T0, Vocabulary, Writer, known_actors, next_ids


@dataclass
class SimulationResult:
    """What one call wrote, for the CLI's summary and the benchmarks."""

    counts: dict[str, int] = field(default_factory=dict)  # table → rows written
    seconds: float = 0.0

    @property
    def answers(self) -> int:
        return self.counts.get("answers", 0)


async def simulate(db: Database, respondents: int, seed: int = 1,
                   progress: Callable[[int], None] | None = None, *, questionnaires: Path) -> SimulationResult:
    """Add ``respondents`` synthetic respondents (and a register sized to them); returns rows written.

    ``questionnaires`` is the folder of Cremona's plan (plans/cremona/questionnaires): the synthetic
    city answers its five questionnaires, so the rows pass the same checks as real ones.

    The steps draw from one seeded random source in a fixed order: that order is what makes the
    same seed give the same rows, so a step must not draw more or less than it does.
    """
    started = time.perf_counter()
    if respondents < 1:
        raise ValueError("respondents must be at least 1")
    rnd = random.Random(seed)
    vocab = Vocabulary(questionnaires)
    plan = Vocabulary.register(questionnaires)
    n_actors, kinds = _plan(respondents, rnd, len(plan), lambda n: City.register_size(
        n, plan, vocab.codes("ascolto", "category")))
    async with db.engine.begin() as connection:
        ids = await next_ids(connection)
        w = Writer(connection)
        await _register_definitions(connection, vocab)
        city = City(seed, rnd, vocab, w, ids)
        city.add_actors(n_actors, plan, await known_actors(connection, [row["code"] for row in plan]))
        # the citizens' start times in order, so ids grow with time as in a real campaign
        starts = sorted(city.campaign.start() for _ in kinds)
        for offset, kind in enumerate(kinds):
            city.add_respondent(ids["respondents"] + offset, kind, starts[offset])
            await w.maybe_flush()
            if progress is not None and offset % 10_000 == 0:
                progress(offset)
        await w.flush()
        for rater in city.raters:
            city.rate_cards(rater)
            await w.maybe_flush()
        await w.flush()
        if connection.dialect.name == "postgresql":
            await _advance_sequences(connection)
    return SimulationResult(dict(w.counts), time.perf_counter() - started)


def _plan(respondents: int, rnd: random.Random, planned: int, size: Callable[[int], int]) -> tuple[int, list[str]]:
    """The register's size and each respondent's questionnaire (interviews first, raters last).

    The register holds at least the plan's own actors (``planned``) and a few of every category;
    on a small city the interviews are capped at a third of the respondents.
    """
    n_actors = size(max(12, planned, min(400, respondents // 40)))
    n_interviews = min(respondents, max(3, min(round(n_actors * 1.1), max(3, respondents // 3))))
    n_raters = min(max(0, respondents - n_interviews), max(3, min(40, respondents // 500)))
    rest = respondents - n_interviews - n_raters
    kinds = rnd.choices(list(SHARES), weights=list(SHARES.values()), k=rest)
    return n_actors, ["ascolto"] * n_interviews + kinds + ["valutazione"] * n_raters


async def _register_definitions(connection: AsyncConnection, vocab: Vocabulary) -> None:
    """The definitions runs point to (exports and the tagger read them), each registered once."""
    table = QuestionnaireVersion.__table__
    for q in vocab.q.values():
        known = await connection.scalar(select(func.count()).select_from(table).where(
            table.c.questionnaire_id == q.id, table.c.version == q.version))
        if not known:
            await connection.execute(insert(table), [{
                "questionnaire_id": q.id, "version": q.version, "definition": q.model_dump(mode="json"),
                "registered_at": T0}])


async def _advance_sequences(connection: AsyncConnection) -> None:
    """PostgreSQL: rows were written with explicit ids, so move the sequences past them."""
    for model in (Actor, Respondent, Run, Answer, Card):
        name = model.__table__.name
        await connection.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {name}))"))
