"""The tables behind the dashboard, built on demand and kept for a minute, for each set of filters.

The convergence tables (:mod:`exports.tables`, the same k-suppression and pseudonyms as
the file exports) are read in one transaction and computed in a worker thread, so a page never
blocks the event loop; the activity table (completed questionnaires per day or week) is added
beside them. A filtered view (:mod:`exports.filters`) keeps only the runs its filters select —
checked first by the filters' guard (a minimum group size, no small difference from a wider view)
— and then computes the same tables from those rows, so suppression applies *after* filtering.
pandas and the tables load at the first dashboard request, not at start-up: the first pages of a
restarted service wait for neither (tests/bot/test_startup.py).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from exports.filters import Filters, Selection, categorise, day_of, present, restrict, select
from storage import Database, aggregates, facets

if TYPE_CHECKING:  # pandas and the tables load at the first dashboard request, not at start-up
    from exports.tables import Table, Tables  # the dashboard's other modules take the types from here
    from storage.aggregates import AggregateData

CACHE_SECONDS = 60.0
ACTIVITY = "activity"
VIEWS_KEPT = 16  # filtered views kept beside the whole one
WEEKLY_AFTER_DAYS = 21  # a campaign longer than three weeks is drawn by week (fewer small, hidden cells)
STEPS = ("giorno", "settimana")


@dataclass
class Base:
    """One read of the database: what every view of the next minute is computed from."""

    data: AggregateData
    facets: dict[int, facets.RespondentFacets]
    runs: list[facets.RunDay]
    made: float


@dataclass
class View:
    """The tables of one filter set (None when the guard refused it), and what the form offers."""

    filters: Filters
    selection: Selection
    tables: Tables | None
    offered: dict[str, list[str]]
    step: str
    data: AggregateData | None = None  # the rows the tables were computed from (the per-question page)


class TableCache:
    """The convergence tables and the activity table, rebuilt when older than ``ttl`` seconds."""

    def __init__(self, db: Database, k: int, lang: str, weights: Any = None, ttl: float = CACHE_SECONDS,
                 sources: Any = None) -> None:
        self.db = db
        self.sources = sources  # the plan's labels (exports.options.PlanSources)
        self.lang, self.weights = lang, weights
        self.k = k
        self.ttl = ttl
        self._base: Base | None = None
        self._views: OrderedDict[tuple[Any, ...], View] = OrderedDict()
        self._lock = asyncio.Lock()

    def _options(self) -> Any:
        from exports.tables import Options  # slow (pandas): at the first dashboard request

        return Options(k=self.k, lang=self.lang, weights=self.weights, sources=self.sources)

    async def _read(self) -> Base:
        if self._base is not None and time.monotonic() - self._base.made < self.ttl:
            return self._base
        from exports.tables.build import read_arguments  # slow (pandas): at the first dashboard request

        options = self._options()
        reads = read_arguments(options)  # the plan's questionnaires (plan.yaml tables:)
        async with self.db.transaction() as session:
            data = await aggregates.load(session, reads["questionnaires"], outcomes_of=reads["outcomes_of"])
            found, runs = await facets.load(session)
        found = categorise(found, runs, options.inputs.business)  # the firms' survey's respondents are firms
        self._base = Base(data, found, runs, time.monotonic())
        self._views.clear()
        return self._base

    async def get(self) -> Tables:
        """The unfiltered tables (the public page, the API, the report)."""
        view = await self.view(Filters())
        assert view.tables is not None  # the unfiltered view is never refused
        return view.tables

    async def view(self, filters: Filters, step: str | None = None) -> View:
        """The tables of ``filters``, built again (once, however many requests wait) when too old."""
        async with self._lock:
            base = await self._read()
            chosen = select(filters, base.facets, base.runs, self.k)
            step = step if step in STEPS else auto_step(chosen)
            key = (filters, step)
            if key in self._views:
                self._views.move_to_end(key)
                return self._views[key]
            tables, data = None, None
            if chosen.refused is None:
                from exports.tables import build_tables  # slow (pandas): at the first dashboard request

                data = base.data if filters.empty else restrict(base.data, chosen.run_ids)
                tables = await asyncio.to_thread(build_tables, data, self._options())
                tables.tables[ACTIVITY] = activity_table(base, chosen, self.k, step)
            view = View(filters, chosen, tables, present(base.facets, base.runs), step, data)
            self._views[key] = view
            while len(self._views) > VIEWS_KEPT:
                self._views.popitem(last=False)
            return view

    def forget(self) -> None:
        self._base = None
        self._views.clear()


def auto_step(chosen: Selection) -> str:
    days = list(chosen.days)
    return "settimana" if days and (max(days) - min(days)).days > WEEKLY_AFTER_DAYS else "giorno"


def period_of(day: date, step: str) -> date:
    return day - timedelta(days=day.weekday()) if step == "settimana" else day


def activity_table(base: Base, chosen: Selection, k: int, step: str = "giorno") -> Table:
    """Completed questionnaires and respondents per day (or week), questionnaire and channel.

    A cell of 1 … k−1 respondents is hidden, and so are the cells that would let it be worked
    out from the totals the page prints (each questionnaire's completed runs: exports.disclosure)."""
    import pandas as pd  # slow to import: only once the tables are being built, never at start-up

    from exports.disclosure import line, protect
    from exports.tables import Table  # imports pandas: likewise (loaded with build_tables by now)

    runs: dict[tuple[str, str, str], int] = {}
    people: dict[tuple[str, str, str], set[int]] = {}
    for r in base.runs:
        if r.run_id not in chosen.run_ids:
            continue
        day = day_of(r.started_at, r.completed_at)
        who = base.facets.get(r.respondent_id)
        key = (period_of(day, step).isoformat(), r.questionnaire_id, who.channel if who else "?")  # type: ignore[arg-type]
        runs[key] = runs.get(key, 0) + 1
        people.setdefault(key, set()).add(r.respondent_id)
    keys = sorted(runs)
    small = {key for key in keys if 0 < len(people[key]) < k}
    totals = {("total", q): sum(n for key, n in runs.items() if key[1] == q) for q in {key[1] for key in keys}}
    values: dict[Any, int] = {**runs, **totals}
    lines = [line([key for key in keys if key[1] == q], ("total", q)) for _, q in totals]
    hidden = protect(values, small, lines, cost=lambda key, n: float("inf") if key[0] == "total" else n) if small else set()
    frame = pd.DataFrame({
        "day": [key[0] for key in keys],
        "questionnaire": [key[1] for key in keys],
        "channel": [key[2] for key in keys],
        "runs": pd.array([None if key in hidden else runs[key] for key in keys], dtype="Int64"),
        "respondents": pd.array([None if key in hidden else len(people[key]) for key in keys], dtype="Int64"),
    })
    word = "settimana (dal lunedì)" if step == "settimana" else "giorno"
    return Table(ACTIVITY, "Risposte nel tempo",
                 f"Questionari completati per {word} (UTC), questionario e canale, con i rispondenti distinti; "
                 f"una cella con 1…{k - 1} rispondenti è nascosta, e con essa quelle che la farebbero ricavare "
                 "dai totali.", frame,
                 {"day": "UTC date (the Monday of the week, by week) the questionnaires were completed",
                  "channel": "telegram, web, whatsapp or cli (the terminal)", "runs": "questionnaires completed",
                  "respondents": "distinct respondents"})
