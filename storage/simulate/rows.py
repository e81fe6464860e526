"""The building blocks of a simulation: the constants, the questionnaires' codes, the batched writer.

Kept apart from :mod:`.city` (what a synthetic respondent says) so that changing how rows are
written, or which codes exist, never touches the order in which the random source is drawn.
"""

from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs import Questionnaire, load_file

from ..models import (
    Actor,
    Answer,
    AnswerTag,
    Card,
    Consent,
    Rating,
    RespondentActor,
    Respondent,
    Run,
    RunOutcome,
    TaggedAnswer,
)

CHANNEL = "simulated"
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
BATCH_ROWS = 50_000
METHOD = "simulate"
INDICES = ("strategic_role", "feasibility", "change_capacity", "economic_impact", "coherence")
# share of respondents by questionnaire (the interviews and raters are bounded by the register)
SHARES = {"visione": 0.64, "imprese": 0.33, "progetto": 0.03}
FILLER = ("per la città", "nei prossimi anni", "insieme alle imprese", "per i giovani", "con le scuole",
          "lungo il Po", "nel centro storico", "per tutta la provincia", "con più investimenti", "subito")

# the order tables are written in (foreign keys first)
ORDER: tuple[type[Any], ...] = (Actor, Respondent, Consent, RespondentActor, Run, Answer, TaggedAnswer, AnswerTag,
                                RunOutcome, Card, Rating)


class Vocabulary:
    """The built-in questionnaires and their choice codes, so the data passes the real checks."""

    def __init__(self, d: Path) -> None:
        self.q: dict[str, Questionnaire] = {name: load_file(d / f"{name}.yaml", shared_lists=d / "lists")
                                             for name in ("ascolto", "visione", "imprese", "progetto", "valutazione")}
        self._codes: dict[tuple[str, str], list[str]] = {}

    def codes(self, qid: str, key: str) -> list[str]:
        """The codes of a question's choices (memoised: asked once per respondent; do not mutate)."""
        found = self._codes.get((qid, key))
        if found is None:
            q = self.q[qid]
            found = self._codes[(qid, key)] = [str(c.value) for c in q.choices_for(q.question(key))]
        return found

    @staticmethod
    def register(d: Path) -> list[dict[str, str]]:
        """The plan's register of actors (``register/actors.csv`` beside the questionnaires), if any."""
        path = d.parent / "register" / "actors.csv"
        if not path.is_file():
            return []
        with path.open(encoding="utf-8", newline="") as handle:
            return [row for row in csv.DictReader(handle) if row.get("code") and row.get("category")]

    def labels(self, qid: str, key: str) -> dict[str, str]:
        q = self.q[qid]
        return {str(c.value): c.label.it for c in q.choices_for(q.question(key))}


class Writer:
    """Buffers rows per table and writes them in foreign-key order with executemany."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self.rows: dict[type[Any], list[dict[str, Any]]] = defaultdict(list)
        self.pending = 0
        self.counts: dict[str, int] = defaultdict(int)

    def add(self, model: type[Any], **values: Any) -> None:
        self.rows[model].append(values)
        self.pending += 1

    async def maybe_flush(self) -> None:
        if self.pending >= BATCH_ROWS:
            await self.flush()

    async def flush(self, until: type[Any] | None = None) -> None:
        for model in ORDER:
            batch = self.rows.pop(model, None)
            if batch:
                table: Table = model.__table__
                await self.connection.execute(insert(table), batch)
                self.counts[table.name] += len(batch)
            if model is until:
                break
        self.pending = sum(len(v) for v in self.rows.values())


async def known_actors(connection: AsyncConnection, codes: list[str]) -> dict[str, tuple[int, str, str]]:
    """The plan's actors already in the register (code → id, category, organisation): kept, not doubled."""
    table = Actor.__table__
    rows = (await connection.execute(select(table.c.code, table.c.id, table.c.category, table.c.organisation)
                                     .where(table.c.code.in_(codes)))).all() if codes else []
    return {code: (a, category, name) for code, a, category, name in rows}


async def next_ids(connection: AsyncConnection) -> dict[str, int]:
    """The first free id of each table simulate writes explicit ids to: it appends after them."""
    ids = {}
    for model in (Actor, Respondent, Run, Answer, Card):
        table = model.__table__
        ids[table.name] = int(await connection.scalar(select(func.coalesce(func.max(table.c.id), 0)))) + 1
    return ids


def public_id(seed: int, kind: str, number: int) -> str:
    """A pseudonym-like public id, unique per (seed, number) and reproducible."""
    return hashlib.blake2b(f"{seed}:{kind}:{number}".encode(), digest_size=6).hexdigest()
